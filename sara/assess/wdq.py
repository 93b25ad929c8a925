"""Weighted displacement quotient (WDQ) and total net effect (TNE).

Bowers, K. J. & Johnson, S. D. (2003). Measuring the geographical displacement and diffusion of benefit effects of
crime prevention activity. *Journal of Quantitative Criminology* 19(3). Interpretation as in the POP Center's
Problem-Solving Tool Guide 10 (Guerette 2009), Appendix C.

A = target, B = buffer, C = control; 0 = before, 1 = after.

* Success measure SM = A1/C1 - A0/C0 (negative: the target improved relative to the control).
* Buffer displacement measure BDM = B1/C1 - B0/C0 (positive: possible displacement into the buffer).
* WDQ = BDM / SM.
* TNE = [A0·(C1/C0) - A1] + [B0·(C1/C0) - B1], crimes prevented (positive) net of the control's trend.

| WDQ            | interpretation                          |
|----------------|-----------------------------------------|
| > 1            | diffusion larger than the direct effect |
| 0 < WDQ <= 1   | diffusion of benefits                   |
| 0              | neither                                 |
| -1 <= WDQ < 0  | displacement, net benefit remains       |
| < -1           | displacement exceeds the effect         |

The WDQ has no sampling error (no interval). It is undefined when a control count is zero (a denominator) or SM = 0,
and it is only read as above when SM < 0: if the target did not improve relative to the control there is no effect
to displace, and the interpretation says so ("undefined: ...").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sara.assess.errors import check_pair

INTERPRETATIONS = (
    "diffusion of benefits",
    "diffusion larger than the direct effect",
    "displacement, net benefit remains",
    "displacement exceeds the effect",
    "neither",
)


@dataclass
class WDQResult:
    wdq: float | None
    tne: float | None
    success_measure: float | None
    buffer_displacement_measure: float | None
    interpretation: str
    reason: str | None = None
    params: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def interpret(q: float) -> str:
    """Guide 10's reading of a WDQ value (assumes the success measure is negative)."""
    if q > 1:
        return "diffusion larger than the direct effect"
    if q > 0:
        return "diffusion of benefits"
    if q == 0:
        return "neither"
    if q >= -1:
        return "displacement, net benefit remains"
    return "displacement exceeds the effect"


def wdq(target, buffer, control) -> WDQResult:
    """Weighted displacement quotient of (before, after) counts for the target, its buffer and a control area."""
    a0, a1 = check_pair(target, "target")
    b0, b1 = check_pair(buffer, "buffer")
    c0, c1 = check_pair(control, "control")
    params = {"target": [a0, a1], "buffer": [b0, b1], "control": [c0, c1]}
    notes: list[str] = []
    if c0 == 0 or c1 == 0:
        which = "before" if c0 == 0 else "after"
        reason = (
            f"the control area has no crimes {which}, and the WDQ divides by the control's counts: "
            "choose a larger control area (Guide 10: related, proportionate, uncontaminated) or longer periods"
        )
        return WDQResult(None, None, None, None, f"undefined: {reason}", reason, params, notes)
    sm = a1 / c1 - a0 / c0
    bdm = b1 / c1 - b0 / c0
    ratio = c1 / c0
    tne = (a0 * ratio - a1) + (b0 * ratio - b1)
    if min(a0, a1, b0, b1, c0, c1) < 10:
        notes.append("Some counts are below 10: the WDQ has no sampling error and swings widely with small counts; read it as a rough guide.")
    if sm == 0:
        reason = "the success measure is zero (the target changed exactly as the control did), so there is no effect to be displaced and WDQ = BDM/SM divides by zero"
        return WDQResult(None, tne, sm, bdm, f"undefined: {reason}", reason, params, notes)
    q = bdm / sm
    if sm > 0:
        reason = (
            f"the success measure is {sm:+.3g}: the target did not improve relative to the control, so the WDQ "
            f"({q:.3g}) cannot be read as displacement or diffusion"
        )
        return WDQResult(q, tne, sm, bdm, f"undefined: {reason}", reason, params, notes)
    if abs(sm) < 0.05 * max(a0 / c0, 1e-12):
        notes.append("The success measure is close to zero, so the WDQ is unstable: small changes in counts move it a lot.")
    if q == -1:
        notes.append("WDQ = -1: displacement to the buffer equals the effect in the target.")
    return WDQResult(q, tne, sm, bdm, interpret(q), None, params, notes)
