"""A scan that reads only some of the events' columns (``sara.services.scan``'s ``*_READS``)
answers exactly what it answers reading them all, on the demo's police.uk year of Derbyshire."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
import shapely

from sara.services import Context
from sara.services import scan as services_scan
from sara.services.scan import Filters
from sara.store.engine import connect

SCANS = {
    "repeat locations": lambda ctx: services_scan.repeats(ctx, picture=True),
    "repeat locations of Derby, 4 in 3 months": lambda ctx: services_scan.repeats(ctx, filters=Filters(area="Derby"), threshold=4, months=3),
    "trends": lambda ctx: services_scan.trends(ctx, picture=True),
    "trends by ward, with rates": lambda ctx: services_scan.trends(ctx, by="ward", rates_by="ward", months=6),
    "two categories in Bolsover, 6 months": lambda ctx: services_scan.trends(ctx, filters=Filters(categories=("Burglary", "Drugs"), area="Bolsover"), months=6,
                                                                              exclude_covid=True),
    "asb categories per month": lambda ctx: services_scan.trends(ctx, by="asb_category", monthly=True, filters=Filters(categories=("Anti-social behaviour",))),
    "per month": lambda ctx: services_scan.trends(ctx, monthly=True, picture=True),
    "per month by ward": lambda ctx: services_scan.trends(ctx, by="ward", monthly=True),
    "times": lambda ctx: services_scan.times(ctx, picture=True),
    "harm by lsoa": lambda ctx: services_scan.harm(ctx, features=True),
    "harm by ward against the first quarter": lambda ctx: services_scan.harm(ctx, by="ward", filters=Filters(start="2025-07"), compare_from="2025-01",
                                                                               compare_to="2025-03"),
}  # fmt: skip


def _plain(value):
    """``value`` with every table, array and geometry spelt out, for ``==``; numbers to 12
    significant figures (Polars may add a sum's parts in another order from run to run)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, pl.DataFrame):
        return [value.schema, _plain(value.to_dicts())]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, shapely.Geometry):
        return value.wkb_hex
    if hasattr(value, "__dataclass_fields__"):
        return [type(value).__name__, _plain(vars(value))]
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else float(f"{value:.12g}")
    return value


def _answer(scan) -> list:
    return _plain([scan.to_dict(), scan.result.table, scan.picture, scan.features])


@pytest.mark.parametrize("name", SCANS)
def test_a_scan_reading_only_its_columns_answers_as_one_reading_them_all(demo_url, monkeypatch, name):
    ctx = Context(connect(demo_url))
    narrowed = SCANS[name](ctx)
    chosen = services_scan._select
    monkeypatch.setattr(services_scan, "_select", lambda ctx, points, filters, columns=None: chosen(ctx, points, filters))
    every = SCANS[name](ctx)
    assert narrowed.result.table.height > 0
    assert _answer(narrowed) == _answer(every)
