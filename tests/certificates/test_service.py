"""Issuing and revoking through the service: eligibility, prerequisites, idempotency,
names no font can print, and the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lms.audit import service as audit
from lms.certificates import serials
from lms.certificates import service as certificates
from lms.errors import Conflict, FormErrors, Invalid, NotFound
from lms.models.certificates import Certificate
from lms.pathways import service as pathways
from tests.certificates.conftest import SHIPPED, issue, user
from tests.pathways.conftest import (
    Place,
    approved_hours,
    cohort_of,
    read,
    ready_for_l5,
    scored,
)


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Certificate)) or 0)


async def test_an_eligible_volunteer_gets_a_certificate_with_what_it_prints(
    db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    issued = await issue(db_session, place)
    cert = issued.certificate
    assert issued.created
    assert cert.serial.startswith("VLMS-DEMO-") and "-5-" in cert.serial
    assert cert.holder == "卓玛"
    snap = cert.snapshot
    assert snap["pathway_title"] == {"zh": "测试路径", "en": "Test Pathway"}
    assert snap["level_title"] == {"zh": "五级", "en": "Level 5"}
    assert snap["courses"] == [
        {"slug": "alpha", "title": {"zh": "Alpha", "en": "Alpha"}, "score": 67.5}
    ]
    assert snap["hours"] == 4
    assert snap["issuer"]["code"] == "DEMO"
    events = await audit.history(db_session, object_type="certificate", object_id=cert.serial)
    assert [e.action for e in events] == ["certificate.issue"]


async def test_issuing_again_returns_the_same_certificate(
    db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    first = await issue(db_session, place)
    again = await issue(db_session, place)
    assert not again.created
    assert again.certificate.serial == first.certificate.serial
    assert await count(db_session) == 1


async def test_an_ineligible_volunteer_is_refused_with_what_is_missing(
    db_session: AsyncSession, place: Place
) -> None:
    await read(db_session, place, "vol", "alpha/01-one", "alpha/02-two")
    await scored(db_session, place, "vol", "alpha/01-one", 70)
    await approved_hours(db_session, place, "vol", 1.5)
    with pytest.raises(Invalid) as refused:
        await issue(db_session, place)
    message = refused.value.message
    assert "卓玛 is not eligible for L5 yet" in message
    assert "Alpha two" in message  # the quiz still to pass
    assert "2.5 more approved hours" in message
    assert await count(db_session) == 0


async def test_a_level_needs_the_certificate_of_the_level_before_it(
    db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    with pytest.raises(Invalid, match="needs the L5 certificate before L4"):
        await issue(db_session, place, level="L4")
    assert await count(db_session) == 0


async def test_an_unknown_level_or_pathway_is_refused(
    db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    with pytest.raises(Invalid, match="has no level L9"):
        await issue(db_session, place, level="L9")
    with pytest.raises(NotFound, match="no pathway nowhere"):
        await certificates.issue(
            db_session,
            actor=None,
            volunteer=await user(db_session, place, "vol"),
            pathway="nowhere",
            level="L5",
            content_dir=SHIPPED,
        )


async def test_a_name_with_a_character_no_font_has_stops_issuing(
    db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    volunteer = await user(db_session, place, "vol")
    volunteer.name = "卓\ue000玛"  # a private-use character: no font draws it
    db_session.add(volunteer)
    await db_session.flush()
    with pytest.raises(Invalid) as refused:
        await issue(db_session, place)
    assert "U+E000" in refused.value.message
    assert await count(db_session) == 0


async def test_revoking_keeps_the_certificate_and_issuing_again_makes_a_new_serial(
    db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    first = (await issue(db_session, place)).certificate
    coordinator = await user(db_session, place, "coord")
    await certificates.revoke(
        db_session, actor=coordinator, certificate=first, reason="  姓名   录入有误 "
    )
    assert first.revoked_at is not None and first.revoked_reason == "姓名 录入有误"
    assert certificates.status(first) == "revoked"
    with pytest.raises(Conflict):
        await certificates.revoke(db_session, actor=coordinator, certificate=first, reason="again")
    second = await issue(db_session, place)
    assert second.created
    assert second.certificate.serial != first.serial
    assert await count(db_session) == 2
    found = await certificates.find(db_session, first.serial)
    assert found.revoked_reason == "姓名 录入有误"
    events = await audit.history(db_session, object_type="certificate", object_id=first.serial)
    assert [e.action for e in events] == ["certificate.issue", "certificate.revoke"]
    assert events[-1].reason == "姓名 录入有误"


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
async def test_a_revocation_needs_a_reason_of_sensible_length(
    db_session: AsyncSession, place: Place, reason: str
) -> None:
    await ready_for_l5(db_session, place)
    cert = (await issue(db_session, place)).certificate
    with pytest.raises(FormErrors) as refused:
        await certificates.revoke(db_session, actor=None, certificate=cert, reason=reason)
    assert "reason" in refused.value.errors
    assert cert.revoked_at is None


async def test_a_serial_with_a_wrong_check_character_is_not_found_and_says_why(
    db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    serial = (await issue(db_session, place)).certificate.serial
    wrong = serial[:-1] + ("A" if serial[-1] != "A" else "B")
    with pytest.raises(NotFound, match="check character"):
        await certificates.find(db_session, wrong)
    with pytest.raises(NotFound, match="no certificate"):
        await certificates.find(
            db_session, str(serials.new(issuer="DEMO", year=2026, level_code="L5"))
        )
    assert (await certificates.find(db_session, serial.lower())).serial == serial


async def test_a_certified_level_shows_on_the_checklist_and_unlocks_the_next(
    db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)

    async def standing():  # type: ignore[no-untyped-def]
        found = await pathways.checklists(
            db_session, user_id=place.people["vol"], slugs=["path"], language="en"
        )
        return found[0].standing

    before = await standing()
    assert not before.level("L5").certified
    assert certificates.issuable(before, before.level("L5"))
    await issue(db_session, place)
    after = await standing()
    assert after.level("L5").certified
    assert not certificates.issuable(after, after.level("L5"))
    assert after.level("L4").of("prerequisite")[0].met


async def test_the_cohort_gets_certificates_for_everyone_eligible(
    db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place, "vol")
    await ready_for_l5(db_session, place, "mate")
    mate = await user(db_session, place, "mate")
    mate.name = "扎\ue000西"
    db_session.add(mate)
    await db_session.flush()
    cohort = await cohort_of(db_session, place)
    result = await certificates.issue_eligible(
        db_session,
        actor=await user(db_session, place, "coord"),
        cohort=cohort,
        level="L5",
        content_dir=SHIPPED,
    )
    assert [c.holder for c in result.issued] == ["卓玛"]
    assert [(p.username, "U+E000" in m) for p, m in result.refused] == [("mate", True)]
    again = await certificates.issue_eligible(
        db_session,
        actor=await user(db_session, place, "coord"),
        cohort=cohort,
        level="L5",
        content_dir=SHIPPED,
    )
    assert again.issued == []


async def test_two_coordinators_issuing_at_once_get_one_certificate(
    db_session: AsyncSession, place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second one's look-up ran before the first one's insert: its own insert meets
    the unique key, and it returns the certificate the first one made."""
    await ready_for_l5(db_session, place)
    first = (await issue(db_session, place)).certificate
    real = certificates._valid
    calls = {"n": 0}

    async def stale(session: AsyncSession, key: str) -> Certificate | None:
        calls["n"] += 1
        return None if calls["n"] <= 2 else await real(session, key)

    monkeypatch.setattr(certificates, "_valid", stale)
    second = await issue(db_session, place)
    assert not second.created
    assert second.certificate.serial == first.serial
    assert await count(db_session) == 1


def test_a_level_is_offered_for_issuing_once_the_level_before_is_certified() -> None:
    from lms.pathways.eligibility import LevelStatus, Record, Requirement, Standing

    def levels(l5_certified: bool) -> Standing:
        before = Requirement("prerequisite", "L5", "Level 5", 1, 1, True)
        return Standing(
            user_id=1,
            levels=[
                LevelStatus("L5", "Level 5", True, l5_certified, []),
                LevelStatus("L4", "Level 4", True, False, [before]),
            ],
            approved_hours=10,
            last_active=None,
            record=Record(),
        )

    eligible_only = levels(l5_certified=False)
    assert certificates.issuable(eligible_only, eligible_only.levels[0])
    assert not certificates.issuable(eligible_only, eligible_only.levels[1])
    certified = levels(l5_certified=True)
    assert not certificates.issuable(certified, certified.levels[0])  # held already
    assert certificates.issuable(certified, certified.levels[1])
