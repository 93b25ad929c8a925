"""The events a scan runs on: chosen from the database by category, area and period, or
read from a plain CSV of points (``--points``). Either way the result has x/y in projected
metres, the CRS they are in, and a count of what was left out and why."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
import shapely
from sqlalchemy import Engine

from sara import geo
from sara.scan.result import ScanError
from sara.store import queries


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
                "these events have no times, only months (police.uk publishes the month alone): "
                "use a force export with dates (sara load events) or --points with --time"
            )
        if missing:
            self.left_out["no date or time"] = self.left_out.get("no date or time", 0) + missing
        return frame.filter(pl.col("occurred_from").is_not_null())

    def params(self) -> dict:
        return self.filters | {"crs": self.crs, "events_selected": self.frame.height}


def from_database(
    engine: Engine,
    *,
    categories: list[str] | None = None,
    area: str | None = None,
    start: str | None = None,
    end: str | None = None,
    source: str | None = None,
) -> Selection:
    frame, info = queries.events(engine, categories=categories, area=area, start=start, end=end, source=source)
    filters = {"categories": categories or "all", "area": area, "from": start, "to": end, "source": source}
    if frame.height == 0:
        raise ScanError("no events match these filters (" + ", ".join(f"{k} {v}" for k, v in filters.items() if v) + "): `sara status` shows what is loaded")
    if len(info["crs_all"]) > 1:
        raise ScanError(f"the selected events come from sources in different coordinate systems ({', '.join(info['crs_all'])}): choose one with --source")
    chosen = None
    if "area" in info:
        chosen = dict(info["area"])
        chosen["geometry"] = shapely.transform(chosen["geometry"], lambda xy: np.column_stack(geo.transform(xy[:, 0], xy[:, 1], geo.WGS84, info["crs"])))
    return Selection(frame, info["crs"], area=chosen, filters={k: v for k, v in filters.items() if v})


def _column(frame: pl.DataFrame, name: str, no_header: bool) -> str:
    if no_header:
        try:
            return frame.columns[int(name)]
        except (ValueError, IndexError):
            raise ScanError(f"with --no-header columns are 0-based positions; the file has {len(frame.columns)} columns, so {name!r} is not one") from None
    if name not in frame.columns:
        raise ScanError(f"the points file has no column {name!r}; its columns are {', '.join(frame.columns)}")
    return name


def from_points(path: str, *, x: str, y: str, crs: str = geo.WGS84, time: str | None = None, no_header: bool = False) -> Selection:
    """Points from a CSV: ``x``/``y`` columns in ``crs`` (default WGS84 lon/lat), and an
    optional ``time`` column (a date or date-time). Lon/lat are projected to British
    National Grid inside the UK, to the local UTM zone elsewhere."""
    geo.check_crs(crs)
    try:
        raw = pl.read_csv(path, has_header=not no_header, infer_schema=False, truncate_ragged_lines=False)
    except FileNotFoundError:
        raise ScanError(f"no such points file: {path}") from None
    except pl.exceptions.PolarsError as exc:
        raise ScanError(f"cannot read {path} as CSV: {str(exc).splitlines()[0]}") from None
    if raw.height == 0:
        raise ScanError(f"the points file {path} has no rows")
    xs, ys = (raw[_column(raw, c, no_header)].str.strip_chars().cast(pl.Float64, strict=False) for c in (x, y))
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
        text = raw[_column(raw, time, no_header)].str.strip_chars()
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
