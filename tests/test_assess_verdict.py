"""The verdict paragraph and the outcome on the standard scale."""

from types import SimpleNamespace

import pytest

from sara.assess.errors import AssessError
from sara.assess.verdict import OUTCOMES, verdict


def effect(estimate, lo, hi):
    return SimpleNamespace(estimate=estimate, ci95=(lo, hi))


def test_reduced_with_diffusion_of_benefits():
    text, outcome = verdict(target=(120, 79), control=(1000, 950), effect=effect(0.70, 0.58, 0.84), wdd={"estimate": -34, "ci95": (-60, -8)},
                            displacement=SimpleNamespace(wdq=0.4, tne=30, interpretation=None), buffer_metres=500, area="Bolsover town centre",
                            category="ASB")  # fmt: skip
    assert outcome == "reduced"
    assert text.startswith("ASB fell 34% in Bolsover town centre (from 120 to 79) against a fall of 5% in comparable areas "
                           "(relative effect 0.70, 95% CI 0.58 to 0.84).")  # fmt: skip
    assert "No sign of displacement into the surrounding 500 m (WDQ 0.4: diffusion of benefits; total net effect 30 fewer events)." in text
    assert "34 fewer events than the comparable areas imply (95% CI -60 to -8)" in text
    assert "caution" not in text
    assert text.endswith("Outcome: reduced.")


def test_no_change_when_ci_spans_one_and_warnings_are_said():
    text, outcome = verdict(target=(40, 30), control=(400, 390), effect=effect(0.77, 0.48, 1.23),
                            warnings=[{"kind": "too_few_events", "message": "..."}, {"kind": "covid", "message": "..."}])  # fmt: skip
    assert outcome == "no change"
    assert "The 95% interval spans 1: the change cannot be told from chance" in text
    assert "Read these figures with caution: 2 warnings apply (too few events; covid restrictions)" in text


def test_worse():
    text, outcome = verdict(target=(20, 40), control=(200, 190))
    assert outcome == "worse"
    assert "rose 100%" in text and "lies above 1" in text
    # the CI computed from the counts when no effect is given: (40/20)/(190/200)
    assert "relative effect 2.11" in text


def test_eliminated_needs_a_meaningful_before():
    text, outcome = verdict(target=(20, 0), control=(200, 190))
    assert outcome == "eliminated" and "eliminated" in text
    assert verdict(target=(3, 0), control=(200, 190))[1] != "eliminated"


def test_undefined_wdq():
    text, outcome = verdict(target=(20, 19), control=(200, 190), effect=effect(1.0, 0.53, 1.87),
                            displacement={"wdq": None, "tne": 0}, buffer_metres=500)  # fmt: skip
    assert outcome == "no change"
    assert "Displacement into the surrounding 500 m could not be measured: the WDQ is undefined" in text
    # a WDQ is not read as displacement when the target did not improve
    text, _ = verdict(target=(20, 19), control=(200, 190), effect=effect(1.0, 0.53, 1.87), displacement={"wdq": -0.5, "tne": -3})
    assert "is not read for displacement" in text


def test_displacement_exceeding_effect():
    text, _ = verdict(target=(120, 79), control=(1000, 950), effect=effect(0.70, 0.58, 0.84), displacement={"wdq": -1.5, "tne": -10})
    assert "Some displacement into the surrounding buffer (WDQ -1.5: displacement exceeds the effect; total net effect 10 more events)" in text


def test_less_harmful_and_handled_better():
    kwargs = {"target": (40, 38), "control": (400, 390), "effect": effect(0.97, 0.62, 1.52)}
    assert verdict(**kwargs, harm_effect=effect(0.5, 0.3, 0.8))[1] == "less harmful"
    assert verdict(**kwargs, handled_better=True)[1] == "handled better"
    assert verdict(**kwargs)[1] == "no change"


def test_op_dexter_without_controls_says_so():
    """The naive "decrease of 81%": 188 events in Jan-Mar 2021 (3 months), 48 in May-Aug (4 months)."""
    text, outcome = verdict(target=(188, 48), months=(3, 4), area="Bolsover town centre", category="ASB",
                            warnings=["Covid: the after period overlaps covid restrictions.", "The after period (2021-05..2021-08) has not ended"])  # fmt: skip
    assert text.startswith("ASB fell 81% in Bolsover town centre (from 188 in 3 months to 48 in 4, compared as monthly rates).")
    assert "There were no comparison areas (after/before 0.19, 95% CI" in text
    assert "nothing separates the response from the wider trend, regression to the mean" in text
    assert "2 warnings apply (covid; the after period (2021-05..2021-08) has not ended)" in text
    assert outcome in OUTCOMES


def test_bad_input():
    with pytest.raises(AssessError):
        verdict(target=(10,))
    with pytest.raises(AssessError):
        verdict(target=(10, -1))
    with pytest.raises(AssessError):
        verdict(target=(10, 5), months=(0, 3))
