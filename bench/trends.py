"""Benchmark: trends and time tables over 1,000,000 events (``sara.scan.trends``,
``sara.scan.temporal``).

Inputs, synthetic from real data:

- Trends: 1,000,000 events resampled from the 102,621 real 2025 Derbyshire police.uk rows
  (``demo/derbyshire-2025-street.zip``: crime type, LSOA, month), half of them moved a
  year back so there are 24 months (2024-01..2025-12), 3% flagged covid-related at random.
- Time: 1,000,000 events whose start times are resampled from the 33,762 timed 2020
  Vancouver incidents (``../shared/data/timestamped/vancouver_2020``), shifted by a random
  number of whole weeks; 60% exact, 40% windows (exponential, mean 8 hours, as a
  burglary found next morning), so the aoristic spread is exercised.

Rows, each with our time, the reference's on the same input in the same run, and the ratio:

- ``compare_periods``: 12 months to 2025-12 against the 12 before, by crime type, covid
  excluded, against a pandas groupby on the same frame (checked to give the same table).
- ``monthly``: the monthly series by crime type with rolling 12-month sums, against pandas
  (groupby, reindex to fill empty months, rolling sum), checked equal.
- ``day_hour`` exact times: against pandas ``groupby([dayofweek, hour]).size()``, checked
  equal.
- ``day_hour`` aoristic windows: against a straightforward Python loop (each event, each
  hour it spans, minutes in that hour over minutes in the window) on 20,000 of the events,
  scaled to 1,000,000; the subset's tables are checked equal.

Run alone: ``.venv/bin/python -m bench.trends``.
"""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from pathlib import Path

import numpy as np
import polars as pl

from sara.scan import temporal, trends

ROOT = Path(__file__).resolve().parents[1]
STREET = ROOT / "demo" / "derbyshire-2025-street.zip"
VANCOUVER = ROOT.parent / "shared" / "data" / "timestamped" / "vancouver_2020" / "crimedata_csv_AllNeighbourhoods_2020.csv"
EVENTS = 1_000_000
LOOP_SUBSET = 20_000
TARGET = "<= 2 s for 1,000,000 events"


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


# --- inputs ---------------------------------------------------------------------------------


def trend_events(n: int = EVENTS, seed: int = 2022) -> pl.DataFrame:
    with zipfile.ZipFile(STREET) as zf:
        frames = [pl.read_csv(io.BytesIO(zf.read(name)), columns=["Month", "Crime type", "LSOA code"], infer_schema=False) for name in sorted(zf.namelist())]
    real = pl.concat(frames)
    rng = np.random.default_rng(seed)
    pick = real[rng.integers(0, real.height, n)]
    month = pick["Month"].str.to_date("%Y-%m")
    back = pl.Series(rng.random(n) < 0.5)
    month = pl.select(pl.when(back).then(month.dt.offset_by("-1y")).otherwise(month)).to_series()
    return pl.DataFrame({"month": month, "category": pick["Crime type"], "area": pick["LSOA code"], "covid": rng.random(n) < 0.03})


def time_events(n: int = EVENTS, seed: int = 2002) -> tuple[np.ndarray, np.ndarray]:
    raw = pl.read_csv(VANCOUVER, infer_schema=False)
    timed = raw.filter(~((pl.col("X").cast(pl.Float64) == 0) & (pl.col("Y").cast(pl.Float64) == 0)).fill_null(False))
    parts = [pl.col(c).cast(pl.Int32) for c in ("YEAR", "MONTH", "DAY", "HOUR", "MINUTE")]
    times = timed.select(pl.datetime(*parts, time_unit="us").alias("t"))["t"].to_numpy().astype("datetime64[m]")
    rng = np.random.default_rng(seed)
    start = times[rng.integers(0, len(times), n)] + (rng.integers(-26, 26, n) * 7 * 24 * 60).astype("timedelta64[m]")
    length = np.where(rng.random(n) < 0.6, 0, np.minimum(rng.exponential(8 * 60, n), 7 * 24 * 60 - 1)).astype(np.int64)
    return start, start + length.astype("timedelta64[m]")


# --- references -------------------------------------------------------------------------------


def pandas_compare(frame, end: dt.date, months: int = 12):
    """The scrutiny table with pandas: filter, group, subtract."""
    pdf = frame[~frame["covid"]]
    cur_lo = (end - np.timedelta64(months - 1, "M")).astype("datetime64[D]")
    prev_lo = (end - np.timedelta64(2 * months - 1, "M")).astype("datetime64[D]")
    end_d = end.astype("datetime64[D]")
    month = pdf["month"].values.astype("datetime64[D]")
    cur = pdf[(month >= cur_lo) & (month <= end_d)].groupby("category").size()
    prev = pdf[(month >= prev_lo) & (month < cur_lo)].groupby("category").size()
    out = cur.to_frame("current").join(prev.to_frame("previous"), how="outer").fillna(0).astype(int).sort_index()
    out.loc["Total"] = out.sum()
    out["change"] = out["current"] - out["previous"]
    out["change_pct"] = (100 * out["change"] / out["previous"]).round(1)
    return out


def pandas_monthly(frame, rolling: int = 12):
    import pandas as pd

    counts = frame.groupby(["category", "month"]).size()
    months = pd.date_range(frame["month"].min(), frame["month"].max(), freq="MS")
    index = pd.MultiIndex.from_product([sorted(frame["category"].unique()), months], names=["category", "month"])
    counts.index = counts.index.set_levels(pd.to_datetime(counts.index.levels[1]), level=1)
    full = counts.reindex(index, fill_value=0).to_frame("events")
    full["rolling_sum"] = full.groupby(level=0)["events"].rolling(rolling).sum().values
    return full


def pandas_day_hour(start: np.ndarray) -> np.ndarray:
    import pandas as pd

    s = pd.Series(start.astype("datetime64[ns]"))
    counts = s.groupby([s.dt.day_of_week, s.dt.hour]).size()
    cells = np.zeros((7, 24))
    for (d, h), n in counts.items():
        cells[d, h] = n
    return cells


def loop_day_hour(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The straightforward way: each event, each hour it touches, the minutes it has there."""
    cells = np.zeros((7, 24))
    for s, e in zip(start.astype(dt.datetime), end.astype(dt.datetime)):
        n = int((e - s).total_seconds() // 60) + 1
        t = s
        while t <= e:
            hour_end = t.replace(minute=0) + dt.timedelta(hours=1)
            minutes = int((min(hour_end - dt.timedelta(minutes=1), e) - t).total_seconds() // 60) + 1
            cells[t.weekday(), t.hour] += minutes / n
            t = hour_end
    return cells


# --- rows ---------------------------------------------------------------------------------------


def trend_rows(events: pl.DataFrame) -> list[dict]:
    import pandas as pd

    frame = events.to_pandas()
    frame["month"] = pd.to_datetime(frame["month"])
    ours_s, ours = _timed(trends.compare_periods, events, end="2025-12", months=12, exclude_covid=True)
    ref_s, ref = _timed(pandas_compare, frame, np.datetime64("2025-12"))
    assert ours.table["current"].to_list() == ref["current"].tolist() and ours.table["previous"].to_list() == ref["previous"].tolist()
    assert ours.table["change_pct"].to_list() == ref["change_pct"].tolist()
    rows = [{
        "benchmark": "trends: compare_periods (12 months vs 12, by crime type, covid excluded)",
        "input": f"{events.height:,} events resampled from Derbyshire 2025 police.uk rows over 24 months",
        "ours_s": ours_s, "reference": "pandas groupby on the same frame", "reference_s": ref_s, "target": TARGET,
    }]  # fmt: skip
    ours_s, ours = _timed(trends.monthly, events, by="category", rolling=12)
    ref_s, ref = _timed(pandas_monthly, frame)
    assert ours.table["events"].to_list() == ref["events"].tolist()
    assert ours.table["rolling_sum"].fill_null(-1).to_list() == ref["rolling_sum"].fillna(-1).astype(int).tolist()
    rows.append({
        "benchmark": "trends: monthly by crime type with rolling 12-month sums",
        "input": f"{events.height:,} events, 14 crime types x 24 months",
        "ours_s": ours_s, "reference": "pandas groupby + reindex + rolling", "reference_s": ref_s, "target": TARGET,
    })  # fmt: skip
    return rows


def time_rows(start: np.ndarray, end: np.ndarray) -> list[dict]:
    ours_s, ours = _timed(temporal.day_hour, start)
    ref_s, ref = _timed(pandas_day_hour, start)
    assert np.array_equal(temporal.cells_of(ours), ref)
    rows = [{
        "benchmark": "time: day_hour, exact times (with the busiest-window scan, 99 simulations)",
        "input": f"{len(start):,} times resampled from Vancouver 2020",
        "ours_s": ours_s, "reference": "pandas groupby(dayofweek, hour).size()", "reference_s": ref_s, "target": TARGET,
    }]  # fmt: skip
    ours_s, ours = _timed(temporal.day_hour, start, end)
    windows = int((end != start).sum())
    sub_s, sub = _timed(loop_day_hour, start[:LOOP_SUBSET], end[:LOOP_SUBSET])
    check = temporal.cells_of(temporal.day_hour(start[:LOOP_SUBSET], end[:LOOP_SUBSET]))
    assert np.allclose(check, sub, atol=1e-6), "aoristic weights disagree with the loop"
    rows.append({
        "benchmark": "time: day_hour, aoristic windows (Ratcliffe 2002)",
        "input": f"{len(start):,} events, {windows:,} of them windows (mean {float((end - start)[end != start].astype(np.int64).mean()) / 60:.1f} h)",
        "ours_s": ours_s, "reference": f"Python loop over events and hours, {LOOP_SUBSET:,} events x {len(start) // LOOP_SUBSET}",
        "reference_s": sub_s * len(start) / LOOP_SUBSET, "target": TARGET,
    })  # fmt: skip
    return rows


def run(events: int = EVENTS) -> list[dict]:
    return trend_rows(trend_events(events)) + time_rows(*time_events(events))


if __name__ == "__main__":
    for row in run():
        ratio = row["ours_s"] / row["reference_s"]
        print(
            f"{row['benchmark']}\n  {row['input']}\n  ours {row['ours_s']:.3f} s | {row['reference']} {row['reference_s']:.3f} s | ratio {ratio:.3f} | target {row['target']}"
        )
