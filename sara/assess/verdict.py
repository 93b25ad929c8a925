"""The verdict of an assessment: one plain-English paragraph a problem owner can paste into
a report, and the outcome on the standard scale.

``verdict`` takes the counts and the estimators' results as plain numbers or simple
objects (anything with attributes or keys ``estimate`` and ``ci95``; ``wdq``, ``tne`` and
``interpretation`` for displacement), so it depends on no estimator's code.

Outcome scale (POP Center; the problem's outcome field): eliminated, reduced, less
harmful, handled better, no change, worse. The rules, in order:

1. **eliminated**: the target had no events after, and a meaningful number before
   (``MEANINGFUL_BEFORE``, 10 or more, equal periods; scaled to the period lengths when
   given).
2. **reduced**: the 95% CI of the relative effect lies wholly below 1.
3. **worse**: the 95% CI of the relative effect lies wholly above 1.
4. The CI spans 1 (counts cannot be told from chance):
   **less harmful** when the harm-weighted effect's CI lies wholly below 1 (counts did
   not fall, harm did); else **handled better** when the caller says the problem is now
   handled better (a judgement the counts cannot make); else **no change**.

The relative effect is (target after / target before) / (control after / control before):
below 1 means fewer events than the comparison areas imply. With no relative effect given
but control counts given, it is computed with the usual log-normal CI (Var = sum of 1/count
over the four counts); with no controls at all, the target's own after/before ratio (its
Poisson CI) stands in, and the paragraph says that nothing then separates the response
from the wider trend, regression to the mean or chance. A number is never given without
its caveat: when warnings exist, the paragraph says so and names them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from scipy import stats

from sara.assess.errors import AssessError
from sara.assess.wdq import interpret

OUTCOMES = ("eliminated", "reduced", "less harmful", "handled better", "no change", "worse")
MEANINGFUL_BEFORE = 10
Z95 = float(stats.norm.ppf(0.975))
WARNING_LABELS = {
    "regression_to_mean": "regression to the mean",
    "too_few_events": "too few events",
    "incomplete_months": "incomplete months",
    "overlapping_interventions": "other interventions in the area",
    "recording_change": "a possible change in recording",
    "covid": "covid restrictions",
    "period_not_ended": "an after period not yet over",
    "periods_outside_data": "periods outside the data",
    "poor_match": "controls that do not resemble the target",
}


def _get(obj, name: str, default=None):
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _num(x) -> float | None:
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise AssessError(f"expected a number, got {x!r}") from None
    return v if math.isfinite(v) else None


def _pair(value, what: str) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        raise AssessError(f"{what} must be a (before, after) pair of counts, e.g. (120, 90); got {value!r}") from None
    if min(a, b) < 0 or not (math.isfinite(a) and math.isfinite(b)):
        raise AssessError(f"{what} counts must be finite and not negative; got {value!r}")
    return a, b


def _ci(obj) -> tuple[float, float] | None:
    ci = _get(obj, "ci95")
    if ci is None:
        return None
    lo, hi = (_num(v) for v in ci)
    if lo is None or hi is None:
        return None
    return lo, hi


def _fmt(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}"


def _count(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"


def _change_words(ratio: float) -> str:
    if ratio < 1:
        return f"fell {100 * (1 - ratio):.0f}%"
    if ratio > 1:
        return f"rose {100 * (ratio - 1):.0f}%"
    return "did not change"


def _change_noun(ratio: float) -> str:
    if ratio < 1:
        return f"a fall of {100 * (1 - ratio):.0f}%"
    if ratio > 1:
        return f"a rise of {100 * (ratio - 1):.0f}%"
    return "no change"


def _warning_labels(warnings: Iterable) -> list[str]:
    labels = []
    for w in warnings or ():
        if isinstance(w, str):
            label = w.split(":")[0] if ":" in w[:60] else w
            labels.append(label.strip().rstrip(".").lower())
        else:
            kind = _get(w, "kind")
            labels.append(WARNING_LABELS.get(kind, str(kind).replace("_", " ")) if kind else str(_get(w, "message", w))[:60])
    return labels


def verdict(*, target, control=None, effect=None, wdd=None, displacement=None, warnings: Iterable = (), area: str = "the target area",
            category: str = "Crime and ASB", buffer_metres: float | None = None, months: tuple[int, int] | None = None,
            harm_effect=None, handled_better: bool = False) -> tuple[str, str]:  # fmt: skip
    """The paragraph and the outcome of an assessment.

    - ``target``, ``control``: (before, after) counts; ``control`` None when there are
      no comparison areas; ``months``: (before, after) period lengths when unequal.
    - ``effect``: the relative effect (``estimate``, ``ci95``); computed from the counts
      when None. ``wdd``: the weighted displacement difference (``estimate``, ``ci95``),
      in events, negative meaning fewer than the controls imply.
    - ``displacement``: ``wdq`` (None when undefined), ``tne``, ``interpretation``.
    - ``warnings``: strings or ``{"kind", "message"}`` dicts (``all_warnings``).
    - ``harm_effect``: the harm-weighted relative effect (``estimate``, ``ci95``), for
      "less harmful"; ``handled_better``: the problem owner's judgement, for "handled
      better" when the counts show no change.
    """
    t0, t1 = _pair(target, "target")
    c0 = c1 = None
    if control is not None:
        c0, c1 = _pair(control, "control")
    time_ratio = 1.0
    if months is not None:
        m0, m1 = months
        if not m0 or not m1 or m0 <= 0 or m1 <= 0:
            raise AssessError(f"months must be the (before, after) lengths of the periods in months, e.g. (3, 4); got {months!r}")
        time_ratio = m1 / m0
    warnings = list(warnings or ())
    sentences: list[str] = []

    # The relative effect and its CI.
    estimate = _num(_get(effect, "estimate")) if effect is not None else None
    ci = _ci(effect) if effect is not None else None
    controlled = c0 is not None
    if estimate is None and controlled and min(t0, t1, c0, c1) > 0:
        estimate = (t1 / t0) / (c1 / c0)
        half = Z95 * math.sqrt(1 / t0 + 1 / t1 + 1 / c0 + 1 / c1)
        ci = (estimate * math.exp(-half), estimate * math.exp(half))
    uncontrolled_ci = None
    if not controlled and t0 > 0:
        # Exact Poisson CI for the ratio of the after rate to the before rate (conditional
        # binomial), the best a pre-post design without comparison areas can give.
        n = t0 + t1
        p_lo = stats.beta.ppf(0.025, t1, t0 + 1) if t1 > 0 else 0.0
        p_hi = stats.beta.ppf(0.975, t1 + 1, t0) if t0 > 0 else 1.0
        uncontrolled_ci = (p_lo / (1 - p_lo) / time_ratio, p_hi / (1 - p_hi) / time_ratio if p_hi < 1 else math.inf)
        if n == 0:
            uncontrolled_ci = None

    # Sentence 1: what happened, against what.
    where = f"in {area}"
    span = f"from {_count(t0)} to {_count(t1)}"
    if time_ratio != 1:
        span = f"from {_count(t0)} in {months[0]:g} months to {_count(t1)} in {months[1]:g}, compared as monthly rates"
    if t0 > 0:
        t_ratio = (t1 / t0) / time_ratio
        first = f"{category} {_change_words(t_ratio)} {where} ({span})"
    else:
        first = f"{category} {where} went {span}"
    if controlled:
        if c0 > 0:
            first += f" against {_change_noun((c1 / c0) / time_ratio)} in comparable areas"
        else:
            first += " while the comparable areas had no events before"
    if estimate is not None and ci is not None:
        first += f" (relative effect {_fmt(estimate)}, 95% CI {_fmt(ci[0])} to {_fmt(ci[1])})"
    elif estimate is not None:
        first += f" (relative effect {_fmt(estimate)}, no confidence interval)"
    sentences.append(first + ".")

    # Sentence 2: what the interval says; the outcome.
    outcome = "no change"
    judge = ci if controlled else uncontrolled_ci
    if t1 == 0 and t0 >= MEANINGFUL_BEFORE:
        outcome = "eliminated"
        sentences.append(f"No events were recorded {where} after the response, against {_count(t0)} before: the problem was eliminated "
                         "for the period measured.")  # fmt: skip
        if judge is not None and judge[1] >= 1:
            sentences.append("With these counts, even a fall to zero is within what chance could produce, so watch whether it lasts.")
    elif judge is None:
        if t0 == 0:
            sentences.append("With no events before, no fall can be measured; the outcome is recorded as no change.")
        else:
            sentences.append("No confidence interval is available (an area had no events, or none was given), so the change cannot be told from chance.")
    elif judge[1] < 1:
        outcome = "reduced"
        sentences.append("The whole 95% interval lies below 1: the fall is beyond what chance would produce"
                         + (" and beyond the change in the comparable areas." if controlled else "."))  # fmt: skip
    elif judge[0] > 1:
        outcome = "worse"
        sentences.append("The whole 95% interval lies above 1: the rise is beyond what chance would produce"
                         + (" and beyond the change in the comparable areas." if controlled else "."))  # fmt: skip
    else:
        harm_ci = _ci(harm_effect)
        if harm_ci is not None and harm_ci[1] < 1:
            outcome = "less harmful"
            sentences.append(f"The 95% interval spans 1, so the number of events cannot be told from no change, but the harm-weighted "
                             f"effect ({_fmt(_num(_get(harm_effect, 'estimate')) or 0)}, 95% CI {_fmt(harm_ci[0])} to {_fmt(harm_ci[1])}) "
                             "lies wholly below 1: the problem became less harmful.")  # fmt: skip
        elif handled_better:
            outcome = "handled better"
            sentences.append("The 95% interval spans 1, so the counts cannot be told from no change; the problem owner judges it is now "
                             "handled better.")  # fmt: skip
        else:
            sentences.append("The 95% interval spans 1: the change cannot be told from chance" + (" or from the comparable areas." if controlled else "."))
    if not controlled:
        ratio_txt = ""
        if uncontrolled_ci is not None and t0 > 0:
            hi = "no upper limit" if math.isinf(uncontrolled_ci[1]) else _fmt(uncontrolled_ci[1])
            ratio_txt = f" (after/before {_fmt((t1 / t0) / time_ratio)}, 95% CI {_fmt(uncontrolled_ci[0])} to {hi})"
        sentences.append(f"There were no comparison areas{ratio_txt}, so nothing separates the response from the wider trend, "
                         "regression to the mean or seasonal change.")  # fmt: skip

    # Sentence 3: WDD.
    if wdd is not None:
        w = _num(_get(wdd, "estimate"))
        wci = _ci(wdd)
        if w is not None:
            size = f"{abs(w):,.0f} {'fewer' if w < 0 else 'more'} events than the comparable areas imply" if w else "no difference from the comparable areas"
            ci_txt = f" (95% CI {wci[0]:+,.0f} to {wci[1]:+,.0f}" + ("; spans zero)" if wci[0] <= 0 <= wci[1] else ")") if wci else ""
            sentences.append(f"Weighted displacement difference: {size}{ci_txt}.")

    # Sentence 4: displacement.
    if displacement is not None:
        ring = f"the surrounding {buffer_metres:g} m" if buffer_metres else "the surrounding buffer"
        wdq = _num(_get(displacement, "wdq"))
        tne = _num(_get(displacement, "tne"))
        tne_txt = ""
        if tne is not None:
            tne_txt = f"; total net effect {abs(tne):,.0f} {'fewer' if tne > 0 else 'more'} events" if tne else "; total net effect nil"
        if wdq is None:
            sentences.append(f"Displacement into {ring} could not be measured: the WDQ is undefined because the target did not change "
                             f"relative to the comparable areas{tne_txt}.")  # fmt: skip
        elif outcome not in ("reduced", "eliminated"):
            sentences.append(f"The WDQ ({_fmt(wdq, 1)}) is not read for displacement, since the target did not improve beyond chance{tne_txt}.")
        else:
            meaning = _get(displacement, "interpretation") or interpret(wdq)
            lead = "No sign of displacement into" if wdq >= 0 else "Some displacement into"
            sentences.append(f"{lead} {ring} (WDQ {_fmt(wdq, 1)}: {meaning}{tne_txt}).")

    # Sentence 5: the caveats.
    if warnings:
        labels = list(dict.fromkeys(_warning_labels(warnings)))
        n = len(warnings)
        sentences.append(f"Read these figures with caution: {n} warning{'s apply' if n > 1 else ' applies'} ({'; '.join(labels)}), set out with this result.")
    sentences.append(f"Outcome: {outcome}.")
    return " ".join(sentences), outcome
