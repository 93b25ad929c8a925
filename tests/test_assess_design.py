"""Design of an assessment: buffer ring, area checks, automatic controls."""

import math

import numpy as np
import pytest
from shapely.geometry import Point, box

from sara.assess.design import buffer_ring, check_areas, choose_controls
from sara.assess.errors import AssessError

# A 200 m square town centre in British National Grid metres.
TARGET = box(447000, 370000, 447200, 370200)


def test_buffer_ring_area_and_no_overlap_with_target():
    ring = buffer_ring(TARGET, 500)
    # square + 4 side strips + 4 quarter circles, minus the square
    expected = 4 * 200 * 500 + math.pi * 500**2
    assert ring.area == pytest.approx(expected, rel=0.002)
    assert ring.intersection(TARGET).area == pytest.approx(0, abs=1e-6)
    assert ring.union(TARGET).area == pytest.approx(TARGET.area + expected, rel=0.002)
    # the ring reaches 500 m, no further
    assert ring.contains(Point(447100, 370200 + 499))
    assert not ring.contains(Point(447100, 370200 + 501))


@pytest.mark.parametrize("metres", [0, -5, float("nan"), "500", True])
def test_buffer_ring_refuses_bad_width(metres):
    with pytest.raises(AssessError, match="positive number of metres"):
        buffer_ring(TARGET, metres)


def test_buffer_ring_refuses_a_point():
    with pytest.raises(AssessError, match="Polygon"):
        buffer_ring(Point(0, 0), 500)


def test_check_areas_refuses_control_overlapping_target():
    ring = buffer_ring(TARGET, 500)
    with pytest.raises(AssessError, match="overlaps the target"):
        check_areas(TARGET, ring, {"E01000001": box(447100, 370100, 447400, 370400)})


def test_check_areas_refuses_control_swallowed_by_buffer():
    ring = buffer_ring(TARGET, 500)
    with pytest.raises(AssessError, match="mostly inside the buffer"):
        check_areas(TARGET, ring, {"near": box(447300, 370000, 447500, 370200)})


def test_check_areas_warns_when_control_touches_buffer():
    ring = buffer_ring(TARGET, 500)
    # 100 m of a 1,000 m-wide control lies in the buffer (buffer reaches x = 447700 at this height)
    warnings = check_areas(TARGET, ring, {"east": box(447600, 370000, 448600, 370200), "far": box(450000, 370000, 451000, 371000)})
    assert len(warnings) == 1
    assert warnings[0].startswith("control east touches the buffer")
    # a shared boundary only also warns
    warnings = check_areas(TARGET, ring, [box(447700, 370000, 448700, 370200)])
    assert len(warnings) == 1 and "shares a boundary" in warnings[0]


def test_check_areas_clean_design_and_no_buffer():
    assert check_areas(TARGET, buffer_ring(TARGET, 500), {"far": box(450000, 370000, 451000, 371000)}) == []
    # next door to the target, sharing only a boundary, is not an overlap
    assert check_areas(TARGET, None, {"next": box(447200, 370000, 447400, 370200)}) == []


def _series(mean, slope, n=12, seed=0):
    t = np.arange(n)
    return list(np.round(mean + slope * (t - (n - 1) / 2)).astype(int))


def test_choose_controls_picks_the_known_matches():
    target = _series(60, 1.0)
    candidates = {
        "match1": _series(58, 1.0),
        "match2": _series(63, 0.9),
        "match3": _series(55, 1.1),
        "bigger": _series(600, 10),
        "smaller": _series(5, 0.1),
        "falling": _series(60, -3.0),
        "empty": [0] * 12,
    }
    out = choose_controls(target, candidates, k=3)
    assert sorted(out["chosen"]) == ["match1", "match2", "match3"]
    assert out["excluded"] == {"empty": "no events in the pre period"}
    assert out["weights"] == {c: pytest.approx(1 / 3) for c in out["chosen"]}
    assert out["series"] == list(np.sum([candidates[c] for c in out["chosen"]], axis=0))
    q = out["quality"]
    assert q["level_ratio"] == pytest.approx(1.0, abs=0.05)
    assert abs(q["slope_diff_pct"]) < 0.5
    assert q["correlation"] > 0.9
    assert out["poor_match"] is False and out["message"] is None
    assert [r["chosen"] for r in out["candidates"]] == [True, True, True, False, False, False]


def test_choose_controls_says_when_controls_do_not_resemble_target():
    target = _series(60, 4.0)  # rising fast
    candidates = {"a": _series(600, -20), "b": _series(700, -25)}
    out = choose_controls(target, candidates, k=5)
    assert out["poor_match"] is True
    assert "a control that does not resemble the target" in out["message"].lower()
    assert "only 2 candidates" in out["notes"][0]


def test_choose_controls_does_not_flag_noise():
    rng = np.random.default_rng(1)
    target = list(rng.poisson(8, 12))
    candidates = {f"c{i}": list(rng.poisson(8, 12)) for i in range(10)}
    assert choose_controls(target, candidates, k=5)["poor_match"] is False


def test_choose_controls_refuses_bad_input():
    with pytest.raises(AssessError, match="no events"):
        choose_controls([0, 0, 0], {"a": [1, 2, 3]})
    with pytest.raises(AssessError, match="same pre-period months"):
        choose_controls([1, 2, 3], {"a": [1, 2]})
    with pytest.raises(AssessError, match="none can serve"):
        choose_controls([1, 2, 3], {"a": [0, 0, 0]})
    with pytest.raises(AssessError, match="k must be"):
        choose_controls([1, 2, 3], {"a": [1, 2, 3]}, k=0)
