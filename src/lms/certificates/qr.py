"""QR codes drawn as one PDF path.

ReportLab's ``QrCodeWidget`` encodes the text twice and draws every module as its own
rectangle; a cohort of 2,000 certificates spent most of its time there. Here segno
encodes once and the dark modules of each row are merged into runs, one ``re`` each, in
module units under a scale, so a page's QR code is a few hundred short operators.
"""

from __future__ import annotations

import segno
from reportlab.pdfgen.canvas import Canvas

Matrix = tuple[tuple[bool, ...], ...]


def encode(text: str) -> Matrix:
    """The modules of ``text``'s QR code, row by row from the top, True for dark; no
    quiet zone (the caller's layout leaves one). Error correction M at least: segno raises
    it when that costs no extra modules."""
    code = segno.make(text, error="m", micro=False)
    return tuple(tuple(bool(module) for module in row) for row in code.matrix)


def row_runs(row: tuple[bool, ...]) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    found: list[tuple[int, int]] = []
    start = -1
    for column, dark in enumerate((*row, False)):
        if dark and start < 0:
            start = column
        elif not dark and start >= 0:
            found.append((start, column - start))
            start = -1
    return found


def rectangles(matrix: Matrix) -> list[tuple[int, int, int, int]]:
    """(column, row, width, height) rectangles covering the dark modules: the runs of each
    row, a run continued downwards while the rows below have the very same run."""
    done: list[tuple[int, int, int, int]] = []
    open_runs: dict[tuple[int, int], int] = {}  # (start, length) → first row
    for number, row in enumerate((*matrix, ())):
        runs = set(row_runs(row))
        for run in [r for r in open_runs if r not in runs]:
            first = open_runs.pop(run)
            done.append((run[0], first, run[1], number - first))
        for run in runs:
            open_runs.setdefault(run, number)
    return sorted(done, key=lambda r: (r[1], r[0]))


def draw(canvas: Canvas, matrix: Matrix, x: float, y: float, size: float) -> None:
    """Draws ``matrix`` as a ``size``-point square with its lower left corner at (x, y),
    in the current fill colour: one path of integer rectangles in module units (written
    straight into the page; ReportLab's path object formats every number as a float)."""
    count = len(matrix)
    if count == 0:
        return
    canvas.saveState()
    canvas.translate(x, y + size)
    module = size / count
    canvas.scale(module, -module)  # module units, rows downwards
    canvas.addLiteral(" ".join(f"{c} {r} {w} {h} re" for c, r, w, h in rectangles(matrix)) + " f")
    canvas.restoreState()
