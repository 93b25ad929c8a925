"""Force and partner exports through a mapping: ``sara load events FILE --mapping MAP``.

Each test reads as an example: write a mapping (or use ``mappings/vancouver.toml``), load
files with ``load_events``, and read the report and the tables. Both backends run every
test that takes the ``engine`` fixture.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import polars as pl
import pytest
from sqlalchemy import func, select

from sara.errors import Invalid
from sara.intake.mapped import WITHHELD, events_from, load_events, read_table
from sara.intake.mapping import parse_mapping, read_mapping
from sara.store.schema import Event, Quarantine, Source
from tests.conftest import ROOT, shared

VANCOUVER = ("timestamped", "vancouver_2020", "crimedata_csv_AllNeighbourhoods_2020.csv")
VANCOUVER_MAPPING = str(ROOT / "mappings" / "vancouver.toml")

# A UK force's crime export: British National Grid easting/northing, an aoristic window
# (committed from / to, day first), ASB categories as codes, flags, person references.
FORCE_MAPPING = """
source = "Northshire Police crime export"

[columns]
source_id = "Crime Ref"
category = "Offence"
location = "Street"
lsoa_code = "LSOA"
outcome = "Outcome"
victim = "Victim URN"
suspect = "Suspect URN"

[time]
occurred_from = "Committed From"
occurred_to = "Committed To"
format = "%d/%m/%Y %H:%M"

[coordinates]
x = "Easting"
y = "Northing"
crs = "EPSG:27700"

[asb]
column = "ASB Type"
values = { "PER" = "Personal", "NUI" = "Nuisance", "ENV" = "Environmental" }

[flags]
domestic = "DA Flag"
hate = { column = "Hate", values = ["Y"] }
"""

# fmt: off
HEADER = ["Crime Ref", "Offence", "Committed From", "Committed To", "Easting", "Northing", "Street", "LSOA", "ASB Type", "DA Flag", "Hate", "Victim URN", "Suspect URN", "Outcome"]
ROWS = [
    ["CR1", "Burglary - Residential", "03/01/2025 22:00", "04/01/2025 07:30", "435300", "336300", "Osmaston Road", "E01013456", "", "N", "N", "V100", "S200", "Under investigation"],
    ["CR2", "Anti-social behaviour", "05/01/2025 18:05", "", "435350.5", "336280.25", "Green Lane", "E01013456", "NUI", "no", "", "V101", "", ""],
    ["CR3", "Criminal damage", "32/01/2025 10:00", "", "435300", "336300", "Osmaston Road", "", "", "", "", "", "", ""],  # line 4: bad date
    ["CR4", "Theft from the person", "10/01/2025 12:00", "09/01/2025 12:00", "435300", "336300", "Market Place", "", "", "", "", "", "", ""],  # line 5: from after to
    ["CR5", "Assault with injury", "11/01/2025 01:00", "", "four three five", "336300", "Sadler Gate", "", "", "Y", "Y", "V102", "S201", ""],  # line 6: text in easting
    ["CR6", "", "12/01/2025 09:00", "", "435300", "336300", "Iron Gate", "", "", "", "", "", "", ""],  # line 7: missing category
    ["CR7", "Harassment", "14/01/2025 16:45", "", "", "", "", "", "PER", "yes", "Y", "V103", "", "Investigation complete"],
    ["CR8", "Shoplifting", "15/01/2025", "16/01/2025", "435400", "336400", "Westfield", "E01013457", "", "", "", "", "", ""],
]
# fmt: on
GOOD = ["CR1", "CR2", "CR7", "CR8"]
BAD = {
    4: "unparseable Committed From (expected a date-time such as 31/01/2024 18:05 or 2024-01-31 18:05)",
    5: "Committed From is after Committed To (the window ends before it starts)",
    6: "coordinates are not numbers",
    7: "missing category (Offence is empty)",
}


def write_csv(path, header=HEADER, rows=ROWS) -> str:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    return str(path)


def write_mapping(tmp_path, text=FORCE_MAPPING, name="force.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def as_cell(column: str, value: str):
    """The value as a spreadsheet holds it: real dates and numbers where they parse."""
    if value == "":
        return None
    if column in ("Committed From", "Committed To"):
        for fmt, as_date in (("%d/%m/%Y %H:%M", False), ("%d/%m/%Y", True)):
            try:
                parsed = dt.datetime.strptime(value, fmt)
            except ValueError:
                continue
            return parsed.date() if as_date else parsed
        return value
    if column in ("Easting", "Northing"):
        try:
            return int(value) if value.isdigit() else float(value)
        except ValueError:
            return value
    return value


def write_xlsx(path, sheets: dict[str, list[list]]) -> str:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return str(path)


def force_xlsx(path) -> str:
    """The force export as a workbook: a cover sheet first, then the data."""
    data = [HEADER] + [[as_cell(c, v) for c, v in zip(HEADER, row)] for row in ROWS]
    return write_xlsx(path, {"Cover": [["Northshire Police crime export"], ["Produced 2025-02-01"]], "Crimes": data})


def events_by_ref(engine, source: str) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(Event.__table__).join(Source, Source.id == Event.source_id).where(Source.name == source)).mappings().all()
    return {e["source_ref"]: dict(e) for e in rows}


# --- the worked example: Vancouver 2020, the real file ----------------------------------


def test_vancouver_real_file_loads_with_withheld_locations_quarantined(engine):
    path = str(shared(*VANCOUVER))
    report = load_events(engine, [path], VANCOUVER_MAPPING)
    assert report.ok
    (f,) = report.files
    f.check()
    assert f.rows_read == 37_512
    assert f.quarantined_by_reason == {WITHHELD: 3_750}
    assert (f.inserted, f.updated, f.unchanged, f.quarantined) == (33_762, 0, 0, 3_750)
    # One collision at a street junction has no coordinates: kept, and said so.
    assert f.notes["without_location"] == 1
    assert f.notes["exact_time"] == 33_762

    with engine.connect() as conn:
        source = conn.execute(select(Source.kind, Source.crs).where(Source.name == "Vancouver Police Department")).one()
        assert tuple(source) == ("mapped", "EPSG:32610")
        assert conn.execute(select(func.count()).select_from(Event)).scalar_one() == 33_762
        assert conn.execute(select(func.count()).select_from(Event).where(Event.x == 0)).scalar_one() == 0
        withheld = conn.execute(select(Quarantine.line, Quarantine.raw).where(Quarantine.reason == WITHHELD).order_by(Quarantine.line)).all()
        assert len(withheld) == 3_750
        assert all(raw.endswith(",0.0,0.0") and "OFFSET TO PROTECT PRIVACY" in raw for _, raw in withheld)
        # The file's first row: 2020-06-19 03:40, UTM metres kept as x/y, lon/lat derived.
        first = (
            conn.execute(select(Event.__table__).where(Event.category == "Break and Enter Commercial", Event.occurred_from == dt.datetime(2020, 6, 19, 3, 40)))
            .mappings()
            .one()
        )
    assert first["occurred_to"] == first["occurred_from"]  # exact to the minute
    assert first["month"] == dt.date(2020, 6, 1)
    assert (first["x"], first["y"]) == (491059.4824, 5459122.4178)  # UTM metres kept as given
    assert first["lon"] == pytest.approx(-123.12294, abs=1e-5) and first["lat"] == pytest.approx(49.28479, abs=1e-5)
    assert first["location"] == "10XX ALBERNI ST, West End"

    again = load_events(engine, [path], VANCOUVER_MAPPING).files[0]
    again.check()
    assert (again.inserted, again.updated, again.unchanged, again.quarantined) == (0, 0, 33_762, 3_750)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Quarantine)).scalar_one() == 3_750


# --- a UK force export: CSV --------------------------------------------------------------


def test_force_export_csv_loads_events_and_quarantines_bad_rows_by_line(engine, tmp_path):
    report = load_events(engine, [write_csv(tmp_path / "crimes-2025-01.csv")], write_mapping(tmp_path))
    (f,) = report.files
    f.check()
    assert (f.rows_read, f.inserted, f.quarantined) == (8, 4, 4)
    with engine.connect() as conn:
        quarantined = conn.execute(select(Quarantine.line, Quarantine.reason, Quarantine.file).order_by(Quarantine.line)).all()
    assert {line: reason for line, reason, _ in quarantined} == BAD
    assert {file for *_, file in quarantined} == {"crimes-2025-01.csv"}

    events = events_by_ref(engine, "Northshire Police crime export")
    assert sorted(events) == GOOD
    burglary = events["CR1"]  # an aoristic window, overnight
    assert burglary["occurred_from"] == dt.datetime(2025, 1, 3, 22, 0)
    assert burglary["occurred_to"] == dt.datetime(2025, 1, 4, 7, 30)
    assert burglary["month"] == dt.date(2025, 1, 1)
    assert (burglary["x"], burglary["y"]) == (435300.0, 336300.0)  # BNG easting/northing kept as x/y
    assert burglary["lon"] == pytest.approx(-1.47639, abs=1e-5) and burglary["lat"] == pytest.approx(52.92296, abs=1e-5)  # Derby
    assert (burglary["victim_ref"], burglary["suspect_ref"], burglary["outcome"]) == ("V100", "S200", "Under investigation")
    assert (burglary["lsoa_code"], burglary["location"], burglary["asb_category"]) == ("E01013456", "Osmaston Road", None)

    asb = events["CR2"]  # no "to": an exact time
    assert asb["occurred_from"] == asb["occurred_to"] == dt.datetime(2025, 1, 5, 18, 5)
    assert asb["asb_category"] == "Nuisance"
    assert (asb["x"], asb["y"]) == (435350.5, 336280.25)

    harassment = events["CR7"]  # no coordinates: kept, without a place
    assert (harassment["lon"], harassment["x"]) == (None, None)
    assert (harassment["asb_category"], harassment["domestic"], harassment["hate"]) == ("Personal", True, True)
    assert (burglary["domestic"], burglary["hate"], asb["domestic"]) == (False, False, False)

    shoplifting = events["CR8"]  # dates alone: the window spans both whole days
    assert shoplifting["occurred_from"] == dt.datetime(2025, 1, 15, 0, 0)
    assert shoplifting["occurred_to"] == dt.datetime(2025, 1, 16, 23, 59, 59)
    assert f.notes["without_location"] == 1 and f.notes["exact_time"] == 2 and f.notes["time_window"] == 2

    again = load_events(engine, [write_csv(tmp_path / "crimes-2025-01.csv")], write_mapping(tmp_path)).files[0]
    assert (again.inserted, again.updated, again.unchanged, again.quarantined) == (0, 0, 4, 4)


def test_reloading_with_a_changed_outcome_updates_that_row(engine, tmp_path):
    mapping = write_mapping(tmp_path)
    load_events(engine, [write_csv(tmp_path / "crimes.csv")], mapping)
    revised = [row[:13] + ["Charged"] if row[0] == "CR1" else row for row in ROWS]
    report = load_events(engine, [write_csv(tmp_path / "crimes.csv", rows=revised)], mapping)
    f = report.files[0]
    f.check()
    assert (f.inserted, f.updated, f.unchanged, f.quarantined) == (0, 1, 3, 4)
    events = events_by_ref(engine, "Northshire Police crime export")
    assert len(events) == 4
    assert events["CR1"]["outcome"] == "Charged"
    assert events["CR7"]["outcome"] == "Investigation complete"


def test_a_file_missing_mapped_columns_is_refused_and_the_others_load(engine, tmp_path):
    no_northing = [c for c in HEADER if c != "Northing"]
    rows = [[v for c, v in zip(HEADER, row) if c != "Northing"] for row in ROWS]
    bad = write_csv(tmp_path / "a-bad.csv", header=[c.upper() if c == "Easting" else c for c in no_northing], rows=rows)
    good = write_csv(tmp_path / "b-good.csv")
    report = load_events(engine, [bad, good], write_mapping(tmp_path))
    assert not report.ok
    refused, loaded = report.files
    assert refused.refused.startswith("the header lacks columns the mapping force.toml names: 'Easting' (the file has 'EASTING'")
    assert "'Northing'" in refused.refused
    assert (loaded.refused, loaded.inserted) == (None, 4)


# --- the same export as XLSX ------------------------------------------------------------


def test_the_same_export_as_xlsx_gives_identical_events(engine, tmp_path):
    mapping = read_mapping(write_mapping(tmp_path))
    csv_path, xlsx_path = write_csv(tmp_path / "crimes.csv"), force_xlsx(tmp_path / "crimes.xlsx")
    from_csv, rejected_csv = events_from(read_table(open(csv_path, "rb").read(), "crimes.csv", mapping), mapping)
    from_xlsx, rejected_xlsx = events_from(read_table(open(xlsx_path, "rb").read(), "crimes.xlsx", mapping), mapping)
    assert from_xlsx.equals(from_csv)
    # Without a source id, rows are keyed by their parsed values, not the file's text:
    # "435300" in CSV and 435300 in a cell, "03/01/2025 22:00" and a date cell, agree.
    no_id = parse_mapping(FORCE_MAPPING.replace('source_id = "Crime Ref"\n', ""))
    keyed_csv, _ = events_from(read_table(open(csv_path, "rb").read(), "crimes.csv", no_id), no_id)
    keyed_xlsx, _ = events_from(read_table(open(xlsx_path, "rb").read(), "crimes.xlsx", no_id), no_id)
    assert keyed_xlsx.equals(keyed_csv)
    # Spreadsheet row numbers are the lines; the reasons are the same.
    assert [(r.line, r.reason) for r in rejected_xlsx] == [(r.line, r.reason) for r in rejected_csv]
    # Date cells arrive as ISO 8601 text, whole numbers without ".0".
    assert rejected_xlsx[1].raw.startswith("CR4,Theft from the person,2025-01-10T12:00:00,2025-01-09T12:00:00,435300,336300,")

    load_events(engine, [csv_path], str(tmp_path / "force.toml"))
    report = load_events(engine, [xlsx_path], str(tmp_path / "force.toml"))
    f = report.files[0]
    f.check()
    assert (f.rows_read, f.inserted, f.updated, f.unchanged, f.quarantined) == (8, 0, 0, 4, 4)


def test_an_xlsx_with_no_matching_sheet_is_refused_naming_what_each_sheet_lacks(engine, tmp_path):
    book = write_xlsx(tmp_path / "summary.xlsx", {"Summary": [["Month", "Crimes"], ["2025-01", 8]], "Crimes": [HEADER[:4]]})
    report = load_events(engine, [book, write_csv(tmp_path / "crimes.csv")], write_mapping(tmp_path))
    refused = report.files[0].refused
    assert refused.startswith(
        "no sheet of the workbook has the mapped columns: sheet 'Summary': the header lacks columns the mapping force.toml names: 'Crime Ref'"
    )
    assert "sheet 'Crimes': the header lacks columns the mapping force.toml names: 'Easting', 'Northing'" in refused
    assert report.files[1].inserted == 4

    named = write_mapping(tmp_path, 'sheet = "Data"\n' + FORCE_MAPPING, "named.toml")
    report = load_events(engine, [force_xlsx(tmp_path / "crimes.xlsx")], named)
    assert report.files[0].refused == "the workbook has no sheet 'Data' (its sheets are 'Cover', 'Crimes'): fix sheet in the mapping"


# --- the mapping itself -----------------------------------------------------------------


def test_mapping_errors_say_what_is_wrong_and_how_to_fix_it(engine, tmp_path):
    with pytest.raises(ValueError, match=r"unknown key 'catgory' in \[columns\] \(did you mean 'category'\?\)"):
        parse_mapping(FORCE_MAPPING.replace('category = "Offence"', 'catgory = "Offence"'), "force.toml")
    with pytest.raises(ValueError, match=r"missing key category in \[columns\]: name the column holding the crime or incident type"):
        parse_mapping(FORCE_MAPPING.replace('category = "Offence"\n', ""), "force.toml")
    both = FORCE_MAPPING.replace('occurred_to = "Committed To"', 'occurred_to = "Committed To"\noccurred = "Date"')
    with pytest.raises(ValueError, match=r"\[time\] gives both occurred and occurred_from/occurred_to"):
        parse_mapping(both, "force.toml")
    with pytest.raises(ValueError, match=r"coordinates.crs: unknown coordinate reference system 'EPSG:99999'"):
        parse_mapping(FORCE_MAPPING.replace('crs = "EPSG:27700"', 'crs = "EPSG:99999"'), "force.toml")
    with pytest.raises(ValueError, match=r"x and y need their crs"):
        parse_mapping(FORCE_MAPPING.replace('crs = "EPSG:27700"\n', ""), "force.toml")
    # Several problems are reported together, one per line.
    with pytest.raises(ValueError, match=r"mapping force.toml has 2 problems:\n- unknown key 'colour'.*\n- missing key source"):
        parse_mapping('colour = "blue"\n[columns]\ncategory = "Offence"\n[time]\noccurred = "Date"', "force.toml")
    # The command fails before reading any file.
    with pytest.raises(ValueError, match=r"missing key category"):
        load_events(engine, [write_csv(tmp_path / "crimes.csv")], write_mapping(tmp_path, FORCE_MAPPING.replace('category = "Offence"\n', "")))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Event)).scalar_one() == 0


def test_the_shipped_vancouver_mapping_is_valid():
    mapping = read_mapping(VANCOUVER_MAPPING)
    assert (mapping.source, mapping.projected_crs, mapping.withheld_location_when_zero) == ("Vancouver Police Department", "EPSG:32610", True)
    assert mapping.columns == ["TYPE", "YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "X", "Y", "HUNDRED_BLOCK", "NEIGHBOURHOOD"]


def test_date_parts_without_hour_span_the_day_and_unknown_asb_values_are_quarantined():
    from sara.intake.rows import RawTable

    # Columns may be called "month" or "day": parsed values never clash with them.
    mapping = parse_mapping(
        """
        source = "Council ASB log"
        [columns]
        category = "Type"
        [time]
        year = "year"
        month = "month"
        day = "day"
        [coordinates]
        lon = "Lon"
        lat = "Lat"
        [asb]
        column = "Strand"
        """
    )
    frame = pl.DataFrame(
        {
            "Type": ["Noise", "Fly-tipping", "Noise", "Noise"],
            "year": ["2025", "2025", "2025", "2025"],
            "month": ["2", "2", "2", "13"],
            "day": ["28", "3", "29", "1"],
            "Lon": ["-1.47", "", "-1.47", "-1.47"],
            "Lat": ["52.92", "", "52.92", "52.92"],
            "Strand": ["nuisance", "Environmental", "Nuisance", "Personal"],
            "_line": [2, 3, 4, 5],
        }
    )
    events, rejected = events_from(RawTable(frame), mapping)
    assert events["occurred_from"].to_list() == [dt.datetime(2025, 2, 28), dt.datetime(2025, 2, 3)]
    assert events["occurred_to"].to_list() == [dt.datetime(2025, 2, 28, 23, 59, 59), dt.datetime(2025, 2, 3, 23, 59, 59)]
    assert events["asb_category"].to_list() == ["Nuisance", "Environmental"]
    assert events["x"][0] == pytest.approx(435_732, abs=1)  # projected_crs defaults to British National Grid
    bad_date = "unparseable date (year, month, day do not make a valid date and time)"
    assert [(r.line, r.reason) for r in rejected] == [(4, bad_date), (5, bad_date)]  # 29 Feb 2025, month 13

    mapping = parse_mapping('source = "x"\n[columns]\ncategory = "Type"\n[time]\noccurred = "When"\n[asb]\ncolumn = "Strand"\nvalues = { "PER" = "Personal" }')
    frame = pl.DataFrame({"Type": ["ASB", "ASB"], "When": ["2025-02-01T10:00:00+00:00", "2025-02-01 10:00"], "Strand": ["PER", "Rowdy"], "_line": [2, 3]})
    events, rejected = events_from(RawTable(frame), mapping)
    assert events["occurred_from"].to_list() == [dt.datetime(2025, 2, 1, 10)]  # the offset dropped: wall-clock time
    assert [(r.line, r.reason) for r in rejected] == [
        (3, "unknown ASB category in Strand (expected Personal, Nuisance, Environmental; map other values in [asb] values)")
    ]


def test_bad_coordinates_are_quarantined_with_what_to_check(tmp_path):
    mapping = read_mapping(write_mapping(tmp_path))
    rows = [
        ROWS[0],
        ["CR11", "Burglary", "03/01/2025 22:00", "", "435300", "3363000", "", "", "", "", "", "", "", ""],  # a digit too many
        ["CR12", "Burglary", "03/01/2025 22:00", "", "-1.4764", "52.923", "", "", "", "", "", "", "", ""],  # degrees
        ["CR13", "Burglary", "03/01/2025 22:00", "", "435300", "", "", "", "", "", "", "", "", ""],  # northing missing
    ]
    events, rejected = events_from(read_table(open(write_csv(tmp_path / "c.csv", rows=rows), "rb").read(), "c.csv", mapping), mapping)
    assert events["source_ref"].to_list() == ["CR1"]
    assert [(r.line, r.reason) for r in rejected] == [
        (3, "coordinates outside the area of EPSG:27700 (OSGB36 / British National Grid): check the Easting/Northing columns and the crs of the mapping"),
        (4, "coordinates look like degrees, not metres: map Easting/Northing as lon and lat in the mapping, or check the columns"),
        (5, "only one of Easting and Northing given"),
    ]


def test_xlsx_rows_keep_their_spreadsheet_row_numbers(tmp_path):
    from sara.intake.xlsx import read_xlsx

    sheet = [
        ["Northshire Police: crimes, January 2025"],  # row 1: a title above the header
        [],
        ["Ref", "When", "Count", "Flag"],  # row 3: the header
        ["A1", dt.datetime(2025, 1, 3, 22, 0), 3.0, True],
        [],  # an empty row is not a row
        ["A2", dt.date(2025, 1, 4), 2.5, None],
        ["A3", dt.time(18, 5), 7, False, "stray note"],  # a value beyond the header
    ]
    data = open(write_xlsx(tmp_path / "t.xlsx", {"Data": sheet}), "rb").read()
    table = read_xlsx(data, lambda header: None if "Ref" in header else "no Ref column")
    assert table.frame.rows() == [
        ("A1", "2025-01-03T22:00:00", "3", "TRUE", 4),
        ("A2", "2025-01-04", "2.5", "", 6),
    ]
    assert [(r.line, r.raw, r.reason) for r in table.rejected] == [(7, "A3,18:05:00,7,FALSE,stray note", "values beyond the header's 4 columns (in column 5)")]
    assert table.rows_read == 3

    with pytest.raises(Exception, match="cannot be read as an XLSX workbook"):
        read_xlsx(b"PK\x03\x04 not really a workbook", lambda header: None)


def test_a_cp1252_export_reads_with_its_encoding(engine, tmp_path):
    path = tmp_path / "council.csv"
    path.write_bytes("Ref,Type,Date,Place\nN1,Noise,2025-01-03 22:10,Café Row\n".encode("cp1252"))
    mapping = (
        'source = "Council ASB log"\nencoding = "cp1252"\n[columns]\nsource_id = "Ref"\ncategory = "Type"\nlocation = "Place"\n[time]\noccurred = "Date"\n'
    )
    report = load_events(engine, [str(path)], write_mapping(tmp_path, mapping, "council.toml"))
    assert report.files[0].inserted == 1
    assert events_by_ref(engine, "Council ASB log")["N1"]["location"] == "Café Row"


def test_a_revision_into_another_month_is_counted_in_the_notes(engine, tmp_path):
    mapping = write_mapping(tmp_path)
    load_events(engine, [write_csv(tmp_path / "crimes.csv")], mapping)
    moved = [[*row[:2], "02/02/2025 10:00", "", *row[4:]] if row[0] == "CR8" else row for row in ROWS]
    f = load_events(engine, [write_csv(tmp_path / "crimes.csv", rows=moved)], mapping).files[0]
    # Events are keyed within their month: the new date adds the event under February,
    # and the load says that one of its events is also held under another month.
    assert (f.inserted, f.updated, f.unchanged, f.notes["also_under_another_month"]) == (1, 0, 3, 1)
    with engine.connect() as conn:
        held = conn.execute(select(Event.month, Event.occurred_from).where(Event.source_ref == "CR8").order_by(Event.month)).all()
    assert [tuple(r) for r in held] == [(dt.date(2025, 1, 1), dt.datetime(2025, 1, 15)), (dt.date(2025, 2, 1), dt.datetime(2025, 2, 2, 10))]


@pytest.mark.parametrize("name", ["police.uk", "Police.UK", " police.uk "])
def test_a_mapping_may_not_call_its_source_police_uk(name):
    # That source is the police.uk reader's: its rows are keyed in their own way, and a
    # mapped export merged into it would update or duplicate police.uk rows.
    with pytest.raises(Invalid, match=r"source = '.*' is the police.uk reader's own source: data.police.uk files load with the police.uk reader") as refused:
        parse_mapping(FORCE_MAPPING.replace('source = "Northshire Police crime export"', f'source = "{name}"'), "force.toml")
    assert refused.value.field == "mapping"


def test_names_with_control_characters_are_refused():
    with pytest.raises(Invalid, match="source must be a name in quotes, at most 100 characters, with no control characters"):
        parse_mapping(FORCE_MAPPING.replace('source = "Northshire Police crime export"', 'source = "Northshire\\u0000"'), "force.toml")
    with pytest.raises(Invalid, match=r'columns.category must be a column name in quotes'):
        parse_mapping(FORCE_MAPPING.replace('category = "Offence"', 'category = "Off\\nence"'), "force.toml")


def test_a_utf16_export_reads_with_its_encoding(engine, tmp_path):
    path = tmp_path / "council.csv"
    path.write_bytes("Ref,Type,Date,Place\r\nN1,Noise,2025-01-03 22:10,Café Row\r\nN2,Litter,2025-01-04,Market Place\r\n".encode("utf-16"))
    mapping = 'source = "Council ASB log"\nencoding = "utf-16"\n[columns]\nsource_id = "Ref"\ncategory = "Type"\nlocation = "Place"\n[time]\noccurred = "Date"\n'

    report = load_events(engine, [str(path)], write_mapping(tmp_path, mapping, "council.toml"))

    assert (report.files[0].rows_read, report.files[0].inserted) == (2, 2)
    assert events_by_ref(engine, "Council ASB log")["N1"]["location"] == "Café Row"


def test_a_workbook_read_in_many_chunks_keeps_the_keys_of_one_read_whole(engine, tmp_path, monkeypatch):
    from sara.intake import xlsx

    rows = [["Ref", "Type", "Date"]] + [["", "Noise", dt.date(2025, 1, 1 + i % 3)] for i in range(30)]  # no id: keyed by text and ordinal
    path = write_xlsx(tmp_path / "log.xlsx", {"Log": rows})
    mapping = write_mapping(tmp_path, 'source = "Council ASB log"\n[columns]\ncategory = "Type"\n[time]\noccurred = "Date"\n', "log.toml")
    load_events(engine, [path], mapping)
    monkeypatch.setattr(xlsx, "CHUNK_ROWS", 4)

    again = load_events(engine, [path], mapping).files[0]

    assert (again.rows_read, again.inserted, again.unchanged) == (30, 0, 30)
