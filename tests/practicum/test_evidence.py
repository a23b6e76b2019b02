"""Evidence files: only photos and PDFs, known by their bytes; the size limit counted as
the body streams in; EXIF and GPS gone from what is stored; served only to the volunteer
and the deciders, always as a download."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lms.models.practicum import HourEvidence
from tests.practicum.conftest import World, log

pytestmark = pytest.mark.database


def photo(kind: str = "JPEG", *, gps: bool = True, size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if gps:
        exif[0x8825] = {1: "N", 2: (36.0, 37.0, 0.0), 3: "E", 4: (101.0, 46.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format=kind, exif=exif)
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


async def upload(
    client: httpx.AsyncClient,
    world: World,
    entry_id: int,
    name: str,
    data: bytes,
    kind: str,
    who: str = "vol",
) -> httpx.Response:
    return await client.post(
        f"/api/v1/hours/{entry_id}/evidence",
        files={"file": (name, data, kind)},
        headers=world.as_(who),
    )


async def evidence_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(HourEvidence)) or 0)


async def test_a_photo_is_stored_without_its_location(
    client: httpx.AsyncClient, world: World
) -> None:
    entry = await log(client, world)
    original = photo()
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)
    answer = await upload(client, world, entry["id"], "签到表.jpg", original, "image/jpeg")
    assert answer.status_code == 201, answer.text
    item = answer.json()
    assert (item["filename"], item["content_type"]) == ("签到表.jpg", "image/jpeg")
    download = await client.get(item["url"], headers=world.as_("trainer"))
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/jpeg"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert (
        "filename*=UTF-8''%E7%AD%BE%E5%88%B0%E8%A1%A8.jpg"
        in download.headers["content-disposition"]
    )
    stored = Image.open(io.BytesIO(download.content))
    assert stored.size == (64, 48)
    assert not stored.getexif(), dict(stored.getexif())
    assert b"PhoneMaker" not in download.content


@pytest.mark.parametrize(("kind", "mime"), [("PNG", "image/png"), ("WEBP", "image/webp")])
async def test_png_and_webp(client: httpx.AsyncClient, world: World, kind: str, mime: str) -> None:
    entry = await log(client, world)
    answer = await upload(
        client, world, entry["id"], "photo", photo(kind), "application/octet-stream"
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["content_type"] == mime
    assert answer.json()["filename"].endswith("." + kind.lower())


async def test_a_pdf_is_kept_as_it_is(client: httpx.AsyncClient, world: World) -> None:
    entry = await log(client, world)
    answer = await upload(client, world, entry["id"], "证明.pdf", PDF, "application/pdf")
    assert answer.status_code == 201
    download = await client.get(answer.json()["url"], headers=world.as_("vol"))
    assert download.content == PDF


DISGUISED = [
    (
        "svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "image/svg+xml",
    ),
    ("html named jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"),
    (
        "jpeg header, html body",
        b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>",
        "image/jpeg",
    ),
    ("png header only", b"\x89PNG\r\n\x1a\n" + b"<script>" * 20, "image/png"),
    ("pdf without end", b"%PDF-1.4\n<script>alert(1)</script>", "application/pdf"),
    ("gif", b"GIF89a" + b"\x00" * 30, "image/gif"),
    ("empty", b"", "image/jpeg"),
]


@pytest.mark.parametrize(
    ("data", "kind"), [d[1:] for d in DISGUISED], ids=[d[0] for d in DISGUISED]
)
async def test_anything_else_is_415(
    client: httpx.AsyncClient, world: World, db_session: AsyncSession, data: bytes, kind: str
) -> None:
    entry = await log(client, world)
    answer = await upload(client, world, entry["id"], "photo.jpg", data, kind)
    assert answer.status_code == 415, answer.text
    assert "JPEG, PNG, WebP" in answer.text
    assert await evidence_count(db_session) == 0


async def test_a_file_over_the_limit_is_413_before_the_rest_is_read(
    app: object, world: World, db_session: AsyncSession
) -> None:
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        boundary = b"--xyz\r\n"
        yield boundary + b'Content-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
        yield b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff"
        for _ in range(40):  # 40 MB if it were all read
            sent += 1
            yield b"\0" * (1024 * 1024)
        yield b"\r\n--xyz--\r\n"

    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        entry = await log(client, world)
        answer = await client.post(
            f"/api/v1/hours/{entry['id']}/evidence",
            content=body(),
            headers={**world.as_("vol"), "Content-Type": "multipart/form-data; boundary=xyz"},
        )
    assert answer.status_code == 413
    assert sent < 15, sent  # stopped at the limit (10 MB and the form's overhead)
    assert await evidence_count(db_session) == 0


async def test_a_declared_length_over_the_limit_is_413_at_once(
    client: httpx.AsyncClient, world: World
) -> None:
    entry = await log(client, world)
    answer = await client.post(
        f"/api/v1/hours/{entry['id']}/evidence",
        content=b"x",
        headers={
            **world.as_("vol"),
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(11 * 1024 * 1024),
        },
    )
    assert answer.status_code == 413


async def test_a_file_just_over_the_limit_is_413(
    client: httpx.AsyncClient, world: World, db_session: AsyncSession
) -> None:
    entry = await log(client, world)
    data = photo() + b"\0" * (10 * 1024 * 1024)
    answer = await upload(client, world, entry["id"], "big.jpg", data, "image/jpeg")
    assert answer.status_code == 413
    assert await evidence_count(db_session) == 0


async def test_five_files_at_most(client: httpx.AsyncClient, world: World) -> None:
    entry = await log(client, world)
    for number in range(5):
        answer = await upload(client, world, entry["id"], f"{number}.pdf", PDF, "application/pdf")
        assert answer.status_code == 201
    sixth = await upload(client, world, entry["id"], "6.pdf", PDF, "application/pdf")
    assert sixth.status_code == 409
    assert "at most 5" in sixth.text


async def test_who_may_add_and_see_evidence(client: httpx.AsyncClient, world: World) -> None:
    entry = await log(client, world)
    assert (
        await upload(client, world, entry["id"], "a.pdf", PDF, "application/pdf", who="trainer")
    ).status_code == 403
    assert (
        await upload(client, world, entry["id"], "a.pdf", PDF, "application/pdf", who="other")
    ).status_code == 404
    item = (await upload(client, world, entry["id"], "a.pdf", PDF, "application/pdf")).json()
    for who, status in (
        ("vol", 200),
        ("trainer", 200),
        ("coord", 200),
        ("other", 404),
        ("stranger", 404),
    ):
        answer = await client.get(item["url"], headers=world.as_(who))
        assert answer.status_code == status, who
    wrong_entry = await client.get(
        f"/api/v1/hours/{entry['id'] + 1}/evidence/{item['id']}", headers=world.as_("vol")
    )
    assert wrong_entry.status_code == 404


async def test_a_decided_entry_takes_no_more_evidence(
    client: httpx.AsyncClient, world: World
) -> None:
    entry = await log(client, world)
    await client.post(f"/api/v1/hours/{entry['id']}/approve", headers=world.as_("trainer"))
    answer = await upload(client, world, entry["id"], "late.pdf", PDF, "application/pdf")
    assert answer.status_code == 409


async def test_deleting_an_entry_deletes_its_files(
    client: httpx.AsyncClient, world: World, settings: object
) -> None:
    entry = await log(client, world)
    await upload(client, world, entry["id"], "a.pdf", PDF, "application/pdf")
    folder = settings.media_dir / "evidence"  # type: ignore[attr-defined]
    assert len(list(folder.iterdir())) == 1
    names = [p.name for p in folder.iterdir()]
    assert all(len(n) > 30 and n.endswith(".pdf") for n in names)  # random names
    assert (
        await client.delete(f"/api/v1/hours/{entry['id']}", headers=world.as_("vol"))
    ).status_code == 204
    assert list(folder.iterdir()) == []
