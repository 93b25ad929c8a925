"""Relative effect size: Farrington & Welsh's odds ratio for a before/after design with a control area.

Farrington, D. P. & Welsh, B. C. (2002, street lighting; 2009, CCTV): with T = target and C = control counts,
0 = before and 1 = after, their relative effect size RES = (T0·C1)/(T1·C0) is above 1 for a desirable effect. We use
its reciprocal, oriented like a rate ratio so that a fall in the target relative to the control is below 1:

    estimate = (T1·C0) / (T0·C1)            e.g. target -34%, control -5%:  0.66 / 0.95 = 0.70
    var(log estimate) = 1/T0 + 1/T1 + 1/C0 + 1/C1   (counts as Poisson)
    95% CI = exp(log estimate ± 1.96·sqrt(var))

Zero counts are refused: log(0) is undefined, and the usual fix (adding 0.5 to every count, a continuity correction)
changes the answer by an amount that matters most exactly when counts are small, so it must be the analyst's stated
choice, not a silent default.

Over-dispersion (Farrington & Welsh's VAR adjustment): crime counts vary more than Poisson from month to month, so the
Poisson variance is too small and the interval too narrow. Farrington & Welsh multiply var(log OR) by a dispersion
factor D estimated from monthly series. Here:

* ``monthly``: a mapping with keys "target" and "control", each a pair (monthly counts before, monthly counts after).
  D for a series is its sample variance over its mean (within each period, pooled, at least 1); each term 1/N in the
  variance becomes D/N. Seasonal swings in the months count as dispersion, as they do in Farrington & Welsh's use.
* ``overdispersion``: a number D applied to the whole variance (e.g. from an earlier analysis), or the string
  "farrington-welsh" for their empirical D = 0.0008·N + 1.2, N the total count (from Farrington et al. 2007's monthly
  crime series, as used in Welsh & Farrington 2009; recalled from the CCTV review: check before citing).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from sara.assess.errors import Z95, AssessError, check_pair, two_sided_p


@dataclass
class RelativeEffect:
    """Relative effect (odds ratio) below 1 = the target fell relative to the control."""

    estimate: float
    ci95: tuple[float, float]
    p: float
    log_se: float
    dispersion: float
    target_change: float
    control_change: float
    params: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _dispersion(series, name: str) -> tuple[float, float]:
    """(D before, D after) of monthly counts: variance / mean within each period, at least 1."""
    if not hasattr(series, "__len__") or len(series) != 2:
        raise AssessError(f"monthly['{name}'] must be a pair (monthly counts before, monthly counts after)")
    out = []
    for label, months in zip(("before", "after"), series):
        x = np.asarray(months, dtype=float)
        if x.ndim != 1 or x.size < 2 or not np.all(np.isfinite(x)) or np.any(x < 0):
            raise AssessError(f"monthly['{name}'] {label} must be at least two non-negative monthly counts; got {months!r}")
        mean = x.mean()
        out.append(max(1.0, float(x.var(ddof=1) / mean)) if mean > 0 else 1.0)
    return out[0], out[1]


def relative_effect(target, control, *, monthly=None, overdispersion=None) -> RelativeEffect:
    """Farrington & Welsh's relative effect of (before, after) counts in a target and a control area.

    Returns estimate = (T1·C0)/(T0·C1) (below 1: the target fell relative to the control), its 95% CI, a two-sided
    p-value for no effect, and the dispersion factor used (1 = Poisson).
    """
    t0, t1 = check_pair(target, "target")
    c0, c1 = check_pair(control, "control")
    zeros = [name for name, v in (("target before", t0), ("target after", t1), ("control before", c0), ("control after", c1)) if v == 0]
    if zeros:
        raise AssessError(
            f"the relative effect needs a crime in every cell, but {', '.join(zeros)} is zero: the odds ratio and its "
            "log variance are undefined. A continuity correction (adding 0.5 to each count) would be needed, and it moves "
            "the answer most when counts are small, so it is not applied silently: widen the areas or periods, or use "
            "the WDD, which works with zeros"
        )
    notes: list[str] = []
    terms = np.array([1 / t0, 1 / t1, 1 / c0, 1 / c1])
    dispersion = 1.0
    params: dict = {"target": [t0, t1], "control": [c0, c1]}
    if monthly is not None and overdispersion is not None:
        raise AssessError("give either monthly series or an overdispersion factor, not both")
    if monthly is not None:
        if not isinstance(monthly, dict) or set(monthly) != {"target", "control"}:
            raise AssessError('monthly must be {"target": (months before, months after), "control": (months before, months after)}')
        d = np.array([*_dispersion(monthly["target"], "target"), *_dispersion(monthly["control"], "control")])
        for name, series, total in (("target", monthly["target"], (t0, t1)), ("control", monthly["control"], (c0, c1))):
            sums = tuple(float(np.sum(s)) for s in series)
            if not np.allclose(sums, total):
                notes.append(f"The monthly {name} series sum to {sums}, not the counts given {total}; the dispersion is taken from the series anyway.")
        variance = float(np.sum(d * terms))
        dispersion = variance / float(terms.sum())
        params["dispersion_by_series"] = {"target": d[:2].tolist(), "control": d[2:].tolist()}
        notes.append(
            f"Variance inflated for over-dispersion estimated from the monthly series (Farrington & Welsh's VAR adjustment): overall factor {dispersion:.2f}."
        )
    elif overdispersion is not None:
        if overdispersion == "farrington-welsh":
            dispersion = 0.0008 * (t0 + t1 + c0 + c1) + 1.2
            notes.append(f"Variance multiplied by D = 0.0008·N + 1.2 = {dispersion:.2f} (Farrington & Welsh's empirical over-dispersion factor).")
        else:
            try:
                dispersion = float(overdispersion)
            except (TypeError, ValueError):
                raise AssessError(f'overdispersion must be a number (at least 1) or "farrington-welsh"; got {overdispersion!r}') from None
            if not math.isfinite(dispersion) or dispersion < 1:
                raise AssessError(f"overdispersion must be at least 1 (1 = Poisson); got {overdispersion!r}")
            notes.append(f"Variance multiplied by the over-dispersion factor {dispersion:g}.")
        variance = dispersion * float(terms.sum())
    else:
        variance = float(terms.sum())
        notes.append("Poisson variance: if counts are over-dispersed the interval is too narrow; pass monthly series to adjust for it.")
    params["dispersion"] = dispersion
    log_or = math.log((t1 * c0) / (t0 * c1))
    se = math.sqrt(variance)
    if min(t0, t1, c0, c1) < 10:
        notes.append("Some counts are below 10: the log-normal interval is rough.")
    return RelativeEffect(
        estimate=math.exp(log_or),
        ci95=(math.exp(log_or - Z95 * se), math.exp(log_or + Z95 * se)),
        p=two_sided_p(log_or / se),
        log_se=se,
        dispersion=dispersion,
        target_change=t1 / t0 - 1,
        control_change=c1 / c0 - 1,
        params=params,
        notes=notes,
    )
