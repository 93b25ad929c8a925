"""Pure analytics for proving impact: arrays and frames in, dataclasses out.

* ``wdd``: weighted displacement difference (Wheeler & Ratcliffe 2018), with time, area and harm weights.
* ``wdq``: weighted displacement quotient and total net effect (Bowers & Johnson 2003).
* ``relative_effect``: Farrington & Welsh's odds ratio, below 1 = the target fell relative to the control.
* ``did``: difference-in-differences rate ratio from a Poisson / negative-binomial GLM with area and month effects.
"""

from sara.assess.did import DiDResult, did
from sara.assess.effect import RelativeEffect, relative_effect
from sara.assess.errors import AssessError
from sara.assess.wdd import WDDResult, wdd
from sara.assess.wdq import WDQResult, wdq

__all__ = ["AssessError", "DiDResult", "RelativeEffect", "WDDResult", "WDQResult", "did", "relative_effect", "wdd", "wdq"]
