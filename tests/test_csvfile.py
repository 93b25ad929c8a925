"""The CSV reader keeps every row: read, or rejected with its physical line number."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from sara.intake.csvfile import read_csv
from sara.intake.rows import LINE

HEADER = ["a", "b", "c"]
plain = st.text(alphabet="abcxyz 019.-", max_size=6)
tricky = st.text(alphabet='ab,"\n ', max_size=6)  # commas, quotes and newlines inside values


@st.composite
def csv_files(draw, values=plain):
    """A CSV with the header, good rows and rows with the wrong number of fields, and the
    physical line where each row starts."""
    rows = draw(st.lists(st.tuples(st.booleans(), st.lists(values, min_size=1, max_size=5)), max_size=30))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    expected_good, expected_bad = [], []
    for good, fields in rows:
        fields = (fields + [""] * 3)[:3] if good else fields
        if not good and len(fields) == 3:
            fields = fields + ["extra"]
        if fields == [""] * len(fields) and len(fields) == 1:
            fields = ["x"]  # a lone empty field is a blank line, not a row
        line = buf.getvalue().count("\n") + 1
        writer.writerow(fields)
        (expected_good if len(fields) == 3 else expected_bad).append((line, fields))
    return buf.getvalue().encode(), expected_good, expected_bad


def check(data: bytes, good, bad) -> None:
    table = read_csv(data, lambda header: None)
    assert table.frame.select(LINE, *HEADER).rows() == [(line, *fields) for line, fields in good]
    assert [r.line for r in table.rejected] == [line for line, _ in bad]
    assert table.rows_read == len(good) + len(bad)


@settings(max_examples=200, deadline=None)
@given(csv_files())
def test_plain_files_keep_every_row_with_its_line(case):
    check(*case)


@settings(max_examples=200, deadline=None)
@given(csv_files(values=tricky))
def test_quoted_values_spanning_lines_keep_line_numbers_right(case):
    check(*case)


def test_blank_lines_are_not_rows_and_do_not_shift_line_numbers():
    table = read_csv(b"a,b,c\n1,2,3\n\n4,5,6\n\n", lambda header: None)
    assert table.frame.select(LINE, "a").rows() == [(2, "1"), (4, "4")]
    assert table.rejected == []


def test_a_byte_order_mark_and_crlf_endings_are_read():
    table = read_csv(b"\xef\xbb\xbfa,b,c\r\n1,2,3\r\n", lambda header: None)
    assert table.frame.columns[:3] == HEADER
    assert table.frame.select("a", "b", "c").rows() == [("1", "2", "3")]
