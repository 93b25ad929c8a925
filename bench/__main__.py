"""``make bench``: run every benchmark, print the table, and rewrite BENCHMARKS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import access, areas, casework, emerging, gistar, hostile, intake, kde, near_repeat, tags, trends, web_load

BENCHMARKS = [intake, hostile, areas, kde, gistar, emerging, near_repeat, tags, trends, casework, access, web_load]
ROOT = Path(__file__).resolve().parents[1]


def speed(ratio: float) -> str:
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2g}x"


def main() -> None:
    results = []
    for module in BENCHMARKS:
        results += module.run()
    table = Table("benchmark", "input", "ours (s)", "reference", "reference (s)", "speed-up", "peak MB", "target")
    lines = [
        "# Benchmarks",
        "",
        f"Latest `make bench`: {dt.date.today()}, {os.cpu_count()} cores, Python {platform.python_version()}.",
        "Each row is one run: our time and the reference tool's on the same input, in the same run;",
        "speed-up is the reference's time divided by ours (above 1: we are faster).",
        "",
        "| benchmark | input | ours (s) | reference | reference (s) | speed-up | peak MB | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        speedup = r["reference_s"] / r["ours_s"]
        peak = f"{r['peak_mb']:.0f}" if r.get("peak_mb") else ""
        cells = [r["benchmark"], r["input"], f"{r['ours_s']:.2f}", r["reference"], f"{r['reference_s']:.2f}", speed(speedup), peak, r["target"]]
        table.add_row(*cells)
        lines.append("| " + " | ".join(cells) + " |")
    Console(width=220).print(table)
    for module in BENCHMARKS:  # a benchmark with more to say than one row adds its own section
        if hasattr(module, "section"):
            lines += ["", *module.section()]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
