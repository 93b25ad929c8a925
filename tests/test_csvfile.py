"""The CSV reader keeps every row: read, or rejected with its physical line number."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from sara.intake.csvfile import CsvReader, read_csv, record_end
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


def read_in_blocks(data: bytes, block: int):
    parts = list(CsvReader(io.BytesIO(data), block=block).tables(lambda header: None))
    return [row for p in parts for row in p.frame.select(LINE, *HEADER).rows()], [(r.line, r.raw, r.reason) for p in parts for r in p.rejected]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='ab,"\n\r\x00 é', max_size=60), st.integers(1, 24))
def test_blocks_of_any_size_read_exactly_what_the_whole_file_reads(body, block):
    # Quoted values, stray CRs and NULs cut anywhere by the end of a block: a record cut in
    # two is carried into the next block, so the rows and their lines never change.
    data = ("a,b,c\n" + body).encode()
    whole = read_csv(data, lambda header: None)
    rows, rejected = read_in_blocks(data, block)
    assert rows == whole.frame.select(LINE, *HEADER).rows()
    assert sorted(rejected) == sorted((r.line, r.raw, r.reason) for r in whole.rejected)


def test_a_row_ends_where_the_csv_module_says_it_does():
    assert record_end('a,"b\nc",d\ne\n') == (10, False)  # the newline inside quotes is part of the value
    assert record_end('a,"b\n') == (None, True)  # a quote still open
    assert record_end('x"y,"z""",w\n') == (12, False)  # a quote inside a value opens nothing; "" is a quote
    assert record_end('more",z\n', quoted=True) == (8, False)


def test_cr_only_files_are_read_and_a_stray_cr_elsewhere_is_its_own_bad_line():
    mac = read_csv(b"a,b,c\r1,2,3\r4,5,6\r", lambda header: None)
    assert mac.frame.select(LINE, "a").rows() == [(2, "1"), (3, "4")]

    table = read_csv(b"a,b,c\n1,2\r,3\n4,5,6\n", lambda header: None)
    assert table.frame.select(LINE, "a").rows() == [(3, "4")]
    assert [(r.line, r.raw) for r in table.rejected] == [(2, "1,2\r,3")]
