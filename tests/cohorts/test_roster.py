from __future__ import annotations

import csv

import pytest

from lms.cohorts.roster import decode, parse_roster

HEADER = "username,name,role,email,phone,student_id\n"


def test_a_good_roster_keeps_names_exactly() -> None:
    text = (
        HEADER + "aygul,ئايگۈل مەمەت,volunteer,,138 0000 0000,2024001\n"
        "tashi,བཀྲ་ཤིས་སྒྲོལ་མ,volunteer,tashi@example.edu.cn,,\n"
        "wang.laoshi,王老师,trainer,,,\n\n"
    )
    roster = parse_roster(text)
    assert roster.ok
    assert [r.name for r in roster.rows] == ["ئايگۈل مەمەت", "བཀྲ་ཤིས་སྒྲོལ་མ", "王老师"]
    assert [r.role for r in roster.rows] == ["volunteer", "volunteer", "trainer"]


def test_bom_and_crlf_from_excel() -> None:
    data = ("\ufeff" + HEADER + "liming,李明,volunteer,,,\r\n").encode("utf-8")
    assert parse_roster(decode(data)).ok


def test_not_utf8_is_refused() -> None:
    with pytest.raises(ValueError, match="not UTF-8"):
        decode((HEADER + "liming,李明,volunteer,,,\n").encode("gb18030"))


@pytest.mark.parametrize(
    ("body", "line", "column"),
    [
        ("liming,李明,coordinator,,,\n", 2, "role"),
        ("liming,,volunteer,,,\n", 2, "name"),
        ("liming," + "名" * 101 + ",volunteer,,,\n", 2, "name"),
        ("li ming,李明,volunteer,,,\n", 2, "username"),
        ("liming,李明,volunteer,bad-mail,,\n", 2, "email"),
        ("liming,李明,volunteer\n", 2, ""),
        (
            "ok1,甲,volunteer,,,\nliming,李明,volunteer,,,\nLiMing,李明二,volunteer,,,\n",
            4,
            "username",
        ),
    ],
)
def test_bad_rows_are_reported_by_line_and_column(body: str, line: int, column: str) -> None:
    roster = parse_roster(HEADER + body)
    assert not roster.ok
    assert (roster.problems[0].line, roster.problems[0].column) == (line, column)


@pytest.mark.parametrize("text", ["", "name,username\nx,y\n", HEADER])
def test_wrong_or_empty_files(text: str) -> None:
    roster = parse_roster(text)
    assert not roster.ok
    assert roster.problems


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("王老师", "王老师"),
        ("ئايگۈل", "ئايگۈل"),
    ],
)
def test_links_csv_cannot_carry_formulas(name: str, written: str) -> None:
    import io

    from lms.cohorts.roster import write_links
    from lms.models.accounts import User

    buffer = io.StringIO()
    write_links(buffer, [(User(username="u1", name=name, role="volunteer"), "https://x/p/k")])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows[1] == ["u1", written, "https://x/p/k"]


def test_a_row_with_a_multiline_cell_is_reported_where_it_starts() -> None:
    text = HEADER + 'ok1,甲,volunteer,,,\nbad,"two\nlines",chief,,,\n'
    roster = parse_roster(text)
    assert [(p.line, p.column) for p in roster.problems] == [(3, "name"), (3, "role")]
