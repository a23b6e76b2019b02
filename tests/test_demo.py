"""The demo data: the accounts, and a class whose quiz attempts give the trainer an item
analysis with real numbers in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.accounts import service as accounts
from lms.cohorts import service as cohorts
from lms.demo import CLASSMATES, COHORT, STAGES, ensure_demo
from lms.models.accounts import User
from lms.models.quizzes import QuizAttempt
from lms.quizzes.results import cohort_overview, module_results
from tests.factories import load_fixture_content

pytestmark = pytest.mark.database
SHIPPED = Path(__file__).resolve().parent.parent / "content"


async def attempts(session: AsyncSession) -> int:
    return (await session.scalar(select(func.count()).select_from(QuizAttempt))) or 0


async def test_the_demo_class_gives_every_quiz_an_item_analysis(db_session: AsyncSession) -> None:
    await load_fixture_content(db_session, SHIPPED)
    await ensure_demo(db_session, content_dir=SHIPPED)
    await db_session.commit()
    cohort = await cohorts.find_cohort(db_session, COHORT)
    assert cohort is not None
    slugs = ["volunteer-skills", "child-rights", "community-rebuilding"]
    summaries, count = await cohort_overview(
        db_session, cohort=cohort, language="zh", course_slugs=slugs
    )
    assert len(summaries) >= 12, "each shipped module has a quiz"
    assert count == len(CLASSMATES) + len(STAGES) + 1  # the demo volunteer too
    # the classmates took every quiz; some of the pathway-stage volunteers took some
    assert all(s.attempted >= len(CLASSMATES) for s in summaries)
    assert any(0 < s.passed < s.attempted for s in summaries), "some pass, some do not"
    made = await attempts(db_session)
    names = [username for username, *_rest in CLASSMATES]
    theirs = await db_session.scalar(
        select(func.count())
        .select_from(QuizAttempt)
        .join(User, col(User.id) == QuizAttempt.user_id)
        .where(col(User.username).in_(names))
    )
    assert theirs == len(CLASSMATES) * len(summaries)
    volunteer = await accounts.find_user(db_session, "demo-volunteer")
    assert volunteer is not None
    mine = await db_session.scalar(
        select(func.count()).where(col(QuizAttempt.user_id) == volunteer.id)
    )
    assert mine == 0, "the demo volunteer's quizzes are theirs to take"

    for summary in summaries:
        results = await module_results(
            db_session,
            cohort=cohort,
            course_slug=summary.course.slug,
            stem=summary.module.stem,
            language="zh",
        )
        assert results.first_attempts >= len(CLASSMATES)
        assert all(item.answered == results.first_attempts for item in results.items)
        assert all(item.discrimination is not None for item in results.items)
        assert all(0 <= (item.facility or 0) <= 100 for item in results.items)
        scores = {round(r.best or 0) for r in results.learners if r.attempts}
        assert len(scores) > 1, f"{summary.module.stem}: every classmate scored the same"
    everything = [
        item
        for summary in summaries
        for item in (
            await module_results(
                db_session,
                cohort=cohort,
                course_slug=summary.course.slug,
                stem=summary.module.stem,
                language="zh",
            )
        ).items
    ]
    assert any((item.discrimination or 0) > 0 for item in everything)
    assert any(item.facility is not None and item.facility < 100 for item in everything)

    await ensure_demo(db_session, content_dir=SHIPPED)  # make demo again: nobody takes a quiz twice
    await db_session.commit()
    assert await attempts(db_session) == made
    classmate = await accounts.find_user(db_session, CLASSMATES[0][0])
    assert classmate is not None and classmate.password_hash is None


async def test_the_demo_has_a_volunteer_at_every_stage_of_the_pathway(
    db_session: AsyncSession,
) -> None:
    from lms.pathways import service as pathways

    await load_fixture_content(db_session, SHIPPED)
    await ensure_demo(db_session, content_dir=SHIPPED)
    cohort = await cohorts.find_cohort(db_session, COHORT)
    assert cohort is not None
    found = await pathways.overview(db_session, cohort=cohort, language="en")
    assert found is not None
    rows = {row.user.username: row for row in found.rows}

    def level(username: str, code: str) -> Any:
        status = rows[username].standing.level(code)
        assert status is not None
        return status

    assert rows["demo-stage-new"].standing.last_active is None
    assert level("demo-stage-new", "L5").tally("quiz")[0] == 0
    half = level("demo-stage-half", "L5").of("course")[0]
    assert 0 < half.current < half.target
    assert level("demo-stage-hours", "L5").summary() == ["7.5 more approved hours"]
    assert level("demo-stage-l5", "L5").eligible and not level("demo-stage-l5", "L4").eligible
    assert level("demo-stage-l4", "L4").summary() == ["No supervisor's evaluation yet"]
    assert level("demo-stage-placed", "L4").eligible
    placed = rows["demo-stage-placed"].referral
    assert placed is not None and placed.outcome == "placed"


async def test_the_demo_has_a_certificate_holder_a_revoked_one_and_one_waiting(
    db_session: AsyncSession,
) -> None:
    from lms.certificates import service as certificates
    from lms.models.certificates import Certificate

    await load_fixture_content(db_session, SHIPPED)
    await ensure_demo(db_session, content_dir=SHIPPED)
    await ensure_demo(db_session, content_dir=SHIPPED)  # a second run adds nothing

    async def held(username: str) -> list[tuple[str, str]]:
        user = await accounts.find_user(db_session, username)
        assert user is not None
        found = await certificates.of_volunteer(db_session, volunteer_id=user.id or 0)
        return sorted((c.level, certificates.status(c)) for c in found)

    assert await held("demo-stage-l4") == [("L5", "valid")]
    assert await held("demo-stage-revoked") == [("L5", "revoked")]
    assert await held("demo-stage-placed") == [("L4", "valid"), ("L5", "valid")]
    assert await held("demo-stage-l5") == []  # eligible for L5, not yet certified
    total = await db_session.scalar(select(func.count()).select_from(Certificate))
    assert total == 4
    revoked = (
        await db_session.scalars(
            select(Certificate).where(col(Certificate.revoked_at).is_not(None))
        )
    ).one()
    assert revoked.revoked_reason and "重复计算" in revoked.revoked_reason
