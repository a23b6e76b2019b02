// Page behaviour beyond htmx. No inline scripts anywhere: the CSP allows only files
// from this site. Every core flow works without this file.
(function () {
  "use strict";

  function showMessage(text) {
    var area = document.getElementById("messages");
    if (!area) return;
    var alert = document.createElement("div");
    alert.className = "alert alert-error";
    alert.setAttribute("role", "alert");
    alert.textContent = text;
    area.replaceChildren(alert);
  }

  // A 5xx is not swapped (htmx-config); say so in the user's language instead.
  document.addEventListener("htmx:responseError", function () {
    showMessage(document.body.dataset.msgServerError);
  });
  // Mobile networks drop: tell the user nothing was sent rather than fail silently.
  document.addEventListener("htmx:sendError", function () {
    showMessage(document.body.dataset.msgNetworkError);
  });
  // A new swap of content clears an old message about a previous action.
  document.addEventListener("htmx:beforeRequest", function () {
    var area = document.getElementById("messages");
    if (area) area.replaceChildren();
  });
})();

// The module editor: "Line 12" next to a problem puts the caret on that line.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-line]");
    var text = document.getElementById("f-text");
    if (!button || !text) return;
    var line = parseInt(button.dataset.line, 10);
    var lines = text.value.split("\n");
    var start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
    var end = start + (lines[line - 1] || "").length;
    // The caret first, then focus: the browser scrolls the caret's line into view.
    text.blur();
    text.setSelectionRange(start, start);
    text.focus();
    text.setSelectionRange(start, end);
  });
})();
