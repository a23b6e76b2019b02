"""Certificates and service records as a person gets them: the text a PDF reader
extracts, the fonts it embeds, and the QR code a phone scans."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from lms.certificates import fonts, pdf, qr
from lms.certificates.document import (
    Bilingual,
    CertificateData,
    CourseLine,
    Revocation,
    ServiceLine,
    ServiceRecordData,
    Template,
)
from lms.certificates.template import load
from tests.support import require_tool

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load(ROOT / "content", "default")
URL = "http://127.0.0.1:8000/verify/DEMO-2026-000123-K7Q"


def certificate(holder: str = "欧阳明月", **changes: object) -> CertificateData:
    item = CertificateData(
        serial="DEMO-2026-000123-K7Q",
        holder=holder,
        pathway=Bilingual("社区志愿服务", "Community Volunteer"),
        level_code="L4",
        level=Bilingual("四级 / 中级", "Level 4 — Intermediate"),
        courses=(
            CourseLine(Bilingual("志愿服务基础", "Volunteering basics"), 88.0),
            CourseLine(Bilingual("儿童权利", "Child rights"), 92.5),
            CourseLine(Bilingual("社区重建", "Community rebuilding"), None),
        ),
        hours=24.5,
        issued_on=date(2026, 11, 23),
        verify_url=URL,
        template=TEMPLATE,
    )
    return dataclasses.replace(item, **changes)


def save(tmp_path: Path, data: bytes, name: str = "c.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def text_of(path: Path, *options: str) -> str:
    tool = require_tool("pdftotext")
    answer = subprocess.run([tool, *options, str(path), "-"], capture_output=True, check=True)
    return answer.stdout.decode()


def fonts_of(path: Path) -> list[list[str]]:
    tool = require_tool("pdffonts")
    answer = subprocess.run([tool, str(path)], capture_output=True, text=True, check=True)
    return [line.split() for line in answer.stdout.splitlines()[2:]]


def pages_of(path: Path) -> int:
    tool = require_tool("pdfinfo")
    answer = subprocess.run([tool, str(path)], capture_output=True, text=True, check=True)
    found = re.search(r"^Pages:\s+(\d+)$", answer.stdout, re.MULTILINE)
    assert found is not None
    return int(found.group(1))


def plain(text: str) -> str:
    """Extracted text without the direction marks pdftotext puts around RTL lines."""
    return unicodedata.normalize("NFC", re.sub("[\u202a-\u202e\u2066-\u2069]", "", text))


def test_the_certificate_reads_as_a_training_certificate(tmp_path: Path) -> None:
    path = save(tmp_path, pdf.certificate(certificate()))
    text = text_of(path)
    for expected in (
        "欧阳明月",
        "DEMO-2026-000123-K7Q",
        "培训合格证书",
        "Certificate of Completion",
        "示例志愿服务培训中心",
        "Example Volunteer Training Centre",
        "已完成「社区志愿服务」四级 / 中级（L4）培训",
        "has completed the training of Community Volunteer, Level 4 — Intermediate (L4).",
        "儿童权利 Child rights — 测验成绩 Quiz score 92.5",
        "社区重建 Community rebuilding — 已完成 Completed",
        "实践服务时数 Approved practicum hours: 24.5",
        "2026年11月23日",
        "23 November 2026",
        "王立华",
        "培训主任 Director of Training",
        "扫码验证 Scan to verify",
        URL,
    ):
        assert expected in re.sub(r" +", " ", text), expected
    assert "职业技能等级证书" not in text  # a training certificate, never a state one
    assert "REVOKED" not in text and "已撤销" not in text
    assert pages_of(path) == 1


def test_every_font_is_embedded_and_subset(tmp_path: Path) -> None:
    path = save(tmp_path, pdf.certificate(certificate()))
    listed = fonts_of(path)
    assert listed, "no fonts listed"
    for row in listed:
        name, emb, sub = row[0], row[-5], row[-4]
        assert (emb, sub) == ("yes", "yes"), row
        assert re.fullmatch(r"[A-Z]{6}\+KurintoSansSC-(Rg|Bd)", name), row


def test_the_qr_code_scans_to_the_verify_url(tmp_path: Path) -> None:
    path = save(tmp_path, pdf.certificate(certificate()))
    render = require_tool("pdftoppm")
    subprocess.run([render, "-r", "150", "-png", str(path), str(tmp_path / "page")], check=True)
    zbar = require_tool("zbarimg")
    (png,) = tmp_path.glob("page*.png")
    answer = subprocess.run([zbar, "--raw", "-q", str(png)], capture_output=True, check=True)
    assert answer.stdout.decode().strip() == URL


def test_the_qr_matrix_is_drawn_as_rectangles_covering_exactly_the_dark_modules() -> None:
    matrix = qr.encode(URL)
    covered = {
        (y, x)
        for left, top, width, height in qr.rectangles(matrix)
        for y in range(top, top + height)
        for x in range(left, left + width)
    }
    dark = {(r, c) for r, line in enumerate(matrix) for c, module in enumerate(line) if module}
    assert covered == dark
    assert len(qr.rectangles(matrix)) < len(dark) / 2


def test_a_uyghur_name_is_drawn_in_kurinto_sans_and_extracts(tmp_path: Path) -> None:
    name = "ئەركىن ئابدۇللا"
    path = save(tmp_path, pdf.certificate(certificate(name)))
    assert any("KurintoSans-" in row[0] for row in fonts_of(path))
    assert all(row[-5:-3] == ["yes", "yes"] for row in fonts_of(path))
    text = plain(text_of(path, "-raw"))
    # The name carries its characters as ActualText; pdftotext writes a right-to-left line
    # in display order, so the characters may come out reversed.
    assert name in text or name[::-1] in text


def test_a_tibetan_name_is_drawn_in_the_tibetan_font(tmp_path: Path) -> None:
    require_tool(str(fonts.tibetan_font() or fonts.TIBETAN_CANDIDATES[0]))
    name = "བཀྲ་ཤིས་"
    path = save(tmp_path, pdf.certificate(certificate(name)))
    listed = fonts_of(path)
    assert any("Tibetan" in row[0] for row in listed), listed
    assert name in plain(text_of(path))


def test_a_revoked_certificate_says_so_with_the_date_and_reason(tmp_path: Path) -> None:
    reason = "培训记录经复核有误 Training record found incorrect"
    revoked = certificate(revoked=Revocation(on=date(2026, 12, 1), reason=reason))
    text = re.sub(r" +", " ", text_of(save(tmp_path, pdf.certificate(revoked))))
    assert "已撤销 REVOKED" in text
    assert "2026年12月1日 1 December 2026" in text
    assert reason in text
    assert "欧阳明月" in text  # still readable under the stamp


def test_a_cohort_is_one_file_one_page_each_the_static_part_drawn_once(tmp_path: Path) -> None:
    names = ["王芳", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄磊", "周杰", "吴霞"]
    holders = [f"{names[i % 10]}{names[i // 10][-1]}" for i in range(50)]
    items = [
        certificate(holder, serial=f"DEMO-2026-{i:06d}-AB") for i, holder in enumerate(holders)
    ]
    done: list[int] = []
    path = tmp_path / "cohort.pdf"
    with path.open("wb") as out:
        assert pdf.certificates(items, out, progress=done.append) == 50
    assert done == list(range(1, 51))
    assert pages_of(path) == 50
    listed = [row[0] for row in fonts_of(path)]
    assert len(listed) == len(set(listed)) <= 3  # each font once, not once a page
    data = path.read_bytes()
    assert data.count(b"/Subtype /Form") == 1  # the template's form, reused by every page
    assert len(data) / 50 < 5_000
    text = text_of(path)
    assert holders[49] == "吴霞静"
    assert "DEMO-2026-000049-AB" in text and "\n吴霞静\n" in text  # the 50th holder

    other = dataclasses.replace(TEMPLATE, name="other", issuer_code="OTHR")
    with (tmp_path / "two.pdf").open("wb") as out:
        pdf.certificates([*items[:3], certificate(template=other), *items[3:5]], out)
    assert (tmp_path / "two.pdf").read_bytes().count(b"/Subtype /Form") == 2


def test_nothing_to_print_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "none.pdf"
    with path.open("wb") as out:
        assert pdf.certificates([], out) == 0
    assert path.read_bytes() == b""


def test_long_names_many_courses_and_a_signature_still_render(tmp_path: Path) -> None:
    signature = tmp_path / "signature.png"
    Image.new("RGBA", (300, 100), (20, 20, 60, 0)).save(signature)
    signed = Template(
        name="signed",
        issuer_code="SGN",
        organisation=Bilingual("某某市某某区社区志愿服务与儿童保护联合培训中心" * 2, "A" * 150),
        signatory="Alexandra Montgomery-Smythe",
        signatory_title=Bilingual("培训主任", "Director of Training"),
        logo=TEMPLATE.logo,
        signature=signature,
    )
    courses = tuple(
        CourseLine(
            Bilingual(f"课程{i}：社区重建与心理支持", "Community rebuilding and support"), 80
        )
        for i in range(6)
    )
    long_name = "Maximilian Alexander Christopher Montgomery-Smythe 欧阳明月 ئەركىن"
    item = certificate(long_name, courses=courses, template=signed)
    text = re.sub(r"\s+", " ", text_of(save(tmp_path, pdf.certificate(item))))
    assert "Montgomery-Smythe 欧阳明月" in text
    for i in range(6):
        assert f"课程{i}：社区重建与心理支持" in text


def record(lines: int, holder: str = "欧阳明月") -> ServiceRecordData:
    served = tuple(
        ServiceLine(
            site=f"阳光社区服务站{i}号",
            category=("儿童陪伴", "社区探访", "活动组织")[i % 3],
            sessions=3,
            hours=7.5,
            first=date(2026, 3, 1),
            last=date(2026, 6, 30),
        )
        for i in range(lines)
    )
    return ServiceRecordData(
        number="SR-2026-0042",
        holder=holder,
        volunteer_number="V-000123",
        student_id="2024123456",
        lines=served,
        total_hours=7.5 * lines,
        issued_on=date(2026, 11, 23),
        template=TEMPLATE,
        notes=("服务时数以服务点负责人审核通过的记录为准。",),
    )


def test_the_service_record(tmp_path: Path) -> None:
    path = save(tmp_path, pdf.service_record(record(4)))
    text = text_of(path).replace("\n", "")  # a Chinese sentence wraps anywhere
    for expected in (
        "志愿服务记录证明",
        "SR-2026-0042",
        "欧阳明月",
        "V-000123",
        "2024123456",
        "阳光社区服务站2号",
        "社区探访",
        "服务时数共计 30 小时",
        "合计",
        "示例志愿服务培训中心",
        "王立华",
        "2026年11月23日",
    ):
        assert expected in text, expected
    assert pages_of(path) == 1
    assert all(row[-5:-3] == ["yes", "yes"] for row in fonts_of(path))


def test_a_long_service_record_flows_onto_more_pages(tmp_path: Path) -> None:
    path = save(tmp_path, pdf.service_record(record(80)))
    assert pages_of(path) >= 2
    text = text_of(path)
    assert "阳光社区服务站0号" in text and "阳光社区服务站79号" in text
    assert "共计 600 小时" in text.replace("\n", "")
    assert text.count("服务地点") == pages_of(path)  # the header again on every page


@pytest.mark.parametrize("holder", ["ئەركىن ئابدۇللا", "Zhang Wei"])
def test_a_service_record_for_other_scripts(tmp_path: Path, holder: str) -> None:
    path = save(tmp_path, pdf.service_record(dataclasses.replace(record(2), holder=holder)))
    text = plain(text_of(path, "-raw"))
    assert holder in text or holder[::-1] in text
