"""Certificates as PDF: one page each, A4 landscape, any number on one canvas.

A cohort is printed on one canvas, so each font's subset is embedded once for the whole
file, and the parts of the page that come from the template (frame, logo, organisation,
titles, signature, signatory) are drawn once as a form XObject that every page of that
template reuses. A page then adds only its own text and its QR code, drawn as one path.
This is a training certificate of the organisation that issues it: its title and wording
say so, and nothing on it claims to be a state certificate.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from lms.certificates import fonts, qr
from lms.certificates.document import CertificateData, CourseLine, Template
from lms.certificates.drawing import (
    CREAM,
    DEEP_GOLD,
    GOLD,
    GREY,
    INK,
    RED,
    TEAL,
    binary_streams,
    centred,
    dates,
    ellipsis,
    fit,
    name_paragraph,
    natural_width,
    number,
    style,
)
from lms.certificates.record_pdf import service_record

__all__ = ["certificate", "certificates", "service_record"]

WIDTH, HEIGHT = landscape(A4)
MIDDLE = WIDTH / 2
TEXT_WIDTH = 640  # the centre column: name, sentences, courses
QR_SIZE = 74
QR_RIGHT = WIDTH - 74
QR_TOP = 446  # from the top of the page
LEFT = 80  # the date and serial block
COURSES_END = 424  # from the top: the last course line's lowest baseline, the hours below
SANS, BOLD = fonts.SANS, fonts.SANS_BOLD


def top(y: float) -> float:
    """ReportLab measures from the bottom; the layout reads from the top."""
    return HEIGHT - y


def certificates(
    items: Iterable[CertificateData],
    out: BinaryIO,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Draws every certificate of ``items`` on one canvas into ``out``, one page each,
    and returns the number of pages. ``progress(done)`` is called after each page."""
    fonts.chain()
    with binary_streams():
        return _draw(items, out, progress)


def _draw(
    items: Iterable[CertificateData], out: BinaryIO, progress: Callable[[int], None] | None
) -> int:
    canvas = Canvas(
        out,
        pagesize=(WIDTH, HEIGHT),
        initialFontName=SANS,  # else every page names Helvetica, a font not embedded
        pageCompression=1,
    )
    canvas.setCreator("lms")
    canvas.setTitle("培训合格证书 Certificate of Completion")
    forms: dict[Template, str] = {}
    done = 0
    for item in items:
        form = forms.get(item.template)
        if form is None:
            form = forms[item.template] = f"certificate{len(forms)}"
            canvas.beginForm(form)
            _static(canvas, item.template)
            canvas.endForm()
        if done == 0:
            canvas.setAuthor(item.template.organisation.zh)
        canvas.doForm(form)
        _page(canvas, item)
        canvas.showPage()
        done += 1
        if progress is not None:
            progress(done)
    if done:
        canvas.save()
    return done


def certificate(item: CertificateData) -> bytes:
    buffer = io.BytesIO()
    certificates([item], buffer)
    return buffer.getvalue()


def _static(canvas: Canvas, template: Template) -> None:
    """What every page of ``template`` shares."""
    canvas.setFillColor(CREAM)
    canvas.rect(0, 0, WIDTH, HEIGHT, stroke=0, fill=1)
    _frame(canvas)
    if template.logo is not None:
        canvas.drawImage(
            str(template.logo),
            MIDDLE - 25,
            top(108),
            50,
            50,
            mask="auto",
            preserveAspectRatio=True,
            anchor="c",
        )
    canvas.setFillColor(TEAL)
    centred(canvas, template.organisation.zh, MIDDLE, top(124), BOLD, 13, width=560, spacing=1)
    canvas.setFillColor(GREY)
    centred(canvas, template.organisation.en, MIDDLE, top(138), SANS, 8.5, width=560)

    canvas.setFillColor(TEAL)
    centred(canvas, "培训合格证书", MIDDLE, top(177), BOLD, 30, width=500, spacing=3)
    canvas.setFillColor(DEEP_GOLD)
    centred(canvas, "Certificate of Completion", MIDDLE, top(199), SANS, 14, width=500, spacing=1)
    _ornament(canvas, top(211))
    canvas.setFillColor(GREY)
    centred(canvas, "兹证明  This is to certify that", MIDDLE, top(233), SANS, 10, width=500)

    # The signatory, centred at the bottom: signature above a rule, name and title below.
    if template.signature is not None:
        canvas.drawImage(
            str(template.signature),
            MIDDLE - 80,
            top(500),
            160,
            40,
            mask="auto",
            preserveAspectRatio=True,
            anchor="s",
        )
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.6)
    canvas.line(MIDDLE - 100, top(502), MIDDLE + 100, top(502))
    canvas.setFillColor(INK)
    paragraph = name_paragraph(template.signatory, 11, bold=True)
    paragraph.wrapOn(canvas, 220, 30)
    paragraph.drawOn(canvas, MIDDLE - 110, top(519) - paragraph.style.fontSize * 0.25)
    canvas.setFillColor(GREY)
    title = f"{template.signatory_title.zh}  {template.signatory_title.en}"
    centred(canvas, title, MIDDLE, top(534), SANS, 8.5, width=230)

    canvas.setFillColor(GREY)
    canvas.setFont(SANS, 7.5)
    canvas.drawString(LEFT, top(468), "颁发日期  Date of issue")
    canvas.drawString(LEFT, top(512), "证书编号  Serial No.")
    canvas.drawCentredString(
        QR_RIGHT - QR_SIZE / 2, top(QR_TOP + QR_SIZE + 11), "扫码验证 Scan to verify"
    )


def _frame(canvas: Canvas) -> None:
    """A deep teal band, a gold line inside it with a diamond at each corner, and a thin
    teal line inside that."""
    canvas.setStrokeColor(TEAL)
    canvas.setLineWidth(7)
    canvas.rect(20, 20, WIDTH - 40, HEIGHT - 40, stroke=1, fill=0)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1.6)
    canvas.rect(31, 31, WIDTH - 62, HEIGHT - 62, stroke=1, fill=0)
    canvas.setStrokeColor(TEAL)
    canvas.setLineWidth(0.5)
    canvas.rect(36, 36, WIDTH - 72, HEIGHT - 72, stroke=1, fill=0)
    canvas.setFillColor(GOLD)
    for x, y in ((31, 31), (WIDTH - 31, 31), (31, HEIGHT - 31), (WIDTH - 31, HEIGHT - 31)):
        _diamond(canvas, x, y, 6)
    # gold brackets in the inner corners
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1.2)
    path = canvas.beginPath()
    for x, y, dx, dy in ((43, 43, 1, 1), (WIDTH - 43, 43, -1, 1), (43, HEIGHT - 43, 1, -1)):
        path.moveTo(x, y + 30 * dy)
        path.lineTo(x, y)
        path.lineTo(x + 30 * dx, y)
    x, y = WIDTH - 43, HEIGHT - 43
    path.moveTo(x, y - 30)
    path.lineTo(x, y)
    path.lineTo(x - 30, y)
    canvas.drawPath(path, stroke=1, fill=0)


def _diamond(canvas: Canvas, x: float, y: float, r: float) -> None:
    path = canvas.beginPath()
    path.moveTo(x, y + r)
    path.lineTo(x + r, y)
    path.lineTo(x, y - r)
    path.lineTo(x - r, y)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def _ornament(canvas: Canvas, y: float) -> None:
    """A gold rule under the title, broken by a diamond."""
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.8)
    canvas.line(MIDDLE - 120, y, MIDDLE - 10, y)
    canvas.line(MIDDLE + 10, y, MIDDLE + 120, y)
    canvas.setFillColor(GOLD)
    _diamond(canvas, MIDDLE, y, 4)


def _page(canvas: Canvas, item: CertificateData) -> None:
    """What is this certificate's own."""
    y = _holder(canvas, item.holder, top(274))
    y = _sentences(canvas, item, y - 24)
    y = _courses(canvas, item.courses, y - 6)
    hours, value = "实践服务时数  Approved practicum hours:  ", number(item.hours)
    left = MIDDLE - (stringWidth(hours, SANS, 10) + stringWidth(value, BOLD, 11)) / 2
    canvas.setFillColor(INK)
    canvas.setFont(SANS, 10)
    canvas.drawString(left, y - 14, hours)
    canvas.setFont(BOLD, 11)
    canvas.drawString(left + stringWidth(hours, SANS, 10), y - 14, value)

    issued = dates(item.issued_on)
    canvas.setFillColor(INK)
    canvas.setFont(BOLD, 11)
    canvas.drawString(LEFT, top(484), issued.zh)
    canvas.setFont(SANS, 9)
    canvas.drawString(LEFT, top(497), issued.en)
    size = fit(item.serial, BOLD, 10, 200, 7)
    canvas.setFont(BOLD, size)
    canvas.drawString(LEFT, top(527), item.serial)

    canvas.setFillColor(INK)
    qr.draw(canvas, qr.encode(item.verify_url), QR_RIGHT - QR_SIZE, top(QR_TOP + QR_SIZE), QR_SIZE)
    canvas.setFillColor(GREY)
    size = fit(item.verify_url, SANS, 6, 180, 4.5)
    canvas.setFont(SANS, size)
    canvas.drawRightString(QR_RIGHT, top(QR_TOP + QR_SIZE + 21), item.verify_url)
    if item.revoked is not None:
        _revoked(canvas, item)


def _holder(canvas: Canvas, holder: str, baseline: float) -> float:
    """The name, as large as fits on one line (two at the smallest size), its first
    baseline on ``baseline``, above a gold rule; returns the rule's height."""
    width = TEXT_WIDTH - 40
    for size in _sizes(holder, width):
        paragraph = name_paragraph(holder, size)
        _, height = paragraph.wrap(width, 200)
        if len(paragraph.blPara.lines) == 1:
            break
    canvas.setFillColor(INK)
    paragraph.drawOn(canvas, MIDDLE - width / 2, baseline - height + size)
    last = baseline - height + paragraph.style.leading
    rule = last - size * 0.3 - 5
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.8)
    canvas.line(MIDDLE - 170, rule, MIDDLE + 170, rule)
    return rule


def _sizes(holder: str, width: float) -> list[float]:
    """Sizes to try for the name: the one its measured width suggests, then smaller."""
    natural = natural_width(holder, 30, bold=True) or 1
    first = min(30.0, max(14.0, 30 * width / natural * 0.97))
    return [first, *(s for s in (24.0, 20.0, 16.0, 14.0) if s < first)]


def _sentences(canvas: Canvas, item: CertificateData, y: float) -> float:
    """What the holder completed, in Chinese then English; returns the height below."""
    zh = f"已完成「{item.pathway.zh}」{item.level.zh}（{item.level_code}）培训，特发此证。"
    en = f"has completed the training of {item.pathway.en}, {item.level.en} ({item.level_code})."
    for text, size, cjk in ((zh, 12.5, True), (en, 10.5, False)):
        canvas.setFillColor(INK)
        if stringWidth(text, SANS, size * 0.85) <= TEXT_WIDTH:
            centred(canvas, text, MIDDLE, y, SANS, size, width=TEXT_WIDTH, smallest=size * 0.85)
            y -= size * 1.55
            continue
        paragraph = Paragraph(escape(text), style(size * 0.85, color=INK, cjk=cjk))
        _, height = paragraph.wrap(TEXT_WIDTH, 100)
        paragraph.drawOn(canvas, MIDDLE - TEXT_WIDTH / 2, y + size * 0.85 - height)
        y -= height + size * 0.55
    return y


def _course(line: CourseLine) -> tuple[str, str]:
    """The course's titles, and its best score."""
    score = (
        f"测验成绩 Quiz score {number(line.best_score)}"
        if line.best_score is not None
        else "已完成 Completed"
    )
    return f"{line.title.zh} {line.title.en}", score


def _courses(canvas: Canvas, courses: tuple[CourseLine, ...], y: float) -> float:
    """One line per course, centred, in the first layout that fits above the bottom block:
    one column, else two, at 9 pt, then smaller down to 7 pt; failing all, two columns
    with long lines wrapped. Nothing is ever cut."""
    if not courses:
        return y
    parts = [_course(c) for c in courses]
    texts = [f"{title} — {score}" for title, score in parts]
    room = y - top(COURSES_END)
    for size in (9.0, 8.0, 7.0):
        for columns in (1, 2):
            rows = -(-len(texts) // columns)
            width = TEXT_WIDTH / columns - 16
            fits = all(stringWidth(t, SANS, size * 0.85) <= width for t in texts)
            if fits and (rows - 1) * size * 1.6 <= room:
                return _course_lines(canvas, texts, parts, y, size, columns)
    return _course_lines(canvas, texts, parts, y, 7.0, 2)


def _course_lines(
    canvas: Canvas,
    texts: list[str],
    parts: list[tuple[str, str]],
    y: float,
    size: float,
    columns: int,
) -> float:
    rows = -(-len(texts) // columns)
    gap = size * 1.6
    width = TEXT_WIDTH / columns - 16
    cells: list[tuple[float, str, float, Paragraph | None]] = []
    heights = [gap] * rows
    for index, text in enumerate(texts):
        row, column = index % rows, index // rows
        x = MIDDLE if columns == 1 else MIDDLE + (column - 0.5) * (TEXT_WIDTH / 2)
        line_size = fit(text, SANS, size, width, size * 0.85)
        paragraph = None
        if stringWidth(text, SANS, line_size) > width:
            title, score = parts[index]
            markup = f"{escape(title)}<br/>{escape(score)}"
            paragraph = Paragraph(markup, style(line_size, color=INK, leading=1.3))
            _, height = paragraph.wrap(width, 100)
            heights[row] = max(heights[row], gap + height - line_size * 1.3)
        cells.append((x, text, line_size, paragraph))
    canvas.setFillColor(INK)
    for index, (x, text, line_size, paragraph) in enumerate(cells):
        baseline = y - sum(heights[: index % rows])
        if paragraph is None:
            canvas.setFont(SANS, line_size)
            canvas.drawCentredString(x, baseline, text)
        else:
            paragraph.drawOn(canvas, x - width / 2, baseline + line_size - paragraph.height)
    return y - sum(heights) + gap - 8


def _revoked(canvas: Canvas, item: CertificateData) -> None:
    """A large translucent diagonal stamp over the page, and a red band inside the top of
    the frame with the date and the reason."""
    assert item.revoked is not None
    stamp = "已撤销 REVOKED"
    half = stringWidth(stamp, BOLD, 60) / 2 + 26
    canvas.saveState()
    canvas.setFillColor(RED)
    canvas.setStrokeColor(RED)
    canvas.setFillAlpha(0.2)
    canvas.setStrokeAlpha(0.28)
    canvas.translate(MIDDLE, HEIGHT / 2 - 6)
    canvas.rotate(20)
    canvas.setLineWidth(4)
    canvas.roundRect(-half, -44, 2 * half, 100, 12, stroke=1, fill=0)
    canvas.setLineWidth(1.2)
    canvas.roundRect(-half + 7, -37, 2 * half - 14, 86, 8, stroke=1, fill=0)
    canvas.setFont(BOLD, 60)
    canvas.drawCentredString(0, -14, stamp)
    canvas.restoreState()

    canvas.setFillColor(RED)
    canvas.rect(37, top(51), WIDTH - 74, 14, stroke=0, fill=1)
    on = dates(item.revoked.on)
    head = f"已撤销 REVOKED  ·  {on.zh}  {on.en}  ·  原因 Reason: "
    room = WIDTH - 120
    size = fit(head + item.revoked.reason, BOLD, 8, room, 6)
    reason = ellipsis(item.revoked.reason, BOLD, size, room - stringWidth(head, BOLD, size))
    paragraph = name_paragraph(head + reason, size, bold=True, color=CREAM)
    _, height = paragraph.wrap(room + 20, 40)
    paragraph.drawOn(canvas, MIDDLE - room / 2 - 10, top(46.5) - height + size)
