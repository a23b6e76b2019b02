"""Eligibility is computed from the records: each rule, its edge, and the number of
statements it takes for a whole cohort."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from lms.accounts import service as accounts
from lms.models.accounts import User
from lms.models.base import utcnow
from lms.models.pathways import Evaluation
from lms.pathways import service as pathways
from lms.pathways.eligibility import Standing
from tests.factories import make_user
from tests.pathways.conftest import (
    Place,
    approved_hours,
    cohort_of,
    read,
    ready_for_l5,
    scored,
)


async def standing_of(session: AsyncSession, place: Place, who: str = "vol") -> Standing:
    found = await pathways.checklists(
        session, user_id=place.people[who], slugs=["path"], language="en"
    )
    return found[0].standing


def met(standing: Standing, code: str) -> dict[str, bool]:
    level = standing.level(code)
    assert level is not None
    return {f"{r.kind}:{r.key}": r.met for r in level.requirements}


async def test_nothing_done_lists_everything_missing(
    db_session: AsyncSession, place: Place
) -> None:
    standing = await standing_of(db_session, place)
    l5 = standing.level("L5")
    assert l5 is not None and not l5.eligible
    assert [r.kind for r in l5.requirements] == ["course", "quiz", "quiz", "hours"]
    assert l5.summary() == [
        "2 modules to finish in Alpha",
        "2 quizzes to pass: Alpha one, Alpha two",
        "4 more approved hours",
    ]
    l4 = standing.level("L4")
    assert l4 is not None
    assert [r.kind for r in l4.requirements] == [
        "prerequisite",
        "course",
        "course",
        "quiz",
        "quiz",
        "quiz",
        "hours",
        "evaluation",
    ]
    assert l4.summary()[0] == "Reach Level 5 first"
    assert standing.next_level is l5


async def test_every_l5_requirement_met_makes_it_eligible(
    db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    standing = await standing_of(db_session, place)
    l5 = standing.level("L5")
    assert l5 is not None and l5.eligible and l5.summary() == []
    assert met(standing, "L4")["prerequisite:L5"]
    assert standing.next_level is standing.level("L4")
    assert standing.approved_hours == 4


async def test_one_quarter_hour_short_is_not_eligible(
    db_session: AsyncSession, place: Place
) -> None:
    await read(db_session, place, "vol", "alpha/01-one", "alpha/02-two")
    await scored(db_session, place, "vol", "alpha/01-one", 70)
    await scored(db_session, place, "vol", "alpha/02-two", 65)
    await approved_hours(db_session, place, "vol", 3.75)
    l5 = (await standing_of(db_session, place)).level("L5")
    assert l5 is not None and not l5.eligible
    assert l5.summary() == ["0.25 more approved hours"]
    hours = l5.of("hours")[0]
    assert hours.detail == "3.75 of 4 approved hours: 0.25 more"


async def test_the_bar_is_the_higher_of_pass_mark_and_level_minimum(
    db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    await read(db_session, place, "vol", "beta/01-only")
    await scored(db_session, place, "vol", "beta/01-only", 75)  # beta's pass mark is 50
    standing = await standing_of(db_session, place)
    quizzes = {r.key: r for r in standing.level("L4").of("quiz")}  # type: ignore[union-attr]
    assert {k: r.target for k, r in quizzes.items()} == {
        "alpha/01-one": 80,
        "alpha/02-two": 80,
        "beta/01-only": 80,
    }
    assert not any(r.met for r in quizzes.values())  # 70, 65, 75: all under 80
    assert quizzes["beta/01-only"].detail == "Best score 75: 80 needed"
    assert met(standing, "L5")["quiz:alpha/01-one"]  # 70 clears L5's 60


async def test_the_best_attempt_counts(db_session: AsyncSession, place: Place) -> None:
    await scored(db_session, place, "vol", "alpha/01-one", 40, days=3)
    await scored(db_session, place, "vol", "alpha/01-one", 90, days=2)
    await scored(db_session, place, "vol", "alpha/01-one", 55, days=1)
    req = next(
        r
        for r in (await standing_of(db_session, place)).level("L5").of("quiz")  # type: ignore[union-attr]
        if r.key == "alpha/01-one"
    )
    assert req.met and req.current == 90


async def test_an_unfinished_attempt_is_not_a_try(db_session: AsyncSession, place: Place) -> None:
    from lms.models.quizzes import QuizAttempt

    db_session.add(
        QuizAttempt(
            user_id=place.people["vol"],
            module_id=place.modules["alpha/01-one"],
            revision_id=place.revisions["alpha/01-one"],
            language="en",
            draw=[],
        )
    )
    await db_session.flush()
    standing = await standing_of(db_session, place)
    req = standing.level("L5").of("quiz")[0]  # type: ignore[union-attr]
    assert not req.met and not req.tried
    assert req.detail == "Not taken yet: 60 needed"
    assert not standing.stuck
    assert standing.last_active is not None  # starting a quiz is activity


async def test_a_passed_quiz_completes_its_module_without_reading(
    db_session: AsyncSession, place: Place
) -> None:
    from lms.models.courses import ModuleProgress

    for key in ("alpha/01-one", "alpha/02-two"):
        db_session.add(
            ModuleProgress(
                user_id=place.people["vol"],
                module_id=place.modules[key],
                revision_id=place.revisions[key],
                quiz_passed_at=utcnow(),
            )
        )
    await db_session.flush()
    course = (await standing_of(db_session, place)).level("L5").of("course")[0]  # type: ignore[union-attr]
    assert course.met and course.detail == "All 2 modules complete"


async def test_only_approved_hours_count(db_session: AsyncSession, place: Place) -> None:
    from lms.practicum import service as hours
    from lms.practicum.rules import Rules
    from tests.practicum.conftest import ZONE, days_ago

    volunteer = await db_session.get(User, place.people["vol"])
    assert volunteer is not None
    await hours.log_hours(
        db_session,
        user=volunteer,
        raw={
            "date": days_ago(2),
            "start": "09:00",
            "end": "17:00",
            "site": place.site_id,
            "activity": "direct_service",
            "description": "等待批准的时数。",
        },
        rules=Rules(zone=ZONE),
    )
    standing = await standing_of(db_session, place)
    assert standing.approved_hours == 0
    assert not met(standing, "L5")["hours:hours"]


async def evaluation(
    session: AsyncSession, place: Place, *, passed: bool, days: int, level: str = "L4"
) -> None:
    session.add(
        Evaluation(
            volunteer_id=place.people["vol"],
            pathway="path",
            level=level,
            evaluator_id=place.people["trainer"],
            capacity="trainer",
            ratings=[],
            passed=passed,
            comment=None if passed else "多练习",
            created_at=utcnow() - timedelta(days=days),
        )
    )
    await session.flush()


async def test_the_latest_evaluation_decides(db_session: AsyncSession, place: Place) -> None:
    await evaluation(db_session, place, passed=True, days=5)
    assert met(await standing_of(db_session, place), "L4")["evaluation:L4"]
    await evaluation(db_session, place, passed=False, days=1)
    standing = await standing_of(db_session, place)
    req = standing.level("L4").of("evaluation")[0]  # type: ignore[union-attr]
    assert not req.met and req.tried
    assert req.detail == "The last evaluation said not yet: a new one is needed"


async def test_l4_needs_everything_including_the_evaluation(
    db_session: AsyncSession, place: Place
) -> None:
    await read(db_session, place, "vol", "alpha/01-one", "alpha/02-two", "beta/01-only")
    for key in ("alpha/01-one", "alpha/02-two", "beta/01-only"):
        await scored(db_session, place, "vol", key, 85)
    await approved_hours(db_session, place, "vol", 10)
    standing = await standing_of(db_session, place)
    l4 = standing.level("L4")
    assert l4 is not None and not l4.eligible
    assert l4.summary() == ["No supervisor's evaluation yet"]
    await evaluation(db_session, place, passed=True, days=0)
    standing = await standing_of(db_session, place)
    assert standing.level("L4").eligible  # type: ignore[union-attr]
    assert standing.next_level is None and standing.reached == 2


async def test_l4_without_l5_is_not_eligible(db_session: AsyncSession, place: Place) -> None:
    """Quizzes tried and failed, a module unread: L5 is not reached, so L4's
    prerequisite is not met, and the volunteer is stuck on L5."""
    await read(db_session, place, "vol", "alpha/01-one", "beta/01-only")  # alpha/02 unread
    for key in ("alpha/01-one", "alpha/02-two", "beta/01-only"):
        await scored(db_session, place, "vol", key, 40)  # tried, all below every bar
    standing = await standing_of(db_session, place)
    assert standing.stuck
    assert not met(standing, "L4")["prerequisite:L5"]


async def test_inactive_after_thirty_days(db_session: AsyncSession, place: Place) -> None:
    await scored(db_session, place, "vol", "alpha/01-one", 90, days=31)
    standing = await standing_of(db_session, place)
    assert standing.inactive(utcnow() - timedelta(days=60))
    await scored(db_session, place, "vol", "alpha/02-two", 90, days=29)
    standing = await standing_of(db_session, place)
    assert not standing.inactive(utcnow() - timedelta(days=60))
    # never active: counted from joining
    assert not (await standing_of(db_session, place, "mate")).inactive(utcnow())
    assert (await standing_of(db_session, place, "mate")).inactive(utcnow() - timedelta(days=31))


async def test_details_are_in_the_readers_language(db_session: AsyncSession, place: Place) -> None:
    from lms.i18n import current_language

    await approved_hours(db_session, place, "vol", 2.5)
    token = current_language.set("zh")
    try:
        found = await pathways.checklists(
            db_session, user_id=place.people["vol"], slugs=["path"], language="zh"
        )
        l5 = found[0].standing.level("L5")
        assert l5 is not None and l5.title == "五级"
        hours = l5.of("hours")[0]
        assert "2.5" in hours.detail and "1.5" in hours.detail
        assert any("已通过的服务时数" in line for line in l5.summary())
    finally:
        current_language.reset(token)


async def test_a_cohort_takes_the_same_statements_for_two_or_forty(
    db_session: AsyncSession, place: Place
) -> None:
    """No statement per volunteer: the overview of 2 and of 40 volunteers costs the same."""
    cohort = await cohort_of(db_session, place)
    await ready_for_l5(db_session, place)
    statements: list[str] = []

    def count(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        statements.append(sql)

    engine = db_session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        small = await pathways.overview(db_session, cohort=cohort, language="en")
        few = len(statements)
        for n in range(38):
            await make_user(db_session, username=f"bulk{n}", cohort=cohort, password=None)
            place.people[f"bulk{n}"] = (await accounts.find_user(db_session, f"bulk{n}")).id  # type: ignore[union-attr]
            await scored(db_session, place, f"bulk{n}", "alpha/01-one", 50 + n)
            await read(db_session, place, f"bulk{n}", "alpha/02-two")
        statements.clear()
        large = await pathways.overview(db_session, cohort=cohort, language="en")
        many = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert small is not None and large is not None
    assert len(small.rows) == 2 and len(large.rows) == 40
    assert many == few
    ranked = {row.user.username: row.standing for row in large.rows}
    assert ranked["bulk37"].level("L5").of("quiz")[0].current == 87  # type: ignore[union-attr]
