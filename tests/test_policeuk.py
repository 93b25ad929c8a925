"""Loading data.police.uk files: every row loaded, updated or quarantined, on both backends."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sara.intake.load import load_police_uk
from sara.services import Context, data
from sara.store.schema import Event, Outcome, Quarantine, StopSearch
from sara.store.status import status
from tests.conftest import FIXTURES, shared

STREET = FIXTURES / "2025-01-derbyshire-street.csv"


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(path.open(newline="")))


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def count(engine, model=Event, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_every_street_row_is_loaded_including_identical_asb_rows_and_repeated_crime_ids(engine):
    rows = rows_of(STREET)[1:]
    report = load_police_uk(engine, [str(STREET)])

    assert report.totals() | {"quarantined_by_reason": {}} == {
        "rows_read": 204, "inserted": 204, "updated": 0, "unchanged": 0, "quarantined": 0, "quarantined_by_reason": {},
    }  # fmt: skip
    assert count(engine) == len(rows) == 204
    # The fixture holds identical ASB rows and Crime IDs repeated on several rows: none merged.
    assert len({tuple(r) for r in rows}) < len(rows)
    repeated_ids = {cid for cid, n in Counter(r[0] for r in rows if r[0]).items() if n > 1}
    assert repeated_ids
    with engine.connect() as conn:
        by_id = Counter(conn.execute(select(Event.source_ref).where(Event.source_ref.in_(repeated_ids))).scalars())
    assert by_id == Counter(r[0] for r in rows if r[0] in repeated_ids)


def test_loading_the_same_file_twice_adds_nothing(engine):
    load_police_uk(engine, [str(STREET)])
    again = load_police_uk(engine, [str(STREET)]).totals()

    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 204)
    assert count(engine) == 204


def test_a_republished_month_with_revised_outcomes_updates_those_rows(engine, tmp_path):
    load_police_uk(engine, [str(STREET)])
    rows = rows_of(STREET)
    revised = [i for i, r in enumerate(rows) if i and r[0]][:3]
    for i in revised:
        rows[i][10] = "Offender sent to prison"
    republished = write_rows(tmp_path / STREET.name, rows)

    totals = load_police_uk(engine, [str(republished)]).totals()

    assert (totals["inserted"], totals["updated"], totals["unchanged"]) == (0, 3, 201)
    assert count(engine) == 204
    assert count(engine, Event, Event.outcome == "Offender sent to prison") == 3


def test_archive_layout_zipped_or_not(engine, tmp_path):
    months = [f"2025-{m:02d}" for m in (1, 2)]
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for month in months:
            zf.write(shared("policeuk", "derbyshire-2025", f"{month}-derbyshire-street.csv"), f"{month}/{month}-derbyshire-street.csv")
    expected = sum(len(rows_of(shared("policeuk", "derbyshire-2025", f"{m}-derbyshire-street.csv"))) - 1 for m in months)

    zipped = load_police_uk(engine, [str(archive)])
    folder = load_police_uk(engine, [str(shared("policeuk", "derbyshire-2025"))])

    assert [f.kind for f in zipped.files] == ["street", "street"]
    assert zipped.totals()["inserted"] == expected
    assert folder.totals()["unchanged"] == expected  # the same two months, now from the folder
    assert folder.totals()["rows_read"] == 102_621
    assert count(engine) == 102_621


def test_rows_without_coordinates_are_loaded_and_counted(engine, tmp_path):
    rows = rows_of(STREET)
    rows[1][4] = rows[1][5] = ""
    rows[2][4] = rows[2][5] = rows[2][7] = rows[2][8] = ""
    rows[2][6] = "No location"
    path = write_rows(tmp_path / STREET.name, rows)

    totals = load_police_uk(engine, [str(path)]).totals()

    assert totals["inserted"] == 204 and totals["quarantined"] == 0
    assert count(engine, Event, Event.lon.is_(None)) == 2
    assert status(engine)["events_without_coordinates"] == 2


BAD_ROWS = {
    # line number in the file -> (how the row is broken, the reason it gets)
    3: (lambda r: r.__setitem__(1, "2025-13"), "unparseable Month (expected YYYY-MM)"),
    4: (lambda r: r.__setitem__(1, "Jan 2025"), "unparseable Month (expected YYYY-MM)"),
    5: (lambda r: r.__setitem__(5, "95.2"), "coordinates outside the valid range (longitude -180..180, latitude -90..90)"),
    6: (lambda r: (r.__setitem__(4, "2.35"), r.__setitem__(5, "48.85")), "coordinates outside the UK (police.uk covers England, Wales and Northern Ireland)"),
    7: (lambda r: r.__setitem__(4, "west"), "coordinates are not numbers"),
    8: (lambda r: r.__setitem__(5, ""), "only one of Longitude and Latitude given"),
    9: (lambda r: r.__setitem__(9, ""), "missing Crime type"),
    10: (lambda r: r.append("extra"), "wrong number of fields: expected 12, found 13"),
}


def test_bad_rows_are_quarantined_with_line_number_reason_and_raw_text(engine, tmp_path):
    rows = rows_of(STREET)
    for line, (breaker, _) in BAD_ROWS.items():
        breaker(rows[line - 1])
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    body = text.getvalue().encode()
    lines = body.split(b"\n")
    lines[10] = lines[10].replace(b"On or near", b"On or n\xe9ar")  # line 11: Latin-1 bytes
    cut = lines[-2][:90]  # the last line cut short, with no newline
    body = b"\n".join(lines[:-2]) + b"\n" + cut
    path = tmp_path / STREET.name
    path.write_bytes(body)

    report = load_police_uk(engine, [str(path)])
    totals = report.totals()

    expected = {line: reason for line, (_, reason) in BAD_ROWS.items()}
    expected[11] = "undecodable bytes: the line is not valid utf-8 (save the file as UTF-8, or set the encoding in the mapping)"
    expected[205] = f"truncated last line: expected 12 fields, found {len(cut.split(b','))}"
    with engine.connect() as conn:
        kept = {q.line: q for q in conn.execute(select(Quarantine.line, Quarantine.reason, Quarantine.raw))}
    assert {line: q.reason for line, q in kept.items()} == expected
    assert kept[4].raw == ",".join(rows[3])
    assert kept[205].raw == cut.decode()
    assert totals["rows_read"] == 204
    assert totals["quarantined"] == len(expected)
    assert totals["inserted"] == count(engine) == 204 - len(expected)
    assert sum(totals["quarantined_by_reason"].values()) == len(expected)

    exported = data.export_quarantine(Context(engine))  # police.uk rows are public: nobody need sign in
    assert len(exported["rows"]) == len(expected) and exported["not_shown"] == 0
    assert {r["line"] for r in exported["rows"]} == set(expected)

    # Re-loading the same file quarantines the same rows once, not twice.
    load_police_uk(engine, [str(path)])
    assert count(engine, Quarantine) == len(expected)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the file is empty"),
        (b"Crime ID;Month;Reported by;Falls within;Longitude;Latitude;Location;LSOA code;LSOA name;Crime type;Last outcome category;Context\n;2025-01;x\n",
         "separated by ';'"),
        (b"Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Outcome\n",
         "missing columns 'Last outcome category', 'Context'; unexpected columns 'Outcome'"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_what_it_claims_is_refused_and_the_others_still_load(engine, tmp_path, content, message):
    bad = tmp_path / "2025-02-derbyshire-street.csv"
    bad.write_bytes(content)

    report = load_police_uk(engine, [str(bad), str(STREET), str(tmp_path / "missing.csv")])

    refused = {f["path"]: f["error"] for f in report.to_dict()["files_refused"]}
    assert message in refused[str(bad)]
    assert refused[str(tmp_path / "missing.csv")] == "no such file or folder"
    assert not report.ok
    assert count(engine) == 204


def test_outcomes_update_the_history_of_the_crimes_they_name(engine):
    load_police_uk(engine, [str(STREET)])
    report = load_police_uk(engine, [str(FIXTURES / "2025-01-derbyshire-outcomes.csv")])

    [outcomes] = report.files
    assert outcomes.kind == "outcomes"
    assert (outcomes.rows_read, outcomes.inserted) == (7, 7)
    assert outcomes.notes == {"crimes_named": 7, "crimes_loaded": 6, "crimes_not_loaded": 1}
    assert count(engine, Outcome) == 7
    assert load_police_uk(engine, [str(FIXTURES / "2025-01-derbyshire-outcomes.csv")]).totals()["unchanged"] == 7


def test_stop_and_search_loads_into_its_own_table(engine):
    report = load_police_uk(engine, [str(FIXTURES / "2025-01-derbyshire-stop-and-search.csv")])

    [searches] = report.files
    assert searches.kind == "stop_search"
    assert (searches.rows_read, searches.inserted, searches.quarantined) == (4, 3, 1)
    assert searches.quarantined_by_reason == {"unparseable Date (expected an ISO date-time such as 2025-01-31T18:05:00+00:00)": 1}
    with engine.connect() as conn:
        forces = set(conn.execute(select(StopSearch.force)).scalars())
        no_location = conn.execute(select(func.count()).select_from(StopSearch).where(StopSearch.lon.is_(None))).scalar_one()
    assert forces == {"derbyshire"}
    assert no_location == 1
    assert count(engine) == 0


def test_status_counts_by_category_match_the_file(engine):
    load_police_uk(engine, [str(STREET)])
    expected = Counter(r[9] for r in rows_of(STREET)[1:])

    result = status(engine)

    assert result["events_total"] == 204
    assert result["events_by_category"] == dict(expected)
    assert result["months"] == [{"month": "2025-01", "events": 204}]
    assert result["sources"][0]["first_month"] == "2025-01"
