"""Difference-in-differences for monthly crime counts: a Poisson or negative-binomial GLM with area and month fixed
effects.

    log E[count(area, month)] = area effect + month effect + beta · treated × post

The month effects absorb seasonality and anything common to all areas in a month; the area effects absorb fixed
differences in level. exp(beta) is the rate ratio: the treated areas' post-period count relative to what their own
level and the control areas' month-to-month path predict (below 1 = a fall). The key assumption is parallel trends
(on the log scale): without the response the treated areas would have moved like the controls.

Family: Poisson, or negative binomial when counts vary more than Poisson. With ``family="auto"`` the Poisson model is
fitted first and the negative binomial used when its Pearson dispersion (chi² / residual df) is above 1.5. The negative
binomial's alpha (var = mu + alpha·mu²) is estimated by the Cameron & Trivedi moment regression on the Poisson fit
and then held fixed in the GLM (statsmodels).

Two-way fixed effects with a single adoption date; staggered adoption and spillover to neighbours are not modelled
(a buffer area counted as a control biases the estimate toward 1).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
import polars as pl

from sara.assess.errors import Z95, AssessError, two_sided_p

MIN_MONTHS = 3
DISPERSION_LIMIT = 1.5
COLUMNS = {"area": "text", "month": "a date", "count": "whole numbers", "treated": "true/false", "post": "true/false"}


@dataclass
class DiDResult:
    estimate: float
    ci95: tuple[float, float]
    p: float
    family: str
    months_before: int
    months_after: int
    beta: float
    se: float
    dispersion: float
    alpha: float | None
    treated_areas: int
    control_areas: int
    params: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _check(counts: pl.DataFrame) -> pl.DataFrame:
    if not isinstance(counts, pl.DataFrame):
        raise AssessError("counts must be a polars DataFrame with columns area, month, count, treated, post")
    missing = [c for c in COLUMNS if c not in counts.columns]
    if missing:
        raise AssessError(f"counts is missing column(s) {missing}: it needs " + ", ".join(f"{c} ({k})" for c, k in COLUMNS.items()))
    df = counts.select(list(COLUMNS))
    if df.height == 0:
        raise AssessError("counts has no rows: give one row per area and month")
    if df.select(pl.all().is_null().any()).row(0).count(True):
        raise AssessError("counts has empty values: every row needs area, month, count, treated and post (use count 0 for a month with no crimes)")
    if df.schema["month"] != pl.Date:
        raise AssessError(f"month must be a Date column (the first day of each month); it is {df.schema['month']}")
    for c in ("treated", "post"):
        if df.schema[c] != pl.Boolean:
            raise AssessError(f"{c} must be a true/false (Boolean) column; it is {df.schema[c]}")
    if not df.schema["count"].is_numeric():
        raise AssessError(f"count must hold whole numbers of events; it is {df.schema['count']}")
    y = df["count"].cast(pl.Float64).to_numpy()
    if np.any(y < 0) or np.any(y != np.round(y)):
        raise AssessError("count must hold whole, non-negative numbers of events")
    df = df.with_columns(pl.col("area").cast(pl.Utf8))
    if df.select(pl.struct("area", "month").is_duplicated().any()).item():
        raise AssessError("counts has more than one row for some area and month: add them up first (one row per area and month)")
    if df.group_by("area").agg(pl.col("treated").n_unique().alias("n")).filter(pl.col("n") > 1).height:
        raise AssessError("treated must be the same in every month of an area (an area is either treated or a control)")
    if df.group_by("month").agg(pl.col("post").n_unique().alias("n")).filter(pl.col("n") > 1).height:
        raise AssessError("post must be the same for every area in a month (one start date); staggered starts are not supported here")
    return df


def _alpha_moments(y: np.ndarray, mu: np.ndarray) -> float:
    """Cameron & Trivedi: regress ((y - mu)^2 - y) / mu on mu without intercept."""
    return float(np.sum((y - mu) ** 2 - y) / np.sum(mu**2))


def did(counts: pl.DataFrame, *, family: str = "auto", min_months: int = MIN_MONTHS) -> DiDResult:
    """Rate ratio exp(beta) of treated × post from a count GLM with area and month fixed effects.

    counts: polars frame, one row per area and month, columns area (str), month (Date), count (int), treated (bool),
    post (bool). family: "auto" (negative binomial if the Poisson Pearson dispersion is above 1.5), "poisson" or
    "negbin". Refuses with AssessError when there are fewer than ``min_months`` months before or after, or no treated
    or no control area.
    """
    import statsmodels.api as sm

    if family not in ("auto", "poisson", "negbin"):
        raise AssessError(f'family must be "auto", "poisson" or "negbin"; got {family!r}')
    df = _check(counts)
    notes: list[str] = []
    months = df.select("month", "post").unique().sort("month")
    before = int((~months["post"]).sum())
    after = int(months["post"].sum())
    if before < min_months or after < min_months:
        raise AssessError(
            f"difference-in-differences needs at least {min_months} months before and {min_months} after the start; "
            f"got {before} before and {after} after: lengthen the periods (12 and 12 cover a full seasonal cycle)"
        )
    if months.filter(pl.col("post")).get_column("month").min() < months.filter(~pl.col("post")).get_column("month").max():
        raise AssessError("some post months come before pre months: post must be true from the start date onwards")
    totals = df.group_by("area").agg(pl.col("count").sum().alias("total"), pl.col("treated").first())
    empty = totals.filter(pl.col("total") == 0)
    if empty.height:
        notes.append(f"Left out {empty.height} area(s) with no crimes in any month (they carry no information): {sorted(empty['area'].to_list())}.")
        df = df.filter(~pl.col("area").is_in(empty["area"].implode()))
        totals = totals.filter(pl.col("total") > 0)
    n_treated = int(totals["treated"].sum())
    n_control = totals.height - n_treated
    if n_treated == 0 or n_control == 0:
        which = "treated" if n_treated == 0 else "control"
        raise AssessError(f"difference-in-differences needs at least one {which} area with crimes; mark at least one area treated=true and one treated=false")
    treated_post = df.filter(pl.col("treated") & pl.col("post"))["count"].sum()
    treated_pre = df.filter(pl.col("treated") & ~pl.col("post"))["count"].sum()
    if treated_post == 0 or treated_pre == 0:
        raise AssessError(
            "the treated area(s) have no crimes in the " + ("post" if treated_post == 0 else "pre") + " period, so the rate ratio is 0 or infinite: "
            "widen the area or lengthen the period"
        )

    df = df.sort("area", "month")
    y = df["count"].cast(pl.Float64).to_numpy()
    area_codes = np.unique(df["area"].to_numpy(), return_inverse=True)[1]
    month_codes = np.unique(df["month"].to_numpy(), return_inverse=True)[1]
    n_area, n_month = int(area_codes.max()) + 1, int(month_codes.max()) + 1
    # intercept, areas 1.., months 1.., treated x post (first area and first month are the baselines)
    x = np.zeros((len(y), n_area + n_month), dtype=float)
    x[:, 0] = 1.0
    rows = np.arange(len(y))
    keep_a = area_codes > 0
    x[rows[keep_a], area_codes[keep_a]] = 1.0
    keep_m = month_codes > 0
    x[rows[keep_m], n_area - 1 + month_codes[keep_m]] = 1.0
    x[:, -1] = (df["treated"] & df["post"]).cast(pl.Float64).to_numpy()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pois = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    dispersion = float(pois.pearson_chi2 / pois.df_resid) if pois.df_resid > 0 else float("nan")
    used = family
    alpha = None
    if family == "auto":
        used = "negbin" if dispersion > DISPERSION_LIMIT else "poisson"
        notes.append(
            f"Pearson dispersion of the Poisson fit is {dispersion:.2f}: "
            + ("above" if used == "negbin" else "not above")
            + f" {DISPERSION_LIMIT}, so the {'negative binomial' if used == 'negbin' else 'Poisson'} model is used."
        )
    fit = pois
    if used == "negbin":
        alpha = max(_alpha_moments(y, pois.mu), 1e-8)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=alpha)).fit()
            alpha = max(_alpha_moments(y, fit.mu), 1e-8)
            fit = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=alpha)).fit()
        notes.append(f"Negative binomial alpha = {alpha:.3g} (moment estimate, var = mu + alpha·mu²).")
    elif dispersion > DISPERSION_LIMIT:
        notes.append(f"Poisson was requested but the counts are over-dispersed (Pearson dispersion {dispersion:.2f}): the interval is too narrow.")
    beta = float(fit.params[-1])
    se = float(fit.bse[-1])
    if not (math.isfinite(beta) and math.isfinite(se)) or se <= 0:
        raise AssessError(
            "the model did not converge to a finite estimate: check that the treated areas have crimes before and after, and widen areas or periods"
        )
    notes.append("Area and month fixed effects: seasonality and month-to-month changes shared by all areas are removed; assumes parallel trends.")
    if n_treated == 1:
        notes.append("One treated area: the estimate cannot separate the response from anything else that happened only there at the same time.")
    if n_control < 3:
        notes.append(f"Only {n_control} control area(s): the month effects rest on few places; more comparable areas make the comparison sturdier.")
    return DiDResult(
        estimate=math.exp(beta),
        ci95=(math.exp(beta - Z95 * se), math.exp(beta + Z95 * se)),
        p=two_sided_p(beta / se),
        family=used,
        months_before=before,
        months_after=after,
        beta=beta,
        se=se,
        dispersion=dispersion,
        alpha=alpha,
        treated_areas=n_treated,
        control_areas=n_control,
        params={"family": family, "min_months": min_months, "dispersion_limit": DISPERSION_LIMIT, "rows": len(y)},
        notes=notes,
    )
