"""Enrolment (self and through a cohort's pathway), reading, progress and resuming."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.cohorts import service as cohorts
from lms.cohorts.roster import parse_roster
from lms.courses import service as courses
from lms.courses.check import load_content
from lms.courses.sync import sync_content
from lms.errors import FormErrors, NotFound
from lms.models.accounts import Role, User
from lms.models.base import utcnow
from lms.models.courses import ContentProblem, Enrolment, ModuleProgress, ModuleText, Pathway
from tests.factories import load_fixture_content, make_cohort, make_user
from tests.support import FIXTURE_CONTENT

pytestmark = pytest.mark.database
COURSE = "service-records"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the fixture content, to change and sync again."""
    copy = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, copy)
    return copy


async def enrolments(session: AsyncSession, user: User) -> list[tuple[str, str]]:
    rows = await courses.progress_report(session, user=user)
    return [(row["course"], row["enrolled_through"]) for row in rows]


async def test_self_enrolment_is_idempotent(db_session: AsyncSession) -> None:
    await load_fixture_content(db_session)
    user = await make_user(db_session)
    course = await courses.find_course(db_session, COURSE)
    first, created = await courses.enrol(db_session, user=user, course=course)
    again, created_again = await courses.enrol(db_session, user=user, course=course)
    assert (created, created_again) == (True, False)
    assert first.id == again.id
    assert await enrolments(db_session, user) == [(COURSE, "self")]


async def test_an_unknown_course_is_not_found(db_session: AsyncSession) -> None:
    with pytest.raises(NotFound, match="There is no course nursing"):
        await courses.find_course(db_session, "nursing")
    user = await make_user(db_session)
    await load_fixture_content(db_session)
    with pytest.raises(NotFound, match="has no module 09-nothing"):
        await courses.outline(db_session, slug=COURSE, user=user, language="en", stem="09-nothing")


async def test_joining_a_cohort_enrols_in_its_pathways_courses(db_session: AsyncSession) -> None:
    await load_fixture_content(db_session)
    cohort = await make_cohort(db_session, pathway="records-practice")
    volunteer = await make_user(db_session, cohort=cohort)
    trainer = await make_user(db_session, role=Role.trainer, cohort=cohort)
    assert await enrolments(db_session, volunteer) == [(COURSE, "cohort")]
    assert await enrolments(db_session, trainer) == []  # staff are not learners
    # Registering with the cohort's invite code and a roster import do the same.
    roster = parse_roster("username,name,role,email,phone,student_id\nroster-1,甲,volunteer,,,\n")
    (imported,) = await cohorts.import_roster(db_session, cohort=cohort, roster=roster, actor=None)
    assert await enrolments(db_session, imported) == [(COURSE, "cohort")]


async def test_a_cohort_needs_a_loaded_pathway(db_session: AsyncSession) -> None:
    with pytest.raises(FormErrors) as refused:
        await make_cohort(db_session, pathway="records-practice")  # not loaded yet
    assert "There is no pathway records-practice" in refused.value.errors["pathway"]
    await load_fixture_content(db_session)
    assert (await make_cohort(db_session, pathway="records-practice")).pathway


async def test_a_sync_enrols_cohorts_in_a_course_added_to_their_pathway(
    db_session: AsyncSession, root: Path
) -> None:
    pathway_file = root / "pathways" / "records-practice.yaml"
    pathway_file.write_text(
        pathway_file.read_text(encoding="utf-8").replace(
            "courses: [service-records]", "courses: []"
        ),
        encoding="utf-8",
    )
    await sync_content(db_session, load_content(root))
    cohort = await make_cohort(db_session, pathway="records-practice")
    volunteer = await make_user(db_session, cohort=cohort)
    assert await enrolments(db_session, volunteer) == []
    shutil.copy(FIXTURE_CONTENT / "pathways" / "records-practice.yaml", pathway_file)
    report = await sync_content(db_session, load_content(root))
    assert report.pathways == ["records-practice"]
    assert report.enrolments == 1
    assert await enrolments(db_session, volunteer) == [(COURSE, "cohort")]


async def test_marking_read_counts_once_and_enrols(db_session: AsyncSession) -> None:
    await load_fixture_content(db_session)
    user = await make_user(db_session)
    outline = await courses.outline(
        db_session, slug=COURSE, user=user, language="zh", stem="02-a-good-entry"
    )
    assert outline.enrolment is None
    assert outline.current is not None
    assert await courses.mark_read(
        db_session, user=user, course=outline.course, module=outline.current
    )
    assert not await courses.mark_read(
        db_session, user=user, course=outline.course, module=outline.current
    )
    after = await courses.outline(db_session, slug=COURSE, user=user, language="zh")
    assert after.enrolment is not None and after.enrolment.origin == "self"
    assert [m.complete for m in after.modules] == [False, True, False]
    assert (after.progress.complete, after.progress.total, after.progress.percent) == (1, 3, 33)
    (report,) = await courses.progress_report(db_session, user=user)
    assert report["modules_complete"] == 1
    assert report["quizzes_passed"] == 0
    assert report["percent"] == 33


async def test_a_quiz_pass_completes_a_module(db_session: AsyncSession) -> None:
    await load_fixture_content(db_session)
    user = await make_user(db_session)
    outline = await courses.outline(
        db_session, slug=COURSE, user=user, language="en", stem="01-why-records"
    )
    assert outline.current is not None
    db_session.add(
        ModuleProgress(
            user_id=user.id or 0,
            module_id=outline.current.id,
            revision_id=outline.current.revision_id,
            quiz_passed_at=utcnow(),
        )
    )
    await db_session.flush()
    after = await courses.outline(db_session, slug=COURSE, user=user, language="en")
    assert after.modules[0].complete
    assert after.progress.quizzes_passed == 1


async def test_a_module_read_in_an_old_revision_stays_read(
    db_session: AsyncSession, root: Path
) -> None:
    await sync_content(db_session, load_content(root))
    user = await make_user(db_session)
    outline = await courses.outline(
        db_session, slug=COURSE, user=user, language="en", stem="01-why-records"
    )
    assert outline.current is not None
    seen = outline.current.revision_id
    await courses.mark_read(db_session, user=user, course=outline.course, module=outline.current)
    english = root / "courses" / COURSE / "01-why-records.en.md"
    english.write_text(english.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")
    report = await sync_content(db_session, load_content(root))
    assert report.revisions == [f"{COURSE}/01-why-records@2"]
    after = await courses.outline(
        db_session, slug=COURSE, user=user, language="en", stem="01-why-records"
    )
    assert after.current is not None
    assert after.current.revision_id != seen
    assert after.current.complete
    assert "One more line." in (after.html or "")
    progress = (await db_session.scalars(select(ModuleProgress))).one()
    assert progress.revision_id == seen  # the revision the learner saw when reading


async def test_a_deleted_module_leaves_the_course_and_its_progress_with_it(
    db_session: AsyncSession, root: Path
) -> None:
    await sync_content(db_session, load_content(root))
    for name in ("03-privacy.md", "03-privacy.en.md"):
        (root / "courses" / COURSE / name).unlink()
    (root / "courses" / COURSE / "01-why-records.en.md").write_text("no front matter", "utf-8")
    report = await sync_content(db_session, load_content(root))
    assert report.retired == [f"{COURSE}/03-privacy"]  # the broken module stays
    user = await make_user(db_session)
    outline = await courses.outline(db_session, slug=COURSE, user=user, language="en")
    assert [m.stem for m in outline.modules] == ["01-why-records", "02-a-good-entry"]
    with pytest.raises(NotFound):
        await courses.outline(db_session, slug=COURSE, user=user, language="en", stem="03-privacy")
    for name in ("03-privacy.md", "03-privacy.en.md"):  # the files come back unchanged
        shutil.copy(FIXTURE_CONTENT / "courses" / COURSE / name, root / "courses" / COURSE / name)
    report = await sync_content(db_session, load_content(root))
    assert report.revisions == []  # no new revision: the old one is published again
    back = await courses.outline(db_session, slug=COURSE, user=user, language="en")
    assert [m.stem for m in back.modules] == ["01-why-records", "02-a-good-entry", "03-privacy"]


async def test_a_slug_with_more_after_a_real_one_is_not_found(
    db_session: AsyncSession, root: Path
) -> None:
    """Slugs are at most 64 characters; a longer one is not cut down to a real one."""
    slug = "s" * 64
    course = root / "courses" / COURSE / "course.md"
    course.write_text(
        course.read_text(encoding="utf-8").replace(f"slug: {COURSE}", f"slug: {slug}"), "utf-8"
    )
    (root / "courses" / COURSE).rename(root / "courses" / slug)  # the folder is the slug
    await sync_content(db_session, load_content(root))
    user = await make_user(db_session)
    assert (await courses.find_course(db_session, slug)).slug == slug
    with pytest.raises(NotFound):
        await courses.find_course(db_session, slug + "-junk")
    with pytest.raises(NotFound):
        await courses.outline(db_session, slug=slug + "-junk", user=user, language="en")


async def test_problems_and_pathways_are_stored_for_the_site(
    db_session: AsyncSession, root: Path
) -> None:
    (root / "courses" / COURSE / "02-a-good-entry.en.md").write_bytes(b"\xff\xfe bad")
    await sync_content(db_session, load_content(root))
    (problem,) = await courses.content_problems(db_session)
    assert (problem.path, problem.line) == (f"courses/{COURSE}/02-a-good-entry.en.md", 1)
    assert "not UTF-8" in problem.message
    pathway = (await db_session.scalars(select(Pathway))).one()
    assert courses.pathway_courses(pathway.definition) == [COURSE]
    shutil.copy(
        FIXTURE_CONTENT / "courses" / COURSE / "02-a-good-entry.en.md",
        root / "courses" / COURSE / "02-a-good-entry.en.md",
    )
    await sync_content(db_session, load_content(root))
    assert await db_session.scalar(select(func.count()).select_from(ContentProblem)) == 0


async def test_resume_goes_where_the_learner_left_off(db_session: AsyncSession) -> None:
    await load_fixture_content(db_session)
    user = await make_user(db_session)
    course = await courses.find_course(db_session, COURSE)
    enrolment, _ = await courses.enrol(db_session, user=user, course=course)

    async def resume() -> str | None:
        outline = await courses.outline(db_session, slug=COURSE, user=user, language="en")
        target = outline.resume()
        return target.stem if target else None

    assert await resume() == "01-why-records"  # nothing opened yet: the start
    second = await courses.outline(
        db_session, slug=COURSE, user=user, language="en", stem="02-a-good-entry"
    )
    assert second.current is not None
    await courses.remember_visit(
        db_session, enrolment_id=enrolment.id or 0, module_id=second.current.id
    )
    await db_session.refresh(enrolment)
    assert await resume() == "02-a-good-entry"  # opened, not finished
    await courses.mark_read(db_session, user=user, course=course, module=second.current)
    assert await resume() == "03-privacy"  # the next one after it
    for stem in ("01-why-records", "03-privacy"):
        page = await courses.outline(db_session, slug=COURSE, user=user, language="en", stem=stem)
        assert page.current is not None
        await courses.mark_read(db_session, user=user, course=course, module=page.current)
    assert await resume() is None  # all done


async def test_titles_follow_the_language_with_the_first_language_as_fallback(
    db_session: AsyncSession,
) -> None:
    await load_fixture_content(db_session)
    user = await make_user(db_session)
    chinese = await courses.outline(db_session, slug=COURSE, user=user, language="zh")
    english = await courses.outline(db_session, slug=COURSE, user=user, language="en")
    assert chinese.title == "服务记录的写法"
    assert english.modules[0].title == "Why we keep service records"
    listing = await courses.course_list(db_session, language="en")
    assert listing[0]["modules"][0] == {
        "slug": "01-why-records",
        "title": "Why we keep service records",
    }
    count = await db_session.scalar(
        select(func.count()).select_from(Enrolment).where(col(Enrolment.user_id) == user.id)
    )
    assert count == 0  # looking is not enrolling


async def test_published_texts_are_kept_by_revision(db_session: AsyncSession) -> None:
    """A page view reads the learner's state; a revision's texts, which never change,
    come from the worker's cache once read, and the oldest leave first."""
    await load_fixture_content(db_session)
    user = await make_user(db_session)
    cache = courses.TextCache(size=3)
    first = await courses.outline(
        db_session, slug=COURSE, user=user, language="en", stem="01-why-records", texts=cache
    )
    revisions = [m.revision_id for m in first.modules]
    small = courses.TextCache(size=1)
    assert len(await small.get(db_session, revisions)) == 3  # the caller gets all it asked
    await db_session.execute(delete(ModuleText))  # from now on only a cache can answer
    again = await courses.outline(
        db_session, slug=COURSE, user=user, language="en", stem="01-why-records", texts=cache
    )
    assert again.html == first.html and again.html
    assert [m.title for m in again.modules] == [m.title for m in first.modules]
    assert list(await small.get(db_session, revisions)) == revisions[-1:]  # one kept
