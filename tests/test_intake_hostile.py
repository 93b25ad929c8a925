"""Hostile and broken files: every one is refused with its reason or read row by row with
each bad row quarantined (reason, true line number, raw text), the rest of the file and
the other files still load, and ``rows_read = inserted + updated + unchanged +
quarantined`` for every file. Both backends run every test that takes ``engine``.

Each test builds its file from the real Derbyshire fixture in ``tmp_path``.
"""

from __future__ import annotations

import datetime as dt
import os
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from sara.intake import lines, load
from sara.intake.load import load_police_uk
from sara.intake.mapped import load_events
from sara.store.schema import Event, Load, Quarantine
from tests.conftest import FIXTURES, shared

STREET = FIXTURES / "2025-01-derbyshire-street.csv"
HEADER, *BODY = STREET.read_bytes().rstrip(b"\n").split(b"\n")
ROWS = len(BODY)  # 204


def street(*body: bytes, header: bytes = HEADER, end: bytes = b"\n") -> bytes:
    return header + end + end.join(body) + end


def write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def zipped(path: Path, members: dict[str, bytes]) -> str:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return str(path)


def count(engine, model=Event) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def quarantine(engine) -> dict[int, tuple[str, str]]:
    """line -> (reason, raw) of every quarantined row."""
    with engine.connect() as conn:
        return {q.line: (q.reason, q.raw) for q in conn.execute(select(Quarantine.line, Quarantine.reason, Quarantine.raw))}


def accounted(report) -> None:
    for f in report.files:
        assert f.rows_read == f.inserted + f.updated + f.unchanged + f.quarantined, f


def refused(report) -> dict[str, str]:
    return {f["path"]: f["error"] for f in report.to_dict()["files_refused"]}


# --- zip archives ----------------------------------------------------------------------


def test_a_zip_bomb_member_is_refused_with_its_figures_and_the_member_beside_it_loads(engine, tmp_path):
    # 32 MiB of newlines deflate to about 32 KB: the shape of the 522 KB / 512 MiB attack.
    archive = zipped(tmp_path / "months.zip", {"2025-01/2025-01-derbyshire-street.csv": street(*BODY), "2025-02/2025-02-x-street.csv": HEADER + b"\n" * (32 << 20)})

    report = load_police_uk(engine, [archive])

    error = refused(report)[f"{archive}!2025-02/2025-02-x-street.csv"]
    assert error.startswith("member 2025-02/2025-02-x-street.csv would expand to 32 MiB (ratio 1,0")
    assert error.endswith(":1); the limits are 1,024 MiB and 100:1 (settings SARA_ZIP_MAX_MEMBER_MB and SARA_ZIP_MAX_RATIO)")
    assert report.totals()["inserted"] == count(engine) == ROWS


def test_the_member_size_limit_is_a_setting(engine, tmp_path, monkeypatch):
    month = shared("policeuk", "derbyshire-2025", "2025-01-derbyshire-street.csv")  # 1.7 MiB
    archive = zipped(tmp_path / "month.zip", {month.name: month.read_bytes()})
    monkeypatch.setenv("SARA_ZIP_MAX_MEMBER_MB", "1")

    report = load_police_uk(engine, [archive])

    assert "would expand to 1.7 MiB" in refused(report)[f"{archive}!{month.name}"]
    assert "the limits are 1 MiB and 100:1" in refused(report)[f"{archive}!{month.name}"]
    monkeypatch.delenv("SARA_ZIP_MAX_MEMBER_MB")
    assert load_police_uk(engine, [archive]).totals()["inserted"] == count(engine) > 0


def _corrupt_crc(archive: str, member: str) -> None:
    """Flips the CRC-32 recorded for ``member`` (local header and directory alike)."""
    with zipfile.ZipFile(archive) as zf:
        crc = struct.pack("<I", zf.getinfo(member).CRC)
    data = Path(archive).read_bytes()
    assert data.count(crc) == 2
    Path(archive).write_bytes(data.replace(crc, struct.pack("<I", struct.unpack("<I", crc)[0] ^ 1)))


def test_a_member_with_a_bad_crc_is_refused_alone_and_nothing_of_it_stays(engine, tmp_path):
    feb = street(*(r.replace(b"2025-01", b"2025-02") for r in BODY))
    archive = zipped(tmp_path / "months.zip", {"2025-01/2025-01-derbyshire-street.csv": street(*BODY), "2025-02/2025-02-derbyshire-street.csv": feb})
    _corrupt_crc(archive, "2025-01/2025-01-derbyshire-street.csv")

    report = load_police_uk(engine, [archive])

    assert "Bad CRC-32" in refused(report)[f"{archive}!2025-01/2025-01-derbyshire-street.csv"]
    assert [f.inserted for f in report.files if not f.refused] == [ROWS]
    with engine.connect() as conn:
        assert {str(m)[:7] for m in conn.execute(select(Event.month).distinct()).scalars()} == {"2025-02"}
        assert conn.execute(select(func.count()).select_from(Load)).scalar_one() == 1  # the bad member's load was rolled back


def test_nested_zips_repeated_names_and_encrypted_members_are_reported_per_member(engine, tmp_path):
    inner = zipped(tmp_path / "inner.zip", {"2025-03-derbyshire-street.csv": street(*BODY)})
    archive = tmp_path / "months.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("2025-01/2025-01-derbyshire-street.csv", street(*BODY))
        zf.write(inner, "2025-03/inner.zip")
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("2025-02/2025-02-derbyshire-street.csv", street(*BODY))
            zf.writestr("2025-02/2025-02-derbyshire-street.csv", street(*BODY[:10]))
        zf.writestr("2025-04/2025-04-derbyshire-street.csv", street(*BODY))
    data = bytearray(archive.read_bytes())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # mark the 2025-04 member encrypted
        at = data.rfind(signature)
        data[at + flag_at] |= 0x1
    archive.write_bytes(bytes(data))

    report = load_police_uk(engine, [str(archive)])

    assert refused(report) == {
        f"{archive}!2025-03/inner.zip": "member 2025-03/inner.zip is itself a zip archive: extract it and load the archive inside (archives in archives are not read)",
        f"{archive}!2025-02/2025-02-derbyshire-street.csv": "the archive holds 2 members named 2025-02/2025-02-derbyshire-street.csv: which is meant cannot be told, so none is read (re-create the archive with one)",
        f"{archive}!2025-04/2025-04-derbyshire-street.csv": "member 2025-04/2025-04-derbyshire-street.csv is encrypted: extract it with its password and load the file itself",
    }  # fmt: skip
    assert report.totals()["inserted"] == count(engine) == ROWS  # 2025-01 alone


def test_a_file_that_is_not_a_zip_is_refused_and_the_others_load(engine, tmp_path):
    broken = write(tmp_path / "broken.zip", b"PK\x03\x04 not really")
    truncated = tmp_path / "truncated.zip"
    zipped(truncated, {"2025-02/2025-02-derbyshire-street.csv": street(*BODY)})
    truncated.write_bytes(truncated.read_bytes()[:-30])

    report = load_police_uk(engine, [broken, str(truncated), str(STREET)])

    assert refused(report)[broken].startswith("not a valid zip archive")
    assert refused(report)[str(truncated)].startswith("not a valid zip archive")
    assert count(engine) == ROWS


# --- rows that cannot be read ----------------------------------------------------------


def test_year_0_and_implausible_months_are_quarantined_and_the_later_files_still_load(engine, tmp_path):
    ahead = f"{dt.date.today().year + 2}-01"
    body = [*BODY]
    for i, month in ((1, b"0000-01"), (2, b"1899-12"), (3, ahead.encode())):
        body[i] = body[i].replace(b"2025-01", month, 1)
    bad = write(tmp_path / "2025-01-derbyshire-street.csv", street(*body))
    later = write(tmp_path / "later" / "2025-02-derbyshire-street.csv", street(*(r.replace(b"2025-01", b"2025-02") for r in BODY)))

    report = load_police_uk(engine, [bad, later])

    accounted(report)
    reason = "implausible Month (before 1900 or more than a year ahead)"
    assert {line: why for line, (why, _) in quarantine(engine).items()} == {3: reason, 4: reason, 5: reason}
    assert quarantine(engine)[3][1] == body[1].decode()
    assert count(engine) == 2 * ROWS - 3


@pytest.mark.parametrize("newline", [b"", b"\n"], ids=["on one line", "over 400,001 lines"])
def test_a_10_mb_quoted_value_is_quarantined_with_its_line_and_the_rows_after_it_load(engine, tmp_path, newline):
    body = [*BODY]
    fields = body[5].split(b",")
    fields[6] = b'"' + (b"On or near a very long road" + newline) * 400_000 + b'"'  # 11 MB
    body[5] = b",".join(fields)
    path = write(tmp_path / STREET.name, street(*body))

    report = load_police_uk(engine, [path])

    accounted(report)
    kept = quarantine(engine)
    assert list(kept) == [7]
    assert kept[7][0] == "a value longer than 131,072 characters (the csv limit)"
    assert kept[7][1].startswith(body[5][:60].decode()) and kept[7][1].endswith("more characters not kept]")
    assert report.totals()["inserted"] == count(engine) == ROWS - 1
    with engine.connect() as conn:
        after = conn.execute(select(Event.location).where(Event.source_ref == body[6].split(b",")[0].decode())).scalars().all()
    assert after and "\n" not in after[0]  # the row after it read as itself, not as part of the value


def test_cr_only_line_endings_are_read_as_line_ends(engine, tmp_path):
    path = write(tmp_path / STREET.name, street(*BODY, end=b"\r"))

    report = load_police_uk(engine, [path])

    assert report.totals()["inserted"] == count(engine) == ROWS


def test_a_stray_carriage_return_quarantines_its_own_line_with_its_text(engine, tmp_path):
    body = [*BODY]
    body[3] = body[3].replace(b"On or near", b"On or\rnear", 1)
    path = write(tmp_path / STREET.name, street(*body))

    report = load_police_uk(engine, [path])

    accounted(report)
    assert quarantine(engine) == {
        5: ("a carriage return (CR) inside an unquoted value: the line is broken in two (save the file with one kind of line ending)", body[3].decode())
    }
    with engine.connect() as conn:
        lines_loaded = conn.execute(select(func.count()).select_from(Event)).scalar_one()
    assert report.totals()["rows_read"] == ROWS and lines_loaded == ROWS - 1


def test_a_nul_byte_is_quarantined_on_both_backends_and_its_text_stored_escaped(engine, tmp_path):
    body = [*BODY]
    body[4] = body[4].replace(b"On or near", b"On or\x00near", 1)
    path = write(tmp_path / STREET.name, street(*body))

    report = load_police_uk(engine, [path])

    accounted(report)
    assert quarantine(engine) == {6: ("a NUL byte in a value (stored here as \\x00)", body[4].decode().replace("\x00", "\\x00"))}
    assert count(engine) == ROWS - 1


def test_values_too_long_for_their_column_are_quarantined_on_both_backends(engine, tmp_path):
    body = [*BODY]
    body[0] = body[0].replace(b"E01019400", b"E01019400-and-more", 1)
    path = write(tmp_path / STREET.name, street(*body))

    report = load_police_uk(engine, [path])

    accounted(report)
    assert quarantine(engine)[2][0] == "LSOA code is longer than 12 characters"
    assert count(engine) == ROWS - 1


def test_a_line_longer_than_the_line_limit_is_skipped_unread_and_quarantined(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(lines, "MAX_LINE", 1 << 20)
    monkeypatch.setattr(lines, "BLOCK", 1 << 16)
    body = [*BODY]
    body[2] = b"x" * (3 << 20)
    path = write(tmp_path / STREET.name, street(*body))

    report = load_police_uk(engine, [path])

    accounted(report)
    reason, raw = quarantine(engine)[4]
    assert reason == lines.TOO_LONG and raw.startswith("xxxx") and len(raw) < (2 << 20)
    assert count(engine) == ROWS - 1


def test_a_file_of_garbage_is_refused_once_too_many_rows_are_quarantined(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(load, "MAX_QUARANTINED", 100)
    garbage = write(tmp_path / "2025-02-derbyshire-street.csv", HEADER + b"\n" + b"x\n" * 1000)

    report = load_police_uk(engine, [garbage, str(STREET)])

    assert refused(report)[garbage].startswith("more than 100 of its rows cannot be loaded (1,000 wrong number of fields: expected 12, found 1)")
    assert count(engine) == ROWS and count(engine, Quarantine) == 0


def test_a_stop_and_search_file_whose_name_holds_no_force_of_a_usable_length_is_refused(engine, tmp_path):
    searches = (FIXTURES / "2025-01-derbyshire-stop-and-search.csv").read_bytes()
    long = write(tmp_path / f"2025-01-{'x' * 120}-stop-and-search.csv", searches)

    report = load_police_uk(engine, [long])

    assert refused(report)[long] == "the force in the file name is longer than 100 characters: name the file YYYY-MM-<force>-stop-and-search.csv"


def test_a_file_whose_name_is_not_utf8_loads_and_its_name_is_stored_escaped(engine, tmp_path):
    name = os.fsdecode(b"2025-01-d\xe9rbyshire-street.csv")  # a Latin-1 name, as a zip from Windows leaves it
    path = write(tmp_path / name, street(*_with_month(BODY, 0, b"2025-13")))

    report = load_police_uk(engine, [path])

    accounted(report)
    with engine.connect() as conn:
        assert conn.execute(select(Quarantine.file)).scalars().all() == ["2025-01-d\\udce9rbyshire-street.csv"]
    assert count(engine) == ROWS - 1


def _with_month(body: list[bytes], i: int, month: bytes) -> list[bytes]:
    body = list(body)
    body[i] = body[i].replace(b"2025-01", month, 1)
    return body


def test_a_file_read_in_many_blocks_keeps_the_keys_of_a_file_read_whole(engine, tmp_path, monkeypatch):
    # Identical ASB rows and repeated Crime IDs land in different blocks: their ordinals
    # must run on across blocks, so a re-load of the file read whole finds every row.
    load_police_uk(engine, [str(STREET)])
    monkeypatch.setattr(lines, "BLOCK", 2048)
    report = load_police_uk(engine, [str(STREET)])

    assert (report.totals()["unchanged"], report.totals()["inserted"]) == (ROWS, 0)
    assert count(engine) == ROWS


# --- partner exports -------------------------------------------------------------------

MAPPING = 'source = "Council ASB log"\n[columns]\nsource_id = "Ref"\ncategory = "Type"\n[time]\noccurred = "Date"\n'


def test_an_xlsx_formula_with_no_saved_value_is_quarantined_not_read_as_empty(engine, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Ref", "Type", "Date"])
    sheet.append(["A1", "Noise", "2025-01-03"])
    sheet.append(["A2", '=UPPER("litter")', "2025-01-04"])  # openpyxl saves formulas without values
    sheet.append(["A3", "Graffiti", "2025-01-05"])
    book.save(tmp_path / "log.xlsx")
    mapping = write(tmp_path / "log.toml", MAPPING.encode())

    report = load_events(engine, [str(tmp_path / "log.xlsx")], mapping)

    accounted(report)
    assert quarantine(engine) == {
        3: ("a formula with no saved value in Type (open the workbook in Excel or LibreOffice and save it, so its formulas are calculated)", 'A2,,2025-01-04')
    }
    assert count(engine) == 2


def test_an_export_with_implausible_dates_quarantines_those_rows(engine, tmp_path):
    export = write(tmp_path / "log.csv", b"Ref,Type,Date\nA1,Noise,0000-01-03\nA2,Noise,1850-06-01\nA3,Noise,2025-01-05\nA4,Noise,9999-12-31\n")
    mapping = write(tmp_path / "log.toml", MAPPING.encode())

    report = load_events(engine, [export], mapping)

    accounted(report)
    reason = "implausible Date (before 1900 or more than a year ahead)"
    assert {line: why for line, (why, _) in quarantine(engine).items()} == {2: reason, 3: reason, 5: reason}
    assert count(engine) == 1
