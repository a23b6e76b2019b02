-- One wrk thread is one volunteer with one connection (wrk -t32 -c32): it starts an
-- attempt (GET …/quiz), then submits it (POST …/quiz/attempts) with the attempt id the
-- start answered, and again, without pause. Used by bench/quiz_attempts.py, which passes
-- the quiz path, the answers and the tokens (one a line, in a file) as arguments.
local threads = {}
local counter = 0
local tokens = {}

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

function init(args)
  path, answers = args[1], args[2]
  local i = 0
  for line in io.lines(args[3]) do
    i = i + 1
    if i == index then token = line end
  end
  attempt = nil
  failures, starts, submits = 0, 0, 0
  first_failure = ""
end

function request()
  local headers = {
    ["Authorization"] = "Bearer " .. token,
    ["Accept-Language"] = "zh-CN",
    ["Connection"] = "close",
  }
  if attempt == nil then
    return wrk.format("GET", path, headers)
  end
  headers["Content-Type"] = "application/json"
  local body = '{"attempt_id": ' .. attempt .. ', "answers": ' .. answers .. '}'
  return wrk.format("POST", path .. "/attempts", headers, body)
end

function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
    if first_failure == "" then first_failure = status .. " " .. body:sub(1, 120) end
    attempt = nil
    return
  end
  if attempt == nil then
    attempt = body:match('"attempt_id"%s*:%s*(%d+)')
    starts = starts + 1
  else
    attempt = nil
    submits = submits + 1
  end
end

function done(summary, latency, requests)
  local failures, starts, submits, first = 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    failures = failures + thread:get("failures")
    starts = starts + thread:get("starts")
    submits = submits + thread:get("submits")
    if first == "" then first = thread:get("first_failure") end
  end
  io.write(string.format(
    "RESULT starts=%d submits=%d failures=%d p50=%.1f p99=%.1f max=%.1f first=%s\n",
    starts, submits, failures, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, first))
end
