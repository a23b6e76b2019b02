"""Certificates in the browser's pages: issuing and revoking on a volunteer's record,
the PDF for its holder and coordinators only, the public verification page and API,
the cohort's issue-all and print job, and service records."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lms.certificates import jobs
from lms.config import Settings
from lms.errors import Invalid
from lms.models import cohorts as cohorts_model
from lms.models.accounts import User
from lms.models.certificates import Certificate, PrintJob, RateCounter, ServiceRecord
from tests.certificates.conftest import issue
from tests.pathways.conftest import Place, ready_for_l5
from tests.support import form_token, require_tool, sign_in_as


async def as_(
    client: httpx.AsyncClient, app: FastAPI, session: AsyncSession, place: Place, who: str
) -> None:
    user = await session.get(User, place.people[who])
    assert user is not None
    await session.refresh(user)
    await sign_in_as(client, app, session, user)
    client.headers["Accept-Language"] = "en"


def pdf_text(path: Path) -> str:
    return subprocess.run(
        [require_tool("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


async def count(session: AsyncSession, table: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_coordinator_issues_from_the_record_and_the_holder_downloads_it(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, place: Place, tmp_path
) -> None:
    await ready_for_l5(db_session, place)
    await as_(client, app, db_session, place, "coord")
    record = await client.get("/volunteers/vol")
    soup = BeautifulSoup(record.text, "html.parser")
    buttons = [b.get_text(" ", strip=True) for b in soup.select("#certificates form button")]
    assert "Issue the Level 5 certificate" in buttons
    token = await form_token(client, "/volunteers/vol")
    done = await client.post(
        "/volunteers/vol/certificates",
        data={"csrf_token": token, "pathway": "path", "level": "L5"},
    )
    assert done.status_code == 303
    serial = (await db_session.scalars(select(Certificate.serial))).one()
    assert done.headers["location"] == f"/volunteers/vol?issued={serial}#certificates"
    page = await client.get(done.headers["location"])
    assert f"Certificate {serial} is issued." in page.text
    assert f'href="/certificates/{serial}.pdf"' in page.text

    document = await client.get(f"/certificates/{serial}.pdf")
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/pdf"
    path = tmp_path / "c.pdf"
    path.write_bytes(document.content)
    text = pdf_text(path)
    assert "卓玛" in text and serial in text

    await as_(client, app, db_session, place, "vol")
    assert (await client.get(f"/certificates/{serial}.pdf")).status_code == 200
    mine = await client.get("/pathway")
    assert serial in mine.text
    for other in ("mate", "trainer", "elsewhere"):
        await as_(client, app, db_session, place, other)
        assert (await client.get(f"/certificates/{serial}.pdf")).status_code == 404
    await as_(client, app, db_session, place, "trainer")  # sees the record, not the PDF
    record = await client.get("/volunteers/vol")
    assert serial in record.text and f"/certificates/{serial}.pdf" not in record.text
    assert "/revoke" not in record.text


async def test_issuing_an_ineligible_volunteer_shows_what_is_missing_and_writes_nothing(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, place: Place
) -> None:
    await as_(client, app, db_session, place, "coord")
    token = await form_token(client, "/volunteers/vol")
    refused = await client.post(
        "/volunteers/vol/certificates",
        data={"csrf_token": token, "pathway": "path", "level": "L5"},
    )
    assert refused.status_code == 422
    alert = BeautifulSoup(refused.text, "html.parser").select_one("#certificates .alert-error")
    assert alert is not None and "is not eligible for L5 yet" in alert.get_text()
    assert await count(db_session, Certificate) == 0


async def test_only_the_cohorts_coordinators_may_issue(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    await as_(client, app, db_session, place, "trainer")
    token = await form_token(client, "/volunteers/vol")
    page = await client.get("/volunteers/vol")
    assert "/volunteers/vol/certificates" not in page.text
    data = {"csrf_token": token, "pathway": "path", "level": "L5"}
    assert (await client.post("/volunteers/vol/certificates", data=data)).status_code == 403
    await as_(client, app, db_session, place, "elsewhere")
    token = await form_token(client, "/")
    data["csrf_token"] = token
    assert (await client.post("/volunteers/vol/certificates", data=data)).status_code == 404
    assert await count(db_session, Certificate) == 0


async def test_revoking_needs_a_reason_and_then_shows_on_verification(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    serial = (await issue(db_session, place)).certificate.serial
    await as_(client, app, db_session, place, "coord")
    token = await form_token(client, "/volunteers/vol")
    refused = await client.post(
        f"/certificates/{serial}/revoke", data={"csrf_token": token, "reason": "  "}
    )
    assert refused.status_code == 422
    assert "Say why the certificate is revoked." in refused.text
    control = await client.post(
        f"/certificates/{serial}/revoke", data={"csrf_token": token, "reason": "姓名\x00有误"}
    )
    assert control.status_code == 422 and "control characters" in control.text
    assert (await client.get(f"/verify/{serial}")).text.count("✓") == 1

    done = await client.post(
        f"/certificates/{serial}/revoke", data={"csrf_token": token, "reason": "重复计算了服务时数"}
    )
    assert done.status_code == 303
    client.cookies.clear()
    page = await client.get(f"/verify/{serial}", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    verdict = BeautifulSoup(page.text, "html.parser").select_one(".verdict-revoked")
    assert verdict is not None and "重复计算了服务时数" in verdict.get_text()
    api = await client.get(f"/api/v1/certificates/{serial}")
    assert api.json()["status"] == "revoked"
    assert api.json()["revoked_reason"] == "重复计算了服务时数"


async def test_the_verification_page_is_public_and_in_the_visitors_language(
    client: httpx.AsyncClient, db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    serial = (await issue(db_session, place)).certificate.serial
    zh = await client.get(f"/verify/{serial}", headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 200
    soup = BeautifulSoup(zh.text, "html.parser")
    assert soup.select_one(".verdict-valid") is not None
    assert soup.select_one(".holder").get_text(strip=True) == "卓玛"
    assert "五级" in zh.text and "示例志愿服务培训中心" in zh.text
    en = await client.get(f"/verify/{serial}", headers={"Accept-Language": "en"})
    assert "Level 5" in en.text and "Example Volunteer Training Centre" in en.text
    assert 'name="viewport"' in en.text


async def test_an_unknown_or_mistyped_serial_is_404_with_a_reason(
    client: httpx.AsyncClient, db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    serial = (await issue(db_session, place)).certificate.serial
    wrong = serial[:-1] + ("A" if serial[-1] != "A" else "B")
    page = await client.get(f"/verify/{wrong}", headers={"Accept-Language": "en"})
    assert page.status_code == 404
    assert "check character does not match" in page.text
    assert (await client.get(f"/api/v1/certificates/{wrong}")).status_code == 404
    assert (await client.get("/api/v1/certificates/nonsense")).status_code == 404
    typed = await client.get("/verify", params={"serial": serial.lower()})
    assert typed.status_code == 303 and typed.headers["location"] == f"/verify/{serial.lower()}"


async def test_the_api_returns_the_certificate_as_printed_without_a_token(
    client: httpx.AsyncClient, db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    cert = (await issue(db_session, place)).certificate
    body = (
        await client.get(f"/api/v1/certificates/{cert.serial}", headers={"Accept-Language": "en"})
    ).json()
    assert set(body) == {
        "serial", "status", "holder", "pathway", "pathway_title", "level", "level_title",
        "issued_at", "issuer", "revoked_at", "revoked_reason",
    }  # fmt: skip
    assert body["serial"] == cert.serial and body["status"] == "valid"
    assert body["holder"] == "卓玛" and body["level"] == "L5"
    assert body["issuer"] == "Example Volunteer Training Centre"
    assert body["issued_at"].endswith("+00:00") and body["revoked_at"] is None
    zh = await client.get(
        f"/api/v1/certificates/{cert.serial}", headers={"Accept-Language": "zh-CN"}
    )
    assert zh.json()["level_title"] == "五级" and zh.json()["issuer"] == "示例志愿服务培训中心"


async def test_a_flood_of_verification_requests_is_refused_per_address(
    client: httpx.AsyncClient, db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    serial = (await issue(db_session, place)).certificate.serial
    codes = [(await client.get(f"/api/v1/certificates/{serial}")).status_code for _ in range(30)]
    assert codes == [200] * 30
    refused = await client.get(f"/api/v1/certificates/{serial}")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    page = await client.get(f"/verify/{serial}", headers={"Accept-Language": "en"})
    assert page.status_code == 429 and "Too many verification requests" in page.text
    assert await count(db_session, RateCounter) == 1


async def test_the_cohort_page_issues_to_everyone_eligible(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place, "vol")
    await ready_for_l5(db_session, place, "mate")
    await as_(client, app, db_session, place, "coord")
    url = f"/cohorts/{place.cohort_code}/certificates"
    page = await client.get(url)
    assert page.status_code == 200
    counts = BeautifulSoup(page.text, "html.parser").select("form button .count")
    assert [c.get_text() for c in counts] == ["2", "0"]
    token = await form_token(client, url)
    done = await client.post(url + "/issue", data={"csrf_token": token, "level": "L5"})
    assert done.status_code == 200 and "2 certificates issued." in done.text
    assert await count(db_session, Certificate) == 2
    bad = await client.post(url + "/issue", data={"csrf_token": token, "level": "L9"})
    assert bad.status_code == 422 and "has no level L9" in bad.text
    await as_(client, app, db_session, place, "trainer")
    assert (await client.get(url)).status_code == 403


async def test_printing_an_empty_cohort_is_refused(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, place: Place
) -> None:
    await as_(client, app, db_session, place, "coord")
    url = f"/cohorts/{place.cohort_code}/certificates"
    token = await form_token(client, url)
    refused = await client.post(url + "/print", data={"csrf_token": token, "everything": "1"})
    assert refused.status_code == 422
    assert "There are no certificates to print" in refused.text
    assert await count(db_session, PrintJob) == 0


async def test_a_print_job_is_queued_and_its_page_shows_progress(
    client: httpx.AsyncClient,
    app: FastAPI,
    db_session: AsyncSession,
    place: Place,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    launched: list[int] = []
    monkeypatch.setattr(jobs, "launch", lambda job_id, _settings: launched.append(job_id))
    await ready_for_l5(db_session, place)
    serial = (await issue(db_session, place)).certificate.serial
    await as_(client, app, db_session, place, "coord")
    url = f"/cohorts/{place.cohort_code}/certificates"
    token = await form_token(client, url)
    wrong = await client.post(
        url + "/print", data={"csrf_token": token, "serials": ["VLMS-X-2026-5-0000000000-0"]}
    )
    assert wrong.status_code == 422 and "not valid certificates of this cohort" in wrong.text
    started = await client.post(url + "/print", data={"csrf_token": token, "serials": [serial]})
    assert started.status_code == 303
    job = (await db_session.scalars(select(PrintJob))).one()
    job_id = job.id
    assert started.headers["location"] == f"/print-jobs/{job_id}"
    assert launched == [job_id] and job.serials == [serial] and job.state == "queued"
    page = await client.get(f"/print-jobs/{job_id}")
    assert 'hx-trigger="every 1s"' in page.text
    assert (await client.get(f"/print-jobs/{job_id}/file.pdf")).status_code == 404
    fragment = await client.get(f"/print-jobs/{job_id}", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="job-progress"')


async def test_a_service_record_is_numbered_and_printed_in_chinese(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, place: Place, tmp_path
) -> None:
    await as_(client, app, db_session, place, "coord")
    token = await form_token(client, "/volunteers/vol")
    empty = await client.post("/volunteers/vol/service-record", data={"csrf_token": token})
    assert empty.status_code == 422 and "has no approved service to record yet" in empty.text
    assert await count(db_session, ServiceRecord) == 0
    await ready_for_l5(db_session, place)
    done = await client.post("/volunteers/vol/service-record", data={"csrf_token": token})
    assert done.status_code == 303
    record = (await db_session.scalars(select(ServiceRecord))).one()
    assert record.minutes == 240
    assert done.headers["location"] == f"/service-records/{record.number}.pdf"
    document = await client.get(done.headers["location"])
    path = tmp_path / "r.pdf"
    path.write_bytes(document.content)
    text = pdf_text(path)
    assert "志愿服务记录证明" in text and "卓玛" in text and record.number in text
    assert "城东社区服务中心" in text
    await as_(client, app, db_session, place, "trainer")
    assert (await client.get(done.headers["location"])).status_code == 404


def shared(session: AsyncSession):  # type: ignore[no-untyped-def]
    """The test's session as a job's session factory."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def factory(*, write: bool = True):  # type: ignore[no-untyped-def]
        yield session

    return factory


async def test_a_job_renders_every_chosen_certificate_into_one_file(
    db_session: AsyncSession, place: Place, settings: Settings
) -> None:
    await ready_for_l5(db_session, place, "vol")
    await ready_for_l5(db_session, place, "mate")
    await issue(db_session, place, "vol")
    await issue(db_session, place, "mate")
    cohort = await db_session.get(cohorts_model.Cohort, place.cohort_id)
    assert cohort is not None
    job = await jobs.start(db_session, actor=None, cohort=cohort)
    seen: list[tuple[int, int]] = []
    finished = await jobs.run(
        shared(db_session), settings, job.id or 0, on_page=lambda d, t: seen.append((d, t))
    )
    assert finished.state == "done" and finished.done == 2 and seen[-1] == (2, 2)
    path = jobs.file_of(settings, finished)
    assert path is not None and path.name.endswith(".pdf")
    text = pdf_text(path)
    assert "卓玛" in text and "扎西" in text
    assert not list(path.parent.glob("*.part"))


async def test_a_job_that_breaks_half_way_records_why_and_leaves_no_file(
    db_session: AsyncSession, place: Place, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ready_for_l5(db_session, place)
    await issue(db_session, place)
    cohort = await db_session.get(cohorts_model.Cohort, place.cohort_id)
    assert cohort is not None
    job = await jobs.start(db_session, actor=None, cohort=cohort)

    def breaks(items, out, *, progress=None):  # type: ignore[no-untyped-def]
        out.write(b"%PDF-1.4 half a file")
        raise OSError("No space left on device")

    monkeypatch.setattr(jobs.pdf, "certificates", breaks)
    with pytest.raises(OSError, match="No space"):
        await jobs.run(shared(db_session), settings, job.id or 0)
    failed = await db_session.get(PrintJob, job.id)
    assert failed is not None
    await db_session.refresh(failed)
    assert failed.state == "failed" and failed.error == "No space left on device"
    assert jobs.file_of(settings, failed) is None
    assert jobs.folder(settings).is_dir() and not list(jobs.folder(settings).glob("*.pdf*"))


async def test_a_certificate_whose_template_was_removed_still_prints(
    client: httpx.AsyncClient, app: FastAPI, db_session: AsyncSession, place: Place, tmp_path
) -> None:
    await ready_for_l5(db_session, place)
    cert = (await issue(db_session, place)).certificate
    serial = cert.serial
    cert.template = "retired"  # renamed in content/certificates since it was issued
    db_session.add(cert)
    await db_session.flush()
    await as_(client, app, db_session, place, "vol")
    document = await client.get(f"/certificates/{serial}.pdf")
    assert document.status_code == 200
    path = tmp_path / "c.pdf"
    path.write_bytes(document.content)
    text = pdf_text(path)
    assert serial in text and "示例志愿服务培训中心" in text  # the snapshot's texts


async def test_a_second_print_while_one_runs_returns_the_running_one(
    db_session: AsyncSession, place: Place
) -> None:
    await ready_for_l5(db_session, place)
    await issue(db_session, place)
    cohort = await db_session.get(cohorts_model.Cohort, place.cohort_id)
    assert cohort is not None
    first = await jobs.start(db_session, actor=None, cohort=cohort)
    again = await jobs.start(db_session, actor=None, cohort=cohort)
    assert again.id == first.id
    assert await count(db_session, PrintJob) == 1


async def test_a_selection_too_large_is_refused(db_session: AsyncSession, place: Place) -> None:
    cohort = await db_session.get(cohorts_model.Cohort, place.cohort_id)
    assert cohort is not None
    with pytest.raises(Invalid, match="at most 20000"):
        await jobs.start(db_session, actor=None, cohort=cohort, serials=["x"] * 20_001)
    with pytest.raises(Invalid, match="at most"):
        await jobs.start(db_session, actor=None, cohort=cohort, serials=["V" * 41])
    assert await count(db_session, PrintJob) == 0


async def test_a_dead_job_reads_as_failed_once_its_heartbeat_is_old(
    db_session: AsyncSession, place: Place, settings: Settings
) -> None:
    await ready_for_l5(db_session, place)
    await issue(db_session, place)
    cohort = await db_session.get(cohorts_model.Cohort, place.cohort_id)
    assert cohort is not None
    job = await jobs.start(db_session, actor=None, cohort=cohort)
    job_id = job.id or 0
    factory = shared(db_session)
    assert await jobs.reap(factory, settings, cohort_id=place.cohort_id) == {}
    later = job.created_at + jobs.STALE + timedelta(seconds=1)
    reaped = await jobs.reap(factory, settings, cohort_id=place.cohort_id, now=later)
    assert list(reaped) == [job_id]
    found = await db_session.get(PrintJob, job_id)
    assert found is not None
    await db_session.refresh(found)
    assert found.state == "failed" and "did not start" in (found.error or "")


async def test_other_coordinators_and_trainers_cannot_reach_a_real_job_or_certificate(
    client: httpx.AsyncClient,
    app: FastAPI,
    db_session: AsyncSession,
    place: Place,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jobs, "launch", lambda job_id, _settings: None)
    await ready_for_l5(db_session, place)
    serial = (await issue(db_session, place)).certificate.serial
    cohort = await db_session.get(cohorts_model.Cohort, place.cohort_id)
    assert cohort is not None
    job_id = (await jobs.start(db_session, actor=None, cohort=cohort)).id
    for who, expected in (("elsewhere", 404), ("trainer", 404), ("coord", 200)):
        await as_(client, app, db_session, place, who)
        assert (await client.get(f"/print-jobs/{job_id}")).status_code == expected, who
    await as_(client, app, db_session, place, "trainer")
    token = await form_token(client, "/")
    revoke = await client.post(
        f"/certificates/{serial}/revoke", data={"csrf_token": token, "reason": "试试"}
    )
    assert revoke.status_code == 403  # sees the record, may not revoke
    await as_(client, app, db_session, place, "elsewhere")
    token = await form_token(client, "/")
    revoke = await client.post(
        f"/certificates/{serial}/revoke", data={"csrf_token": token, "reason": "试试"}
    )
    assert revoke.status_code == 404
    assert "vol" not in revoke.text.replace("volunteer", "")  # nothing about whose it is
    assert (await client.get(f"/certificates/{serial}.pdf")).status_code == 404
    found = (await db_session.scalars(select(Certificate))).one()
    assert found.revoked_at is None


async def test_a_typed_serial_is_quoted_into_the_address(client: httpx.AsyncClient) -> None:
    typed = await client.get("/verify", params={"serial": "../../cohorts?x=1#y"})
    assert typed.status_code == 303
    assert typed.headers["location"] == "/verify/..%2F..%2Fcohorts%3Fx%3D1%23y"
