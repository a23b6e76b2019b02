"""A small pathway to compute: course ``alpha`` (two modules with quizzes, pass mark 60),
course ``beta`` (one module with a quiz, pass mark 50), and pathway ``path``:

- L5: alpha, quizzes at 60 or more, 4 approved hours;
- L4: requires L5; alpha and beta, quizzes at 80 or more, 10 hours, an evaluation.

Records are written straight into the tables (quiz attempts with a score, modules read)
or through the hours service, so each test sets exactly the state it asks about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.courses.check import load_content
from lms.courses.sync import sync_content
from lms.models.accounts import Role, User
from lms.models.base import utcnow
from lms.models.cohorts import Cohort
from lms.models.courses import Course, Module, ModuleProgress, ModuleRevision
from lms.models.quizzes import QuizAttempt
from lms.practicum import service as hours
from lms.practicum.rules import Rules
from tests.factories import make_cohort, make_user
from tests.practicum.conftest import ZONE, bearer, days_ago

PATHWAY = """slug: path
title: {en: Test Pathway, zh: 测试路径}
levels:
  - code: L5
    title: {en: Level 5, zh: 五级}
    courses: [alpha]
    min_quiz_score: 60
    practicum_hours: 4
  - code: L4
    title: {en: Level 4, zh: 四级}
    requires_level: L5
    courses: [alpha, beta]
    min_quiz_score: 80
    practicum_hours: 10
    evaluation:
      criteria:
        - {code: rapport, title: {en: Builds rapport, zh: 建立信任}}
        - {code: safety, title: {en: Keeps children safe, zh: 保护儿童安全}}
"""

COURSE = """---
slug: {slug}
title: {{en: {title}, zh: {title}}}
summary: {{en: A test course., zh: 测试课程。}}
order: {order}
hours: 1
languages: [en]
---
About {title}.
"""

MODULE = """---
title: {title}
minutes: 5
---
Read this.

```quiz
pass mark: {mark}

1. Is this right?
*a) Yes
b) No
```
"""


def write_content(root: Path) -> Path:
    for order, (slug, modules) in enumerate(
        (
            ("alpha", (("01-one", "Alpha one", 60), ("02-two", "Alpha two", 60))),
            ("beta", (("01-only", "Beta only", 50),)),
        ),
        start=1,
    ):
        folder = root / "courses" / slug
        folder.mkdir(parents=True)
        (folder / "course.md").write_text(
            COURSE.format(slug=slug, title=slug.title(), order=order), encoding="utf-8"
        )
        for stem, title, mark in modules:
            (folder / f"{stem}.md").write_text(
                MODULE.format(title=title, mark=mark), encoding="utf-8"
            )
    (root / "pathways").mkdir()
    (root / "pathways" / "path.yaml").write_text(PATHWAY, encoding="utf-8")
    return root


@dataclass
class Place:
    """The pathway's world: plain ids, since a refused request expires ORM objects."""

    cohort_id: int
    cohort_code: str
    modules: dict[str, int]  # "alpha/01-one" → module id
    revisions: dict[str, int]
    people: dict[str, int]  # name → user id
    site_id: int
    supervised_id: int
    tokens: dict[str, dict[str, str]]

    def as_(self, who: str) -> dict[str, str]:
        return self.tokens[who]


@pytest.fixture
async def place(db_session: AsyncSession, tmp_path: Path) -> Place:
    content = load_content(write_content(tmp_path / "pathway-content"))
    assert not content.problems, content.problems
    await sync_content(db_session, content)
    cohort = await make_cohort(db_session, pathway="path")
    other_cohort = await make_cohort(db_session, pathway="path")
    people: dict[str, User] = {
        "vol": await make_user(db_session, username="vol", name="卓玛", cohort=cohort),
        "mate": await make_user(db_session, username="mate", name="扎西", cohort=cohort),
        "trainer": await make_user(
            db_session, username="trainer", name="王老师", role=Role.trainer, cohort=cohort
        ),
        "coord": await make_user(
            db_session, username="coord", name="李主任", role=Role.coordinator, cohort=cohort
        ),
        "sup": await make_user(db_session, username="sup", name="马站长", role=Role.trainer),
        "stranger": await make_user(db_session, username="stranger", role=Role.trainer),
        "elsewhere": await make_user(
            db_session, username="elsewhere", role=Role.coordinator, cohort=other_cohort
        ),
        "admin": await make_user(db_session, username="root", role=Role.admin),
    }
    site = await hours.create_site(db_session, name="城东社区服务中心", actor=people["admin"])
    supervised = await hours.create_site(
        db_session, name="南川社工站", supervisor="sup", actor=people["admin"]
    )
    rows = await db_session.execute(
        select(col(Course.slug), col(Module.stem), col(Module.id), col(ModuleRevision.id))
        .join(Module, col(Module.course_id) == Course.id)
        .join(
            ModuleRevision,
            (col(ModuleRevision.module_id) == Module.id)
            & (col(ModuleRevision.revision) == Module.current_revision),
        )
        .where(col(Course.slug).in_(["alpha", "beta"]))
    )
    modules, revisions = {}, {}
    for slug, stem, module_id, revision_id in rows.all():
        modules[f"{slug}/{stem}"] = module_id
        revisions[f"{slug}/{stem}"] = revision_id
    tokens = {name: await bearer(db_session, user) for name, user in people.items()}
    return Place(
        cohort_id=cohort.id or 0,
        cohort_code=cohort.code,
        modules=modules,
        revisions=revisions,
        people={name: user.id or 0 for name, user in people.items()},
        site_id=site.id or 0,
        supervised_id=supervised.id or 0,
        tokens=tokens,
    )


async def read(session: AsyncSession, place: Place, who: str, *keys: str) -> None:
    for key in keys:
        session.add(
            ModuleProgress(
                user_id=place.people[who],
                module_id=place.modules[key],
                revision_id=place.revisions[key],
                read_at=utcnow(),
            )
        )
    await session.flush()


async def scored(
    session: AsyncSession, place: Place, who: str, key: str, score: float, days: int = 0
) -> None:
    """A finished attempt with this score."""
    at = utcnow() - timedelta(days=days)
    session.add(
        QuizAttempt(
            user_id=place.people[who],
            module_id=place.modules[key],
            revision_id=place.revisions[key],
            language="en",
            draw=[],
            score=score,
            passed=score >= 60,
            started_at=at,
            finished_at=at,
        )
    )
    await session.flush()


async def approved_hours(
    session: AsyncSession, place: Place, who: str, hours_wanted: float, *, site: str = "site"
) -> None:
    """Hours logged at a site (4 a day from three days back) and approved by the trainer."""
    volunteer = await session.get(User, place.people[who])
    trainer = await session.get(User, place.people["trainer"])
    assert volunteer is not None and trainer is not None
    minutes, day = round(hours_wanted * 60), 3
    site_id = place.site_id if site == "site" else place.supervised_id
    while minutes > 0:
        length = min(minutes, 240)
        end = 9 * 60 + length
        raw = {
            "date": days_ago(day),
            "start": "09:00",
            "end": f"{end // 60:02d}:{end % 60:02d}",
            "site": site_id,
            "activity": "direct_service",
            "description": "陪伴社区儿童完成作业。",
        }
        entry = await hours.log_hours(session, user=volunteer, raw=raw, rules=Rules(zone=ZONE))
        await hours.decide(session, entry_id=entry.id or 0, user=trainer, decision="approve")
        minutes, day = minutes - length, day + 1


async def ready_for_l5(session: AsyncSession, place: Place, who: str = "vol") -> None:
    await read(session, place, who, "alpha/01-one", "alpha/02-two")
    await scored(session, place, who, "alpha/01-one", 70)
    await scored(session, place, who, "alpha/02-two", 65)
    await approved_hours(session, place, who, 4)


async def cohort_of(session: AsyncSession, place: Place) -> Cohort:
    cohort = await session.get(Cohort, place.cohort_id)
    assert cohort is not None
    return cohort
