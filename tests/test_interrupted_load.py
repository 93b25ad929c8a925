"""A load killed part-way (kill -9) leaves the database as it was before the file it was
writing; running the same command again completes it, no row lost or doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from sara.store.engine import connect
from sara.store.schema import Event, Load
from tests.conftest import shared

BIG_COPIES = 3  # 3 x 102,621 rows in one file: seconds to write, so the kill lands inside it


def month_file(folder: Path, month: str, sources: list[Path]) -> int:
    """Writes the rows of ``sources`` relabelled as ``month``; returns how many rows."""
    header, *rows = b"".join(p.read_bytes().split(b"\n", 1)[1] if i else p.read_bytes() for i, p in enumerate(sources)).split(b"\n")
    rows = [r for r in rows if r]
    body = b"\n".join([header] + [_relabel(r, month) for r in rows])
    (folder / f"{month}-derbyshire-street.csv").write_bytes(body + b"\n")
    return len(rows)


def _relabel(row: bytes, month: str) -> bytes:
    crime_id, _, rest = row.split(b",", 2)
    return b",".join([crime_id, month.encode(), rest])


def counts_by_month(url: str) -> dict[str, int]:
    engine = connect(url)
    with engine.connect() as conn:
        rows = conn.execute(select(Event.month, func.count()).group_by(Event.month)).all()
    engine.dispose()
    return {str(m)[:7]: n for m, n in rows}


def loads(url: str) -> int:
    engine = connect(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(Load)).scalar_one()
    engine.dispose()
    return n


def run_load(url: str, folder: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sara.cli", "load", "police-uk", str(folder), "--db", url, "--json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def test_kill_9_mid_file_then_rerun_completes_without_loss_or_doubling(db_url, tmp_path):
    months = shared("policeuk", "derbyshire-2025")
    expected = {
        "2024-01": month_file(tmp_path, "2024-01", [months / "2025-01-derbyshire-street.csv"]),
        "2024-02": month_file(tmp_path, "2024-02", [months / "2025-02-derbyshire-street.csv"]),
        "2024-03": month_file(tmp_path, "2024-03", sorted(months.glob("*.csv")) * BIG_COPIES),
    }

    proc = run_load(db_url, tmp_path)
    deadline = time.time() + 120
    while loads(db_url) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    # As it was before the big file: the two small months whole, nothing of the third.
    assert counts_by_month(db_url) == {"2024-01": expected["2024-01"], "2024-02": expected["2024-02"]}

    rerun = run_load(db_url, tmp_path)
    output, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0
    report = json.loads(output)
    assert report["inserted"] == expected["2024-03"]
    assert report["unchanged"] == expected["2024-01"] + expected["2024-02"]
    assert counts_by_month(db_url) == expected
