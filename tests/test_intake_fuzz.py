"""Property tests: whatever bytes a police.uk file, a mapped export or a zip archive holds,
a load raises nothing, refuses no file whose header is right, and for every file
``rows_read = inserted + updated + unchanged + quarantined``, in the report and in the
database alike. Both backends; a few seconds each."""

from __future__ import annotations

import csv
import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sara.intake.load import load_police_uk
from sara.intake.mapped import load_events
from sara.intake.policeuk import STREET
from sara.store.schema import Load, Quarantine

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

GOOD = {
    "Crime ID": ["", "bd1b7c3f31f2372f2e76aa3ce16c43368d1065ec730f27ed251defebbf81699f"],
    "Month": ["2025-01", "2024-12"],
    "Reported by": ["Derbyshire Constabulary"],
    "Falls within": ["Derbyshire Constabulary"],
    "Longitude": ["-1.377978", ""],
    "Latitude": ["53.095745", ""],
    "Location": ["On or near Prospect Street", "No location"],
    "LSOA code": ["E01019400", ""],
    "LSOA name": ["Amber Valley 001A", ""],
    "Crime type": ["Anti-social behaviour", "Burglary"],
    "Last outcome category": ["", "Under investigation"],
    "Context": [""],
}
# Values that have broken readers: quotes, line ends, NUL, year 0, numbers that are not.
HOSTILE = ['"', '""', ',', "\r", "\n", "\r\n", "\x00", "0000-01", "9999-12", "2025-13", "nan", "-inf", "1e999", "é", "\ufeff", " ", "x" * 300, "E01019400E01019400"]  # fmt: skip
text = st.text(alphabet=st.sampled_from('ab,"\r\n\x00 é-.0129'), max_size=8)


def value(column: str):
    return st.one_of(st.sampled_from(GOOD[column]), st.sampled_from(HOSTILE), text)


@st.composite
def rows(draw, columns: list[str]):
    """A row: the right fields or a few more or fewer, written as CSV or joined raw."""
    fields = [draw(value(c)) if c in GOOD else draw(st.one_of(st.sampled_from(HOSTILE), text, st.just("ok"))) for c in columns]
    fields = fields[: draw(st.integers(len(columns) - 2, len(columns)))] + draw(st.lists(text, max_size=2))
    if draw(st.booleans()):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(fields)
        return buf.getvalue()
    return ",".join(fields)


@st.composite
def files(draw, header: list[str], sample):
    """A file with the right header: rows, line endings, stray bytes."""
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    body = draw(st.lists(sample, max_size=12))
    first = (",".join(header) + end).encode()
    data = first + (end.join(body) + draw(st.sampled_from(["", end]))).encode("utf-8")
    if draw(st.booleans()):
        at = draw(st.integers(len(first), len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xe9", b"\x00", b"\r", b'"'])) + data[at:]
    return data


def check(engine, report) -> None:
    """Counts add up in the report and in the database, and no file was refused."""
    assert report.ok, report.to_dict()["files_refused"]
    for f in report.files:
        assert f.rows_read == f.inserted + f.updated + f.unchanged + f.quarantined
    with engine.connect() as conn:
        load = conn.execute(select(Load).order_by(Load.id.desc()).limit(1)).one()
        stored = conn.execute(select(func.count()).select_from(Quarantine).where(Quarantine.load_id == load.id)).scalar_one()
    last = report.files[-1]
    assert (load.rows_read, load.inserted, load.quarantined) == (last.rows_read, last.inserted, last.quarantined)
    assert stored == last.quarantined


def test_any_police_uk_street_file_loads_with_every_row_accounted_for(engine, tmp_path):
    @FUZZ
    @given(files(STREET, rows(STREET)))
    def case(data):
        path = tmp_path / "2025-01-fuzz-street.csv"
        path.write_bytes(data)
        check(engine, load_police_uk(engine, [str(path)]))

    case()


MAPPING = """
source = "Fuzzed export"
[columns]
source_id = "Ref"
category = "Type"
location = "Street"
[time]
occurred = "Date"
format = "%d/%m/%Y %H:%M"
[coordinates]
lon = "Lon"
lat = "Lat"
"""
EXPORT = ["Ref", "Type", "Date", "Lon", "Lat", "Street"]
GOOD.update({"Ref": ["CR1", "CR2", ""], "Type": ["Burglary", ""], "Date": ["03/01/2025 22:00", "2025-01-05", "31/12/0000 00:00"],
             "Lon": ["-1.47", "0", ""], "Lat": ["52.92", "91", ""], "Street": ["Osmaston Road", ""]})  # fmt: skip


def test_any_mapped_export_loads_with_every_row_accounted_for(engine, tmp_path):
    mapping = tmp_path / "fuzz.toml"
    mapping.write_text(MAPPING)

    @FUZZ
    @given(files(EXPORT, rows(EXPORT)))
    def case(data):
        path = tmp_path / "export.csv"
        path.write_bytes(data)
        check(engine, load_events(engine, [str(path)], str(mapping)))

    case()


def _archive() -> bytes:
    buf = io.BytesIO()
    street = (",".join(STREET) + "\n" + ",".join(v[0] for v in list(GOOD.values())[:12]) + "\n").encode()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2025-01/2025-01-fuzz-street.csv", street * 1)
        zf.writestr("2025-02/2025-02-fuzz-street.csv", street.replace(b"2025-01", b"2025-02"))
    return buf.getvalue()


ARCHIVE = _archive()


def test_a_damaged_zip_archive_is_refused_or_read_never_a_traceback(engine, tmp_path):
    @FUZZ
    @given(st.lists(st.tuples(st.integers(0, len(ARCHIVE) - 1), st.integers(0, 255)), min_size=1, max_size=4))
    def case(flips):
        data = bytearray(ARCHIVE)
        for at, byte in flips:
            data[at] = byte
        path = tmp_path / "months.zip"
        path.write_bytes(bytes(data))
        report = load_police_uk(engine, [str(path)])
        for f in report.files:
            assert f.rows_read == f.inserted + f.updated + f.unchanged + f.quarantined

    case()
