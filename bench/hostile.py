"""Benchmark: hostile and broken files through the real loaders, on SQLite and PostgreSQL.

A corpus built in a temporary folder from the real Derbyshire rows (``demo/``,
``tests/data/``): zip bombs (the 522 KB archive of 512 MiB of newlines that once drove a
load past 4 GB), damaged, nested, encrypted and repeated archive members, a member that
lies about its size, months of year 0 and of the future, a 10 MB quoted value on one line
and over 400,000, a quote never closed, CR-only and stray CR line endings, NUL bytes,
bytes that are not UTF-8, a line of 200 MiB, 256 MiB of newlines, millions of one-field
rows, workbooks with formulas never calculated and a bomb inside, UTF-16 text; and, so
that memory is measured on real work too, a 60 MB police.uk month (zipped) and a 250 MB
CSV of 1.4 million rows.

Each file is loaded by ``sara load police-uk`` or ``sara load events`` (its own process,
so its peak RSS is its own). The row says: files tried, tracebacks (goal 0), rows
unaccounted (goal 0: per file ``rows_read - inserted - updated - unchanged - quarantined``,
plus report against database, plus rows read against the rows the file was built with),
and the highest peak memory (goal < 1.5 GB). The reference is ``polars.read_csv`` on the
plain CSVs of the corpus (parse only, each file in its own process held to 3 GiB of address
space, for some of these files would take the machine): its time, and how many files it
failed on.

Run alone: ``.venv/bin/python -m bench.hostile``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "2025-01-derbyshire-street.csv"
YEAR = ROOT / "demo" / "derbyshire-2025-street.zip"
MAPPING = 'source = "Hostile partner export"\n[columns]\nsource_id = "Ref"\ncategory = "Type"\n[time]\noccurred = "Date"\n'
EXPORT_HEADER = b"Ref,Type,Date"


@dataclass
class Case:
    """One file of the corpus: its name, the loader, how many rows it should read (None
    when it is refused whole, or when no honest count exists), and for ``events`` the
    mapping."""

    name: str
    loader: str  # "police-uk" or "events"
    rows: int | None
    build: Callable[[Path], None]
    mapping: str = MAPPING


def _header_body() -> tuple[bytes, list[bytes]]:
    header, *body = FIXTURE.read_bytes().rstrip(b"\n").split(b"\n")
    return header, body


HEADER, BODY = _header_body()


def _street(body: list[bytes], end: bytes = b"\n") -> bytes:
    return HEADER + end + end.join(body) + end


def _with(i: int, old: bytes, new: bytes) -> list[bytes]:
    body = list(BODY)
    body[i] = body[i].replace(old, new, 1)
    return body


def _year_rows() -> list[bytes]:
    """Every 2025 Derbyshire street row (102,621)."""
    rows = []
    with zipfile.ZipFile(YEAR) as zf:
        for name in sorted(zf.namelist()):
            rows += zf.read(name).rstrip(b"\n").split(b"\n")[1:]
    return rows


def _relabelled(rows: list[bytes], month: str) -> list[bytes]:
    return [b",".join([r.split(b",", 2)[0], month.encode(), r.split(b",", 2)[2]]) for r in rows]


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def bomb(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("2025-01/2025-01-x-street.csv", "w") as fh:
        fh.write(HEADER + b"\n")
        for _ in range(512):
            fh.write(b"\n" * (1 << 20))


def bad_crc(path: Path) -> None:
    _zip(path, {"2025-01/2025-01-a-street.csv": _street(BODY), "2025-02/2025-02-b-street.csv": _street(_relabelled(BODY, "2025-02"))})
    with zipfile.ZipFile(path) as zf:
        crc = struct.pack("<I", zf.infolist()[0].CRC)
    path.write_bytes(path.read_bytes().replace(crc, struct.pack("<I", struct.unpack("<I", crc)[0] ^ 1)))


def lying_size(path: Path) -> None:
    """A member whose directory entry says 1 KB while it holds 2 MB."""
    big = _street(BODY * 40)
    _zip(path, {"2025-01/2025-01-a-street.csv": big})
    data = bytearray(path.read_bytes())
    for signature, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.find(signature)
        data[start + at : start + at + 4] = struct.pack("<I", 1000)
    path.write_bytes(bytes(data))


def nested_and_repeated(path: Path) -> None:
    inner = io.BytesIO()
    _zip(inner, {"2025-03-derbyshire-street.csv": _street(BODY)})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2025-01/2025-01-derbyshire-street.csv", _street(BODY))
        zf.writestr("2025-03/inner.zip", inner.getvalue())
        zf.writestr("2025-02/2025-02-derbyshire-street.csv", _street(BODY))
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            zf.writestr("2025-02/2025-02-derbyshire-street.csv", _street(BODY[:5]))


def many_members(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for i in range(120_000):
            zf.writestr(f"m/{i}.csv", b"")


def big_month(path: Path) -> None:
    rows = _relabelled(_year_rows(), "2024-06") * 3  # 307,863 rows, ~60 MB
    _zip(path, {"2024-06/2024-06-derbyshire-street.csv": _street(rows)})


def huge_csv(path: Path) -> None:
    rows = _year_rows()
    with path.open("wb") as fh:
        fh.write(HEADER + b"\n")
        for copy in range(14):
            fh.write(b"\n".join(_relabelled(rows, f"2023-{copy % 12 + 1:02d}")) + b"\n")


def ten_mb_value(newline: bytes) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        fields = BODY[5].split(b",")
        fields[6] = b'"' + (b"On or near a very long road" + newline) * 400_000 + b'"'
        body = list(BODY)
        body[5] = b",".join(fields)
        path.write_bytes(_street(body))

    return build


def unclosed_quote(path: Path) -> None:
    body = list(BODY[:3])
    body[2] = body[2].replace(b"On or near", b'"On or near', 1)
    with path.open("wb") as fh:
        fh.write(_street(body))
        for _ in range(300):
            fh.write(b"\n".join(BODY) + b"\n")


def written(data: Callable[[], bytes]) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data())


def one_long_line(path: Path) -> None:
    with path.open("wb") as fh:
        fh.write(HEADER + b"\n" + b"\n".join(BODY[:10]) + b"\n")
        for _ in range(200):
            fh.write(b"x" * (1 << 20))
        fh.write(b"\n" + b"\n".join(BODY[10:]) + b"\n")


def newlines(path: Path) -> None:
    with path.open("wb") as fh:
        fh.write(HEADER + b"\n")
        for _ in range(256):
            fh.write(b"\n" * (1 << 20))


def tiny_rows(path: Path) -> None:
    with path.open("wb") as fh:
        fh.write(HEADER + b"\n")
        for _ in range(16):
            fh.write(b"x\n" * (1 << 19))


def random_bytes(path: Path) -> None:
    import random

    rng = random.Random(9)
    path.write_bytes(HEADER + b"\n" + rng.randbytes(8 << 20))


def workbook(path: Path, formula: bool) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Ref", "Type", "Date"])
    for i in range(1000):
        sheet.append([f"R{i}", '=UPPER("noise")' if formula and i % 10 == 0 else "Noise", dt.date(2025, 1, 1 + i % 28)])
    book.save(path)


def workbook_bomb(path: Path) -> None:
    """A workbook whose sheet XML expands to 900 MiB of spaces."""
    workbook(path, False)
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                zf.writestr(name, data)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(sheet[:-12])
            for _ in range(900):
                fh.write(b" " * (1 << 20))
            fh.write(sheet[-12:])


def corpus() -> list[Case]:
    n = len(BODY)
    future = f"{dt.date.today().year + 2}-01".encode()
    export = EXPORT_HEADER + b"\nA1,Noise,2025-01-03\nA2,Noise,0000-01-01\nA3,Noise,2025-01-05\n"
    return [
        Case("bomb.zip", "police-uk", None, bomb),
        Case("bad-crc.zip", "police-uk", n, bad_crc),
        Case("lying-size.zip", "police-uk", None, lying_size),
        Case("nested-and-repeated.zip", "police-uk", n, nested_and_repeated),
        Case("many-members.zip", "police-uk", None, many_members),
        Case("not-a-zip.zip", "police-uk", None, written(lambda: b"PK\x03\x04" + b"\x00" * 100)),
        Case("2025-01-year0-street.csv", "police-uk", n, written(lambda: _street(_with(1, b"2025-01", b"0000-01")))),
        Case("2025-01-future-street.csv", "police-uk", n, written(lambda: _street(_with(1, b"2025-01", future)))),
        Case("2025-01-10mb-value-street.csv", "police-uk", n, ten_mb_value(b"")),
        Case("2025-01-10mb-multiline-street.csv", "police-uk", n, ten_mb_value(b"\n")),
        Case("2025-01-unclosed-quote-street.csv", "police-uk", 3, unclosed_quote),
        Case("2025-01-cr-only-street.csv", "police-uk", n, written(lambda: _street(BODY, b"\r"))),
        Case("2025-01-stray-cr-street.csv", "police-uk", n, written(lambda: _street(_with(3, b"On or near", b"On or\rnear")))),
        Case("2025-01-nul-street.csv", "police-uk", n, written(lambda: _street(_with(4, b"On or near", b"On or\x00near")))),
        Case("2025-01-nul-everywhere-street.csv", "police-uk", n, written(lambda: _street([r + b"\x00" for r in BODY]))),
        Case("2025-01-latin1-street.csv", "police-uk", n, written(lambda: _street(_with(6, b"On or near", b"On or n\xe9ar")))),
        Case("2025-01-long-line-street.csv", "police-uk", n + 1, one_long_line),
        Case("2025-01-newlines-street.csv", "police-uk", 0, newlines),
        Case("2025-01-tiny-rows-street.csv", "police-uk", None, tiny_rows),
        Case("2025-01-random-street.csv", "police-uk", None, random_bytes),
        Case("2025-01-empty-street.csv", "police-uk", None, written(lambda: b"")),
        Case("2025-01-bom-only-street.csv", "police-uk", None, written(lambda: b"\xef\xbb\xbf")),
        Case("2024-06-big-month.zip", "police-uk", 307_863, big_month),
        Case("2023-huge-street.csv", "police-uk", 14 * 102_621, huge_csv),
        Case("formulas.xlsx", "events", 1000, lambda p: workbook(p, True)),
        Case("workbook-bomb.xlsx", "events", None, workbook_bomb),
        Case("truncated.xlsx", "events", None, lambda p: (workbook(p, False), p.write_bytes(p.read_bytes()[:2000]))),
        Case("old.xls", "events", None, written(lambda: b"\xd0\xcf\x11\xe0" + b"\x00" * 600)),
        Case("export-year0.csv", "events", 3, written(lambda: export)),
        Case("export-utf16.csv", "events", 3, written(lambda: export.decode().encode("utf-16")), 'encoding = "utf-16"\n' + MAPPING),
        Case("export-utf16-said-utf8.csv", "events", None, written(lambda: export.decode().encode("utf-16"))),
    ]


LOAD = r"""
import json, resource, sys, traceback
from sqlalchemy import func, select
from sara.errors import SaraError
from sara.store.engine import connect
from sara.store.schema import Load, Quarantine
url, loader, path, mapping = sys.argv[1:5]
engine = connect(url)
out = {"traceback": None}
try:
    if loader == "police-uk":
        from sara.intake.load import load_police_uk
        report = load_police_uk(engine, [path])
    else:
        from sara.intake.mapped import load_events
        report = load_events(engine, [path], mapping)
    files = report.to_dict()
    out["rows_read"] = files["rows_read"]
    out["refused"] = [f["error"] for f in files["files_refused"]]
    unaccounted = sum(abs(f.rows_read - f.inserted - f.updated - f.unchanged - f.quarantined) for f in report.files)
    with engine.connect() as conn:
        for f in report.files:
            if f.refused:
                continue
            load = conn.execute(select(Load).where(Load.path == f.path).order_by(Load.id.desc()).limit(1)).one()
            stored = conn.execute(select(func.count()).select_from(Quarantine).where(Quarantine.load_id == load.id)).scalar_one()
            unaccounted += abs(load.rows_read - f.rows_read) + abs(stored - f.quarantined)
    out["unaccounted"] = unaccounted
except SaraError as exc:  # the one-line refusal every face shows, not a traceback
    out["refused"], out["rows_read"], out["unaccounted"] = [str(exc)], 0, 0
except BaseException:
    out["traceback"] = traceback.format_exc()
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""

REFERENCE = r"""
import sys
import polars as pl
pl.read_csv(sys.argv[1], infer_schema=False)
"""
REFERENCE_MEMORY = 3 << 30  # bytes of address space the reference may take: some of these files would take the machine


def reference(csvs: list[str]) -> dict:
    """``polars.read_csv`` on each plain CSV in its own process, held to
    ``REFERENCE_MEMORY``: the total time, and how many it failed on (raised, or ran out)."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (REFERENCE_MEMORY, REFERENCE_MEMORY))

    failed, seconds = 0, 0.0
    for path in csvs:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", REFERENCE, path], capture_output=True, preexec_fn=limit)
        seconds += time.perf_counter() - started
        failed += done.returncode != 0
    return {"seconds": seconds, "raised": failed}


def load_one(url: str, case: Case, path: Path, folder: Path) -> dict:
    mapping = folder.parent / f"{case.name}.toml"
    mapping.write_text(case.mapping)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", LOAD, url, case.loader, str(path), str(mapping)], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    try:
        out = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        out = {"traceback": done.stderr[-2000:] or f"exit code {done.returncode}", "peak_mb": 0}
    out["seconds"] = seconds
    if case.rows is not None and not out.get("traceback"):
        out["unaccounted"] = out.get("unaccounted", 0) + abs(out.get("rows_read", 0) - case.rows)
    return out


def run_corpus(url_for: Callable[[str], str], cases: list[Case], folder: Path) -> dict:
    return {case.name: load_one(url_for(case.name), case, folder / case.name, folder) for case in cases}


def summary(backend: str, results: dict, reference: dict, size: int, csvs: int) -> dict:
    tracebacks = [name for name, r in results.items() if r.get("traceback")]
    unaccounted = sum(r.get("unaccounted", 0) for r in results.values() if not r.get("traceback"))
    return {
        "benchmark": f"hostile files into {backend}",
        "input": f"{len(results)} files ({size / 1e6:,.0f} MB on disk): {len(tracebacks)} tracebacks, {unaccounted} rows unaccounted",
        "ours_s": sum(r["seconds"] for r in results.values()),
        "reference": f"polars.read_csv on the {csvs} plain CSVs, each in 3 GiB (failed on {reference['raised']})",
        "reference_s": reference["seconds"],
        "target": "0 tracebacks, 0 rows unaccounted, peak memory < 1.5 GB",
        "peak_mb": max(r["peak_mb"] for r in results.values()),
        "files_tried": len(results),
        "tracebacks": len(tracebacks),
        "traceback_files": tracebacks,
        "rows_unaccounted": unaccounted,
        "per_file": results,
    }


def run() -> list[dict]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from sara.store.engine import init
    from tests.postgres import Server

    cases = corpus()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        for case in cases:
            case.build(folder / case.name)
        size = sum(p.stat().st_size for p in folder.iterdir())
        csvs = sorted(str(p) for p in folder.glob("*.csv"))
        floor = reference(csvs)

        template = Path(tmp) / "template.db"
        init(f"sqlite:///{template}")

        def sqlite(name: str) -> str:
            db = Path(tmp) / f"{name}.db"
            shutil.copy(template, db)
            return f"sqlite:///{db}"

        rows.append(summary("SQLite", run_corpus(sqlite, cases, folder), floor, size, len(csvs)))
        with Server() as server:
            init(server.create_database("hostile"))
            names = iter(range(len(cases)))

            def postgres(name: str) -> str:
                import psycopg

                db = f"hostile{next(names)}"
                with psycopg.connect(f"postgresql://{server.user}@127.0.0.1:{server.port}/postgres", autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{db}" TEMPLATE "hostile"')
                return f"postgresql+psycopg://{server.user}@127.0.0.1:{server.port}/{db}"

            rows.append(summary("PostgreSQL", run_corpus(postgres, cases, folder), floor, size, len(csvs)))
    return rows


if __name__ == "__main__":
    for row in run():
        per_file = row.pop("per_file")
        print(json.dumps(row))
        for name, result in per_file.items():
            shown = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in result.items() if k != "traceback"}
            print(f"  {name}: {shown}" + (f"\n{result['traceback']}" if result.get("traceback") else ""))
