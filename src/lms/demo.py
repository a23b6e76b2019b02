"""Demo data for ``make demo``: a cohort, one account per role, and a class.

Every run gives the demo accounts new random passwords and prints them, so a demo never
ships with a known password. Eleven classmates of the demo volunteer (accounts without a
password: nobody signs in as them) have taken each quiz of the shipped courses once, so a
trainer opening the cohort's quiz results sees an item analysis with numbers in it. Their
answers are drawn by a seeded random generator from an ability per classmate and a
difficulty per question, and graded by the real grader; the demo volunteer has taken
nothing, so the quizzes are theirs to try. Two placement sites and hour entries in every
state fill the practicum pages (see ``log_practicum``).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from lms.accounts import service as accounts
from lms.accounts.passwords import hash_password
from lms.audit import service as audit
from lms.cohorts import service as cohorts
from lms.errors import NotFound
from lms.models.accounts import Role, User
from lms.models.base import utcnow
from lms.models.courses import Course, Enrolment, Module
from lms.models.practicum import HourEntry, Site
from lms.models.quizzes import QuizAttempt
from lms.practicum import service as hours
from lms.practicum.rules import Rules
from lms.quizzes import service as quizzes
from lms.quizzes.model import MATCHING, MULTIPLE, NUMERIC, SHORT, Question

COHORT = "DEMO-2026"
COHORT_NAME = "示范培训班 · Demo cohort 2026"
PATHWAY = "community-volunteer"
PEOPLE = (
    ("demo-volunteer", "卓玛", Role.volunteer, "volunteer"),
    ("demo-trainer", "王老师", Role.trainer, "trainer"),
    ("demo-coordinator", "李主任", Role.coordinator, "coordinator"),
    ("demo-admin", "系统管理员", Role.admin, None),
)


CLASSMATES = (  # (username, name, how likely they answer a question right)
    ("demo-classmate-01", "阿依古丽·买买提", 0.92),
    ("demo-classmate-02", "扎西多吉", 0.85),
    ("demo-classmate-03", "陈思远", 0.8),
    ("demo-classmate-04", "林晓燕", 0.76),
    ("demo-classmate-05", "马晓东", 0.7),
    ("demo-classmate-06", "努尔艾力·吐尔逊", 0.66),
    ("demo-classmate-07", "次仁央金", 0.6),
    ("demo-classmate-08", "王雨萱", 0.55),
    ("demo-classmate-09", "黄志强", 0.5),
    ("demo-classmate-10", "郑丽娟", 0.44),
    ("demo-classmate-11", "李明轩", 0.38),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: str
    password: str


async def ensure_demo(session: AsyncSession, *, content_dir: Path) -> tuple[str, list[DemoAccount]]:
    """The demo cohort's invite code and the demo accounts with their new passwords."""
    cohort = await cohorts.find_cohort(session, COHORT)
    if cohort is None:
        cohort = await cohorts.create_cohort(
            session, code=COHORT, name=COHORT_NAME, pathway=PATHWAY, actor=None
        )
    made = []
    for username, name, role, member_role in PEOPLE:
        user = await accounts.find_user(session, username)
        if user is None:
            user = await accounts.create_user(
                session, profile=accounts.Profile(username=username, name=name), role=role
            )
        password = secrets.token_urlsafe(9)
        user.password_hash = await hash_password(password)
        user.is_active = True
        await audit.record(
            session,
            actor=None,
            action="user.demo_password",
            object_type="user",
            object_id=user.id or 0,
        )
        if member_role is not None:
            await cohorts.add_member(
                session, cohort=cohort, user=user, role=member_role, actor=None
            )
        made.append(DemoAccount(username=username, name=name, role=role.value, password=password))
    classmates = []
    for username, name, ability in CLASSMATES:
        user = await accounts.find_user(session, username)
        if user is None:
            user = await accounts.create_user(
                session, profile=accounts.Profile(username=username, name=name), role=Role.volunteer
            )
            await cohorts.add_member(
                session, cohort=cohort, user=user, role="volunteer", actor=None
            )
        classmates.append((user, ability))
    await take_quizzes(session, classmates)
    await log_practicum(session, [user for user, _ability in classmates])
    await stage_pathway(session, cohort)
    await certify(session, content_dir)
    return cohort.invite_code, made


SITES = (
    ("城东区社区服务中心", "青海省西宁市城东区", None),
    ("结古镇儿童之家", "青海省玉树藏族自治州玉树市结古镇", "demo-trainer"),
)
SERVICE = (  # (activity, what was done)
    ("direct_service", "陪伴六名二年级儿童完成作业，并组织了二十分钟的绘本共读。"),
    ("group_activity", "协助社工开展“我的社区地图”小组活动，负责签到和分组。"),
    ("community_work", "和居委会一起走访独居老人家庭，登记需要上门帮助的事项。"),
    ("training", "参加服务点组织的儿童保护培训，学习发现和报告的流程。"),
    ("supervision", "与督导一起回顾本周服务记录，讨论一名儿童的情绪变化。"),
    ("direct_service", "为放学后留在儿童之家的孩子辅导数学，批改练习。"),
)


async def log_practicum(session: AsyncSession, classmates: list[User]) -> int:
    """Hour entries in every state, so the trainer's queue is not empty on first look:
    approved weeks ago, submitted this week and last, one back-filled, one asked about,
    one rejected, one draft, and an approved entry with a correction waiting. Logged and
    decided through the real service; nothing is added when the class has entries."""
    ids = [user.id for user in classmates]
    existing = select(col(HourEntry.id)).where(col(HourEntry.volunteer_id).in_(ids))
    if (await session.scalars(existing)).first():
        return 0
    trainer = await accounts.get_user(session, "demo-trainer")
    coordinator = await accounts.get_user(session, "demo-coordinator")
    volunteer = await accounts.get_user(session, "demo-volunteer")
    sites = []
    for name, address, supervisor in SITES:
        found = (await session.scalars(select(Site).where(col(Site.name) == name))).first()
        sites.append(
            found
            or await hours.create_site(
                session, name=name, address=address, supervisor=supervisor, actor=coordinator
            )
        )
    rules = Rules(zone=ZoneInfo("Asia/Shanghai"))
    today = rules.now().date()
    logged = 0

    async def log(user: User, days: int, start: str, end: str, number: int, **kw: Any) -> int:
        nonlocal logged
        activity, text = SERVICE[number % len(SERVICE)]
        raw = {
            "date": (today - timedelta(days=days)).isoformat(),
            "start": start,
            "end": end,
            "site": sites[number % 2].id,
            "activity": activity,
            "description": text,
        }
        entry = await hours.log_hours(session, user=user, raw=raw, rules=rules, **kw)
        logged += 1
        return entry.id or 0

    for number, user in enumerate(classmates):
        for weeks in (5, 4, 3):
            entry_id = await log(user, weeks * 7 + number % 3, "14:00", "17:00", number + weeks)
            await hours.decide(session, entry_id=entry_id, user=trainer, decision="approve")
        if number < 6:  # this week's and last week's, waiting for the trainer
            await log(user, 1 + number % 3, "09:00", "11:30", number)
            await log(user, 8 + number % 3, "15:00", "17:30", number + 1)
    first, *_rest = classmates
    correction_of = await log(first, 12, "13:30", "16:00", 2)
    await hours.decide(session, entry_id=correction_of, user=trainer, decision="approve")
    await hours.request_correction(
        session,
        entry_id=correction_of,
        user=first,
        reason="签到表上写的是16:30离开，我记错了结束时间。",
        changes={"end": "16:30"},
        rules=rules,
    )
    await log(classmates[6], 20, "09:00", "12:00", 3)  # back-filled, for a closer look
    asked = await log(classmates[7], 4, "19:00", "21:00", 4)
    await hours.decide(
        session,
        entry_id=asked,
        user=trainer,
        decision="needs-info",
        reason="晚上七点以后服务点已经关门，请说明活动地点，或上传签到表。",
    )
    refused = await log(classmates[8], 6, "08:00", "08:30", 5)
    await hours.decide(
        session,
        entry_id=refused,
        user=coordinator,
        decision="reject",
        reason="这是往返路程的时间，服务时数不含交通。",
    )
    await log(classmates[9], 2, "14:00", "16:00", 1, draft=True)
    # The demo volunteer: an approved afternoon and a question to answer.
    mine = await log(volunteer, 9, "14:00", "17:30", 0)
    await hours.decide(session, entry_id=mine, user=trainer, decision="approve")
    theirs = await log(volunteer, 3, "09:30", "11:30", 1)
    await hours.decide(
        session,
        entry_id=theirs,
        user=trainer,
        decision="needs-info",
        reason="请补充一下这次小组活动有几名儿童参加。",
    )
    return logged


# Volunteers at each stage of the pathway, so the cohort overview has one of each:
# (username, name, courses finished with every quiz passed, modules read of the next
# course, approved hours, evaluated for L4, referred).
STAGES = (
    ("demo-stage-new", "周小雨", (), 0, 0, False, False),
    ("demo-stage-half", "古丽娜尔·艾买提", (), 3, 8, False, False),
    ("demo-stage-hours", "索南措", ("volunteer-skills",), 0, 12.5, False, False),
    ("demo-stage-l5", "刘佳宁", ("volunteer-skills",), 2, 22, False, False),
    ("demo-stage-revoked", "韩雪", ("volunteer-skills",), 1, 21, False, False),
    (
        "demo-stage-l4",
        "阿卜杜拉·热合曼",
        ("volunteer-skills", "child-rights", "community-rebuilding"),
        0,
        64,
        False,
        False,
    ),
    (
        "demo-stage-placed",
        "杨帆",
        ("volunteer-skills", "child-rights", "community-rebuilding"),
        0,
        66,
        True,
        True,
    ),
)


async def stage_pathway(session: AsyncSession, cohort: Any) -> int:
    """The volunteers of STAGES, through the real services: modules read, quizzes passed
    with the right answers, hours logged and approved over past weeks, an evaluation and
    a referral. Nothing is added for a volunteer who exists already."""
    from lms.courses import service as courses
    from lms.pathways import service as pathways

    trainer = await accounts.get_user(session, "demo-trainer")
    coordinator = await accounts.get_user(session, "demo-coordinator")
    site = (await session.scalars(select(Site).order_by(col(Site.id)))).first()
    rules = Rules(zone=ZoneInfo("Asia/Shanghai"))
    today = rules.now().date()
    made = 0
    for username, name, finished, reading, hours_wanted, evaluated, referred in STAGES:
        if await accounts.find_user(session, username) is not None:
            continue
        user = await accounts.create_user(
            session, profile=accounts.Profile(username=username, name=name), role=Role.volunteer
        )
        await cohorts.add_member(session, cohort=cohort, user=user, role="volunteer", actor=None)
        made += 1
        for slug in dict.fromkeys((*finished, "volunteer-skills", "child-rights")):
            outline = await courses.outline(session, slug=slug, user=user, language="zh")
            modules = outline.modules if slug in finished else outline.modules[:reading]
            for module in modules:
                await courses.mark_read(session, user=user, course=outline.course, module=module)
                if slug in finished or module.number <= 2:
                    await pass_quiz(session, user, slug, module.stem)
            if slug in finished:
                continue
            break  # modules read in the first unfinished course only
        minutes, day = round(hours_wanted * 60), 15
        while minutes > 0 and site is not None:
            length = min(minutes, 240)
            end = 9 * 60 + length
            raw = {
                "date": (today - timedelta(days=day)).isoformat(),
                "start": "09:00",
                "end": f"{end // 60:02d}:{end % 60:02d}",
                "site": site.id,
                "activity": SERVICE[day % len(SERVICE)][0],
                "description": SERVICE[day % len(SERVICE)][1],
            }
            entry = await hours.log_hours(session, user=user, raw=raw, rules=rules)
            await hours.decide(session, entry_id=entry.id or 0, user=trainer, decision="approve")
            minutes, day = minutes - length, day + 3
        if evaluated:
            relation = await pathways.relation(session, viewer=trainer, username=username)
            await pathways.evaluate(
                session,
                relation=relation,
                raw={
                    "level": "L4",
                    "ratings": {
                        "rapport": {"rating": 4, "comment": "孩子们愿意主动找她聊天。"},
                        "safeguarding": {
                            "rating": 3,
                            "comment": "熟悉报告流程，单独相处时记得开门。",
                        },
                    },
                    "passed": True,
                    "comment": "可以独立带领儿童之家的课后活动。",
                },
                language="zh",
            )
        if referred:
            relation = await pathways.relation(session, viewer=coordinator, username=username)
            await pathways.refer(
                session,
                relation=relation,
                raw={
                    "organisation": "城东区社会工作服务站",
                    "role": "儿童服务志愿者",
                    "date": (today - timedelta(days=5)).isoformat(),
                    "outcome": "placed",
                },
                today=today,
            )
    return made


# Certificates, issued by the demo coordinator through the real service: (username,
# level, reason it was revoked). demo-stage-l5 is eligible for L5 but not yet certified.
CERTIFIED = (
    ("demo-stage-l4", "L5", None),
    ("demo-stage-placed", "L5", None),
    ("demo-stage-placed", "L4", None),
    ("demo-stage-revoked", "L5", "服务时数中有一条记录被重复计算，证书撤销，待核实后重新颁发。"),
)


async def certify(session: AsyncSession, content_dir: Path) -> int:
    """Issues (and revokes) CERTIFIED; a level that has any certificate is left alone."""
    from lms.certificates import service as certificates
    from lms.models.certificates import Certificate

    coordinator = await accounts.get_user(session, "demo-coordinator")
    made = 0
    for username, level, revoked in CERTIFIED:
        volunteer = await accounts.get_user(session, username)
        earlier = await session.scalars(
            select(col(Certificate.id)).where(
                col(Certificate.volunteer_id) == volunteer.id, col(Certificate.level) == level
            )
        )
        if earlier.first() is not None:
            continue
        issued = await certificates.issue(
            session,
            actor=coordinator,
            volunteer=volunteer,
            pathway=PATHWAY,
            level=level,
            content_dir=content_dir,
        )
        made += 1
        if revoked:
            await certificates.revoke(
                session, actor=coordinator, certificate=issued.certificate, reason=revoked
            )
    return made


async def pass_quiz(session: AsyncSession, user: User, slug: str, stem: str) -> None:
    """Answer a module's quiz right, if it has one."""
    try:
        place = await quizzes.find(session, user=user, course_slug=slug, stem=stem, language="zh")
    except NotFound:
        return
    attempt, _state = await quizzes.start(
        session, user=user, place=place, zone=ZoneInfo("Asia/Shanghai")
    )
    chance = random.Random(f"{user.username}/{slug}/{stem}")  # noqa: S311
    answers = {
        question.id: answer(question, 2.0, chance)
        for question, _drawn in quizzes.served(place.quiz, attempt)
    }
    await quizzes.submit(session, user=user, place=place, attempt_id=attempt.id, answers=answers)


async def take_quizzes(session: AsyncSession, classmates: list[tuple[User, float]]) -> int:
    """Each classmate takes each quiz of their courses once, unless they have taken it;
    the number of attempts made."""
    made = 0
    zone = ZoneInfo("Asia/Shanghai")
    for user, ability in classmates:
        rows = await session.execute(
            select(col(Course.slug), col(Module.stem), col(Module.id))
            .join(Enrolment, col(Enrolment.course_id) == Course.id)
            .join(Module, col(Module.course_id) == Course.id)
            .where(col(Enrolment.user_id) == user.id, col(Module.current_revision).is_not(None))
            .order_by(col(Course.position), col(Module.number))
        )
        taken = set(
            (
                await session.scalars(
                    select(col(QuizAttempt.module_id)).where(col(QuizAttempt.user_id) == user.id)
                )
            ).all()
        )
        for course_slug, stem, module_id in rows.all():
            if module_id in taken:
                continue
            try:
                place = await quizzes.find(
                    session, user=user, course_slug=course_slug, stem=stem, language="zh"
                )
            except NotFound:  # a module without a quiz
                continue
            chance = random.Random(f"{user.username}/{course_slug}/{stem}")  # noqa: S311
            started = utcnow() - timedelta(days=chance.uniform(1, 6), hours=chance.uniform(0, 8))
            attempt, _state = await quizzes.start(
                session, user=user, place=place, zone=zone, now=started
            )
            answers = {
                question.id: answer(question, ability, chance)
                for question, _drawn in quizzes.served(place.quiz, attempt)
            }
            await quizzes.submit(
                session,
                user=user,
                place=place,
                attempt_id=attempt.id,
                answers=answers,
                now=started + timedelta(minutes=chance.uniform(4, 15)),
            )
            made += 1
    return made


def answer(question: Question, ability: float, chance: random.Random) -> Any:
    """A classmate's answer: right with a chance that falls with the question's
    difficulty (the same for everyone), else a plausible wrong one; always right for an
    ability above 1."""
    difficulty = random.Random(question.text).uniform(-0.1, 0.3)  # noqa: S311
    right = ability > 1 or chance.random() < min(0.97, max(0.05, ability - difficulty))
    if question.type == SHORT:
        accepted = [c.text for c in question.choices if c.weight == 100]
        return accepted[0] if right else "不清楚"
    if question.type == NUMERIC:
        main = question.main
        assert main is not None
        value = (main.range[0] if main.range else main.answer) or 0.0
        return value if right else value + max(1.0, abs(value)) * chance.choice((-1, 1))
    if question.type == MATCHING:
        pairs = {p.left_id: p.right_id for p in question.pairs}
        if right or len(pairs) < 2:
            return pairs
        lefts = list(pairs)
        first, second = chance.sample(lefts, 2)
        pairs[first], pairs[second] = pairs[second], pairs[first]
        return pairs
    correct = [c.id for c in question.choices if c.correct]
    wrong = [c.id for c in question.choices if not c.correct]
    if question.type == MULTIPLE:
        if right or not wrong:
            return correct
        return sorted(set(correct[: max(1, len(correct) - 1)]) | {chance.choice(wrong)})
    if right or not wrong:
        return correct[0]
    return chance.choice(wrong)
