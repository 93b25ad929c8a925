"""Warnings that travel with an assessment: each fires when it should and not otherwise."""

import datetime as dt

import polars as pl
import pytest

from sara.assess import warnings as w
from sara.assess.errors import AssessError


def test_regression_to_the_mean():
    msg = w.regression_to_mean([62] * 3, [40] * 24)
    assert msg.startswith("Regression to the mean")
    assert "55% above the 24 months before it" in msg and "Farrington & Welsh" in msg and "anyway" in msg
    assert w.regression_to_mean([62] * 3, [60] * 24) is None
    assert w.regression_to_mean([5, 4], [0] * 12).count("none at all") == 1


def test_detectable_change_for_40_events():
    fall, rise = w.detectable_change(40)
    # -log(r) = 2.80 * sqrt(1/40 + 1/(40 r)) at r = 0.452
    assert fall == pytest.approx(0.548, abs=0.002)
    assert rise == pytest.approx(0.743, abs=0.002)
    # more events, smaller detectable change
    assert w.detectable_change(400)[0] < 0.25
    # with comparison areas the variance is larger, so more is needed
    assert w.detectable_change(40, control_before=400, control_after=400)[0] > fall


def test_too_few_events():
    msg = w.too_few_events(40, 30)
    assert "with 40 events before, only a fall of more than 55% could be told from chance" in msg
    assert "fall of 25% seen" in msg
    assert w.too_few_events(400, 200) is None
    assert "no fall, however large" in w.too_few_events(10, 6)
    assert "rise of 50% seen" in w.too_few_events(40, 60)
    assert w.too_few_events(40) is not None  # no after: only falls over 50% detectable
    assert w.too_few_events(400) is None
    # unequal periods: 188 in 3 months against 48 in 4 is a large fall in rate
    assert w.too_few_events(188, 48, before_months=3, after_months=4) is None
    assert "no events before" in w.too_few_events(0, 5)


def test_incomplete_months_in_periods():
    counts = {f"2021-{m:02d}": 400 for m in range(1, 13)}
    counts["2021-06"] = 100
    msg = w.incomplete_in_periods(counts, {"before": ("2021-01", "2021-03"), "after": ("2021-04", "2021-08")})
    assert msg.startswith("Incomplete data: 2021-06 (after period) has 100 events against a usual 400")
    assert w.incomplete_in_periods(counts, {"before": ("2021-01", "2021-03"), "after": ("2021-09", "2021-11")}) is None
    frame = pl.DataFrame({"month": [dt.date(2021, m, 1) for m in range(1, 13)], "events": list(counts.values())})
    assert w.incomplete_in_periods(frame, {"after": ("2021-06", "2021-06")}) is not None


def test_overlapping_interventions():
    assert w.overlapping_interventions(("2021-01", "2021-03"), ("2021-04", "2021-08"), []) is None
    others = [("PSPO town centre", "2021-09-01", None), ("Op Orion", dt.date(2021, 5, 1), dt.date(2021, 5, 31)), ("old CPN", "2019-01", "2019-06")]
    msg = w.overlapping_interventions(("2021-01", "2021-03"), ("2021-04", "2021-08"), others)
    assert "Op Orion (2021-05-01 to 2021-05-31; overlaps the after period)" in msg
    assert "PSPO" not in msg and "old CPN" not in msg
    msg = w.overlapping_interventions(("2021-01", "2021-03"), ("2021-04", "2021-09"), others)
    assert "PSPO town centre (2021-09-01 still running; overlaps the after period)" in msg
    with pytest.raises(AssessError):
        w.overlapping_interventions(("2021-01", "2021-03"), ("2021-04", "2021-09"), [("no dates",)])


def test_recording_change():
    months = [f"2020-{m:02d}" for m in range(1, 13)]
    steady = dict.fromkeys(months, 30)
    stopped = {m: (30 if i < 8 else (1 if i < 10 else 30)) for i, m in enumerate(months)}
    msg = w.recording_change({"ASB Nuisance": stopped, "Burglary": steady})
    assert msg.startswith("A possible change in recording: ASB Nuisance falls from 30 a month to 1, 1 from 2020-09")
    assert "Burglary" not in msg
    # one low month is not enough; small categories are not judged
    one = {m: (30 if i != 8 else 0) for i, m in enumerate(months)}
    small = {m: (2 if i < 8 else 0) for i, m in enumerate(months)}
    assert w.recording_change({"a": one, "b": small, "c": steady}) is None
    frame = pl.DataFrame({"month": months, "category": ["x"] * 12, "events": list(stopped.values())})
    assert w.recording_change(frame) is not None


def test_covid_overlap():
    msg = w.covid_overlap({"before": ("2021-01", "2021-03"), "after": ("2021-04", "2021-08")})
    assert "the after period (2021-04..2021-08) overlaps covid restrictions" in msg
    assert "third national lockdown" in msg and "19 July 2021" in msg and "(recalled)" in msg
    assert w.covid_overlap({"before": ("2019-01", "2019-06"), "after": ("2021-08", "2021-12")}) is None
    assert "first national lockdown" in w.covid_overlap({"after": ("2020-03", "2020-03")})


def test_period_not_ended_and_outside_data():
    assert "has not ended" in w.period_not_ended(("2021-04", "2021-08"), dt.date(2021, 8, 22))
    assert w.period_not_ended(("2021-04", "2021-08"), dt.date(2021, 9, 1)) is None
    msg = w.periods_outside_data({"before": ("2020-11", "2021-03"), "after": ("2021-04", "2021-08")}, ("2021-01", "2021-12"))
    assert msg.startswith("Periods outside the data: 2 of the 5 months of the before period (2020-11..2021-03)")
    assert "after period" not in msg
    assert w.periods_outside_data({"after": ("2021-04", "2021-08")}, ("2021-01", "2021-12")) is None
    with pytest.raises(AssessError, match="YYYY-MM"):
        w.period_not_ended(("April", "2021-08"))


def test_all_warnings_op_dexter():
    """Op Dexter (Bolsover): 188 events Jan-Mar 2021, 48 in the four months after; covid, an unfinished August."""
    out = w.all_warnings(pre=("2021-01", "2021-03"), post=("2021-05", "2021-08"), today=dt.date(2021, 8, 22), loaded=("2019-01", "2021-08"),
                         pre_counts=[62, 63, 63], baseline_counts=[45] * 12 + [40] * 12, before=188, after=48, others=[])  # fmt: skip
    kinds = [x["kind"] for x in out]
    assert kinds == ["period_not_ended", "covid", "regression_to_mean"]
    assert all(isinstance(x["message"], str) and x["message"] for x in out)
    quiet = w.all_warnings(pre=("2018-01", "2018-06"), post=("2018-07", "2018-12"), today=dt.date(2024, 1, 1), before=400, after=200)
    assert quiet == []
