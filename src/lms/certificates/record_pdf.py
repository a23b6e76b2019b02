"""志愿服务记录证明: a volunteer's approved service as a Chinese document, A4 portrait.

A school or an employer asks for it: who the volunteer is, where and in what they
served, how many hours were checked and approved, who vouches for it. The table flows
onto as many pages as it needs, its header repeated on each.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from lms.certificates import fonts
from lms.certificates.document import ServiceRecordData
from lms.certificates.drawing import (
    GOLD,
    GREY,
    INK,
    TEAL,
    binary_streams,
    centred,
    dates,
    markup,
    name_paragraph,
    needs_shaping,
    number,
    style,
)

WIDTH, HEIGHT = A4
MARGIN = 22 * mm
HEADER = 30 * mm  # the organisation's band at the top of every page
INSET = MARGIN + 6  # where the text starts: the frame pads its flowables by 6 pt
TABLE_HEAD = ("服务地点", "服务类别", "次数", "时数", "起止日期")
COLUMNS = (146.0, 90.0, 40.0, 48.0, 134.0)  # 458 pt: the frame's width inside its padding
LINE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), fonts.SANS, 9.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (2, 0), (3, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.9, TEAL),
        ("LINEBELOW", (0, 1), (-1, -2), 0.25, GREY),
        ("LINEABOVE", (0, -1), (-1, -1), 0.9, TEAL),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
)


def service_record(data: ServiceRecordData) -> bytes:
    fonts.chain()
    buffer = io.BytesIO()
    template = data.template
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER,
        bottomMargin=MARGIN + 6 * mm,
        title=f"志愿服务记录证明 {data.number}",
        author=template.organisation.zh,
        creator="lms",
        initialFontName=fonts.SANS,  # else every page names Helvetica, a font not embedded
    )

    def decorate(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        _page_band(canvas, data, doc.page)

    with binary_streams():
        document.build(_story(data), onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def _page_band(canvas: Canvas, data: ServiceRecordData, page: int) -> None:
    """The organisation at the top of every page; the number and page at the bottom."""
    template = data.template
    canvas.saveState()
    left = INSET
    if template.logo is not None:
        size = 16 * mm
        canvas.drawImage(
            str(template.logo),
            left,
            HEIGHT - MARGIN - size,
            size,
            size,
            mask="auto",
            preserveAspectRatio=True,
        )
        left += size + 4 * mm
    canvas.setFillColor(TEAL)
    canvas.setFont(fonts.SANS_BOLD, 13)
    canvas.drawString(left, HEIGHT - MARGIN - 7 * mm, template.organisation.zh)
    canvas.setFillColor(GREY)
    canvas.setFont(fonts.SANS, 8)
    canvas.drawString(left, HEIGHT - MARGIN - 12 * mm, template.organisation.en)
    rule = HEIGHT - MARGIN - 20 * mm
    canvas.setStrokeColor(TEAL)
    canvas.setLineWidth(1.2)
    canvas.line(INSET, rule, WIDTH - INSET, rule)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.5)
    canvas.line(INSET, rule - 2, WIDTH - INSET, rule - 2)
    canvas.setFillColor(GREY)
    footer = f"志愿服务记录证明  编号 {data.number}  第 {page} 页"
    centred(canvas, footer, WIDTH / 2, MARGIN, fonts.SANS, 8, width=WIDTH - 2 * MARGIN)
    canvas.restoreState()


class _Title(Flowable):
    """The document's title, centred and letter-spaced (a Paragraph cannot space letters;
    spaces typed between them would be copied with the text)."""

    def __init__(self, text: str, size: float = 22, spacing: float = 2.5) -> None:
        super().__init__()
        self.text, self.size, self.spacing = text, size, spacing

    def wrap(self, width: float, height: float) -> tuple[float, float]:
        self.width = width
        return width, self.size * 1.3

    def draw(self) -> None:
        self.canv.setFillColor(INK)
        centred(
            self.canv,
            self.text,
            self.width / 2,
            self.size * 0.3,
            fonts.SANS_BOLD,
            self.size,
            width=self.width,
            spacing=self.spacing,
        )


def _story(data: ServiceRecordData) -> list[Flowable]:
    template = data.template
    issued = dates(data.issued_on).zh
    body = style(11, centre=False, cjk=True, leading=1.8)
    small = style(9.5, centre=False, cjk=True, leading=1.5)
    meta = Table(
        [[f"编号：{data.number}", f"出具日期：{issued}"]],
        colWidths=[sum(COLUMNS) / 2] * 2,
        style=[
            ("FONT", (0, 0), (-1, -1), fonts.SANS, 9.5),
            ("TEXTCOLOR", (0, 0), (-1, -1), GREY),
            ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ],
    )
    identity_rows: list[list[object]] = [
        ["姓名", name_paragraph(data.holder, 11, bold=True, centre=False)],
        ["志愿者编号", data.volunteer_number],
    ]
    if data.student_id:
        identity_rows.append(["学号", data.student_id])
    identity = Table(
        identity_rows,
        colWidths=[80, sum(COLUMNS) - 80],
        style=[
            ("FONT", (0, 0), (-1, -1), fonts.SANS, 10.5),
            ("TEXTCOLOR", (0, 0), (0, -1), GREY),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, GREY),
            ("LEFTPADDING", (0, 0), (0, -1), 0),
        ],
    )
    total = number(data.total_hours)
    # CJK wrapping cuts a paragraph into characters, which would undo the shaping of an
    # Arabic or Tibetan name: such a name stays in its own cell above.
    holder = "上述志愿者" if needs_shaping(data.holder) else markup(data.holder, bold=True)
    statement = Paragraph(
        f"兹证明{holder}（志愿者编号：{escape(data.volunteer_number)}）在我单位参加志愿服务，"
        f"经审核确认的服务时数共计 <b>{total}</b> 小时，服务内容如下。",
        style(11, centre=False, cjk=True, leading=1.8),
    )
    story: list[Flowable] = [
        _Title("志愿服务记录证明"),
        Spacer(1, 4 * mm),
        meta,
        Spacer(1, 5 * mm),
        identity,
        Spacer(1, 5 * mm),
        statement,
        Spacer(1, 3 * mm),
        _lines(data, small),
    ]
    for note in data.notes:
        story += [Spacer(1, 2 * mm), Paragraph("备注：" + escape(note), small)]
    signatory = f"{escape(template.signatory)}（{escape(template.signatory_title.zh)}）"
    closing: list[Flowable] = [
        Spacer(1, 10 * mm),
        Paragraph(f"出具单位：{escape(template.organisation.zh)}（盖章）", body),
        Paragraph(f"负责人：{signatory}", body),
    ]
    if template.signature is not None:
        signature = Image(
            str(template.signature), width=45 * mm, height=15 * mm, kind="proportional"
        )
        signature.hAlign = "LEFT"
        closing.append(signature)
    closing.append(Paragraph(f"日期：{issued}", body))
    story.append(KeepTogether(closing))
    return story


def _lines(data: ServiceRecordData, cell: object) -> Table:
    rows: list[list[object]] = [list(TABLE_HEAD)]
    for line in data.lines:
        rows.append(
            [
                Paragraph(escape(line.site), cell),
                Paragraph(escape(line.category), cell),
                str(line.sessions),
                number(line.hours),
                f"{line.first:%Y.%m.%d}–{line.last:%Y.%m.%d}",
            ]
        )
    sessions = sum(line.sessions for line in data.lines)
    rows.append(["合计", "", str(sessions), number(data.total_hours), ""])
    table = Table(rows, colWidths=list(COLUMNS), repeatRows=1, style=LINE)
    table.setStyle(
        [
            ("FONT", (0, 0), (-1, 0), fonts.SANS_BOLD, 9.5),
            ("FONT", (0, -1), (-1, -1), fonts.SANS_BOLD, 9.5),
            ("TEXTCOLOR", (0, 0), (-1, 0), TEAL),
        ]
    )
    return table
