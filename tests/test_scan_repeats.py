"""Repeats: every window checked by brute force on small random data, the threshold and
window edges pinned, police.uk repeat locations on the real Derbyshire year, and bad input
refused with what to change."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest

from sara.scan.repeats import repeats
from sara.scan.result import ScanError
from tests.conftest import shared

DAY = dt.timedelta(days=1)


def brute_force(refs, times, threshold, within) -> dict:
    """Every window starting at an event: entity -> (events, first, last, most in one window)."""
    by: dict = {}
    for ref, t in zip(refs, times):
        if ref is not None and t is not None:
            by.setdefault(ref, []).append(t)
    found = {}
    for ref, ts in by.items():
        most = max(sum(1 for u in ts if start <= u and within(start, u)) for start in ts)
        if most >= threshold:
            found[ref] = (len(ts), min(ts), max(ts), most)
    return found


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("threshold, window_days", [(2, 10), (3, 30), (3, 183), (4, 45.5)])
def test_repeats_match_brute_force_over_every_window(seed, threshold, window_days):
    rng = np.random.default_rng(seed)
    n = 300
    refs = [f"v{i}" for i in rng.integers(0, 40, n)]
    start = dt.datetime(2025, 1, 1)
    times = [start + dt.timedelta(minutes=int(m)) for m in rng.integers(0, 365 * 24 * 60, n)]
    # Exact edge cases: some events exactly one window apart, some duplicates.
    times[:20] = [times[20 + i] + dt.timedelta(days=window_days) for i in range(20)]
    refs[:20] = refs[20:40]
    times[40:50] = times[50:60]
    refs[40:50] = refs[50:60]
    refs[60:65] = [None] * 5

    events = pl.DataFrame({"victim_ref": refs, "occurred_from": times})
    result = repeats(events, key="victim_ref", threshold=threshold, window_days=window_days)

    expected = brute_force(refs, times, threshold, lambda a, b: b - a <= dt.timedelta(days=window_days))
    got = {r["victim_ref"]: (r["events"], r["first"], r["last"], r["max_in_window"]) for r in result.table.to_dicts()}
    assert got == expected
    assert result.left_out == {"no victim_ref": 5}
    kept = n - 5
    assert result.params["share_of_events_considered"] == pytest.approx(sum(v[0] for v in expected.values()) / kept)
    assert result.table["share"].sum() == pytest.approx(result.params["share_of_events_considered"])
    assert result.table["events"].is_sorted(descending=True)


@pytest.mark.parametrize("seed", range(4))
def test_month_windows_count_calendar_months_both_ends_included(seed):
    rng = np.random.default_rng(100 + seed)
    n = 200
    refs = [f"p{i}" for i in rng.integers(0, 25, n)]
    months = [dt.date(2023 + int(m) // 12, int(m) % 12 + 1, 1) for m in rng.integers(0, 36, n)]
    events = pl.DataFrame({"premises_ref": refs, "month": months})

    result = repeats(events, key="premises_ref", time="month")

    assert result.params["months"] == 6 and result.params["threshold"] == 3

    def within(a, b):
        return (b.year * 12 + b.month) - (a.year * 12 + a.month) <= 5

    expected = brute_force(refs, months, 3, within)
    got = {r["premises_ref"]: (r["events"], r["first"], r["last"], r["max_in_window"]) for r in result.table.to_dicts()}
    assert got == expected


def test_threshold_and_window_edges():
    t0 = dt.datetime(2025, 1, 1, 9, 30)
    events = pl.DataFrame(
        {
            "victim_ref": ["edge"] * 3 + ["over"] * 3 + ["two"] * 2,
            "occurred_from": [t0, t0 + 100 * DAY, t0 + 183 * DAY, t0, t0 + 100 * DAY, t0 + 183 * DAY + dt.timedelta(seconds=1), t0, t0],
        }
    )

    result = repeats(events, key="victim_ref")  # 3 in 183 days by default

    row = result.table.row(0, named=True)
    assert result.table["victim_ref"].to_list() == ["edge"]  # exactly 183 days apart is inside
    assert (row["events"], row["max_in_window"], row["reached"]) == (3, 3, t0 + 183 * DAY)
    assert result.params["repeat_entities"] == 1 and result.params["entities"] == 3
    assert result.params["share_of_all_events"] == pytest.approx(3 / 8)

    two = repeats(events, key="victim_ref", threshold=2)  # two at the same instant is a repeat
    assert set(two.table["victim_ref"]) == {"edge", "over", "two"}
    assert two.table.filter(pl.col("victim_ref") == "two")["reached"].item() == t0

    months = pl.DataFrame({"suspect_ref": ["s"] * 3 + ["t"] * 3, "month": ["2025-01", "2025-03", "2025-06", "2025-01", "2025-03", "2025-07"]})
    by_month = repeats(months, key="suspect_ref", time="month")
    assert by_month.table["suspect_ref"].to_list() == ["s"]  # January..June is 6 months, January..July is 7
    assert by_month.table["first"].item() == dt.date(2025, 1, 1)
    assert repeats(months, key="suspect_ref", time="month", months=7).table.height == 2


def test_ranked_by_events_with_shared_ranks():
    refs = ["a"] * 5 + ["b"] * 4 + ["c"] * 4 + ["d"] * 3 + ["e"]
    events = pl.DataFrame({"victim_ref": refs, "occurred_from": [dt.datetime(2025, 1, 1) + i * DAY for i in range(len(refs))]})
    table = repeats(events, key="victim_ref").table
    assert table["victim_ref"].to_list()[:1] == ["a"] and set(table["victim_ref"][1:3]) == {"b", "c"}
    assert table["rank"].to_list() == [1, 2, 2, 4]
    assert table["cumulative_share"][-1] == pytest.approx(16 / 17)


def test_repeat_locations_use_premises_before_points():
    t = [dt.datetime(2025, 1, d) for d in range(1, 8)]
    events = pl.DataFrame(
        {
            "premises_ref": ["shop", "shop", "shop", None, None, None, None],
            "x": [1.0, 2.0, 3.0, 10.0, 10.0, 10.0, None],
            "y": [5.0, 5.0, 5.0, 20.0, 20.0, 20.0, None],
            "occurred_from": t,
        }
    )
    result = repeats(events, key="location")
    assert sorted(result.table["location"].to_list()) == ["10.0,20.0", "shop"]
    assert result.table.filter(pl.col("location") == "shop")["x"].item() is None
    assert result.left_out == {"no premises_ref and no x/y": 1}


def test_repeat_points_in_a_police_uk_year():
    """Derbyshire 2025: anonymised map points with 3+ ASB reports in 6 calendar months."""
    files = sorted(shared("policeuk", "derbyshire-2025").glob("*-street.csv"))
    raw = pl.read_csv(files, infer_schema=False)
    events = raw.select(
        month=pl.col("Month").str.strptime(pl.Date, "%Y-%m"),
        category=pl.col("Crime type"),
        x=pl.col("Longitude").cast(pl.Float64),
        y=pl.col("Latitude").cast(pl.Float64),
    ).filter(pl.col("category") == "Anti-social behaviour")

    result = repeats(events, key="location", time="month")

    # Independent count: points with 3+ events in some 6 consecutive months.
    counts = events.drop_nulls(["x", "y"]).group_by("x", "y", "month").len()
    wide = counts.with_columns(m=pl.col("month").dt.month()).pivot("m", index=["x", "y"], values="len").fill_null(0)
    months = np.column_stack([wide[str(m)].to_numpy() if str(m) in wide.columns else np.zeros(wide.height) for m in range(1, 13)])
    rolling = np.stack([months[:, s : s + 6].sum(axis=1) for s in range(0, 7)], axis=1).max(axis=1)
    assert result.params["repeat_entities"] == int((rolling >= 3).sum())
    assert int(result.table["max_in_window"].max()) == int(rolling.max())
    assert result.left_out.get("no premises_ref and no x/y", 0) == events.filter(pl.col("x").is_null() | pl.col("y").is_null()).height
    assert 0 < result.params["share_of_events_considered"] < 1
    assert any("anonymised map point" in n for n in result.notes)
    json.dumps(result.to_dict(), default=str)  # dates need default=str, like any date in --json output


@pytest.mark.parametrize(
    "frame, kwargs, message",
    [
        (pl.DataFrame({"victim_ref": [], "occurred_from": []}, schema={"victim_ref": pl.String, "occurred_from": pl.Datetime}), {}, "no events"),
        (pl.DataFrame({"victim_ref": ["a"], "occurred_from": [dt.datetime(2025, 1, 1)]}), {"threshold": 1}, "at least 2"),
        (pl.DataFrame({"victim_ref": ["a"], "occurred_from": [dt.datetime(2025, 1, 1)]}), {"window_days": 0}, "more than 0 days"),
        (pl.DataFrame({"victim_ref": ["a"], "occurred_from": [dt.datetime(2025, 1, 1)]}), {"window_days": -5}, "more than 0 days"),
        (pl.DataFrame({"victim_ref": ["a"], "occurred_from": [dt.datetime(2025, 1, 1)]}), {"months": 0}, "above 0"),
        (pl.DataFrame({"victim_ref": ["a"], "occurred_from": [dt.datetime(2025, 1, 1)]}), {"months": 6, "window_days": 183}, "not both"),
        (pl.DataFrame({"victim_ref": ["a"], "occurred_from": [dt.datetime(2025, 1, 1)]}), {"key": "suspect_ref"}, "no column 'suspect_ref'"),
        (pl.DataFrame({"victim_ref": ["a"], "month": [dt.date(2025, 1, 1)]}), {}, "no time column 'occurred_from'"),
        (
            pl.DataFrame({"victim_ref": [None], "occurred_from": [dt.datetime(2025, 1, 1)]}, schema_overrides={"victim_ref": pl.String}),
            {},
            "none of the 1 events",
        ),
        (pl.DataFrame({"victim_ref": ["a"], "occurred_from": ["yesterday"]}), {}, "not dates"),
        (pl.DataFrame({"category": ["x"], "occurred_from": [dt.datetime(2025, 1, 1)]}), {"key": "location"}, "needs x and y"),
    ],
)
def test_bad_input_is_refused_with_what_to_change(frame, kwargs, message):
    kwargs = {"key": "victim_ref", **kwargs}
    with pytest.raises(ScanError, match=message):
        repeats(frame, **kwargs)
