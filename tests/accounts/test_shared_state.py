"""Throttling and sessions are shared state: two app instances on one database agree."""

from __future__ import annotations

import re
import secrets
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.support import LiveServer, throwaway_database

PASSWORD = "river-lantern-57-yak"


def csrf(client: httpx.Client, url: str) -> str:
    page = client.get(url + "/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text[:200]
    return match.group(1)


@pytest.mark.database
def test_two_instances_share_login_throttling_and_sessions(tmp_path: Path) -> None:
    secret = secrets.token_urlsafe(40)
    with throwaway_database(tmp_path) as url:
        env = {"LMS_SECRET_KEY": secret}
        servers = [
            LiveServer(data_dir=tmp_path / name, database_url=url, extra_env=env)
            for name in ("a", "b")
        ]
        stack = ExitStack()
        try:
            servers[0].lms(
                "users",
                "create",
                "shared",
                "--role",
                "volunteer",
                "--password-stdin",
                stdin=PASSWORD + "\n",
            )
            a, b = (stack.enter_context(httpx.Client(base_url=s.url)) for s in servers)
            tokens = {id(a): csrf(a, servers[0].url), id(b): csrf(b, servers[1].url)}
            statuses = []
            for attempt in range(10):  # alternate: five failures on each instance
                client = a if attempt % 2 == 0 else b
                response = client.post(
                    "/login",
                    data={"csrf_token": tokens[id(client)], "username": "shared", "password": "no"},
                )
                statuses.append(response.status_code)
            assert statuses == [400] * 10
            for client in (a, b):  # each saw only five, but both refuse now
                response = client.post(
                    "/login",
                    data={
                        "csrf_token": tokens[id(client)],
                        "username": "shared",
                        "password": PASSWORD,
                    },
                )
                assert response.status_code == 429
                assert "Retry-After" in response.headers

            # A session started on one instance works on the other, and ending it
            # on one ends it on both.
            c = stack.enter_context(httpx.Client(base_url=servers[0].url))
            token = csrf(c, servers[0].url)
            servers[0].lms(
                "users",
                "create",
                "mover",
                "--role",
                "volunteer",
                "--password-stdin",
                stdin=PASSWORD + "\n",
            )
            signed_in = c.post(
                "/login", data={"csrf_token": token, "username": "mover", "password": PASSWORD}
            )
            assert signed_in.status_code == 303
            other = stack.enter_context(httpx.Client(base_url=servers[1].url, cookies=c.cookies))
            assert other.get("/profile").status_code == 200
            profile_token = re.search(
                r'name="csrf_token" value="([^"]+)"', other.get("/profile").text
            )
            assert profile_token
            other.post("/profile/sessions/end-all", data={"csrf_token": profile_token.group(1)})
            assert c.get("/profile").status_code == 303
        finally:
            stack.close()
            for server in servers:
                server.stop()
