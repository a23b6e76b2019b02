from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from lms.accounts import service as accounts
from lms.cohorts import service as cohorts
from lms.cohorts.roster import parse_roster
from lms.errors import Forbidden, FormErrors, NotFound
from lms.models.accounts import Role
from tests.factories import PASSWORD, make_cohort, make_user

HEADER = "username,name,role,email,phone,student_id\n"


@pytest.mark.parametrize(
    ("field", "code", "name", "pathway"),
    [
        ("code", "x", "名字", None),
        ("code", "有中文", "名字", None),
        ("name", "OK-1", "", None),
        ("pathway", "OK-2", "名字", "Not A Slug"),
    ],
)
async def test_bad_cohorts_are_refused(
    db_session: AsyncSession, field: str, code: str, name: str, pathway: str | None
) -> None:
    with pytest.raises(FormErrors) as caught:
        await cohorts.create_cohort(db_session, code=code, name=name, pathway=pathway, actor=None)
    assert field in caught.value.errors


async def test_a_coordinator_who_creates_a_cohort_runs_it(db_session: AsyncSession) -> None:
    coordinator = await make_user(db_session, role=Role.coordinator)
    cohort = await cohorts.create_cohort(
        db_session, code="qh-2026", name="青海", pathway=None, actor=coordinator
    )
    assert cohort.code == "QH-2026"
    assert len(cohort.invite_code) == 8
    assert await cohorts.membership(db_session, cohort=cohort, user=coordinator) == "coordinator"
    with pytest.raises(FormErrors):
        await cohorts.create_cohort(
            db_session, code="QH-2026", name="again", pathway=None, actor=coordinator
        )


async def test_who_may_see_and_manage(db_session: AsyncSession) -> None:
    cohort = await make_cohort(db_session)
    coordinator = await make_user(db_session, role=Role.coordinator, cohort=cohort)
    trainer = await make_user(db_session, role=Role.trainer, cohort=cohort)
    volunteer = await make_user(db_session, cohort=cohort)
    outsider = await make_user(db_session, role=Role.coordinator)
    admin = await make_user(db_session, role=Role.admin)
    assert await cohorts.cohort_for(db_session, code=cohort.code, user=coordinator, manage=True)
    assert await cohorts.cohort_for(db_session, code=cohort.code, user=admin, manage=True)
    assert await cohorts.cohort_for(db_session, code=cohort.code, user=trainer)
    with pytest.raises(Forbidden):
        await cohorts.cohort_for(db_session, code=cohort.code, user=trainer, manage=True)
    for user in (volunteer, outsider):
        with pytest.raises(NotFound):
            await cohorts.cohort_for(db_session, code=cohort.code, user=user)
    assert [c.code for c, _n in await cohorts.cohorts_for(db_session, user=outsider)] == []
    listed = await cohorts.cohorts_for(db_session, user=coordinator)
    assert [(c.code, n) for c, n in listed] == [(cohort.code, 1)]


async def test_register_with_invite_code(db_session: AsyncSession) -> None:
    cohort = await make_cohort(db_session)
    typed = " " + cohort.invite_code.lower()[:4] + "-" + cohort.invite_code.lower()[4:]
    user = await cohorts.register(
        db_session,
        invite_code=typed,
        profile=accounts.Profile(username="newbie", name="新人"),
        password=PASSWORD,
        confirm=PASSWORD,
    )
    assert await cohorts.membership(db_session, cohort=cohort, user=user) == "volunteer"
    assert user.role == Role.volunteer


@pytest.mark.parametrize("state", ["unknown", "closed", "used_up"])
async def test_bad_invite_codes_create_nobody(db_session: AsyncSession, state: str) -> None:
    cohort = await make_cohort(db_session)
    admin = await make_user(db_session, role=Role.admin)
    code = cohort.invite_code
    if state == "unknown":
        code = "ZZZZZZZZ"
    elif state == "closed":
        await cohorts.set_invite(db_session, cohort=cohort, action="close", actor=admin)
    else:
        await cohorts.set_invite(db_session, cohort=cohort, action="new", actor=admin, max_uses=1)
        code = cohort.invite_code
        await cohorts.claim_invite(db_session, invite_code=code)  # the one use, taken
    with pytest.raises(cohorts.InviteRefused):
        await cohorts.register(
            db_session,
            invite_code=code,
            profile=accounts.Profile(username="hopeful", name="希望"),
            password=PASSWORD,
            confirm=PASSWORD,
        )
    assert await accounts.find_user(db_session, "hopeful") is None


async def test_a_new_invite_code_retires_the_old(db_session: AsyncSession) -> None:
    cohort = await make_cohort(db_session)
    admin = await make_user(db_session, role=Role.admin)
    old = cohort.invite_code
    await cohorts.set_invite(db_session, cohort=cohort, action="new", actor=admin)
    assert cohort.invite_code != old
    with pytest.raises(cohorts.InviteRefused):
        await cohorts.claim_invite(db_session, invite_code=old)


async def test_roster_import_is_all_or_nothing(db_session: AsyncSession) -> None:
    cohort = await make_cohort(db_session)
    await make_user(db_session, username="taken")
    roster = parse_roster(HEADER + "fresh1,甲,volunteer,,,\ntaken,乙,volunteer,,,\n")
    with pytest.raises(cohorts.RosterRefused) as caught:
        await cohorts.import_roster(db_session, cohort=cohort, roster=roster, actor=None)
    assert [(p.line, p.column) for p in caught.value.roster.problems] == [(3, "username")]
    assert await accounts.find_user(db_session, "fresh1") is None


async def test_roster_import_and_links(db_session: AsyncSession) -> None:
    cohort = await make_cohort(db_session)
    roster = parse_roster(HEADER + "fresh2,阿依古丽,volunteer,,,\nteacher2,王老师,trainer,,,\n")
    created = await cohorts.import_roster(db_session, cohort=cohort, roster=roster, actor=None)
    assert [u.username for u in created] == ["fresh2", "teacher2"]
    assert await cohorts.pending_links(db_session, cohort=cohort) == 2
    links = await cohorts.password_links(db_session, cohort=cohort, base_url="http://x", actor=None)
    assert sorted(u.username for u, _ in links) == ["fresh2", "teacher2"]
    link = dict((u.username, link) for u, link in links)["fresh2"]
    key = link.rsplit("/", 1)[1]
    await accounts.use_password_link(db_session, key=key, password=PASSWORD, confirm=PASSWORD)
    again = await cohorts.password_links(db_session, cohort=cohort, base_url="http://x", actor=None)
    assert [u.username for u, _ in again] == ["teacher2"]


@pytest.mark.parametrize("max_uses", [0, -5, 100_001])
async def test_invite_limit_must_be_a_positive_number(
    db_session: AsyncSession, max_uses: int
) -> None:
    cohort = await make_cohort(db_session)
    admin = await make_user(db_session, role=Role.admin)
    old = cohort.invite_code
    with pytest.raises(FormErrors):
        await cohorts.set_invite(
            db_session, cohort=cohort, action="new", actor=admin, max_uses=max_uses
        )
    assert cohort.invite_code == old


async def test_add_existing_member(db_session: AsyncSession) -> None:
    cohort = await make_cohort(db_session)
    coordinator = await make_user(db_session, role=Role.coordinator, username="newcoord")
    volunteer = await make_user(db_session, username="mover")
    admin = await make_user(db_session, role=Role.admin)
    await cohorts.add_existing_member(
        db_session, cohort=cohort, username="NewCoord", role="coordinator", actor=admin
    )
    assert await cohorts.membership(db_session, cohort=cohort, user=coordinator) == "coordinator"
    bad = [
        ("mover", "coordinator", "member_role"),
        ("ghost", "trainer", "username"),
        ("newcoord", "trainer", "username"),
        ("mover", "boss", "member_role"),
    ]
    for username, role, field in bad:
        with pytest.raises(FormErrors) as caught:
            await cohorts.add_existing_member(
                db_session, cohort=cohort, username=username, role=role, actor=admin
            )
        assert field in caught.value.errors, (username, role)
    assert await cohorts.membership(db_session, cohort=cohort, user=volunteer) is None


async def test_roster_import_of_many_rows_is_a_few_statements(db_session: AsyncSession) -> None:
    from sqlalchemy import event

    cohort = await make_cohort(db_session)
    rows = "".join(f"bulk{i},学生{i},volunteer,,,20240{i:03d}\n" for i in range(300))
    roster = parse_roster(HEADER + rows)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    sync_engine = db_session.bind.engine.sync_engine  # type: ignore[union-attr]
    event.listen(sync_engine, "before_cursor_execute", count)
    try:
        created = await cohorts.import_roster(db_session, cohort=cohort, roster=roster, actor=None)
        links = await cohorts.password_links(
            db_session, cohort=cohort, base_url="http://x", actor=None, only=created
        )
    finally:
        event.remove(sync_engine, "before_cursor_execute", count)
    assert len(created) == len(links) == 300
    assert len(statements) < 60, len(statements)  # not several per row
