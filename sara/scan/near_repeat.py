"""Near repeats: the Knox test of space-time clustering, with a Monte Carlo permutation test.

Every pair of events gets a distance (Euclidean by default, or Manhattan) and a time gap in
days; the pairs are counted in a table of space bands x time bands. Under the null hypothesis
(when an event happens says nothing about where), the times are shuffled among the events
``permutations`` times (default 999, seedable) and the table is recounted. For each cell the
result gives the observed count, the expected count (the mean over the permutations), the Knox
ratio observed/expected and ``p = (k + 1) / (permutations + 1)`` where ``k`` counts the
permutations whose count is at least the observed one (Johnson et al. 2007; Ratcliffe's Near
Repeat Calculator; R ``NearRepeat``). A cell with p <= 0.05 and ratio >= 1.2 is "significant
and meaningful" (the NRC's rule), and the plain-English summary says where.

Band conventions
----------------
Plain mode (the default) states every edge (``space_bands`` / ``time_bands`` carry ``from``,
``to`` and which end is ``closed``):

* space: ``[0, b1]``, ``(b1, b2]``, ..., ``(bK-1, bK]`` metres, then beyond ``(bK, inf)``.
  "Within 100 m" includes 100 m; pairs at the same location are in the first band.
* time: ``[0, c1)``, ``[c1, c2)``, ..., ``[cK-1, cK)`` days, then beyond ``[cK, inf)``.
  With dates, the first 7-day band holds gaps of 0..6 whole days (same day to six days later).

``test_scan_near_repeat.py::test_two_events_pin_the_band_edges`` pins both with two events.

NRC-compatible mode (``nrc=True``)
----------------------------------
Reproduces the observed-frequency table of the Near Repeat Calculator 1.3 (Ratcliffe 2009)
with its layout: a "Same location" row, the K space bands and "More than" row; the K time
bands and a "More than" column, labelled exactly as the NRC labels them. The NRC's rules,
worked out from its verbose CSV for the Chicago 2016 arson file (``shared/data/near-repeat``:
522 events, 200 m x 3, 1 day x 3, Manhattan, 99 iterations):

1. Coordinates are held in single precision (float32). Evidence: the NRC's echo of its source
   data ("SOURCE DATA" in the verbose CSV) equals float32(x) printed to 7 significant digits,
   rounding half up, for all 1,044 coordinates (rounding to 0.1 m instead misses 107 of them);
   and pair 89-319 (1-based, as in the file) is 399.961 m apart (Manhattan) in double precision
   but exactly 400.000 m apart in float32, and the NRC counts it in "401 to 600".
2. Space bands are ``[(k-1) b, k b)`` metres, labelled "(k-1) b + 1 to k b"; "Same location" is
   a distance of exactly 0 (in float32), and the first band "1 to b" is ``(0, b)``; "More than
   K b" is ``[K b, inf)``. Evidence: the exact-400 m pair above lands in "401 to 600"; pair
   57-58, 0.56 m apart (0.53 m in float32), is in "1 to 200", not "Same location"; the NRC
   vignette of the R package ``NearRepeat`` (Steenbeek) shows two events 100 m apart filed under
   "101 to 200" with 100 m bands. (Counting "Same location" as ``[0, 1)`` m and using double
   precision, as the vignette's reconstruction does, moves those two pairs: 4 cells differ.)
3. Times are whole days (the NRC reads dates): gaps are ``[(k-1) c, k c)`` days, labelled
   "0 to c" for the first band and "(k-1) c + 1 to k c" after it, so "0 to 1" means the same
   day and "2 to 2" means one day apart; "More than K c" is ``[K c, inf)``. Evidence: the
   arson table's columns hold gaps of exactly 0, 1, 2 and >= 3 days; the vignette's two events
   3 days apart fall in "4 to 6" days with 3-day bands. In NRC mode, times with a time of day
   are truncated to their date.
4. Distance is Manhattan by default, as in the NRC (Euclidean can be chosen; it is computed in
   double precision from the float32 coordinates; no NRC output with Euclidean distance was
   available to check ties closer than 1e-6 m).
5. Monte Carlo: the dates are shuffled among the events (the simulated column totals equal the
   observed ones in every one of the NRC's 99 tables), ``p = (k + 1) / (iterations + 1)`` with
   ``k`` the simulations >= observed, and the ratio is observed / mean of the simulations;
   every one of the 20 cells of the arson CSV agrees with these formulas.

With these rules the NRC's 20 observed counts are reproduced exactly (pairs: 135,981).

Speed
-----
Pairs closer than the largest finite space band are found once with a KD-tree (in Z-order, so
partners sit near each other in memory). A permutation can only move pairs between time
bands, so the "beyond" space row is each time band's total over all n(n-1)/2 pairs (fixed
under permutation, counted from the sorted times) minus the finite rows, and the "beyond" time
column is each space band's pair count minus its finite cells. Each batch of permutations packs
2-4 permuted time arrays into one 64-bit word per event, so one gather and one subtraction
serve several permutations; the batches run on threads. Cost: O(pairs in range) per
permutation, never O(n^2) memory.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from sara.scan.result import ScanError, ScanResult

ALPHA = 0.05  # significance (the NRC's default)
MIN_RATIO = 1.2  # "meaningful": at least 20% more pairs than expected (the NRC's rule)
EDGE_EPS_M = 0.1  # pairs this close to a space band edge are reported: rounding decides them
_BLOCK = 255 * 256  # pairs per block (a whole number of 255s): its working set stays in cache
_WORD = {1: np.uint8, 2: np.uint16, 4: np.uint32}  # L booleans as one word
_SIGNED = {np.uint16: np.int16, np.uint32: np.int32, np.uint64: np.int64}
_US_PER_DAY = 86_400_000_000


@dataclass
class KnoxResult:
    """A Knox table: rows are space bands (nearest first), columns are time bands.

    ``observed`` (int), ``expected`` (mean over the permutations), ``ratio`` (observed /
    expected; NaN where expected is 0) and ``p`` are 2-D arrays of the same shape;
    ``space_bands`` and ``time_bands`` state every band's edges: ``{"label", "from", "to",
    "closed"}`` with ``closed`` one of ``"left"``, ``"right"``, ``"both"``, ``"neither"``
    and ``to`` None for the open-ended "beyond" band. ``simulations`` holds every permuted
    table (permutations x rows x columns), as the NRC's verbose CSV does; it is not in the JSON.
    """

    observed: np.ndarray
    expected: np.ndarray
    ratio: np.ndarray
    p: np.ndarray
    space_bands: list[dict]
    time_bands: list[dict]
    params: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    summary: str = ""
    left_out: dict[str, int] = field(default_factory=dict)
    simulations: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        """The JSON layout every face gives: tables as lists of rows of columns."""
        return {
            "observed": self.observed.tolist(),
            "expected": _json_table(self.expected),
            "ratio": _json_table(self.ratio),
            "p": _json_table(self.p),
            "space_bands": self.space_bands,
            "time_bands": self.time_bands,
            "params": self.params,
            "left_out": self.left_out,
            "notes": self.notes,
            "summary": self.summary,
        }

    def to_scan_result(self) -> ScanResult:
        """One row per cell (space band, time band), for reports and CSV export."""
        rows = []
        for r, s in enumerate(self.space_bands):
            for c, t in enumerate(self.time_bands):
                rows.append(
                    {
                        "space_band": s["label"],
                        "time_band": t["label"],
                        "observed": int(self.observed[r, c]),
                        "expected": _num(self.expected[r, c]),
                        "ratio": _num(self.ratio[r, c]),
                        "p": _num(self.p[r, c]),
                    }
                )
        schema = {"space_band": pl.String, "time_band": pl.String, "observed": pl.Int64, "expected": pl.Float64, "ratio": pl.Float64, "p": pl.Float64}
        table = pl.DataFrame(rows, schema=schema)
        return ScanResult(table=table, params=self.params, left_out=self.left_out, notes=[*self.notes, self.summary])


def knox(
    x,
    y,
    t_days,
    *,
    spatial_bandwidth: float | None,
    spatial_bands: int | Sequence[float],
    temporal_bandwidth: float | None,
    temporal_bands: int | Sequence[float],
    distance: str | None = None,
    nrc: bool = False,
    permutations: int = 999,
    seed: int | None = None,
    workers: int | None = None,
) -> KnoxResult:
    """The Knox near-repeat test; see the module docstring for the band conventions.

    ``x``, ``y``: projected coordinates in metres (e.g. British National Grid). ``t_days``:
    datetime64 values (or dates, or ISO strings), or numbers of days. Events with no usable
    place or time are left out and counted in ``left_out``.

    Bands: ``spatial_bandwidth`` metres x ``spatial_bands`` bands, and ``temporal_bandwidth``
    days x ``temporal_bands`` bands; in plain mode the bands may instead be given as their
    upper edges, nearest first (``spatial_bands=[50, 100, 250]``, bandwidth None).

    ``distance``: ``"euclidean"`` (default) or ``"manhattan"``; in NRC mode the default is
    Manhattan, the NRC's own. ``nrc=True``: the Near Repeat Calculator 1.3's layout, labels
    and counting rules. ``permutations``: Monte Carlo replicates (0: observed table only).
    ``seed``: makes the permutations reproducible (the seed used is in ``params``).
    ``workers``: threads for the permutations (default: the machine's cores, at most 8).
    """
    if distance is None:
        distance = "manhattan" if nrc else "euclidean"
    if distance not in ("euclidean", "manhattan"):
        raise ScanError(f"unknown distance {distance!r}", field="distance", fix="use euclidean or manhattan")
    if isinstance(permutations, bool) or not isinstance(permutations, int | np.integer) or permutations < 0:
        raise ScanError(f"permutations must be a whole number, 0 or more (999 is usual), not {permutations!r}", field="permutations")
    permutations = int(permutations)

    s_edges = _edges("spatial", "metres", spatial_bandwidth, spatial_bands, nrc)
    t_edges = _edges("temporal", "days", temporal_bandwidth, temporal_bands, nrc)

    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    ticks, ticks_per_day, t_ok, t_notes = _times(t_days, nrc)
    if not (len(x) == len(y) == len(t_ok)):
        raise ScanError(f"x, y and times must have one value per event: got {len(x)}, {len(y)} and {len(t_ok)}")
    if len(x) == 0:
        raise ScanError("no events to test: the selection is empty; widen the filters (category, area, period)")
    xy_ok = np.isfinite(x) & np.isfinite(y)
    left_out = {}
    if (~xy_ok).any():
        left_out["no usable coordinates"] = int((~xy_ok).sum())
    if (~t_ok & xy_ok).any():
        left_out["no usable time"] = int((~t_ok & xy_ok).sum())
    keep = xy_ok & t_ok
    n = int(keep.sum())
    if n < 2:
        why = ", ".join(f"{v:,} with {k}" for k, v in left_out.items())
        if not t_ok.any():
            raise ScanError(
                f"none of the {len(x):,} events has a usable time: a near-repeat test needs a date (or date and time) for every event; "
                "select events with dates (police.uk data gives months only)"
            )
        raise ScanError(f"a Knox test needs at least two events with a place and a time; this selection has {n}" + (f" ({why} left out)" if why else ""))
    x, y, ticks = x[keep], y[keep], ticks[keep]
    if nrc:  # rule 1: the NRC holds coordinates in single precision
        x = x.astype(np.float32).astype(np.float64)
        y = y.astype(np.float32).astype(np.float64)

    # Z-order the events so that pair partners are close in memory.
    ticks_in = ticks - ticks.min()  # input order: the permutations act on this
    order = _z_order(x, y, s_edges[-1])
    x, y, ticks = x[order], y[order], ticks_in[order]
    span = int(ticks.max())
    e_ticks = [_edge_ticks(e * ticks_per_day) for e in t_edges]

    # Pairs in the finite space bands, grouped by band.
    rows_finite = len(s_edges) + (1 if nrc else 0)
    tree = cKDTree(np.column_stack([x, y]))
    pairs = tree.query_pairs(s_edges[-1] * (1 + 1e-9) + EDGE_EPS_M, p=1 if distance == "manhattan" else 2, output_type="ndarray")
    i, j = pairs[:, 0], pairs[:, 1]
    row = np.empty(len(i), dtype=np.int16)
    same_place = near_edge_pairs = 0
    edges_arr = np.asarray(s_edges)
    below = np.concatenate([[-np.inf], edges_arr])  # the edge under each plain band, and over it
    above = np.concatenate([edges_arr, [np.inf]])
    for c0 in range(0, len(i), 1 << 21):  # in chunks: a few arrays of 2M floats at a time
        ci, cj = i[c0 : c0 + (1 << 21)], j[c0 : c0 + (1 << 21)]
        dx, dy = x[ci] - x[cj], y[ci] - y[cj]
        d = np.abs(dx) + np.abs(dy) if distance == "manhattan" else np.hypot(dx, dy)
        plain_row = np.searchsorted(edges_arr, d, side="left")  # (b_k-1, b_k] -> k
        near = (d - below[plain_row] <= EDGE_EPS_M) | (above[plain_row] - d <= EDGE_EPS_M)
        if nrc:
            near |= (d > 0) & (d <= EDGE_EPS_M)
            r = np.where(d == 0, 0, 1 + np.searchsorted(edges_arr, d, side="right"))
        else:
            r = plain_row
        row[c0 : c0 + len(d)] = np.minimum(r, rows_finite)
        same_place += int((d == 0).sum())
        near_edge_pairs += int(near.sum())
    # Group the pairs by space band (a counting sort: the band codes are few).
    parts = [np.flatnonzero(row == r) for r in range(rows_finite)]
    bounds = np.cumsum([0] + [len(q) for q in parts])
    ends_i = np.concatenate([i[q] for q in parts]) if parts else np.empty(0, np.intp)
    ends_j = np.concatenate([j[q] for q in parts]) if parts else np.empty(0, np.intp)
    del pairs, i, j, row, parts

    # Fixed margins: pairs per finite space band; pairs per time band over all pairs.
    row_totals = np.diff(bounds).astype(np.int64)
    total_pairs = n * (n - 1) // 2
    col_totals = _time_band_totals(ticks, e_ticks, total_pairs)

    observed_finite = _observed_counts(ends_i, ends_j, bounds, ticks, e_ticks)
    observed = _complete(observed_finite[None], row_totals, col_totals, total_pairs)[0]

    # Monte Carlo: shuffle the times among the events.
    seq = np.random.SeedSequence(seed)
    workers = workers or min(os.cpu_count() or 1, 8)
    if permutations:
        sims_finite = _permuted_counts(ends_i, ends_j, bounds, ticks_in, order, span, e_ticks, seq, permutations, workers)
        sims = _complete(sims_finite, row_totals, col_totals, total_pairs)
        expected = sims.mean(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(expected > 0, observed / np.where(expected > 0, expected, 1), np.nan)
        p = ((sims >= observed[None]).sum(axis=0) + 1) / (permutations + 1)
    else:
        sims = np.zeros((0, *observed.shape), dtype=np.int64)
        expected = np.full(observed.shape, np.nan)
        ratio = np.full(observed.shape, np.nan)
        p = np.full(observed.shape, np.nan)

    space_bands = _nrc_space_bands(s_edges) if nrc else _space_bands(s_edges)
    time_bands = _nrc_time_bands(t_edges) if nrc else _time_bands(t_edges)
    params = {
        "method": "knox",
        "mode": "nrc" if nrc else "plain",
        "distance": distance,
        "spatial_bandwidth": float(spatial_bandwidth) if spatial_bandwidth is not None and isinstance(spatial_bands, int | np.integer) else None,
        "spatial_bands": len(s_edges),
        "spatial_edges_m": list(s_edges),
        "temporal_bandwidth": float(temporal_bandwidth) if temporal_bandwidth is not None and isinstance(temporal_bands, int | np.integer) else None,
        "temporal_bands": len(t_edges),
        "temporal_edges_days": list(t_edges),
        "permutations": permutations,
        "seed": int(seq.entropy),
        "alpha": ALPHA,
        "min_ratio": MIN_RATIO,
        "events": n,
        "pairs": total_pairs,
        "pairs_in_finite_space_bands": int(row_totals.sum()),
        "same_location_pairs": same_place,
        "pairs_near_space_edge": near_edge_pairs,
        "edge_tolerance_m": EDGE_EPS_M,
    }
    notes = list(t_notes)
    if distance == "manhattan" and not nrc:
        notes.append("distances are Manhattan (|dx| + |dy|), as in the Near Repeat Calculator; the default is Euclidean")
    if nrc:
        t0, s1 = time_bands[0], space_bands[2] if len(space_bands) > 3 else space_bands[-1]
        notes.append(
            "NRC-compatible mode: bands carry the NRC's own labels, which do not say what it counts; from/to/closed give the real edges: "
            f"'{t0['label']}' days is a gap of {_fmt(t0['from'])} to under {_fmt(t0['to'])} days, "
            f"'{s1['label']}' m is {_fmt(s1['from'])} m to under {_fmt(s1['to']) if s1['to'] is not None else 'any distance'}"
            + (" m" if s1["to"] is not None else "")
        )
    else:
        notes.append(f"space bands include their far edge (a pair exactly {_fmt(s_edges[0])} m apart is in the first); time bands exclude it")
        if same_place:
            notes.append(f"{same_place:,} pairs are at the same location (0 m apart): they are counted in the first space band")
    if near_edge_pairs:
        notes.append(
            f"{near_edge_pairs:,} pairs are within {EDGE_EPS_M:g} m of a space band edge: coordinate rounding or another edge convention "
            "would move them to the next band"
        )
    if 0 < permutations < round(1 / ALPHA) - 1:
        notes.append(
            f"with {permutations} permutations the smallest possible p is {1 / (permutations + 1):.3g}, above {ALPHA:g}: run at least 19 (999 is usual)"
        )
    if left_out:
        notes.append("left out: " + ", ".join(f"{v:,} events with {k}" for k, v in left_out.items()))
    result = KnoxResult(observed, expected, ratio, p, space_bands, time_bands, params, notes, "", left_out, sims)
    result.summary = summarise(result.ratio, result.p, result.space_bands, result.time_bands, nrc=nrc, permutations=permutations)
    return result


def summarise(ratio, p, space_bands: list[dict], time_bands: list[dict], *, nrc: bool = False, permutations: int = 1) -> str:
    """The plain-English reading of a Knox table, as the Near Repeat Calculator words it.

    A cell is significant and meaningful when p <= 0.05 and its ratio is at least 1.2. For
    each finite space band (the "same location" row apart), near repeats are over-represented
    for as long as the cells from the first time band on are all significant and meaningful;
    the largest such ratio is reported as "N percent greater" (rounded half up). In NRC mode
    the same-location row is read the same way for repeat victimisation, and the wording and
    labels are the NRC's ("meters", "overrepresented", "up to 1 days"), so the sentences
    match its summary page; plain mode states the real edges.
    """
    ratio = np.asarray(ratio, dtype=float)
    p = np.asarray(p, dtype=float)
    if permutations == 0 or np.isnan(p).all():
        return "No permutations were run, so no band can be called over-represented: run with permutations (999 is usual)."
    good = (p <= ALPHA) & (ratio >= MIN_RATIO)
    n_time = len(time_bands) - 1  # the finite time bands

    def run(r: int) -> int:
        k = 0
        while k < n_time and good[r, k]:
            k += 1
        return k

    first = 1 if nrc else 0
    near_rows = range(first, len(space_bands) - 1)
    runs = {r: run(r) for r in near_rows}
    found = {r: k for r, k in runs.items() if k}
    parts = []
    if nrc:
        if found:
            details = " ".join(
                f"Within {space_bands[r]['label']} meters of an initial incident, near repeats are overrepresented for up to {_nrc_to(time_bands[k - 1]['label'])} days."
                for r, k in found.items()
            )
            r, c = max(((r, c) for r, k in found.items() for c in range(k)), key=lambda rc: ratio[rc])
            parts.append(
                "A significant and meaningful near repeat victimization pattern found! After an incident, there is evidence of an over-representation "
                "of events in the local area for a certain amount of time. There may be crime prevention value in addressing this pattern. "
                f"Details: {details} How big is the difference? In the immediate space-time vicinity to a source event, the most over-represented "
                f"space-time range that is significant is the zone from {space_bands[r]['label']} meters and from {time_bands[c]['label']} days from "
                f"an initial incident. The chance of another incident is about {_percent(ratio[r, c])} percent greater than if there were no "
                "discernible pattern."
            )
        else:
            parts.append("No significant and meaningful near repeat victimization pattern found.")
        k = run(0)
        if k:
            c = max(range(k), key=lambda c: ratio[0, c])
            parts.append(
                "A significant and meaningful repeat victimization pattern found. After an incident, there is evidence of an over-representation "
                f"of events at the same place up to {_nrc_to(time_bands[k - 1]['label'])} days after an initial incident. The most over-represented "
                f"repeat victimization range that is significant is the zone from {time_bands[c]['label']} days from an initial incident. The chance "
                f"of another incident is about {_percent(ratio[0, c])} percent greater than if there were no repeat victimization pattern."
            )
        else:
            parts.append(
                "No indication of repeat victimization over-representation found. This means that repeat victimization does not appear to cluster "
                "in a statistical and influential way immediately after a prior event."
            )
        return " ".join(parts)

    if not found:
        return (
            f"No significant and meaningful near repeat pattern: no space band has p <= {ALPHA:g} and a Knox ratio of at least {MIN_RATIO:g} "
            f"in the first time band ({time_bands[0]['label']})."
        )
    details = " ".join(
        f"{_where(space_bands[r])}, near repeats are over-represented within the first {_days(time_bands[k - 1]['to'])} "
        f"(gaps under {_days(time_bands[k - 1]['to'])})."
        for r, k in found.items()
    )
    r, c = max(((r, c) for r, k in found.items() for c in range(k)), key=lambda rc: ratio[rc])
    return (
        f"A significant and meaningful near repeat pattern (p <= {ALPHA:g}, Knox ratio >= {MIN_RATIO:g}). {details} "
        f"The largest significant excess is {_where(space_bands[r])[0].lower()}{_where(space_bands[r])[1:]} and {time_bands[c]['label']} apart: "
        f"about {_percent(ratio[r, c])}% more pairs of events than if when an event happened said nothing about where."
    )


def _where(band: dict) -> str:
    if band["from"] == 0:
        return f"Within {_fmt(band['to'])} m of an incident"
    return f"More than {_fmt(band['from'])} m and up to {_fmt(band['to'])} m from an incident"


def _days(v: float) -> str:
    return f"{_fmt(v)} day" if v == 1 else f"{_fmt(v)} days"


# ----------------------------------------------------------------------------- inputs


def _edges(kind: str, unit: str, bandwidth, bands, nrc: bool) -> list[float]:
    """Upper edges of the finite bands, nearest first. Errors name the field at fault
    (``spatial_bandwidth``, ``temporal_bands``), which each face words as its own input."""
    example = f"e.g. {100 if unit == 'metres' else 7} {unit}"
    if isinstance(bands, int | np.integer) and not isinstance(bands, bool):
        if bandwidth is None or isinstance(bandwidth, bool) or not isinstance(bandwidth, int | float | np.number):
            raise ScanError(f"the {kind} bandwidth is missing", field=f"{kind}_bandwidth", fix=f"give the width of each {kind} band in {unit}, {example}")
        if not math.isfinite(bandwidth) or bandwidth <= 0:
            raise ScanError(f"the {kind} bandwidth must be more than 0 {unit}, not {bandwidth:g}", field=f"{kind}_bandwidth", fix=f"give {example}")
        if bands < 1:
            raise ScanError(f"the number of {kind} bands must be at least 1, not {bands}", field=f"{kind}_bands", fix="give 1 or more")
        if bands > 1000:
            raise ScanError(f"{bands} {kind} bands is too many for a readable table", field=f"{kind}_bands", fix="use at most 1000")
        return [float(k * bandwidth) for k in range(1, int(bands) + 1)]
    if nrc:
        raise ScanError(f"the NRC mode needs equal {kind} bands", field=f"{kind}_bands", fix=f"give a {kind} bandwidth and a number of bands")
    try:
        edges = [float(e) for e in bands]
    except (TypeError, ValueError):
        raise ScanError(f"{kind} bands must be a number of bands or a list of band edges in {unit}, not {bands!r}") from None
    if not edges:
        raise ScanError(f"give at least one {kind} band edge")
    if not all(math.isfinite(e) for e in edges) or edges[0] <= 0:
        raise ScanError(f"{kind} band edges must be finite and more than 0 {unit}: got {edges}")
    if any(b <= a for a, b in zip(edges, edges[1:])):
        raise ScanError(f"{kind} band edges must increase, nearest first: got {edges}; e.g. {sorted(set(edges))}")
    return edges


def _times(t, nrc: bool) -> tuple[np.ndarray, int, np.ndarray, list[str]]:
    """Times as int64 ticks, ticks per day, which are usable, and notes.

    Whole days stay days; otherwise whole seconds, otherwise microseconds, so that every gap
    is an exact integer and band edges are exact. The NRC mode truncates to the date.
    """
    notes: list[str] = []
    if hasattr(t, "to_numpy") and not isinstance(t, np.ndarray):
        t = t.to_numpy()
    arr = np.asarray(t)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    arr = arr.ravel()
    if arr.dtype.kind in "OUS":
        try:
            arr = arr.astype("datetime64[us]")
        except (ValueError, TypeError):
            try:
                arr = arr.astype(float)
            except (ValueError, TypeError):
                raise ScanError("times must be dates, datetimes or numbers of days; some could not be read") from None
    if arr.dtype.kind == "M":
        ok = ~np.isnat(arr)
        us = np.where(ok, arr, np.datetime64(0, "us")).astype("datetime64[us]").astype(np.int64)
        if ok.any():
            days = us[ok] // _US_PER_DAY
            first = days.astype("datetime64[D]")
            if (
                len(days) > 1
                and np.ptp(days) > 0
                and (first.astype("datetime64[M]").astype("datetime64[D]") == first).all()
                and (us[ok] % _US_PER_DAY == 0).all()
            ):
                notes.append("every date is the first of a month: these may be month-only dates (police.uk), which a near-repeat test cannot use")
        if nrc:
            if (us[ok] % _US_PER_DAY).any():
                notes.append("times of day were dropped: the NRC works in whole days (dates)")
            return us // _US_PER_DAY, 1, ok, notes
        if not (us[ok] % _US_PER_DAY).any():
            return us // _US_PER_DAY, 1, ok, notes
        if not (us[ok] % 1_000_000).any():
            return us // 1_000_000, 86_400, ok, notes
        return us, _US_PER_DAY, ok, notes
    if arr.dtype.kind not in "iufb":
        raise ScanError(f"times must be dates, datetimes or numbers of days, not {arr.dtype}")
    days = arr.astype(float)
    ok = np.isfinite(days)
    safe = np.where(ok, days, 0.0)
    if nrc:
        if (safe != np.floor(safe)).any():
            notes.append("fractions of days were dropped: the NRC works in whole days (dates)")
        return np.floor(safe).astype(np.int64), 1, ok, notes
    if (safe == np.round(safe)).all():
        return safe.astype(np.int64), 1, ok, notes
    seconds = safe * 86_400
    if (np.abs(seconds - np.round(seconds)) < 1e-6).all():
        return np.round(seconds).astype(np.int64), 86_400, ok, notes
    return np.round(safe * _US_PER_DAY).astype(np.int64), _US_PER_DAY, ok, notes


def _edge_ticks(x: float) -> int:
    """The smallest whole number of ticks >= x (x itself when float noise put it a hair above):
    for whole-tick gaps g, g < x exactly when g < this."""
    r = round(x)
    return int(r) if abs(x - r) <= 1e-9 * abs(x) else int(math.ceil(x))


def _z_order(x: np.ndarray, y: np.ndarray, cell: float) -> np.ndarray:
    cell = max(cell, float(max(np.ptp(x), np.ptp(y))) / 65_535, 1e-9)
    ix = np.minimum(((x - x.min()) / cell).astype(np.uint64), 65_535)
    iy = np.minimum(((y - y.min()) / cell).astype(np.uint64), 65_535)
    return np.argsort(_spread(ix) | (_spread(iy) << np.uint64(1)), kind="stable")


def _spread(v: np.ndarray) -> np.ndarray:
    """Put a zero bit between each of the low 16 bits (Morton code)."""
    v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
    v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
    v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
    return (v | (v << np.uint64(1))) & np.uint64(0x55555555)


# ----------------------------------------------------------------------------- counting


def _time_band_totals(ticks: np.ndarray, e_ticks: list[int], total_pairs: int) -> np.ndarray:
    """Pairs in each time band (the finite ones, then beyond) over all n(n-1)/2 pairs."""
    ts = np.sort(ticks)
    idx = np.arange(len(ts))
    cum = [int((np.searchsorted(ts, ts + e, side="left") - idx - 1).sum()) for e in e_ticks]
    finite = np.diff(np.array([0, *cum], dtype=np.int64))
    return np.append(finite, total_pairs - cum[-1])


def _observed_counts(ends_i, ends_j, bounds, ticks, e_ticks) -> np.ndarray:
    out = np.zeros((len(bounds) - 1, len(e_ticks)), dtype=np.int64)
    edges = np.asarray(e_ticks, dtype=np.int64)
    for r in range(len(bounds) - 1):
        s0, s1 = bounds[r], bounds[r + 1]
        for c0 in range(s0, s1, 1 << 22):
            c1 = min(c0 + (1 << 22), s1)
            gap = np.abs(ticks[ends_i[c0:c1]] - ticks[ends_j[c0:c1]])
            band = np.searchsorted(edges, gap, side="right")
            out[r] += np.bincount(band, minlength=len(edges) + 1)[: len(edges)]
    return out


def _complete(finite: np.ndarray, row_totals: np.ndarray, col_totals: np.ndarray, total_pairs: int) -> np.ndarray:
    """Add the beyond column and row, from the fixed margins, to tables of finite cells."""
    k, rows, cols = finite.shape
    full = np.zeros((k, rows + 1, cols + 1), dtype=np.int64)
    full[:, :rows, :cols] = finite
    full[:, :rows, cols] = row_totals[None, :] - finite.sum(axis=2)
    full[:, rows, :] = col_totals[None, :] - full[:, :rows, :].sum(axis=1)
    assert (full[:, rows, :].sum(axis=1) + full[:, :rows, :].sum(axis=(1, 2)) == total_pairs).all()
    return full


def _lanes(span: int):
    """Lane type and lanes per 64-bit word: a + span - b must fit a lane, for 0 <= a, b <= span."""
    if 2 * span < 1 << 16:
        return np.uint16, 4
    if 2 * span < 1 << 32:
        return np.uint32, 2
    return np.uint64, 1


def _permuted_counts(ends_i, ends_j, bounds, ticks_in, order, span, e_ticks, seq: np.random.SeedSequence, permutations: int, workers: int) -> np.ndarray:
    """Finite cells of the table for each permutation of the times: (permutations, rows, cols).

    Permutation k shuffles the times of the events in input order with
    ``np.random.default_rng(seq.spawn(permutations)[k]).permutation(n)``, so results do not
    depend on the batching or the number of threads, and any tool can replay them.
    """
    rows, cols = len(bounds) - 1, len(e_ticks)
    out = np.zeros((permutations, rows, cols), dtype=np.int64)
    children = seq.spawn(permutations)
    lane, L = _lanes(span)
    n = len(ticks_in)
    batches = [range(b, min(b + L, permutations)) for b in range(0, permutations, L)]

    def one(batch: range) -> None:
        T = np.empty((n, L), dtype=lane)
        for k in range(L):
            src = children[batch[k]] if k < len(batch) else None
            T[:, k] = ticks_in[np.random.default_rng(src).permutation(n)][order] if src is not None else ticks_in[order]
        A = (T + lane(span)).view(np.uint64).reshape(n)
        B = T.view(np.uint64).reshape(n)
        counts = _batch_counts(ends_i, ends_j, bounds, A, B, span, e_ticks, lane, L)
        out[batch.start : batch.stop] = counts[: len(batch)]

    if workers > 1 and len(batches) > 1 and len(ends_i) * permutations > 5_000_000:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, batches))
    else:
        for b in batches:
            one(b)
    return out


def _batch_counts(ends_i, ends_j, bounds, A, B, span, e_ticks, lane, L) -> np.ndarray:
    """For L permutations packed in the lanes of A (times + span) and B (times): the count
    of pairs in each finite (space band, time band) cell, shape (L, rows, cols)."""
    rows, cols = len(bounds) - 1, len(e_ticks)
    signed, word = _SIGNED[lane], _WORD[L]
    cmp = [k for k, e in enumerate(e_ticks) if e <= span]  # wider edges hold every pair
    K = len(cmp)
    a = np.empty(_BLOCK, dtype=np.uint64)
    b = np.empty(_BLOCK, dtype=np.uint64)
    masks = np.empty((min(K, 8), _BLOCK, L), dtype=bool)
    cum = np.zeros((rows, cols, L), dtype=np.int64)
    for r in range(rows):
        s0, s1 = int(bounds[r]), int(bounds[r + 1])
        for k in range(cols):
            if k not in cmp:
                cum[r, k] += s1 - s0
        if not K:
            continue
        for c0 in range(s0, s1, _BLOCK):
            c1 = min(c0 + _BLOCK, s1)
            m = c1 - c0
            mp = -(-m // 255) * 255  # whole groups of 255 rows (the block size is one too)
            np.take(A, ends_i[c0:c1], out=a[:m], mode="clip")
            np.take(B, ends_j[c0:c1], out=b[:m], mode="clip")
            np.subtract(a[:m], b[:m], out=a[:m])  # each lane: a + span - b, no borrow between lanes
            a[m:mp] = 0  # padding: a gap of -span, which no compared edge holds
            v = a[:mp].view(lane).reshape(mp, L)
            np.subtract(v, lane(span), out=v)  # the signed gap, in two's complement
            g = v.view(signed)
            np.abs(g, out=g)
            for q0 in range(0, K, 8):
                group = cmp[q0 : q0 + 8]
                for q, k in enumerate(group):
                    np.less(g, e_ticks[k], out=masks[q, :mp])
                # Count each lane: rows of L booleans read as L-byte words, summed 255 at a time so
                # that each byte (one lane) counts without carrying into the next.
                sums = masks[: len(group), :mp].view(word).reshape(len(group), mp // 255, 255).sum(axis=2, dtype=word)
                cum[r, group] += sums.view(np.uint8).reshape(len(group), -1, L).sum(axis=1, dtype=np.int64)
    out = cum.copy()
    out[:, 1:] -= cum[:, :-1]
    return out.transpose(2, 0, 1)


# ----------------------------------------------------------------------------- labels


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _space_bands(edges: list[float]) -> list[dict]:
    bands = [{"label": f"0 to {_fmt(edges[0])} m", "from": 0.0, "to": edges[0], "closed": "both"}]
    bands += [{"label": f"over {_fmt(a)} to {_fmt(b)} m", "from": a, "to": b, "closed": "right"} for a, b in zip(edges, edges[1:])]
    bands.append({"label": f"over {_fmt(edges[-1])} m", "from": edges[-1], "to": None, "closed": "neither"})
    return bands


def _time_bands(edges: list[float]) -> list[dict]:
    starts = [0.0, *edges[:-1]]
    bands = [{"label": f"{_fmt(a)} to under {_fmt(b)} days", "from": a, "to": b, "closed": "left"} for a, b in zip(starts, edges)]
    bands.append({"label": f"{_fmt(edges[-1])} days or more", "from": edges[-1], "to": None, "closed": "left"})
    return bands


def _nrc_space_bands(edges: list[float]) -> list[dict]:
    bands = [{"label": "Same location", "from": 0.0, "to": 0.0, "closed": "both"}]
    starts = [0.0, *edges[:-1]]
    for k, (a, b) in enumerate(zip(starts, edges)):
        bands.append({"label": f"{_fmt(a + 1)} to {_fmt(b)}", "from": a, "to": b, "closed": "neither" if k == 0 else "left"})
    bands.append({"label": f"More than {_fmt(edges[-1])}", "from": edges[-1], "to": None, "closed": "left"})
    return bands


def _nrc_time_bands(edges: list[float]) -> list[dict]:
    starts = [0.0, *edges[:-1]]
    bands = [{"label": f"{_fmt(a + 1 if k else 0)} to {_fmt(b)}", "from": a, "to": b, "closed": "left"} for k, (a, b) in enumerate(zip(starts, edges))]
    bands.append({"label": f"More than {_fmt(edges[-1])}", "from": edges[-1], "to": None, "closed": "left"})
    return bands


def _nrc_to(label: str) -> str:
    return label.rsplit(" to ", 1)[-1]


def _percent(ratio: float) -> int:
    return int(math.floor((ratio - 1) * 100 + 0.5))


def _num(v: float) -> float | None:
    return None if v is None or not np.isfinite(v) else float(v)


def _json_table(a: np.ndarray) -> list[list[float | None]]:
    return [[_num(v) for v in row] for row in np.asarray(a, dtype=float)]
