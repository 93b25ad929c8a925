"""Ranking areas by harm, period after period, and how an area moved from its baseline.

The Clear-Hold-Build framework's West Yorkshire example (College of Policing, "Clear, hold,
build", 2023) measured "the crime severity scores for a number of crimes that are often
associated with organised crime" every six months from a baseline, and reported the BD3
area's place among the force's wards: "moved from highest to third highest, then outside of
the top three, then eighth position". This module does that arithmetic on harm already
weighted (``sara.scan.harm``): pure functions, no database.

* ``rank_within_kind``: each area's rank among the areas of its kind in each period, largest
  harm first, 1 the most harmful. Ties take the **standard competition ranking** ("1224"):
  areas with equal harm share the best rank of their group and the next rank skips, so
  harm 9, 7, 7, 3 ranks 1, 2, 2, 4 (as ``sara.scan.harm.harm_by_area`` ranks).
* ``change_from_baseline``: harm and rank at the baseline and in the latest period, the
  change (latest - baseline), the change in percent (none when the baseline harm is 0), and
  a **regression-to-the-mean** note when the area ranked in the top ``top`` of its kind at
  the baseline: an area picked for being the highest tends to fall back whatever is done
  (Farrington & Welsh 2006, "How important is regression to the mean in area-based crime
  prevention research?"), so its fall is compared with how the other areas that were high at
  the baseline (``peers``, not the treated ones) moved over the same periods.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

TIE_RULE = "largest harm first (1 = most harmful); equal harm shares the best rank of its group and the next rank skips (1, 2, 2, 4)"


@dataclass(frozen=True)
class Ranked:
    """One area in one period: its harm, its rank among ``of`` areas of its kind."""

    kind: str
    area: str
    period: str
    harm: float
    rank: int
    of: int


@dataclass(frozen=True)
class Change:
    """How one area moved between the baseline period and the latest."""

    kind: str
    area: str
    baseline_harm: float
    latest_harm: float
    change: float
    change_pct: float | None
    baseline_rank: int
    latest_rank: int
    of: int
    regression_to_mean: bool
    note: str


@dataclass(frozen=True)
class Peers:
    """The other areas of a kind ranked in the top ``top`` at the baseline: their mean rank and
    total harm at the baseline and in the latest period (what happened without the operation)."""

    kind: str
    top: int
    areas: tuple[str, ...]
    baseline_mean_rank: float | None
    latest_mean_rank: float | None
    baseline_harm: float
    latest_harm: float

    @property
    def change_pct(self) -> float | None:
        return (self.latest_harm - self.baseline_harm) / self.baseline_harm * 100 if self.baseline_harm > 0 else None


def competition_ranks(values: dict[str, float]) -> dict[str, int]:
    """Rank each key by its value, largest first; equal values share the best rank (1, 2, 2, 4)."""
    ordered = sorted(values.values(), reverse=True)
    first = {}
    for i, v in enumerate(ordered):
        first.setdefault(v, i + 1)
    return {k: first[v] for k, v in values.items()}


def rank_within_kind(harm: Iterable[tuple[str, str, str, float]]) -> list[Ranked]:
    """Rank ``(kind, area, period, harm)`` rows within each kind and period.

    Every area of a kind should have a row in every period (an area without events has harm
    0): ranks are among the rows given. An area named twice for one period is refused.
    Returned sorted by kind, period, rank, area."""
    groups: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for kind, area, period, value in harm:
        value = float(value)
        if value != value or value < 0:
            raise ValueError(f"harm of {area} in {period} is {value}: harm must be a number of 0 or more")
        group = groups[(kind, period)]
        if area in group:
            raise ValueError(f"{kind} {area} is given twice for period {period}: give one harm per area per period")
        group[area] = value
    out = []
    for (kind, period), values in groups.items():
        ranks = competition_ranks(values)
        out.extend(Ranked(kind, a, period, values[a], ranks[a], len(values)) for a in values)
    return sorted(out, key=lambda r: (r.kind, r.period, r.rank, r.area))


def _index(ranked: Iterable[Ranked]) -> dict[tuple[str, str, str], Ranked]:
    return {(r.kind, r.area, r.period): r for r in ranked}


def rtm_note(rank: int, of: int, top: int, peers: Peers | None) -> str:
    """The regression-to-the-mean note for an area ranked ``rank`` of ``of`` at the baseline."""
    where = "the most harmful" if rank == 1 else f"ranked {rank} of {of}"
    text = (f"Regression to the mean: at the baseline this area was {where} (top {top}). Areas chosen for being the highest tend to fall back "
            "towards the average in later periods whatever is done (Farrington & Welsh 2006), so part of its fall in rank would have happened anyway.")  # fmt: skip
    if peers is not None and peers.areas and peers.baseline_mean_rank is not None:
        pct = f", their harm {peers.change_pct:+.0f}%" if peers.change_pct is not None else ""
        text += (f" The other {len(peers.areas)} areas in the top {peers.top} at the baseline, not in the operation, moved from a mean rank of "
                 f"{peers.baseline_mean_rank:.1f} to {peers.latest_mean_rank:.1f}{pct}: credit the operation only with the change beyond theirs.")  # fmt: skip
    else:
        text += " No other area was high at the baseline to compare with: treat the change with caution."
    return text


def peers(ranked: Iterable[Ranked], kind: str, baseline: str, latest: str, *, exclude: Iterable[str], top: int = 10) -> Peers:
    """The areas of ``kind`` ranked ``top`` or better at ``baseline``, other than ``exclude``
    (the operation's), and their mean rank and total harm at ``baseline`` and ``latest``."""
    idx = _index(ranked)
    skip = set(exclude)
    chosen = sorted(a for (k, a, p), r in idx.items() if k == kind and p == baseline and r.rank <= top and a not in skip)
    if not chosen:
        return Peers(kind, top, (), None, None, 0.0, 0.0)
    base = [idx[(kind, a, baseline)] for a in chosen]
    last = [idx[(kind, a, latest)] for a in chosen]
    return Peers(kind, top, tuple(chosen), sum(r.rank for r in base) / len(base), sum(r.rank for r in last) / len(last),
                 sum(r.harm for r in base), sum(r.harm for r in last))  # fmt: skip


def change_from_baseline(ranked: Iterable[Ranked], areas: Iterable[tuple[str, str]], baseline: str, latest: str, *, top: int = 3,
                         peer_top: int = 10) -> list[Change]:  # fmt: skip
    """For each ``(kind, area)`` of ``areas`` (the operation's): harm and rank at ``baseline``
    and ``latest``, the change, and the regression-to-the-mean note when its baseline rank was
    ``top`` or better (compared with its ``peers`` in the top ``peer_top``)."""
    ranked = list(ranked)
    idx = _index(ranked)
    areas = list(dict.fromkeys(areas))
    treated: dict[str, set[str]] = defaultdict(set)
    for kind, area in areas:
        treated[kind].add(area)
    out = []
    for kind, area in areas:
        try:
            b, last = idx[(kind, area, baseline)], idx[(kind, area, latest)]
        except KeyError:
            raise ValueError(f"{kind} {area} has no harm in period {baseline if (kind, area, baseline) not in idx else latest}") from None
        change = last.harm - b.harm
        pct = change / b.harm * 100 if b.harm > 0 else None
        flagged = b.rank <= top
        note = rtm_note(b.rank, b.of, top, peers(ranked, kind, baseline, latest, exclude=treated[kind], top=peer_top)) if flagged else ""
        out.append(Change(kind, area, b.harm, last.harm, change, pct, b.rank, last.rank, b.of, flagged, note))
    return out
