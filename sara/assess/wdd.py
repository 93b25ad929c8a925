"""Weighted displacement difference (WDD) test.

Wheeler, A. P. & Ratcliffe, J. H. (2018). A simple weighted displacement difference test to evaluate place based
crime interventions. *Crime Science* 7(1). Reference implementation: R ``ptools::wdd`` and ``ptools::wdd_harm``.

    WDD = (T1 - T0) - (C1 - C0)  [+ (D1 - D0) - (DC1 - DC0) with displacement areas]
    Var = T0 + T1 + C0 + C1 [+ D0 + D1 + DC0 + DC1]   (normal approximation to the Poisson)

Negative means fewer crimes in the treated area than the control's change predicts. The variance assumes Poisson
counts: Wheeler's caveat is not to use it with very small or over-dispersed counts (a note says so).

Weights (the ptools conventions):

* ``time_weights`` (pre length, post length): each count is divided by its period's length relative to the post
  period, so the estimate is in crimes per post-period; a count c scaled by 1/w adds c/w^2 to the variance. An old
  ptools version misplaced a parenthesis in the displacement-control variance term; this implementation adds each of
  the eight terms separately (checked against the paper's variance, 1568).
* ``area_weights`` (control, treated, displacement control, displacement treated): each area's counts are divided by
  its weight (e.g. its size), so the estimate is a change in density.
* Harm weights (``weights``): pass lists of (before, after) pairs, one per crime type, and one weight per type; the
  total is sum(w_k * WDD_k) with variance sum(w_k^2 * Var_k) (``ptools::wdd_harm``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from sara.assess.errors import Z95, AssessError, check_pair, two_sided_p

SMALL_COUNT = 10


@dataclass
class WDDResult:
    """A WDD estimate in crimes (harm units when weighted): negative is a fall relative to the control."""

    estimate: float
    se: float
    z: float
    p: float
    ci95: tuple[float, float]
    local: float
    local_se: float
    displacement: float | None
    displacement_se: float | None
    variance: float
    per_type: list[dict] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _is_pair_list(value) -> bool:
    if value is None or isinstance(value, str | bytes) or not hasattr(value, "__len__") or len(value) == 0:
        return False
    first = value[0]
    return hasattr(first, "__len__") and not isinstance(first, str | bytes)


def _weights4(area_weights) -> tuple[float, float, float, float]:
    if area_weights is None:
        return (1.0, 1.0, 1.0, 1.0)
    try:
        w = tuple(float(x) for x in area_weights)
    except (TypeError, ValueError):
        raise AssessError(f"area_weights must be four numbers (control, treated, disp_control, disp_treated); got {area_weights!r}") from None
    if len(w) != 4 or not all(math.isfinite(x) and x > 0 for x in w):
        raise AssessError(f"area_weights must be four positive numbers (control, treated, disp_control, disp_treated), e.g. areas in km²; got {area_weights!r}")
    return w  # type: ignore[return-value]


def _time_scale(time_weights) -> tuple[float, float]:
    """Divisors for the (pre, post) counts so both are per post-length period."""
    if time_weights is None:
        return (1.0, 1.0)
    if isinstance(time_weights, dict):
        time_weights = (time_weights.get("pre"), time_weights.get("post"))
    try:
        pre, post = (float(x) for x in time_weights)
    except (TypeError, ValueError):
        raise AssessError(f"time_weights must be a pair (pre length, post length), e.g. (24, 12) months; got {time_weights!r}") from None
    if not (math.isfinite(pre) and math.isfinite(post) and pre > 0 and post > 0):
        raise AssessError(f"time_weights must be two positive lengths (pre, post), e.g. (24, 12) months; got {time_weights!r}")
    return (pre / post, 1.0)


def _diff(pair_, tw, aw) -> tuple[float, float]:
    """Scaled change (after - before) and its Poisson variance."""
    b, a = pair_
    wb, wa = tw[0] * aw, tw[1] * aw
    return a / wa - b / wb, a / wa**2 + b / wb**2


def _one(control, treated, disp_control, disp_treated, tw, aw, label: str) -> dict:
    c = check_pair(control, f"control{label}")
    t = check_pair(treated, f"treated{label}")
    dt_c, var_c = _diff(c, tw, aw[0])
    dt_t, var_t = _diff(t, tw, aw[1])
    out = {"control": c, "treated": t, "local": dt_t - dt_c, "local_var": var_t + var_c, "displacement": None, "displacement_var": 0.0}
    if (disp_control is None) != (disp_treated is None):
        raise AssessError("give both disp_control and disp_treated (the buffer around the treated area and the matching buffer around the control), or neither")
    if disp_control is not None:
        dc = check_pair(disp_control, f"disp_control{label}")
        dtr = check_pair(disp_treated, f"disp_treated{label}")
        d_dc, var_dc = _diff(dc, tw, aw[2])
        d_dt, var_dt = _diff(dtr, tw, aw[3])
        out.update(disp_control=dc, disp_treated=dtr, displacement=d_dt - d_dc, displacement_var=var_dt + var_dc)
    out["estimate"] = out["local"] + (out["displacement"] or 0.0)
    out["variance"] = out["local_var"] + out["displacement_var"]
    counts = [*c, *t, *(out.get("disp_control") or ()), *(out.get("disp_treated") or ())]
    out["min_count"] = min(counts)
    return out


def wdd(control, treated, disp_control=None, disp_treated=None, weights=None, time_weights=None, area_weights=None) -> WDDResult:
    """Weighted displacement difference test (Wheeler & Ratcliffe 2018).

    control, treated, disp_control, disp_treated: (before, after) counts, or for the harm-weighted form lists of
    (before, after) pairs, one per crime type, with ``weights`` one harm weight per type.
    time_weights: (pre length, post length); counts are scaled to the post length.
    area_weights: (control, treated, disp_control, disp_treated) sizes; counts become densities.
    Returns estimate, se, z, p, ci95 (normal approximation), local and displacement parts and the variance.
    """
    tw = _time_scale(time_weights)
    aw = _weights4(area_weights)
    harm = _is_pair_list(control) or _is_pair_list(treated)
    notes: list[str] = []
    if harm:
        if not (_is_pair_list(control) and _is_pair_list(treated)):
            raise AssessError("for the harm-weighted WDD give control and treated as lists of (before, after) pairs, one pair per crime type")
        k = len(control)
        if len(treated) != k:
            raise AssessError(f"control has {k} crime types but treated has {len(treated)}; give one (before, after) pair per type in each")
        for name, d in (("disp_control", disp_control), ("disp_treated", disp_treated)):
            if d is not None and (not _is_pair_list(d) or len(d) != k):
                raise AssessError(f"{name} must be a list of {k} (before, after) pairs, one per crime type, like control")
        if weights is None:
            weights = [1.0] * k
            notes.append("No harm weights given: every crime type counts 1.")
        try:
            w = [float(x) for x in weights]
        except (TypeError, ValueError):
            raise AssessError(f"weights must be numbers, one harm weight per crime type; got {weights!r}") from None
        if len(w) != k:
            raise AssessError(f"give one harm weight per crime type: {k} types but {len(w)} weights")
        if not all(math.isfinite(x) and x >= 0 for x in w):
            raise AssessError(f"harm weights must be finite and not negative; got {weights!r}")
        parts = [
            _one(control[i], treated[i], None if disp_control is None else disp_control[i], None if disp_treated is None else disp_treated[i], tw, aw, f"[{i}]")
            for i in range(k)
        ]
    else:
        if weights is not None:
            try:
                w = [float(weights)] if not hasattr(weights, "__len__") else [float(x) for x in weights]
            except (TypeError, ValueError):
                raise AssessError(f"weights must be a number (one crime type) or a list, one per crime type; got {weights!r}") from None
            if len(w) != 1:
                raise AssessError(f"{len(w)} weights but one crime type: give lists of (before, after) pairs for several types")
        else:
            w = [1.0]
        parts = [_one(control, treated, disp_control, disp_treated, tw, aw, "")]

    has_disp = disp_control is not None
    local = sum(wi * p["local"] for wi, p in zip(w, parts))
    local_var = sum(wi**2 * p["local_var"] for wi, p in zip(w, parts))
    displacement = sum(wi * p["displacement"] for wi, p in zip(w, parts)) if has_disp else None
    displacement_var = sum(wi**2 * p["displacement_var"] for wi, p in zip(w, parts)) if has_disp else None
    estimate = local + (displacement or 0.0)
    variance = local_var + (displacement_var or 0.0)
    if variance <= 0:
        raise AssessError("every count is zero, so the WDD has no variance: widen the areas or the periods until there are crimes to compare")
    se = math.sqrt(variance)
    z = estimate / se
    smallest = min(p["min_count"] for p in parts)
    if smallest < SMALL_COUNT:
        notes.append(
            f"The smallest count is {smallest:g}: the WDD uses a normal approximation to Poisson counts, which is poor for very small counts "
            "(Wheeler & Ratcliffe's caveat); treat the interval as rough or widen the areas or periods."
        )
    notes.append("The variance assumes Poisson counts; if monthly counts vary more than that (over-dispersion) the interval is too narrow.")
    if time_weights is not None:
        notes.append(f"Counts are scaled to the post period's length (pre counts divided by {tw[0]:g}).")
    if area_weights is not None:
        notes.append("Counts are divided by the area weights: the estimate is a change in density, not in crimes.")
    per_type = (
        [
            {"weight": wi, "local": p["local"], "displacement": p["displacement"], "estimate": p["estimate"], "se": math.sqrt(p["variance"])}
            for wi, p in zip(w, parts)
        ]
        if harm
        else []
    )
    return WDDResult(
        estimate=estimate,
        se=se,
        z=z,
        p=two_sided_p(z),
        ci95=(estimate - Z95 * se, estimate + Z95 * se),
        local=local,
        local_se=math.sqrt(local_var),
        displacement=displacement,
        displacement_se=None if displacement_var is None else math.sqrt(displacement_var),
        variance=variance,
        per_type=per_type,
        params={
            "time_weights": None if time_weights is None else [tw[0], 1.0],
            "area_weights": list(aw),
            "harm_weights": w if harm or weights is not None else None,
        },
        notes=notes,
    )
