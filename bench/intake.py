"""Loading 1,000,000 police.uk rows into SQLite and PostgreSQL, against the time
``polars.read_csv`` alone takes to parse the same files (the floor for any loader)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

SOURCE = Path(__file__).resolve().parents[2] / "shared" / "data" / "policeuk" / "derbyshire-2025"
ROWS = 1_000_000


def make_input(folder: Path, rows: int = ROWS) -> int:
    """The 12 Derbyshire months repeated under earlier month labels until ``rows`` rows,
    in the police.uk archive layout. Returns the number of rows written."""
    months = sorted(SOURCE.glob("*-street.csv"))
    written, i = 0, 0
    while written < rows:
        path = months[i % 12]
        label = f"{2025 - i // 12}-{i % 12 + 1:02d}"
        header, body = path.read_bytes().split(b"\n", 1)
        lines = [b",".join([r.split(b",", 2)[0], label.encode(), r.split(b",", 2)[2]]) for r in body.split(b"\n") if r]
        (folder / label).mkdir(exist_ok=True)
        (folder / label / f"{label}-derbyshire-street.csv").write_bytes(b"\n".join([header, *lines]) + b"\n")
        written += len(lines)
        i += 1
    return written


def polars_parse(folder: Path) -> float:
    start = time.perf_counter()
    for path in sorted(folder.rglob("*.csv")):
        pl.read_csv(path, infer_schema=False)
    return time.perf_counter() - start


def sara_load(url: str, folder: Path) -> dict:
    """Runs the load in a fresh process so its peak memory is its own."""
    code = (
        "import json, resource, sys, time\n"
        "from sara.store.engine import init, connect\n"
        "from sara.intake.load import load_police_uk\n"
        "url, folder = sys.argv[1], sys.argv[2]\n"
        "init(url); engine = connect(url)\n"
        "start = time.perf_counter(); report = load_police_uk(engine, [folder]); seconds = time.perf_counter() - start\n"
        "print(json.dumps({'seconds': seconds, 'inserted': report.totals()['inserted'], 'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, url, str(folder)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def run() -> list[dict]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.postgres import Server

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "input"
        folder.mkdir()
        rows = make_input(folder)
        files = len(list(folder.rglob("*.csv")))
        reference = polars_parse(folder)
        sqlite = sara_load(f"sqlite:///{tmp}/bench.db", folder)
        with Server() as server:
            postgres = sara_load(server.create_database("bench"), folder)
    results = []
    for name, result, target in (("SQLite", sqlite, 10), ("PostgreSQL", postgres, 15)):
        assert result["inserted"] == rows, result
        results.append({
            "benchmark": f"load police.uk into {name}",
            "input": f"{rows:,} rows in {files} monthly files",
            "ours_s": result["seconds"],
            "reference": "polars.read_csv, parse only",
            "reference_s": reference,
            "target": f"<= {target} s; peak memory < 1.5 GB",
            "peak_mb": result["peak_mb"],
        })  # fmt: skip
    return results


if __name__ == "__main__":
    for r in run():
        print(json.dumps(r))
