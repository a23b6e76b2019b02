"""The module editor in the browser: the preview as learners will see it with problems by
line, upload, publish (a stale edit is refused and nothing is lost), history, a diff,
restore; who may use it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.courses.check import load_content
from lms.courses.sync import sync_content
from lms.models.accounts import Role
from lms.models.audit import AuditEvent
from lms.models.courses import Module
from tests.factories import make_user
from tests.support import form_token, sign_in_as

pytestmark = pytest.mark.database
COURSE = "/courses/service-records"
EDIT = COURSE + "/02-a-good-entry/edit"


@pytest.fixture
async def trainer(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession, content: Path
) -> str:
    """Signed in as a trainer; the CSRF token for forms."""
    await sync_content(db_session, load_content(content))
    user = await make_user(db_session, username="trainer", role=Role.trainer)
    await sign_in_as(client, app, db_session, user)
    client.headers["Accept-Language"] = "en"
    return await form_token(client, EDIT)


def source(content: Path, name: str = "02-a-good-entry.md") -> str:
    return (content / "courses" / "service-records" / name).read_text(encoding="utf-8")


async def current_revision(session: AsyncSession, stem: str = "02-a-good-entry") -> int | None:
    return await session.scalar(
        select(col(Module.current_revision)).where(col(Module.stem) == stem)
    )


async def test_the_editor_shows_the_text_and_the_preview(
    client: httpx.AsyncClient, trainer: str, content: Path
) -> None:
    page = await client.get(EDIT)
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("#f-text").text == source(content)  # type: ignore[union-attr]
    preview = soup.select_one("#preview")
    assert preview is not None and preview.select_one(".prose") is not None
    assert soup.select_one("input[name=base]")["value"] == "1"  # type: ignore[index]
    english = await client.get(EDIT + "?lang=en")
    english_text = BeautifulSoup(english.text, "html.parser").select_one("#f-text")
    assert english_text is not None and english_text.text == source(
        content, "02-a-good-entry.en.md"
    )


async def test_the_preview_shows_problems_by_line_and_changes_nothing(
    client: httpx.AsyncClient, trainer: str, db_session: AsyncSession, content: Path
) -> None:
    broken = source(content).replace("---\n", "---\nauthor: me\n", 1)
    answer = await client.post(
        COURSE + "/editor/preview",
        data={
            "csrf_token": trainer,
            "stem": "02-a-good-entry",
            "lang": "zh",
            "text": broken,
            "base": "1",
        },
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    fragment = BeautifulSoup(answer.text, "html.parser")
    assert fragment.select_one("#preview") is not None
    assert fragment.select_one("header") is None, "htmx gets the preview only"
    problems = [li.get_text(" ", strip=True) for li in fragment.select(".line-problems li")]
    assert problems and problems[0].startswith("Line 2")
    assert "unknown field" in problems[0] and "author: me" in problems[0]
    assert fragment.select_one(".prose") is not None, "the text still renders"
    assert await current_revision(db_session) == 1
    assert source(content) != broken


async def test_the_quiz_preview_marks_the_right_answers(
    client: httpx.AsyncClient, trainer: str, content: Path
) -> None:
    answer = await client.post(
        COURSE + "/editor/preview",
        data={
            "csrf_token": trainer,
            "stem": "03-privacy",
            "lang": "zh",
            "text": source(content, "03-privacy.md"),
            "base": "1",
        },
    )
    soup = BeautifulSoup(answer.text, "html.parser")
    quiz = soup.select_one(".quiz-preview")
    assert quiz is not None
    assert len(quiz.select(":scope > ol > li")) == 6
    right = [li.get_text(strip=True) for li in quiz.select("li.right")]
    assert any("否" in text or "不" in text for text in right), right


async def test_publish_makes_a_revision_learners_see_and_writes_the_file(
    client: httpx.AsyncClient, trainer: str, db_session: AsyncSession, content: Path
) -> None:
    fixed = source(content).replace("记录", "纪录", 1)
    answer = await client.post(
        COURSE + "/editor/publish",
        data={
            "csrf_token": trainer,
            "stem": "02-a-good-entry",
            "lang": "zh",
            "text": fixed,
            "base": "1",
        },
    )
    assert answer.status_code == 303
    assert answer.headers["Location"] == EDIT + "?lang=zh&published=2"
    assert await current_revision(db_session) == 2
    assert source(content) == fixed
    page = await client.get(answer.headers["Location"])
    assert "Revision 2 is published" in page.text
    event = await db_session.scalar(
        select(AuditEvent).where(col(AuditEvent.action) == "module.publish")
    )
    assert event is not None and event.object_id == "service-records/02-a-good-entry"


async def test_a_stale_publish_is_refused_and_nothing_is_lost(
    client: httpx.AsyncClient, trainer: str, db_session: AsyncSession, content: Path
) -> None:
    first = source(content) + "\n第一位老师的补充。\n"
    second = source(content) + "\n第二位老师的补充。\n"
    for text, expected in ((first, 303), (second, 409)):
        answer = await client.post(
            COURSE + "/editor/publish",
            data={
                "csrf_token": trainer,
                "stem": "02-a-good-entry",
                "lang": "zh",
                "text": text,
                "base": "1",
            },
        )
        assert answer.status_code == expected
    soup = BeautifulSoup(answer.text, "html.parser")
    assert soup.select_one("#conflict") is not None
    assert soup.select_one("#f-text").text == second, "the second teacher's text is kept"  # type: ignore[union-attr]
    assert await current_revision(db_session) == 2
    assert source(content) == first


async def test_publishing_a_broken_text_shows_the_editor_with_the_problems(
    client: httpx.AsyncClient, trainer: str, db_session: AsyncSession
) -> None:
    answer = await client.post(
        COURSE + "/editor/publish",
        data={
            "csrf_token": trainer,
            "stem": "02-a-good-entry",
            "lang": "zh",
            "text": "---\ntitle: T\nminutes: 1\n---\n<script>x()</script>\n",
            "base": "1",
        },
    )
    assert answer.status_code == 422
    soup = BeautifulSoup(answer.text, "html.parser")
    assert "<script>x()</script>" in soup.select_one("#f-text").text  # type: ignore[union-attr]
    assert "Line 5" in soup.select_one(".line-problems").get_text()  # type: ignore[union-attr]
    assert await current_revision(db_session) == 1


async def test_a_new_module_from_the_browser(
    client: httpx.AsyncClient, trainer: str, db_session: AsyncSession, content: Path
) -> None:
    page = await client.get(COURSE + "/new")
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("#f-stem")["value"] == "04-"  # type: ignore[index]
    text = "---\ntitle: 时数签认\nminutes: 5\n---\n请督导签认。\n"
    answer = await client.post(
        COURSE + "/editor/publish",
        data={"csrf_token": trainer, "stem": "04-sign-off", "lang": "zh", "text": text},
    )
    assert answer.status_code == 303
    assert await current_revision(db_session, "04-sign-off") == 1
    assert source(content, "04-sign-off.md") == text
    again = await client.post(
        COURSE + "/editor/publish",
        data={"csrf_token": trainer, "stem": "04-sign-off", "lang": "zh", "text": text},
    )
    assert again.status_code == 409, "a second 'new' module of that name"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.md", "标题".encode("gb18030"), "not UTF-8"),
        ("big.md", b"x" * (1024 * 1024 + 1), "the limit is 1024 KB"),
        ("ok.md", b"---\ntitle: T\nminutes: 1\n---\n![x](../../secret.png)\n", "Line 5"),
    ],
)
async def test_an_upload_is_checked_and_never_published(
    client: httpx.AsyncClient,
    trainer: str,
    db_session: AsyncSession,
    name: str,
    data: bytes,
    message: str,
) -> None:
    answer = await client.post(
        COURSE + "/editor/upload",
        data={"csrf_token": trainer, "stem": "02-a-good-entry", "lang": "zh", "base": "1"},
        files={"file": (name, data, "text/markdown")},
    )
    assert answer.status_code == 422
    assert (
        message in BeautifulSoup(answer.text, "html.parser").select_one(".line-problems").get_text()
    )  # type: ignore[union-attr]
    assert await current_revision(db_session) == 1


async def test_a_good_upload_fills_the_editor(
    client: httpx.AsyncClient, trainer: str, db_session: AsyncSession
) -> None:
    text = "---\ntitle: 好的记录\nminutes: 5\n---\n上传的正文。\n"
    answer = await client.post(
        COURSE + "/editor/upload",
        data={"csrf_token": trainer, "stem": "02-a-good-entry", "lang": "zh", "base": "1"},
        files={"file": ("entry.md", text.encode("utf-8-sig"), "text/markdown")},
    )
    assert answer.status_code == 200
    soup = BeautifulSoup(answer.text, "html.parser")
    assert soup.select_one("#f-text").text == text  # type: ignore[union-attr]
    assert "上传的正文" in soup.select_one("#preview .prose").get_text()  # type: ignore[union-attr]
    assert await current_revision(db_session) == 1, "an upload is not a publish"


async def test_history_diff_and_restore(
    client: httpx.AsyncClient, trainer: str, db_session: AsyncSession, content: Path
) -> None:
    original = source(content)
    edited = original.replace("记录", "纪录", 1)
    await client.post(
        COURSE + "/editor/publish",
        data={
            "csrf_token": trainer,
            "stem": "02-a-good-entry",
            "lang": "zh",
            "text": edited,
            "base": "1",
        },
    )
    history = await client.get(COURSE + "/02-a-good-entry/history")
    soup = BeautifulSoup(history.text, "html.parser")
    items = soup.select(".history > li")
    assert len(items) == 2
    assert "trainer" in items[0].get_text() and "what learners see" in items[0].get_text()
    assert items[1].select_one("form") is not None, "an older revision can be restored"
    diff = await client.get(COURSE + "/02-a-good-entry/history/2")
    page = BeautifulSoup(diff.text, "html.parser")
    assert [d.get_text() for d in page.select(".diff del")] == [
        line for line in original.split("\n") if line not in edited.split("\n")
    ]
    assert page.select(".diff ins"), "the new line is shown"
    stale = await client.post(
        COURSE + "/02-a-good-entry/history/1/restore", data={"csrf_token": trainer, "base": "1"}
    )
    assert stale.status_code == 409
    restored = await client.post(
        COURSE + "/02-a-good-entry/history/1/restore", data={"csrf_token": trainer, "base": "2"}
    )
    assert restored.status_code == 303
    assert await current_revision(db_session) == 3
    assert source(content) == original
    missing = await client.get(COURSE + "/02-a-good-entry/history/9")
    assert missing.status_code == 404


async def test_editor_links_only_for_trainers_and_admins(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession, content: Path
) -> None:
    await sync_content(db_session, load_content(content))
    coordinator = await make_user(db_session, username="coord", role=Role.coordinator)
    await sign_in_as(client, app, db_session, coordinator)
    page = await client.get(COURSE + "/02-a-good-entry")
    assert "/edit" not in page.text
    assert (await client.get(EDIT)).status_code == 403


async def test_an_upload_for_a_new_module_takes_the_file_name(
    client: httpx.AsyncClient, trainer: str
) -> None:
    text = "---\ntitle: 时数签认\nminutes: 5\n---\n请督导签认。\n"
    answer = await client.post(
        COURSE + "/editor/upload",
        data={"csrf_token": trainer, "stem": "04-", "lang": "zh", "base": ""},
        files={"file": ("04-sign-off.md", text.encode("utf-8"), "text/markdown")},
    )
    assert answer.status_code == 200, answer.text
    soup = BeautifulSoup(answer.text, "html.parser")
    assert soup.select_one("#f-stem")["value"] == "04-sign-off"  # type: ignore[index]
    assert soup.select_one(".line-problems") is None


async def test_publishing_the_same_text_again_makes_no_revision(
    client: httpx.AsyncClient, trainer: str, db_session: AsyncSession, content: Path
) -> None:
    answer = await client.post(
        COURSE + "/editor/publish",
        data={
            "csrf_token": trainer,
            "stem": "02-a-good-entry",
            "lang": "zh",
            "text": source(content),
            "base": "1",
        },
    )
    assert answer.headers["Location"] == EDIT + "?lang=zh&unchanged=1"
    assert await current_revision(db_session) == 1
    page = await client.get(answer.headers["Location"])
    assert "Nothing changed" in page.text


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("02-a-good-entry.en.md", "This file is the English version"),
        ("01-why-records.md", "This file is for the module 01-why-records"),
    ],
)
async def test_an_upload_for_another_language_or_module_is_refused(
    client: httpx.AsyncClient, trainer: str, db_session: AsyncSession, name: str, message: str
) -> None:
    answer = await client.post(
        COURSE + "/editor/upload",
        data={"csrf_token": trainer, "stem": "02-a-good-entry", "lang": "zh", "base": "1"},
        files={"file": (name, b"---\ntitle: T\nminutes: 1\n---\nx\n", "text/markdown")},
    )
    assert answer.status_code == 422
    assert message in answer.text
    assert await current_revision(db_session) == 1


async def test_a_base_that_is_not_a_number_is_no_server_error(
    client: httpx.AsyncClient, trainer: str
) -> None:
    answer = await client.post(
        COURSE + "/editor/preview",
        data={
            "csrf_token": trainer,
            "stem": "02-a-good-entry",
            "lang": "zh",
            "text": "x",
            "base": "²",
        },
    )
    assert answer.status_code == 200
