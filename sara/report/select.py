"""The events a scan runs on: chosen from the database by category, area and period, or
read from a plain CSV of points. Either way the result has x/y in projected metres, the CRS
they are in, and a count of what was left out and why. Areas are named by their code or by
their name ("E07000033" or "Bolsover"), as people know them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
import shapely
from sqlalchemy import Engine

from sara import geo
from sara.scan.result import ScanError
from sara.store import queries
from sara.store.queries import NotFound


@dataclass
class Selection:
    frame: pl.DataFrame  # at least x, y (metres, null where unknown); month, occurred_from/to, category when known
    crs: str | None  # the projected CRS of x/y
    left_out: dict[str, int] = field(default_factory=dict)
    area: dict | None = None  # the chosen area, its geometry in ``crs``
    filters: dict = field(default_factory=dict)

    def located(self) -> pl.DataFrame:
        """The events with coordinates; the others are counted in ``left_out``."""
        missing = self.frame.filter(pl.col("x").is_null() | pl.col("y").is_null()).height
        if missing:
            self.left_out["no coordinates"] = self.left_out.get("no coordinates", 0) + missing
        return self.frame.filter(pl.col("x").is_not_null() & pl.col("y").is_not_null())

    def timed(self, frame: pl.DataFrame | None = None) -> pl.DataFrame:
        """The events with a time (occurred_from); police.uk gives months only."""
        frame = self.frame if frame is None else frame
        missing = frame.filter(pl.col("occurred_from").is_null()).height
        if missing == frame.height and frame.height:
            raise ScanError(
                "these events have no times, only months (police.uk publishes the month alone)",
                fix="load a force or partner export with dates and times, or read a points file with a time column",
            )
        if missing:
            self.left_out["no date or time"] = self.left_out.get("no date or time", 0) + missing
        return frame.filter(pl.col("occurred_from").is_not_null())

    def params(self) -> dict:
        named = {"area_name": self.area["name"]} if self.area and self.area.get("name") else {}
        return self.filters | named | {"crs": self.crs, "events_selected": self.frame.height}


AREA_KINDS = ("lsoa", "ward", "district", "custom")


def find_area(engine: Engine, spec: str) -> dict:
    """A loaded area by its code (``KIND:CODE`` when kinds share a code) or by its name,
    any case (``KIND:NAME`` when kinds share a name): ``queries.find_area``'s record."""
    try:
        return queries.find_area(engine, spec)
    except queries.NotFound:
        kind, _, bare = spec.rpartition(":")
        named = [
            (k, code, name)
            for k in ([kind] if kind else AREA_KINDS)
            for code, name in queries.areas(engine, k).select("code", "name").iter_rows()
            if name and name.casefold() == bare.strip().casefold()
        ]
        if not named:
            raise
        if len(named) > 1:
            raise NotFound(
                f"the name {bare!r} is used by {len(named)} loaded areas ({', '.join(f'{k}:{c}' for k, c, _ in named)}): name one by its code"
            ) from None
        k, code, _ = named[0]
        return queries.find_area(engine, f"{k}:{code}")


def from_database(
    engine: Engine,
    *,
    categories: list[str] | None = None,
    area: str | None = None,
    start: str | None = None,
    end: str | None = None,
    source: str | None = None,
    columns: list[str] | tuple[str, ...] | None = None,
) -> Selection:
    """The events of ``categories`` in ``area`` (a code or a name) from month ``start`` to
    ``end`` (YYYY-MM, both included) of ``source``; every filter is optional. ``columns``:
    only these of the events' columns (``queries.events``), for a scan that needs no more."""
    if area:
        found = find_area(engine, area)
        area, spec = found["code"], f"{found['kind']}:{found['code']}"
    else:
        spec = None
    frame, info = queries.events(engine, categories=categories, area=spec, start=start, end=end, source=source, columns=columns)
    filters = {"categories": categories or "all", "area": area, "from": start, "to": end, "source": source}
    if frame.height == 0:
        raise ScanError(
            "no events match these filters (" + ", ".join(f"{k} {v}" for k, v in filters.items() if v) + ")",
            fix="widen them; the database's status lists the sources, months and areas loaded",
        )
    if len(info["crs_all"]) > 1:
        raise ScanError(
            f"the selected events come from sources in different coordinate systems ({', '.join(info['crs_all'])})", field="source", fix="choose one source"
        )
    chosen = None
    if "area" in info:
        chosen = dict(info["area"])
        chosen["geometry"] = shapely.transform(chosen["geometry"], lambda xy: np.column_stack(geo.transform(xy[:, 0], xy[:, 1], geo.WGS84, info["crs"])))
    return Selection(frame, info["crs"], area=chosen, filters={k: v for k, v in filters.items() if v})


def _column(frame: pl.DataFrame, name: str, no_header: bool, field: str) -> str:
    """The column ``field`` (x, y or time) names: a header, or a 0-based position."""
    if no_header:
        try:
            return frame.columns[int(name)]
        except (ValueError, IndexError):
            raise ScanError(
                f"the points file has no header, so columns are 0-based positions; it has {len(frame.columns)} columns, so {name!r} is not one",
                field=field, fix=f"give a position from 0 to {len(frame.columns) - 1}",
            ) from None  # fmt: skip
    if name not in frame.columns:
        raise ScanError(f"the points file has no column {name!r}", field=field, fix=f"its columns are {', '.join(frame.columns)}")
    return name


def from_points(path: str, *, x: str, y: str, crs: str = geo.WGS84, time: str | None = None, no_header: bool = False) -> Selection:
    """Points from a CSV: ``x``/``y`` columns in ``crs`` (default WGS84 lon/lat), and an
    optional ``time`` column (a date or date-time). Lon/lat are projected to British
    National Grid inside the UK, to the local UTM zone elsewhere."""
    try:
        geo.check_crs(crs)
    except ValueError as exc:
        raise ScanError(str(exc), field="crs") from None
    try:
        raw = pl.read_csv(path, has_header=not no_header, infer_schema=False, truncate_ragged_lines=False)
    except FileNotFoundError:
        raise ScanError(f"no such points file: {path}", field="points") from None
    except pl.exceptions.PolarsError as exc:
        raise ScanError(f"cannot read {path} as CSV: {str(exc).splitlines()[0]}", field="points") from None
    if raw.height == 0:
        raise ScanError(f"the points file {path} has no rows", field="points")
    xs, ys = (raw[_column(raw, c, no_header, field)].str.strip_chars().cast(pl.Float64, strict=False) for c, field in ((x, "x"), (y, "y")))
    frame = pl.DataFrame({"x": xs, "y": ys}).with_columns(pl.col("x").fill_nan(None), pl.col("y").fill_nan(None))
    frame = frame.with_columns(
        x=pl.when(pl.col("y").is_null()).then(None).otherwise(pl.col("x")), y=pl.when(pl.col("x").is_null()).then(None).otherwise(pl.col("y"))
    )
    projected = crs
    if geo.is_geographic(crs):
        lon, lat = frame["x"].to_numpy(), frame["y"].to_numpy()
        projected = geo.projected_crs_for(lon, lat)
        px, py = geo.transform(lon, lat, crs, projected)
        ok = np.isfinite(px) & np.isfinite(py)
        frame = frame.with_columns(
            pl.Series("lon", lon), pl.Series("lat", lat), pl.Series("x", np.where(ok, px, np.nan)).fill_nan(None), pl.Series("y", np.where(ok, py, np.nan)).fill_nan(None)
        )
    if time is not None:
        text = raw[_column(raw, time, no_header, "time")].str.strip_chars()
        when = pl.select(
            pl.coalesce(
                text.str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False),
                text.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False),
                text.str.to_datetime("%Y-%m-%d %H:%M", strict=False),
                text.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime),
                text.str.to_date("%d/%m/%Y", strict=False).cast(pl.Datetime),
            )
        ).to_series()
        frame = frame.with_columns(occurred_from=when, occurred_to=when, month=when.dt.truncate("1mo").dt.date())
    kept = frame.filter(pl.col("x").is_not_null() & pl.col("y").is_not_null())
    bad = frame.height - kept.height
    left_out = {"no usable coordinates": bad} if bad else {}
    return Selection(kept, projected, left_out, filters={"points": path, "input_crs": crs})
