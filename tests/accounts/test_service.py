from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from lms.accounts import service as accounts
from lms.accounts import throttle
from lms.audit import service as audit
from lms.errors import FormErrors, LMSError, NotFound
from lms.models.accounts import LoginAttempt, Role
from lms.models.base import utcnow
from tests.factories import PASSWORD, make_user


async def test_create_user_keeps_the_name_exactly(db_session: AsyncSession) -> None:
    for name in ("阿依古丽·买买提", "ئايگۈل مەمەت", "བཀྲ་ཤིས་སྒྲོལ་མ", "𠮷田 花子"):
        user = await make_user(db_session, name=name)
        assert user.name == name


async def test_usernames_are_normalised_and_unique(db_session: AsyncSession) -> None:
    user = await make_user(
        db_session, username="ＺｈａｎｇＷｅｉ"
    )  # full-width, as typed on a phone
    assert user.username == "zhangwei"
    with pytest.raises(FormErrors) as caught:
        await make_user(db_session, username="ZhangWei")
    assert set(caught.value.errors) == {"username"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "a"),
        ("username", "张伟"),
        ("username", "x" * 41),
        ("username", "-abc"),
        ("name", ""),
        ("name", "名" * 101),
        ("name", "bad\x00name"),
        ("email", "not-an-email"),
        ("phone", "call me"),
        ("student_id", "9" * 41),
    ],
)
async def test_bad_profile_fields_change_nothing(
    db_session: AsyncSession, field: str, value: str
) -> None:
    values = {"username": "goodname", "name": "李明", field: value}
    with pytest.raises(FormErrors) as caught:
        await accounts.create_user(
            db_session, profile=accounts.Profile(**values), role=Role.volunteer, password=PASSWORD
        )
    assert field in caught.value.errors
    assert await accounts.find_user(db_session, "goodname") is None


async def test_weak_password_is_refused_and_nothing_created(db_session: AsyncSession) -> None:
    with pytest.raises(FormErrors) as caught:
        await make_user(db_session, username="weakling", password="12345678")
    assert "password" in caught.value.errors
    assert await accounts.find_user(db_session, "weakling") is None


async def test_authenticate(db_session: AsyncSession) -> None:
    user = await make_user(db_session, username="liming")
    assert (
        await accounts.authenticate(
            db_session, username="LiMing", password=PASSWORD, address="10.0.0.1"
        )
        == user
    )


@pytest.mark.parametrize(("username", "password"), [("liming", "wrong"), ("nobody", PASSWORD)])
async def test_wrong_password_and_unknown_user_look_the_same(
    db_session: AsyncSession, username: str, password: str
) -> None:
    await make_user(db_session, username="liming")
    with pytest.raises(LMSError) as caught:
        await accounts.authenticate(
            db_session, username=username, password=password, address="10.0.0.1"
        )
    assert caught.value.message == "The username or password is not right."


async def test_switched_off_account_cannot_sign_in(db_session: AsyncSession) -> None:
    admin = await make_user(db_session, role=Role.admin)
    user = await make_user(db_session, username="gone")
    await accounts.set_active(db_session, user=user, active=False, actor=admin)
    with pytest.raises(LMSError, match="switched off"):
        await accounts.authenticate(
            db_session, username="gone", password=PASSWORD, address="10.0.0.1"
        )


async def test_throttling_per_pair_then_per_address(db_session: AsyncSession) -> None:
    await make_user(db_session, username="target")
    for _ in range(throttle.PAIR_LIMIT):
        with pytest.raises(LMSError):
            await accounts.authenticate(
                db_session, username="target", password="x", address="10.0.0.9"
            )
    with pytest.raises(accounts.Throttled) as caught:  # even the right password
        await accounts.authenticate(
            db_session, username="target", password=PASSWORD, address="10.0.0.9"
        )
    assert 0 < caught.value.retry_after <= 15 * 60 + 1
    # the same account from another address, and another account from this one, still work
    await accounts.authenticate(
        db_session, username="target", password=PASSWORD, address="10.0.0.10"
    )
    assert not await throttle.seconds_blocked(db_session, username="other", address="10.0.0.9")
    for i in range(throttle.ADDRESS_LIMIT):
        await throttle.record_failure(db_session, username=f"u{i}", address="10.0.0.11")
    assert await throttle.seconds_blocked(db_session, username="fresh", address="10.0.0.11")


async def test_failures_age_out_after_the_window(db_session: AsyncSession) -> None:
    for _ in range(throttle.PAIR_LIMIT):
        await throttle.record_failure(db_session, username="old", address="10.0.0.2")
    assert await throttle.seconds_blocked(db_session, username="old", address="10.0.0.2")
    await db_session.execute(update(LoginAttempt).values(at=utcnow() - timedelta(minutes=16)))
    assert not await throttle.seconds_blocked(db_session, username="old", address="10.0.0.2")


async def test_sessions_start_end_and_end_everywhere(db_session: AsyncSession) -> None:
    user = await make_user(db_session)
    first = await accounts.start_session(
        db_session, user=user, user_agent="phone", address="1.2.3.4"
    )
    second = await accounts.start_session(db_session, user=user, user_agent="pc", address=None)
    found = await accounts.session_user(db_session, first)
    assert found is not None
    assert found[0] == user
    await accounts.end_session(db_session, first)
    assert await accounts.session_user(db_session, first) is None
    assert await accounts.session_user(db_session, second) is not None
    assert await accounts.end_all_sessions(db_session, user=user) == 1
    assert await accounts.session_user(db_session, second) is None
    assert await accounts.session_user(db_session, "forged-key") is None


async def test_tokens(db_session: AsyncSession) -> None:
    user = await make_user(db_session)
    other = await make_user(db_session)
    key = await accounts.create_token(db_session, user=user, name="内容仓库 CI")
    assert key.startswith("lms_")
    found = await accounts.token_owner(db_session, key)
    assert found is not None and found[0] == user
    (token,) = await accounts.list_tokens(db_session, user=user)
    assert token.prefix == key[:10]
    assert token.token_hash != key
    with pytest.raises(NotFound):  # not someone else's
        await accounts.revoke_token(db_session, user=other, token_id=token.id)
    await accounts.revoke_token(db_session, user=user, prefix=key[:10])
    assert await accounts.token_owner(db_session, key) is None
    assert await accounts.token_owner(db_session, "not-a-token") is None


async def test_password_links_are_one_time(db_session: AsyncSession) -> None:
    user = await make_user(db_session, password=None)
    old = await accounts.create_password_link(db_session, user=user, purpose="set", actor=None)
    key = await accounts.create_password_link(db_session, user=user, purpose="set", actor=None)
    # a slip handed out earlier still works until a link is used
    assert (await accounts.password_link_user(db_session, old))[0] == user
    with pytest.raises(FormErrors):
        await accounts.use_password_link(db_session, key=key, password="123", confirm="123")
    assert user.password_hash is None
    await accounts.use_password_link(db_session, key=key, password=PASSWORD, confirm=PASSWORD)
    assert (
        await accounts.authenticate(
            db_session, username=user.username, password=PASSWORD, address="1.1.1.1"
        )
        == user
    )
    for used in (key, old):  # the used one, and every other one, now refuse
        with pytest.raises(accounts.LinkExpired):
            await accounts.use_password_link(
                db_session, key=used, password=PASSWORD, confirm=PASSWORD
            )
    events = await audit.history(db_session, object_type="user", object_id=user.id or 0)
    assert "user.password_set" in [e.action for e in events]


async def test_a_reset_link_retires_older_ones_and_signs_out_everywhere(
    db_session: AsyncSession,
) -> None:
    user = await make_user(db_session)
    browser = await accounts.start_session(db_session, user=user, user_agent="x", address=None)
    first = await accounts.create_password_link(db_session, user=user, purpose="reset", actor=None)
    second = await accounts.create_password_link(db_session, user=user, purpose="reset", actor=None)
    with pytest.raises(accounts.LinkExpired):
        await accounts.password_link_user(db_session, first)
    await accounts.use_password_link(
        db_session, key=second, password="brand-new-river-88", confirm="brand-new-river-88"
    )
    assert await accounts.session_user(db_session, browser) is None


async def test_links_for_many_people_in_one_go(db_session: AsyncSession) -> None:
    people = [await make_user(db_session, password=None) for _ in range(30)]
    made = await accounts.create_password_links(db_session, users=people, purpose="set", actor=None)
    assert [u for u, _k in made] == people
    assert len({k for _u, k in made}) == 30
    for user, key in made[:3]:
        assert (await accounts.password_link_user(db_session, key))[0] == user


async def test_change_password(db_session: AsyncSession) -> None:
    user = await make_user(db_session)
    with pytest.raises(FormErrors) as caught:
        await accounts.change_password(
            db_session, user=user, current="wrong", new="fresh-mountain-42-river", confirm="other"
        )
    assert set(caught.value.errors) == {"current_password", "confirm_password"}
    await accounts.change_password(
        db_session,
        user=user,
        current=PASSWORD,
        new="fresh-mountain-42-river",
        confirm="fresh-mountain-42-river",
    )
    await accounts.authenticate(
        db_session, username=user.username, password="fresh-mountain-42-river", address="1.1.1.1"
    )
