"""Knox near-repeat test: the Near Repeat Calculator's own outputs, brute force, band edges.

Conformance: every NRC output in ``../shared/data/near-repeat`` (a ``*_NRverbose_*.csv`` and
``*_NRsummary_*.htm`` beside the source CSV they were made from) is read here, parameters
included, so another NRC run dropped in that folder is checked the same way.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from sara.scan.near_repeat import KnoxResult, knox, summarise
from sara.scan.result import ScanError
from tests.conftest import shared

NRC_DIR = shared("near-repeat")
NRC_RUNS = sorted(NRC_DIR.glob("*_NRverbose_*.csv"))


# ----------------------------------------------------------------------------- NRC outputs


def read_nrc(verbose: Path) -> dict:
    """The NRC's verbose CSV and summary page for one run, and the events it was run on."""
    text = verbose.read_text(encoding="latin-1")
    lines = text.splitlines()

    def table(title: str) -> tuple[list[str], list[str], list[list[str]]]:
        at = lines.index(title)
        cols = [c.strip() for c in lines[at + 1].split(",")[2:-1]]
        rows, cells = [], []
        for line in lines[at + 3 : at + 3 + 100]:
            if not re.match(r"^\d+,", line):
                break
            fields = line.split(",")
            rows.append(fields[1].strip())
            cells.append(fields[2 : 2 + len(cols)])
        return rows, cols, cells

    rows, cols, cells = table("Observed frequencies distribution")
    observed = np.array([[int(v or 0) for v in row] for row in cells])
    shape = observed.shape
    mean, p, ratio = (np.zeros(shape) for _ in range(3))
    blocks = re.findall(
        r"Row (\d+) Column (\d+)\s*\nExpected,(.*?)\nObserved, (\d+)\nMin, .*?\nMax, .*?\nMean, (\S+)\nP value, (\S+)\nObs over Mean Exp, (\S+)",
        text,
        re.S,
    )
    per_cell = {}
    for r, c, values, obs, mn, pv, rt in blocks:
        r, c = int(r) - 1, int(c) - 1
        per_cell[r, c] = np.array([int(v) for v in values.replace("\n", "").split(",") if v.strip()])
        assert int(obs) == observed[r, c]
        mean[r, c], p[r, c], ratio[r, c] = float(mn), float(pv), float(rt)
    assert len(per_cell) == observed.size
    iterations = len(per_cell[0, 0])
    sims = np.stack([np.stack([per_cell[r, c] for c in range(shape[1])], axis=-1) for r in range(shape[0])], axis=1)

    page = (verbose.parent / verbose.name.replace("_NRverbose_", "_NRsummary_")).with_suffix(".htm")
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.read_text(encoding="latin-1"))).replace("\xa0", " ").split())
    params = {
        k: float(re.search(rf"{k}:\s*([\d.]+)", words).group(1))
        for k in ("Spatial bandwidth", "Number of spatial bands", "Temporal bandwidth", "Number of temporal bands", "Iterations requested")
    }
    summary = words[words.index("Summary ") + len("Summary ") : words.index(" Statistical specifics")]

    source = NRC_DIR / (verbose.name.split("_NRverbose_")[0] + ".csv")
    events = pl.read_csv(source, has_header=False, new_columns=["x", "y", "date"], try_parse_dates=True)
    return {
        "rows": rows,
        "cols": cols,
        "observed": observed,
        "sims": sims,
        "iterations": iterations,
        "mean": mean,
        "p": p,
        "ratio": ratio,
        "params": params,
        "summary": summary,
        "events": events,
    }


def run_like_nrc(nrc: dict, permutations: int, seed: int = 2016) -> KnoxResult:
    ev, prm = nrc["events"], nrc["params"]
    return knox(
        ev["x"],
        ev["y"],
        ev["date"],
        spatial_bandwidth=prm["Spatial bandwidth"],
        spatial_bands=int(prm["Number of spatial bands"]),
        temporal_bandwidth=prm["Temporal bandwidth"],
        temporal_bands=int(prm["Number of temporal bands"]),
        nrc=True,  # Manhattan distance: the NRC's default, and the setting of the published runs
        permutations=permutations,
        seed=seed,
    )


@pytest.fixture(scope="module", params=NRC_RUNS, ids=lambda p: p.name.split("_NRverbose_")[0])
def nrc(request) -> dict:
    return read_nrc(request.param)


def test_the_chicago_arson_run_is_there():
    assert any(p.name.startswith("chicago_arson_NRverbose_") for p in NRC_RUNS)


def test_nrc_mode_reproduces_the_observed_table_and_labels_exactly(nrc):
    result = run_like_nrc(nrc, permutations=0)

    assert result.observed.tolist() == nrc["observed"].tolist()
    assert [b["label"] for b in result.space_bands] == nrc["rows"]
    assert [b["label"] for b in result.time_bands] == nrc["cols"]
    n = nrc["events"].height
    assert result.observed.sum() == n * (n - 1) // 2


def test_the_arson_edge_pairs_land_where_the_nrc_puts_them():
    """C10: two pairs decide the NRC's rules on this file. Events 89 and 319 are 399.96 m
    apart in double precision but exactly 400 m in the NRC's single precision: it counts them
    in "401 to 600". Events 57 and 58 are 0.56 m apart: "1 to 200", not "Same location"."""
    ev = pl.read_csv(NRC_DIR / "chicago_arson.csv", has_header=False, new_columns=["x", "y", "date"], try_parse_dates=True)
    x, y, t = ev["x"].to_numpy(), ev["y"].to_numpy(), ev["date"].to_numpy()
    bands = dict(spatial_bandwidth=200, spatial_bands=3, temporal_bandwidth=1, temporal_bands=3, permutations=0)

    far = knox(x[[88, 318]], y[[88, 318]], t[[88, 318]], nrc=True, **bands)
    assert abs(x[88] - x[318]) + abs(y[88] - y[318]) == pytest.approx(399.961, abs=1e-3)
    assert far.space_bands[far.observed.sum(axis=1).argmax()]["label"] == "401 to 600"
    assert far.params["pairs_near_space_edge"] == 1

    close = knox(x[[56, 57]], y[[56, 57]], t[[56, 57]], nrc=True, **bands)
    assert close.space_bands[close.observed.sum(axis=1).argmax()]["label"] == "1 to 200"

    plain = knox(x[[88, 318]], y[[88, 318]], t[[88, 318]], distance="manhattan", **bands)
    assert plain.space_bands[plain.observed.sum(axis=1).argmax()]["label"] == "over 200 to 400 m"


def test_expected_ratio_and_p_agree_with_the_nrc_within_monte_carlo_error(nrc):
    """The NRC ran few iterations (99 for the arson file), so its means and p-values are noisy:
    in the arson file the 1-200 m / same-day cell's mean is 0.121 (12 pairs in 99 tables),
    against an exact permutation expectation of 0.170, which moves its ratio from 53 to 74.
    We allow 4 standard errors of the difference between its estimate and ours, with the
    spread of each cell taken from the NRC's own simulated tables (in the verbose CSV) and
    ours: a fair cell fails this about once in 16,000. p-values: 4 binomial standard errors,
    plus the 1/(iterations + 1) floor, which differs between the two runs."""
    permutations = 1999
    result = run_like_nrc(nrc, permutations=permutations)
    sims, its = nrc["sims"], nrc["iterations"]
    obs = nrc["observed"]

    var = np.maximum(sims.var(axis=0, ddof=1), result.simulations.var(axis=0, ddof=1))
    var = np.maximum(var, 1 / its)  # a cell the NRC never saw move still has some spread
    tol = 4 * np.sqrt(var / its + var / permutations)
    assert (np.abs(result.expected - nrc["mean"]) <= tol).all()
    assert np.allclose(nrc["mean"], sims.mean(axis=0))  # the NRC's "Mean" is the mean of its tables

    # The ratio is observed / mean on both sides: the NRC's ratio implies a mean within tolerance of ours.
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = np.where(nrc["ratio"] > 0, obs / nrc["ratio"], nrc["mean"])
    assert (np.abs(result.expected - implied) <= tol + 1e-6 * implied).all()
    assert np.allclose(result.ratio, obs / result.expected)

    q = result.p
    p_tol = 4 * np.sqrt(q * (1 - q) * (1 / its + 1 / permutations)) + 1 / (its + 1)
    assert (np.abs(result.p - nrc["p"]) <= p_tol).all()
    assert np.allclose(nrc["p"], ((sims >= obs).sum(axis=0) + 1) / (its + 1))  # the NRC's p = (k + 1) / (n + 1)


def test_the_nrc_summary_is_worded_as_the_nrc_words_it(nrc):
    """Given the NRC's own ratio and p tables, our summary is its summary, word for word."""
    result = run_like_nrc(nrc, permutations=0)

    text = summarise(nrc["ratio"], nrc["p"], result.space_bands, result.time_bands, nrc=True, permutations=nrc["iterations"])

    assert " ".join(text.split()) == nrc["summary"]


def test_the_arson_summary_is_the_published_one():
    nrc = read_nrc(NRC_DIR / "chicago_arson_NRverbose_2019-09-23_145637.csv")
    assert nrc["summary"].startswith("A significant and meaningful near repeat victimization pattern found!")
    assert "Within 1 to 200 meters of an initial incident, near repeats are overrepresented for up to 1 days." in nrc["summary"]
    assert "about 7325 percent greater" in nrc["summary"]
    assert "No indication of repeat victimization over-representation found." in nrc["summary"]


# ----------------------------------------------------------------------------- brute force


def brute_knox(x, y, t, space_edges, time_edges, *, manhattan: bool, nrc: bool) -> np.ndarray:
    """Every pair, O(n^2): the table under the documented conventions."""
    if nrc:
        x, y = x.astype(np.float32).astype(float), y.astype(np.float32).astype(float)
    i, j = np.triu_indices(len(x), 1)
    dx, dy = x[i] - x[j], y[i] - y[j]
    d = np.abs(dx) + np.abs(dy) if manhattan else np.hypot(dx, dy)
    gap = np.abs(t[i] - t[j])
    if nrc:  # same location, then [a, b) metres
        row = np.where(d == 0, 0, 1 + np.searchsorted(space_edges, d, side="right"))
    else:  # [0, b1], (b1, b2], ... metres
        row = np.searchsorted(space_edges, d, side="left")
    col = np.searchsorted(time_edges, gap, side="right")  # [a, b) days
    rows, cols = len(space_edges) + 1 + nrc, len(time_edges) + 1
    return np.bincount(row * cols + col, minlength=rows * cols).reshape(rows, cols)


def replay(n: int, seed: int, permutations: int) -> list[np.ndarray]:
    """The permutations ``knox`` applies to the times of the usable events, in input order."""
    return [np.random.default_rng(s).permutation(n) for s in np.random.SeedSequence(seed).spawn(permutations)]


@pytest.mark.parametrize("nrc", [False, True], ids=["plain", "nrc"])
@pytest.mark.parametrize("distance", ["euclidean", "manhattan"])
@pytest.mark.parametrize("times", ["days", "long span", "hours", "any"])
def test_every_table_equals_brute_force(distance, nrc, times):
    rng = np.random.default_rng(len(times) + 10 * nrc + 100 * (distance == "manhattan"))
    n = 300
    x = np.round(rng.uniform(0, 1_500, n) / 10) * 10  # 10 m grid: many pairs exactly on a band edge
    y = np.round(rng.uniform(0, 1_500, n) / 10) * 10
    x[:5], y[:5] = x[5], y[5]  # some events at one place
    t, per_day = {
        "days": (rng.integers(0, 60, n).astype(float), 1),
        "long span": (rng.integers(0, 40_000, n).astype(float), 1),  # 32-bit lanes
        "hours": (rng.integers(0, 300 * 24, n) / 24, 24),
        "any": (rng.uniform(0, 60, n), 86_400_000_000),  # microsecond ticks, 64-bit lanes
    }[times]
    if nrc:
        t = np.floor(t)
        per_day = 1
    ticks = np.round(t * per_day)  # whole ticks, so that the brute force's gaps are exact too
    space = [100.0, 200.0, 300.0]
    time_ = [7.0, 14.0, 21.0]
    result = knox(x, y, t, spatial_bandwidth=100, spatial_bands=3, temporal_bandwidth=7, temporal_bands=3, distance=distance, nrc=nrc, permutations=25, seed=3)

    edges = [e * per_day for e in time_]
    manhattan = distance == "manhattan"
    assert result.observed.tolist() == brute_knox(x, y, ticks, space, edges, manhattan=manhattan, nrc=nrc).tolist()
    for k, perm in enumerate(replay(n, 3, 25)):
        assert result.simulations[k].tolist() == brute_knox(x, y, ticks[perm], space, edges, manhattan=manhattan, nrc=nrc).tolist()
    assert np.allclose(result.expected, result.simulations.mean(axis=0))
    assert np.allclose(result.p, ((result.simulations >= result.observed).sum(axis=0) + 1) / 26)


def test_bands_given_as_edges_equal_brute_force():
    rng = np.random.default_rng(4)
    x, y = rng.uniform(0, 3_000, 400), rng.uniform(0, 3_000, 400)
    t = rng.integers(0, 90, 400).astype(float)

    result = knox(x, y, t, spatial_bandwidth=None, spatial_bands=[50, 150, 400], temporal_bandwidth=None, temporal_bands=[1, 3, 10, 30], permutations=0)

    assert result.observed.tolist() == brute_knox(x, y, t, [50, 150, 400], [1, 3, 10, 30], manhattan=False, nrc=False).tolist()
    assert [b["label"] for b in result.space_bands] == ["0 to 50 m", "over 50 to 150 m", "over 150 to 400 m", "over 400 m"]


def test_many_bands_equal_brute_force():
    """More time bands than the counting kernel compares in one pass, and a short time span."""
    rng = np.random.default_rng(6)
    x, y, t = rng.uniform(0, 800, 250), rng.uniform(0, 800, 250), rng.integers(0, 30, 250)
    space, time_ = [25.0 * k for k in range(1, 9)], [2.0 * k for k in range(1, 13)]

    result = knox(x, y, t, spatial_bandwidth=25, spatial_bands=8, temporal_bandwidth=2, temporal_bands=12, permutations=15, seed=9)

    assert result.observed.tolist() == brute_knox(x, y, t, space, time_, manhattan=False, nrc=False).tolist()
    for k, perm in enumerate(replay(250, 9, 15)):
        assert result.simulations[k].tolist() == brute_knox(x, y, t[perm], space, time_, manhattan=False, nrc=False).tolist()


def test_the_expected_count_converges_to_the_exact_permutation_mean():
    """Under a uniform shuffle each close pair gets a random pair of the n times, so a cell's
    exact expectation is (its row's pairs) x (its column's pairs) / (all pairs)."""
    rng = np.random.default_rng(8)
    x, y = rng.normal(0, 400, 600), rng.normal(0, 400, 600)
    t = rng.integers(0, 120, 600)

    result = knox(x, y, t, spatial_bandwidth=100, spatial_bands=3, temporal_bandwidth=7, temporal_bands=3, permutations=999, seed=1)

    obs = result.observed
    exact = np.outer(obs.sum(axis=1), obs.sum(axis=0)) / obs.sum()
    se = result.simulations.std(axis=0) / math.sqrt(999)
    assert (np.abs(result.expected - exact) <= 4 * se + 1e-9).all()
    assert (result.simulations.sum(axis=1) == obs.sum(axis=0)).all()  # column totals never move
    assert (result.simulations.sum(axis=2) == obs.sum(axis=1)).all()  # nor row totals


# ----------------------------------------------------------------------------- conventions


def test_two_events_pin_the_band_edges():
    """C9: (0, 0) and (0, 100), 3 days apart, 2 bands of 200 m and 2 of 3 days. Plain mode:
    [0, 200] m and [3, 6) days. The NRC files the pair under "1 to 200" m and "4 to 6" days."""
    x, y = [0.0, 0.0], [0.0, 100.0]
    t = np.array(["2019-01-01", "2019-01-04"], dtype="datetime64[D]")
    bands = dict(spatial_bandwidth=200, spatial_bands=2, temporal_bandwidth=3, temporal_bands=2, permutations=0)

    plain = knox(x, y, t, **bands)
    nrc = knox(x, y, t, nrc=True, **bands)

    assert plain.observed.tolist() == [[0, 1, 0], [0, 0, 0], [0, 0, 0]]
    assert plain.space_bands[0] == {"label": "0 to 200 m", "from": 0.0, "to": 200.0, "closed": "both"}
    assert plain.time_bands[1] == {"label": "3 to under 6 days", "from": 3.0, "to": 6.0, "closed": "left"}
    assert nrc.observed.tolist() == [[0, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 0]]
    assert nrc.space_bands[1] == {"label": "1 to 200", "from": 0.0, "to": 200.0, "closed": "neither"}
    assert nrc.time_bands[1] == {"label": "4 to 6", "from": 3.0, "to": 6.0, "closed": "left"}


@pytest.mark.parametrize(
    "metres, days, plain_cell, nrc_cell",
    [
        (0, 0, (0, 0), (0, 0)),  # same place, same day
        (100, 1, (0, 0), (1, 0)),
        (200, 3, (0, 1), (2, 1)),  # exactly on the first edges: plain closes space on the right, time on the left
        (200.001, 5.999, (1, 1), (2, 1)),
        (400, 6, (1, 2), (3, 2)),  # on the last edges: beyond in time; the NRC's beyond in space
        (400.001, 0, (2, 0), (3, 0)),
    ],
)
def test_pairs_on_band_edges(metres, days, plain_cell, nrc_cell):
    x, y, t = [0.0, metres], [0.0, 0.0], [10.0, 10.0 + days]
    bands = dict(spatial_bandwidth=200, spatial_bands=2, temporal_bandwidth=3, temporal_bands=2, permutations=0)

    plain = knox(x, y, t, **bands)
    nrc = knox(x, y, t, nrc=True, **bands)

    assert np.argwhere(plain.observed).tolist() == [list(plain_cell)]
    assert np.argwhere(nrc.observed).tolist() == [list(nrc_cell)]


def test_datetimes_keep_their_time_of_day_except_in_nrc_mode():
    x, y = [0.0, 10.0], [0.0, 0.0]
    t = np.array(["2024-03-01T23:00", "2024-03-08T22:00"], dtype="datetime64[m]")  # 6 days 23 hours
    bands = dict(spatial_bandwidth=100, spatial_bands=1, temporal_bandwidth=7, temporal_bands=2, permutations=0)

    assert knox(x, y, t, **bands).observed[0].tolist() == [1, 0, 0]
    nrc = knox(x, y, t, nrc=True, **bands)
    assert nrc.observed[1].tolist() == [0, 1, 0]  # dates 7 days apart
    assert any("times of day were dropped" in n for n in nrc.notes)
    dates = pl.Series([dt.date(2024, 3, 1), dt.date(2024, 3, 8)])
    assert knox(x, y, dates, **bands).observed[0].tolist() == [0, 1, 0]


def test_same_seed_same_answer_whatever_the_threads():
    rng = np.random.default_rng(2)
    x, y, t = rng.uniform(0, 2_000, 500), rng.uniform(0, 2_000, 500), rng.integers(0, 100, 500)
    bands = dict(spatial_bandwidth=150, spatial_bands=3, temporal_bandwidth=7, temporal_bands=3, permutations=199)

    a = knox(x, y, t, seed=42, workers=1, **bands)
    b = knox(x, y, t, seed=42, workers=2, **bands)
    c = knox(x, y, t, seed=43, **bands)
    d = knox(x, y, t, seed=None, **bands)
    e = knox(x, y, t, seed=d.params["seed"], **bands)

    assert np.array_equal(a.simulations, b.simulations) and np.array_equal(a.p, b.p)
    assert not np.array_equal(a.simulations, c.simulations)
    assert isinstance(d.params["seed"], int) and np.array_equal(d.simulations, e.simulations)


# ----------------------------------------------------------------------------- summary


def clustered_near_repeats(n: int = 800, seed: int = 0):
    """Background events, plus a follow-up within 50 m and 0-6 days of a third of them."""
    rng = np.random.default_rng(seed)
    x, y, t = rng.uniform(0, 5_000, n), rng.uniform(0, 5_000, n), rng.integers(0, 365, n)
    k = rng.choice(n, n // 3, replace=False)
    x = np.concatenate([x, x[k] + rng.uniform(-25, 25, len(k))])
    y = np.concatenate([y, y[k] + rng.uniform(-25, 25, len(k))])
    t = np.concatenate([t, t[k] + rng.integers(0, 7, len(k))])
    return x, y, t


def test_the_summary_says_where_and_for_how_long_near_repeats_are_over_represented():
    x, y, t = clustered_near_repeats()

    result = knox(x, y, t, spatial_bandwidth=100, spatial_bands=3, temporal_bandwidth=7, temporal_bands=3, permutations=199, seed=1)

    assert result.summary.startswith("A significant and meaningful near repeat pattern (p <= 0.05, Knox ratio >= 1.2).")
    assert "Within 100 m of an incident, near repeats are over-represented within the first 7 days (gaps under 7 days)." in result.summary
    assert "The largest significant excess is within 100 m of an incident and 0 to under 7 days apart: about" in result.summary
    assert "More than 200 m" not in result.summary

    nrc = knox(x, y, t, spatial_bandwidth=100, spatial_bands=3, temporal_bandwidth=7, temporal_bands=3, nrc=True, permutations=199, seed=1)
    assert "Within 1 to 100 meters of an initial incident, near repeats are overrepresented for up to 7 days." in nrc.summary


def test_no_pattern_is_said_plainly():
    rng = np.random.default_rng(5)
    x, y, t = rng.uniform(0, 5_000, 600), rng.uniform(0, 5_000, 600), rng.integers(0, 365, 600)

    result = knox(x, y, t, spatial_bandwidth=100, spatial_bands=2, temporal_bandwidth=7, temporal_bands=2, permutations=99, seed=5)

    assert result.summary.startswith("No significant and meaningful near repeat pattern")
    assert knox(x, y, t, spatial_bandwidth=100, spatial_bands=2, temporal_bandwidth=7, temporal_bands=2, permutations=0).summary.startswith(
        "No permutations were run"
    )


# ----------------------------------------------------------------------------- output


def test_json_layout():
    x, y, t = clustered_near_repeats(200)

    out = knox(x, y, t, spatial_bandwidth=100, spatial_bands=3, temporal_bandwidth=7, temporal_bands=2, nrc=True, permutations=19, seed=1).to_dict()

    text = json.dumps(out, allow_nan=False)  # missing ratios are null, never NaN
    assert json.loads(text) == out
    for key in ("observed", "expected", "ratio", "p"):
        assert len(out[key]) == len(out["space_bands"]) == 3 + 2  # same location, 3 bands, beyond
        assert all(len(row) == len(out["time_bands"]) == 2 + 1 for row in out[key])
    assert [b["label"] for b in out["space_bands"]] == ["Same location", "1 to 100", "101 to 200", "201 to 300", "More than 300"]
    assert [b["label"] for b in out["time_bands"]] == ["0 to 7", "8 to 14", "More than 14"]
    assert out["time_bands"][-1] == {"label": "More than 14", "from": 14.0, "to": None, "closed": "left"}
    assert out["params"]["permutations"] == 19 and out["params"]["distance"] == "manhattan"
    assert isinstance(out["summary"], str) and out["summary"]

    plain = knox(x, y, t, spatial_bandwidth=100, spatial_bands=3, temporal_bandwidth=7, temporal_bands=2, permutations=19, seed=1)
    assert plain.observed.shape == (3 + 1, 2 + 1) and plain.params["distance"] == "euclidean"
    table = plain.to_scan_result().table
    assert table.height == 12 and table["observed"].sum() == len(x) * (len(x) - 1) // 2


# ----------------------------------------------------------------------------- bad input


BANDS = dict(spatial_bandwidth=100, spatial_bands=3, temporal_bandwidth=7, temporal_bands=3)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (([], [], []), {}, "selection is empty"),
        (([1.0], [1.0], [3.0]), {}, "at least two events"),
        (([1.0, 2.0], [1.0, 2.0], [np.nan, np.nan]), {}, "none of the 2 events has a usable time"),
        ((np.zeros(2), np.zeros(2), np.array(["NaT", "NaT"], dtype="datetime64[D]")), {}, "usable time"),
        (([1.0, np.nan, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, np.nan]), {}, "no usable coordinates"),
        (([1.0, 2.0], [1.0, 2.0], ["yesterday", "today"]), {}, "could not be read"),
        (([1.0, 2.0, 3.0], [1.0, 2.0], [1.0, 2.0, 3.0]), {}, "one value per event"),
        ((np.zeros(3), np.zeros(3), np.zeros(3)), {"spatial_bandwidth": 0}, "more than 0 metres"),
        ((np.zeros(3), np.zeros(3), np.zeros(3)), {"temporal_bandwidth": -7}, "more than 0 days"),
        ((np.zeros(3), np.zeros(3), np.zeros(3)), {"spatial_bands": 0}, "at least 1"),
        ((np.zeros(3), np.zeros(3), np.zeros(3)), {"spatial_bandwidth": None}, "spatial bandwidth is missing"),
        ((np.zeros(3), np.zeros(3), np.zeros(3)), {"spatial_bands": [200, 100]}, "must increase"),
        ((np.zeros(3), np.zeros(3), np.zeros(3)), {"temporal_bands": [0, 7]}, "more than 0 days"),
        ((np.zeros(3), np.zeros(3), np.zeros(3)), {"temporal_bands": [7, 14], "nrc": True}, "equal temporal bands"),
        ((np.zeros(3), np.zeros(3), np.zeros(3)), {"distance": "chebyshev"}, "euclidean or manhattan"),
        ((np.zeros(3), np.zeros(3), np.zeros(3)), {"permutations": -1}, "permutations"),
    ],
)
def test_bad_input_says_what_to_change(args, kwargs, message):
    with pytest.raises(ScanError, match=re.escape(message)):
        knox(*args, **{**BANDS, "permutations": 9, **kwargs})


def test_errors_name_the_field_at_fault_not_a_command_line_flag():
    with pytest.raises(ScanError) as missing:
        knox(np.zeros(3), np.zeros(3), np.zeros(3), **{**BANDS, "spatial_bandwidth": None})

    assert missing.value.field == "spatial_bandwidth" and "--" not in str(missing.value)


def test_events_without_a_time_are_left_out_and_counted():
    x, y = np.arange(5.0), np.zeros(5)
    t = np.array(["2024-01-01", "NaT", "2024-01-02", "2024-01-05", "NaT"], dtype="datetime64[D]")

    result = knox(x, y, t, **BANDS, permutations=9, seed=1)

    assert result.left_out == {"no usable time": 2}
    assert result.params["events"] == 3 and result.observed.sum() == 3
    assert any("left out: 2 events with no usable time" in n for n in result.notes)


def test_month_only_dates_are_flagged():
    x, y = np.arange(4.0), np.zeros(4)
    t = np.array(["2025-01-01", "2025-02-01", "2025-02-01", "2025-03-01"], dtype="datetime64[D]")

    result = knox(x, y, t, **BANDS, permutations=0)

    assert any("month-only dates" in n for n in result.notes)
