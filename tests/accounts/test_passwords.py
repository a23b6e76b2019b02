from __future__ import annotations

import pytest

from lms.accounts.passwords import hash_password, password_problem, verify_password


@pytest.mark.parametrize(
    "password",
    ["short", "password1", "12345678", "abcd1234", "qwertyuiop", "zhangsan2000", "        xx"],
)
def test_weak_passwords_are_refused(password: str) -> None:
    assert password_problem(password, hints=("zhangsan", "张三")) is not None


def test_the_users_own_name_is_not_a_password() -> None:
    assert password_problem("wangxiaoming", hints=("wangxiaoming", "王小明")) is not None


@pytest.mark.parametrize(
    "password", ["river-lantern-57-yak", "我在玉树做志愿者2026年夏天", "Kanda village spring"]
)
def test_good_passwords_pass(password: str) -> None:
    assert password_problem(password) is None


def test_over_long_password() -> None:
    assert password_problem("x" * 129) is not None


async def test_hash_and_verify() -> None:
    hashed = await hash_password("river-lantern-57-yak")
    assert hashed.startswith("$argon2id$")
    assert await verify_password("river-lantern-57-yak", hashed)
    assert not await verify_password("river-lantern-57-yam", hashed)
    assert not await verify_password("anything", None)
