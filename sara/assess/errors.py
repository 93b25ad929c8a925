"""The one error the assessment estimators raise, and the input checks that raise it."""

from __future__ import annotations

import math

from scipy import stats

from sara.errors import Invalid

Z95 = float(stats.norm.ppf(0.975))


class AssessError(Invalid):
    """Input an estimator cannot work with; the message says what to change."""


def check_pair(value, name: str) -> tuple[float, float]:
    """Return a (before, after) pair of finite, non-negative counts, or raise AssessError saying what to change."""
    if isinstance(value, str | bytes | dict) or not hasattr(value, "__len__"):
        raise AssessError(f"{name} must be a (before, after) pair of counts, e.g. (120, 90); got {value!r}")
    try:
        items = [float(v) for v in value]
    except (TypeError, ValueError):
        raise AssessError(f"{name} must be a (before, after) pair of numbers, e.g. (120, 90); got {value!r}") from None
    if len(items) != 2:
        raise AssessError(f"{name} must have exactly two counts, (before, after); got {len(items)}: {value!r}")
    if not all(math.isfinite(v) and v >= 0 for v in items):
        raise AssessError(f"{name} counts must be finite and not negative; got {value!r}")
    return items[0], items[1]


def two_sided_p(z: float) -> float:
    """Two-sided p-value of a standard normal z."""
    return float(2.0 * stats.norm.sf(abs(z)))
