"""The demo data: the accounts, and a class whose quiz attempts give the trainer an item
analysis with real numbers in it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.accounts import service as accounts
from lms.cohorts import service as cohorts
from lms.demo import CLASSMATES, COHORT, ensure_demo
from lms.models.quizzes import QuizAttempt
from lms.quizzes.results import cohort_overview, module_results
from tests.factories import load_fixture_content

pytestmark = pytest.mark.database
SHIPPED = Path(__file__).resolve().parent.parent / "content"


async def attempts(session: AsyncSession) -> int:
    return (await session.scalar(select(func.count()).select_from(QuizAttempt))) or 0


async def test_the_demo_class_gives_every_quiz_an_item_analysis(db_session: AsyncSession) -> None:
    await load_fixture_content(db_session, SHIPPED)
    await ensure_demo(db_session)
    await db_session.commit()
    cohort = await cohorts.find_cohort(db_session, COHORT)
    assert cohort is not None
    slugs = ["volunteer-skills", "child-rights", "community-rebuilding"]
    summaries, count = await cohort_overview(
        db_session, cohort=cohort, language="zh", course_slugs=slugs
    )
    assert len(summaries) >= 12, "each shipped module has a quiz"
    assert count == len(CLASSMATES) + 1  # the demo volunteer too
    assert all(s.attempted == len(CLASSMATES) for s in summaries)
    assert any(0 < s.passed < len(CLASSMATES) for s in summaries), "some pass, some do not"
    made = await attempts(db_session)
    assert made == len(CLASSMATES) * len(summaries)
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
        assert results.first_attempts == len(CLASSMATES)
        assert all(item.answered == len(CLASSMATES) for item in results.items)
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

    await ensure_demo(db_session)  # make demo again: nobody takes a quiz twice
    await db_session.commit()
    assert await attempts(db_session) == made
    classmate = await accounts.find_user(db_session, CLASSMATES[0][0])
    assert classmate is not None and classmate.password_hash is None
