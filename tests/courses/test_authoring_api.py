"""Publishing modules over the API: PUT the Markdown, list the revisions, restore one;
every kind of bad input is refused with lines and publishes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.accounts import service as accounts
from lms.config import Settings
from lms.courses.check import load_content
from lms.courses.sync import sync_content
from lms.models.accounts import Role, User
from lms.models.audit import AuditEvent
from lms.models.courses import Module, ModuleRevision, ModuleText
from lms.quizzes import service as quizzes
from tests.factories import FIXTURE_CONTENT, make_cohort, make_user

pytestmark = pytest.mark.database
COURSE = "/api/v1/courses/service-records/modules"
MARKDOWN = {"Content-Type": "text/markdown; charset=utf-8"}


async def bearer(session: AsyncSession, user: User) -> dict[str, str]:
    token = await accounts.create_token(session, user=user, name="ci")
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en", **MARKDOWN}


@pytest.fixture
async def trainer(db_session: AsyncSession, content: Path) -> dict[str, str]:
    await sync_content(db_session, load_content(content))
    user = await make_user(db_session, username="trainer", role=Role.trainer)
    return await bearer(db_session, user)


def module_text(content: Path, name: str) -> str:
    return (content / "courses" / "service-records" / name).read_text(encoding="utf-8")


async def current(session: AsyncSession, stem: str, language: str = "zh") -> tuple[int, str]:
    row = (
        await session.execute(
            select(col(ModuleRevision.revision), col(ModuleText.source))
            .join(Module, col(Module.id) == ModuleRevision.module_id)
            .join(ModuleText, col(ModuleText.revision_id) == ModuleRevision.id)
            .where(
                col(Module.stem) == stem,
                col(ModuleRevision.revision) == Module.current_revision,
                col(ModuleText.language) == language,
            )
        )
    ).one()
    return row[0], row[1]


async def test_a_trainer_publishes_an_edit_and_it_is_written_back(
    client: httpx.AsyncClient, trainer: dict[str, str], db_session: AsyncSession, content: Path
) -> None:
    text = module_text(content, "01-why-records.md").replace("记录", "纪录", 1)
    answer = await client.put(f"{COURSE}/01-why-records", headers=trainer, content=text)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "revision": 2,
        "left_out": [],
        "learners_on_older_revisions": 0,
        "unchanged": False,
    }
    again = await client.put(f"{COURSE}/01-why-records", headers=trainer, content=text)
    assert (again.status_code, again.json()["revision"], again.json()["unchanged"]) == (
        200,
        2,
        True,
    ), "a CI job sending every file again publishes nothing new"
    assert await current(db_session, "01-why-records") == (2, text)
    _revision, english = await current(db_session, "01-why-records", "en")
    assert english == module_text(content, "01-why-records.en.md"), "carried over"
    assert module_text(content, "01-why-records.md") == text, "written back to the folder"
    report = await sync_content(db_session, load_content(content))
    assert report.revisions == [], "the sync knows the files it was written to"

    listed = await client.get(f"{COURSE}/01-why-records/revisions", headers=trainer)
    assert listed.status_code == 200
    first, second = listed.json()
    assert (first["revision"], first["author"], first["lang"], first["origin"]) == (
        2,
        "trainer",
        "zh",
        "api",
    )
    assert first["current"] and not second["current"]
    assert (second["revision"], second["author"], second["origin"]) == (1, None, "file")
    assert set(second["languages"]) == {"zh", "en"}


async def test_a_new_module_then_its_translation(
    client: httpx.AsyncClient, trainer: dict[str, str], db_session: AsyncSession, content: Path
) -> None:
    english = "---\ntitle: Signing off hours\nminutes: 5\n---\nAsk your supervisor.\n"
    early = await client.put(f"{COURSE}/04-sign-off?lang=en", headers=trainer, content=english)
    assert early.status_code == 422
    assert early.json()["detail"] == [
        {"line": 1, "message": "Publish the module in zh first; this is a translation."}
    ]
    chinese = "---\ntitle: 时数签认\nminutes: 5\n---\n请督导签认。\n"
    made = await client.put(f"{COURSE}/04-sign-off", headers=trainer, content=chinese)
    assert (made.status_code, made.json()["revision"]) == (201, 1)
    translated = await client.put(f"{COURSE}/04-sign-off?lang=en", headers=trainer, content=english)
    assert (translated.status_code, translated.json()["revision"]) == (200, 2)
    assert module_text(content, "04-sign-off.en.md") == english
    events = list(
        await db_session.scalars(
            select(AuditEvent).where(col(AuditEvent.action) == "module.publish")
        )
    )
    assert [e.object_id for e in events] == ["service-records/04-sign-off"] * 2


BAD: list[tuple[str, bytes, str]] = [
    ("not UTF-8", "---\ntitle: 标题\n".encode("gb18030"), "The file is not UTF-8"),
    ("over 1 MB", b"---\ntitle: T\nminutes: 1\n---\n" + b"x" * (1024 * 1024), "The file is"),
    (
        "a script",
        b"---\ntitle: T\nminutes: 1\n---\nHi\n\n<script>alert(1)</script>\n",
        "7: a script or an event handler",
    ),
    (
        "an event handler",
        b'---\ntitle: T\nminutes: 1\n---\n<img src="a.png" onerror="x()">\n',
        "5: a script or an event handler",
    ),
    (
        "a broken quiz",
        b"---\ntitle: T\nminutes: 1\n---\nHi\n\n```quiz\n1. Which?\na) one\nb) two\n```\n",
        "9: question 1 needs exactly one correct choice",
    ),
    (
        "a picture outside the course",
        b"---\ntitle: T\nminutes: 1\n---\n![map](../other-course/map.png)\n",
        "5: ../other-course/map.png is not a file the course can serve",
    ),
    ("no front matter", b"Just text\n", "1: the file must start with front matter"),
]


@pytest.mark.parametrize(("case", "body", "expected"), BAD, ids=[b[0] for b in BAD])
async def test_bad_text_is_refused_by_line_and_nothing_is_published(
    client: httpx.AsyncClient,
    trainer: dict[str, str],
    db_session: AsyncSession,
    content: Path,
    case: str,
    body: bytes,
    expected: str,
) -> None:
    before = await current(db_session, "02-a-good-entry")
    answer = await client.put(f"{COURSE}/02-a-good-entry", headers=trainer, content=body)
    assert answer.status_code == 422, answer.text
    problems = answer.json()["detail"]
    rendered = [f"{p['line']}: {p['message']}" for p in problems]
    assert any(expected in line for line in rendered), (case, rendered)
    assert await current(db_session, "02-a-good-entry") == before
    assert module_text(content, "02-a-good-entry.md") == before[1]


async def test_who_may_publish_and_what_they_must_send(
    client: httpx.AsyncClient, trainer: dict[str, str], db_session: AsyncSession
) -> None:
    text = "---\ntitle: T\nminutes: 1\n---\nHi\n"
    volunteer = await bearer(db_session, await make_user(db_session, username="vol"))
    refused = await client.put(f"{COURSE}/02-a-good-entry", headers=volunteer, content=text)
    assert refused.status_code == 403
    anonymous = await client.put(f"{COURSE}/02-a-good-entry", headers=MARKDOWN, content=text)
    assert anonymous.status_code == 401
    as_json = {**trainer, "Content-Type": "application/json"}
    wrong = await client.put(f"{COURSE}/02-a-good-entry", headers=as_json, content=text)
    assert wrong.status_code == 415
    nowhere = await client.put("/api/v1/courses/nope/modules/01-x", headers=trainer, content=text)
    assert nowhere.status_code == 404
    for stem, message in (
        ("2-short", "two digits"),
        ("01-Upper", "two digits"),
        ("05-abc%0A", "two digits"),
        ("٠٥-abc", "two digits"),
    ):
        bad = await client.put(f"{COURSE}/{stem}", headers=trainer, content=text)
        assert bad.status_code == 422 and message in bad.text
    taken = await client.put(f"{COURSE}/01-another", headers=trainer, content=text)
    assert taken.status_code == 422 and "used by 01-why-records" in taken.text
    foreign = await client.put(f"{COURSE}/02-a-good-entry?lang=fr", headers=trainer, content=text)
    assert foreign.status_code == 422 and "not fr" in foreign.text
    assert (await current(db_session, "02-a-good-entry"))[0] == 1


async def test_a_stale_edit_is_a_conflict_and_nothing_is_lost(
    client: httpx.AsyncClient, trainer: dict[str, str], db_session: AsyncSession, content: Path
) -> None:
    original = module_text(content, "02-a-good-entry.md")
    mine = original.replace("记录", "记载", 1)
    theirs = original + "\n补充一句。\n"
    first = await client.put(
        f"{COURSE}/02-a-good-entry", headers={**trainer, "If-Match": '"1"'}, content=theirs
    )
    assert first.status_code == 200
    second = await client.put(
        f"{COURSE}/02-a-good-entry", headers={**trainer, "If-Match": "1"}, content=mine
    )
    assert second.status_code == 409
    assert "revision 2 is the current one" in second.json()["detail"]
    assert await current(db_session, "02-a-good-entry") == (2, theirs)
    for bad in (b"abc", "²".encode("latin-1"), b"1234567890"):  # a header is bytes
        garbage = await client.put(
            f"{COURSE}/02-a-good-entry", headers={**trainer, "If-Match": bad}, content=mine
        )
        assert garbage.status_code == 422, bad


async def test_restore_publishes_an_old_revision_again(
    client: httpx.AsyncClient, trainer: dict[str, str], db_session: AsyncSession, content: Path
) -> None:
    original = module_text(content, "02-a-good-entry.md")
    edited = original.replace("记录", "记载", 1)
    assert (
        await client.put(f"{COURSE}/02-a-good-entry", headers=trainer, content=edited)
    ).is_success
    restored = await client.post(f"{COURSE}/02-a-good-entry/revisions/1/restore", headers=trainer)
    assert (restored.status_code, restored.json()["revision"]) == (201, 3)
    assert await current(db_session, "02-a-good-entry") == (3, original)
    assert module_text(content, "02-a-good-entry.md") == original
    missing = await client.post(f"{COURSE}/02-a-good-entry/revisions/9/restore", headers=trainer)
    assert missing.status_code == 404
    huge = await client.post(
        f"{COURSE}/02-a-good-entry/revisions/99999999999999999999/restore", headers=trainer
    )
    assert huge.status_code == 422
    actions = list(
        await db_session.scalars(
            select(col(AuditEvent.action)).where(col(AuditEvent.object_type) == "module")
        )
    )
    assert actions == ["module.publish", "module.restore"]


async def test_a_changed_quiz_counts_learners_on_the_old_revision_and_leaves_out_translations(
    client: httpx.AsyncClient, trainer: dict[str, str], db_session: AsyncSession, content: Path
) -> None:
    cohort = await make_cohort(db_session, pathway="records-practice")
    learner = await make_user(db_session, username="learner", cohort=cohort)
    place = await quizzes.find(
        db_session, user=learner, course_slug="service-records", stem="03-privacy", language="zh"
    )
    await quizzes.start(db_session, user=learner, place=place, zone=Settings().zone)  # type: ignore[call-arg]
    original = module_text(content, "03-privacy.md")
    fewer = original.split("\n2. ", 1)[0].rstrip() + "\n```\n"
    answer = await client.put(f"{COURSE}/03-privacy", headers=trainer, content=fewer)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert body["left_out"] == ["en"]
    assert body["learners_on_older_revisions"] == 1
    texts = await db_session.scalar(
        select(func.count())
        .select_from(ModuleText)
        .join(ModuleRevision, col(ModuleRevision.id) == ModuleText.revision_id)
        .join(Module, col(Module.id) == ModuleRevision.module_id)
        .where(col(Module.stem) == "03-privacy", col(ModuleRevision.revision) == 2)
    )
    assert texts == 1, "the English text with the old quiz is not in the new revision"
    folder = content / "courses" / "service-records"
    assert not (folder / "03-privacy.en.md").exists(), "the stale translation left the folder"
    assert load_content(content).problems == [], "the folder passes the content check"
    listed = (await client.get(f"{COURSE}/03-privacy/revisions", headers=trainer)).json()
    assert (listed[0]["languages"], listed[0]["removed"]) == (["zh"], ["en"])
    stale = (FIXTURE_CONTENT / "courses/service-records/03-privacy.en.md").read_text("utf-8")
    again = await client.put(f"{COURSE}/03-privacy?lang=en", headers=trainer, content=stale)
    assert again.status_code == 422, "the translation must ask what the default asks"
    assert "questions" in again.text
