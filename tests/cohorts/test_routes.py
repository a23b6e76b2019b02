"""Cohort pages: creating, the invite code, adding people, roster import, links."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from lms.accounts import service as accounts
from lms.cohorts import service as cohorts
from lms.cohorts.roster import parse_roster
from lms.models.accounts import Role
from lms.models.cohorts import Cohort
from tests.factories import make_cohort, make_user
from tests.support import form_token, sign_in_as

HEADER = "username,name,role,email,phone,student_id\n"


@pytest.fixture
async def coordinator_client(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> httpx.AsyncClient:
    coordinator = await make_user(db_session, role=Role.coordinator, username="coord")
    await sign_in_as(client, app, db_session, coordinator)
    return client


async def run_cohort(session: AsyncSession, code: str) -> Cohort:
    """A cohort whose coordinator is the signed-in ``coord``."""
    cohort = await make_cohort(session, code=code)
    coordinator = await accounts.get_user(session, "coord")
    await cohorts.add_member(
        session, cohort=cohort, user=coordinator, role="coordinator", actor=None
    )
    return cohort


async def test_create_cohort_and_see_it(
    coordinator_client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    client = coordinator_client
    token = await form_token(client, "/cohorts")
    created = await client.post(
        "/cohorts",
        data={"csrf_token": token, "code": "fz-2026", "name": "福州社区服务", "pathway": ""},
    )
    assert created.status_code == 303
    assert created.headers["Location"] == "/cohorts/FZ-2026"
    page = await client.get("/cohorts/FZ-2026")
    assert "福州社区服务" in page.text
    cohort = await cohorts.find_cohort(db_session, "FZ-2026")
    assert cohort is not None
    assert cohort.invite_code[:4] in page.text
    again = await client.post(
        "/cohorts", data={"csrf_token": token, "code": "FZ-2026", "name": "again"}
    )
    assert again.status_code == 422
    assert BeautifulSoup(again.text, "html.parser").select_one("#e-code") is not None


async def test_roster_preview_then_import(
    coordinator_client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    client = coordinator_client
    await run_cohort(db_session, "QH-1")
    token = await form_token(client, "/cohorts/QH-1")
    content = (
        "\ufeff" + HEADER + "aygul,ئايگۈل مەمەت,volunteer,,,2024001\n"
        "tashi,བཀྲ་ཤིས་སྒྲོལ་མ,volunteer,,,\n"
    ).encode()
    preview = await client.post(
        "/cohorts/QH-1/roster",
        data={"csrf_token": token},
        files={"file": ("名单.csv", content, "text/csv")},
    )
    assert preview.status_code == 200
    assert "ئايگۈل مەمەت" in preview.text
    assert await accounts.find_user(db_session, "aygul") is None  # a preview imports nothing
    text = BeautifulSoup(preview.text, "html.parser").select_one("input[name=roster_text]")
    assert text is not None
    done = await client.post(
        "/cohorts/QH-1/roster/import", data={"csrf_token": token, "roster_text": text["value"]}
    )
    assert done.status_code == 303
    assert done.headers["Location"] == "/cohorts/QH-1?imported=2"
    aygul = await accounts.get_user(db_session, "aygul")
    assert aygul.name == "ئايگۈل مەمەت"
    links = await client.post("/cohorts/QH-1/links.csv", data={"csrf_token": token})
    assert links.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert links.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(links.content.decode("utf-8-sig"))))
    assert rows[0] == ["username", "name", "link"]
    assert {r[0] for r in rows[1:]} == {"aygul", "tashi"}
    assert all("/password/" in r[2] for r in rows[1:])


@pytest.mark.parametrize(
    ("filename", "content", "status", "message"),
    [
        (
            "roster.csv",
            (HEADER + "a1,甲,volunteer,,,\na1,乙,volunteer,,,\n").encode(),
            422,
            "Line 3",
        ),
        ("roster.csv", (HEADER + "a1,甲,boss,,,\n").encode(), 422, "Use volunteer or trainer"),
        ("roster.csv", (HEADER + "a1,甲,volunteer,,,\n").encode("utf-16"), 422, "not UTF-8"),
        ("roster.csv", b"name,username\n", 422, "The first line must be exactly"),
        ("roster.xlsx", b"PK\x03\x04", 415, "Upload the roster as a .csv file"),
        ("roster.csv", b"x" * (2 * 1024 * 1024 + 1), 413, "larger than 2 MB"),
    ],
)
async def test_bad_rosters_import_nothing(
    coordinator_client: httpx.AsyncClient,
    db_session: AsyncSession,
    filename: str,
    content: bytes,
    status: int,
    message: str,
) -> None:
    client = coordinator_client
    await run_cohort(db_session, "QH-2")
    token = await form_token(client, "/cohorts/QH-2")
    response = await client.post(
        "/cohorts/QH-2/roster",
        data={"csrf_token": token},
        files={"file": (filename, content, "text/csv")},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == status
    assert message in response.text
    assert await accounts.find_user(db_session, "a1") is None
    if status == 422 and filename.endswith(".csv"):  # and straight to the import: refused too
        text = content.decode("utf-8", errors="replace")
        imported = await client.post(
            "/cohorts/QH-2/roster/import", data={"csrf_token": token, "roster_text": text}
        )
        assert imported.status_code == 422
        assert await accounts.find_user(db_session, "a1") is None


async def test_tampered_roster_is_checked_again_on_import(
    coordinator_client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    client = coordinator_client
    await run_cohort(db_session, "QH-3")
    token = await form_token(client, "/cohorts/QH-3")
    response = await client.post(
        "/cohorts/QH-3/roster/import",
        data={"csrf_token": token, "roster_text": HEADER + "sneaky,坏,admin,,,\n"},
    )
    assert response.status_code == 422
    assert await accounts.find_user(db_session, "sneaky") is None


async def test_add_one_person_shows_their_link_once(
    coordinator_client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    client = coordinator_client
    await run_cohort(db_session, "QH-4")
    token = await form_token(client, "/cohorts/QH-4")
    added = await client.post(
        "/cohorts/QH-4/members",
        data={"csrf_token": token, "username": "teacher", "name": "扎西老师", "role": "trainer"},
    )
    assert added.status_code == 201
    assert "/password/" in added.text
    bad = await client.post(
        "/cohorts/QH-4/members",
        data={"csrf_token": token, "username": "boss", "name": "老板", "role": "coordinator"},
    )
    assert bad.status_code == 422
    assert await accounts.find_user(db_session, "boss") is None


async def test_invite_controls(
    coordinator_client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    client = coordinator_client
    cohort = await run_cohort(db_session, "QH-5")
    old = cohort.invite_code
    token = await form_token(client, "/cohorts/QH-5")
    closed = await client.post(
        "/cohorts/QH-5/invite", data={"csrf_token": token, "action": "close"}
    )
    assert closed.status_code == 303
    await db_session.refresh(cohort)
    assert cohort.invite_open is False
    await client.post("/cohorts/QH-5/invite", data={"csrf_token": token, "action": "new"})
    await db_session.refresh(cohort)
    assert cohort.invite_open is True
    assert cohort.invite_code != old
    bad = await client.post("/cohorts/QH-5/invite", data={"csrf_token": token, "action": "explode"})
    assert bad.status_code == 422


async def test_members_are_paged(
    coordinator_client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    cohort = await run_cohort(db_session, "QH-6")
    rows = "".join(f"p{i:03d},学员{i},volunteer,,,\n" for i in range(120))
    await cohorts.import_roster(
        db_session, cohort=cohort, roster=parse_roster(HEADER + rows), actor=None
    )
    first = await coordinator_client.get("/cohorts/QH-6", headers={"Accept-Language": "en"})
    assert "Page 1 of 2" in first.text
    assert "p000" in first.text
    assert "p119" not in first.text
    second = await coordinator_client.get(
        "/cohorts/QH-6?page=2", headers={"HX-Request": "true", "Accept-Language": "en"}
    )
    assert "<html" not in second.text  # the members block alone
    assert "p119" in second.text
    assert "Page 2 of 2" in second.text
    bad = await coordinator_client.get("/cohorts/QH-6?page=0")
    assert bad.status_code == 422
