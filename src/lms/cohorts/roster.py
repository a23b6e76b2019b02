"""Roster CSV: parsing and checking, with no database. A bad row is reported by row
number and column, and one bad row means nothing is imported."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from lms.accounts.forms import (
    clean_name,
    email_problem,
    name_problem,
    normalise_username,
    phone_problem,
    student_id_problem,
    username_problem,
)
from lms.i18n import gettext as _
from lms.models.accounts import User

COLUMNS = ("username", "name", "role", "email", "phone", "student_id")
ROLES = ("volunteer", "trainer")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000


@dataclass(frozen=True)
class RosterRow:
    line: int
    username: str
    name: str
    role: str
    email: str
    phone: str
    student_id: str


@dataclass(frozen=True)
class RosterProblem:
    line: int  # the row's line in the file, the header being line 1; 0 for the whole file
    column: str
    message: str


@dataclass
class Roster:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """A cell Excel will show as text: one starting like a formula gets a leading
    apostrophe, so a name such as ``=HYPERLINK(...)`` cannot run on the coordinator's PC."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def write_links(stream: TextIO, links: Sequence[tuple[User, str]]) -> None:
    """The set-password links a coordinator hands out, as CSV (the caller adds the BOM)."""
    writer = csv.writer(stream)
    writer.writerow(["username", "name", "link"])
    writer.writerows(
        [spreadsheet_safe(user.username), spreadsheet_safe(user.name), link] for user, link in links
    )


def decode(data: bytes) -> str:
    """UTF-8, with or without the BOM Excel writes. Anything else is refused, not guessed:
    a wrong guess would import mangled names."""
    if len(data) > MAX_BYTES:
        raise ValueError(_("The file is larger than 2 MB."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            _("The file is not UTF-8. In Excel choose “CSV UTF-8 (comma delimited)” when saving.")
        ) from exc


def parse_roster(text: str) -> Roster:
    roster = Roster()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except StopIteration:
        roster.problems.append(RosterProblem(0, "", _("The file is empty.")))
        return roster
    except csv.Error as exc:
        roster.problems.append(
            RosterProblem(1, "", _("Not a CSV file: %(error)s") % {"error": exc})
        )
        return roster
    if tuple(header) != COLUMNS:
        roster.problems.append(
            RosterProblem(
                1,
                "",
                _("The first line must be exactly: %(columns)s") % {"columns": ",".join(COLUMNS)},
            )
        )
        return roster
    seen: dict[str, int] = {}
    ended = reader.line_num  # a quoted cell may span lines: report where the row starts
    try:
        for cells in reader:
            line, ended = ended + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, as spreadsheets leave at the end
            if len(roster.rows) >= MAX_ROWS:
                roster.problems.append(
                    RosterProblem(line, "", _("More than %(n)d rows.") % {"n": MAX_ROWS})
                )
                break
            if len(cells) != len(COLUMNS):
                roster.problems.append(
                    RosterProblem(
                        line,
                        "",
                        _("Expected %(expected)d columns, found %(found)d.")
                        % {"expected": len(COLUMNS), "found": len(cells)},
                    )
                )
                continue
            row = _check_row(line, cells, roster.problems)
            if row.username in seen:
                roster.problems.append(
                    RosterProblem(
                        line,
                        "username",
                        _("%(username)s is already on line %(line)d.")
                        % {"username": row.username, "line": seen[row.username]},
                    )
                )
            elif row.username:
                seen[row.username] = line
            roster.rows.append(row)
    except csv.Error as exc:
        roster.problems.append(
            RosterProblem(reader.line_num, "", _("Not a CSV file: %(error)s") % {"error": exc})
        )
    if not roster.rows and not roster.problems:
        roster.problems.append(RosterProblem(0, "", _("The file has no people in it.")))
    return roster


def _check_row(line: int, cells: list[str], problems: list[RosterProblem]) -> RosterRow:
    values = dict(zip(COLUMNS, (cell.strip() for cell in cells), strict=True))
    row = RosterRow(
        line=line,
        username=normalise_username(values["username"]),
        name=clean_name(values["name"]),
        role=values["role"].lower(),
        email=values["email"],
        phone=values["phone"],
        student_id=values["student_id"],
    )
    checks = {
        "username": username_problem(row.username),
        "name": name_problem(row.name),
        "role": None if row.role in ROLES else _("Use volunteer or trainer."),
        "email": email_problem(row.email),
        "phone": phone_problem(row.phone),
        "student_id": student_id_problem(row.student_id),
    }
    problems.extend(
        RosterProblem(line, column, message) for column, message in checks.items() if message
    )
    return row
