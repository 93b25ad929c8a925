"""Loading areas (``sara load areas``): LSOAs, wards, districts and drawn polygons.

Reads GeoJSON, GeoPackage and Shapefile, and zip archives holding them, in any coordinate
system: geometries are stored as WKB in WGS84 lon/lat with their geodesic area. Each
feature is one area, keyed on (kind, code): loading the same file again changes nothing,
a changed name or geometry updates the area, a new code adds one. Features that cannot be
areas (no code, no usable polygon, a code repeated in the file) are quarantined with the
reason, so ``rows_read = inserted + updated + unchanged + quarantined`` for every file.
One transaction per file. After loading, every event is placed in the areas of the kind
(``sara.intake.assign``) and the report says what could not be placed and why.

A population CSV (area code, population) can be attached to the areas of the kind; rows
naming no loaded area are quarantined, areas with population 0 are flagged.

Example::

    report = load_areas(engine, ["demo/derbyshire-lsoa2011.geojson.zip"], "lsoa")
    report.files[0].inserted        # 642
    report.areas["by_kind"]["lsoa"]  # events placed, unmatched by reason
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pyogrio
import pyogrio.raw
import shapely
from pyogrio.errors import DataLayerError, DataSourceError, FeatureError, FieldError, GeometryError
from pyproj import CRS
from pyproj.exceptions import CRSError
from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from sara import geo
from sara.errors import Invalid
from sara.intake.assign import KINDS, assign_kind
from sara.intake.csvfile import NUL
from sara.intake.files import InputFile, expand
from sara.intake.report import FileReport, LoadReport
from sara.intake.rows import RAW_LIMIT, RefusedFile, Rejected, storable
from sara.store.schema import Area, Load, Quarantine

Tick = Callable[[str, int], None]
SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")
QUARANTINE_KIND = "areas"
POPULATION_KIND = "population"
MAX_CODE, MAX_NAME = 60, 200
MAX_POPULATION_MB = 64
READ_ERRORS = (DataSourceError, DataLayerError, FeatureError, FieldError, GeometryError, CRSError, OSError, zipfile.BadZipFile, ValueError, RuntimeError)

# Field names of the ONS/OS boundary files (LSOA11CD, WD13CD, LAD21NM ...), case-insensitive.
FIELDS = {
    "lsoa": (r"lsoa\d\dcd", r"lsoa\d\dnm"),
    "ward": (r"wd\d\dcd", r"wd\d\dnm"),
    "district": (r"lad\d\dcd", r"lad\d\dnm"),
}
EXAMPLE = {"lsoa": "LSOA11CD", "ward": "WD16CD", "district": "LAD11CD", "custom": "code"}


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise Invalid(f"unknown area kind {kind!r}", field="kind", fix=f"use one of {', '.join(KINDS)} (custom for drawn areas)")
    return kind


# --- fields ---------------------------------------------------------------------------


def _match(fields: list[str], pattern: str) -> str | None:
    return next((f for f in fields if re.fullmatch(pattern, f.strip(), re.IGNORECASE)), None)


def detect_fields(fields: list[str], kind: str, code_field: str | None = None, name_field: str | None = None) -> tuple[str, str | None]:
    """The code and name fields of a file of ``kind`` areas, or ``RefusedFile`` saying what
    fields it has and how to choose. The name is optional."""
    listed = ", ".join(fields) if fields else "none"
    if code_field is not None:
        code = _match(fields, re.escape(code_field))
        if code is None:
            raise RefusedFile(f"no field {code_field!r} (given as the code field): the file has fields {listed}")
    else:
        patterns = [FIELDS[kind][0]] if kind in FIELDS else []
        code = next((c for c in (_match(fields, p) for p in [*patterns, "code"]) if c), None)
        if code is None:
            hint = "".join(
                f"; its field {found} suggests kind {other}"
                for other, (pattern, _) in FIELDS.items()
                if other != kind and (found := _match(fields, pattern))
            )
            raise RefusedFile(
                f"no area code field for kind {kind}: expected a field like {' or '.join(dict.fromkeys([EXAMPLE[kind], 'code']))}, but the file has fields {listed}"
                f"{hint}. Say which field holds the code (code_field) and the name (name_field)",
                field="code_field",
            )
    if name_field is not None:
        name = _match(fields, re.escape(name_field))
        if name is None:
            raise RefusedFile(f"no field {name_field!r} (given as the name field): the file has fields {listed}")
    else:
        patterns = [FIELDS[kind][1]] if kind in FIELDS else []
        name = next((n for n in (_match(fields, p) for p in [*patterns, "name"]) if n), None)
    return code, name


def _plain(value):
    """A field value as plain JSON-able Python (None for missing)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _code(value) -> str | None:
    value = _plain(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = None if value is None else str(value).strip()
    return text or None


# --- geometry -------------------------------------------------------------------------


def _polygonal(geom) -> shapely.Geometry | None:
    """The polygons of ``geom`` (e.g. what ``make_valid`` returns) as one (Multi)Polygon."""
    polys = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            if not part.is_empty and part.area > 0:
                polys.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            inner = _polygonal(part)
            if inner is not None:
                polys.extend(shapely.get_parts(inner))
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _is_wgs84(crs: str) -> bool:
    try:
        return CRS.from_user_input(crs).equals(CRS.from_epsg(4326), ignore_axis_order=True)
    except CRSError:
        return False


def _to_lonlat(geoms: np.ndarray, crs: str | None, notes: dict) -> np.ndarray:
    """``geoms`` in WGS84 lon/lat; a file with no CRS is taken as lon/lat only if its
    coordinates can be, and refused otherwise."""
    geoms = shapely.force_2d(geoms)
    if crs is None:
        bounds = shapely.total_bounds(geoms[~shapely.is_missing(geoms)]) if len(geoms) else np.full(4, np.nan)
        if np.isnan(bounds).all() or (np.abs(bounds[[0, 2]]) <= 180).all() and (np.abs(bounds[[1, 3]]) <= 90).all():
            notes["crs"] = "none given: read as WGS84 lon/lat"
            return geoms
        raise RefusedFile(
            "the file has no coordinate reference system (a shapefile without its .prj?) and its coordinates are not "
            "longitude/latitude: add the .prj, or save the file as GeoJSON or GeoPackage with its CRS"
        )
    notes["crs"] = crs if len(crs) < 60 else CRS.from_user_input(crs).to_string()
    if _is_wgs84(crs):
        return geoms
    try:
        geo.check_crs(crs)
    except ValueError as exc:
        raise RefusedFile(str(exc)) from None
    return shapely.transform(geoms, lambda x, y: geo.transform(x, y, crs, geo.WGS84), interleaved=False)


# --- reading one file -----------------------------------------------------------------


@dataclass
class ParsedAreas:
    """One file (or GeoPackage layer) read and checked, ready to write."""

    path: str  # as shown to the user
    ident: str  # absolute path (+ !member, #layer): what a re-load of the same file matches
    name: str  # file name, for the quarantine
    sha256: str = ""
    rows: list[dict] = field(default_factory=list)  # code, name, geometry (WKB), area_km2
    rejected: list[Rejected] = field(default_factory=list)
    rows_read: int = 0
    refused: str | None = None
    notes: dict = field(default_factory=dict)


def _source(item: InputFile) -> tuple[str, str]:
    """The path GDAL reads, and the file's identity for re-loads."""
    if item.archive is None:
        path = str(Path(item.path).resolve())
        return path, path
    archive = str(Path(item.archive).resolve())
    return f"/vsizip/{archive}/{item.name}", f"{archive}!{item.name}"


def _layers(gdal_path: str) -> list[str | None]:
    """The layers to read: the only one, or every layer with polygons (a GeoPackage may hold several)."""
    layers = pyogrio.list_layers(gdal_path)
    if len(layers) <= 1:
        return [None]
    polygonal = [str(name) for name, gtype in layers if gtype and "polygon" in str(gtype).lower()]
    return polygonal or [str(layers[0][0])]


def _one_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def read_areas(item: InputFile, kind: str, code_field: str | None = None, name_field: str | None = None) -> list[ParsedAreas]:
    """Reads one file (each polygon layer of a GeoPackage) and checks every feature."""
    gdal_path, ident = _source(item)
    try:
        layers = _layers(gdal_path)
    except READ_ERRORS as exc:
        return [ParsedAreas(item.path, ident, item.name, refused=f"cannot read the file as GeoJSON, GeoPackage or Shapefile: {_one_line(exc)}")]
    out = []
    for layer in layers:
        suffix = "" if layer is None else f"#{layer}"
        parsed = ParsedAreas(item.path + suffix, ident + suffix, PurePosixPath(item.name).name + suffix)
        try:
            parsed.sha256 = item.sha256()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                meta, _, wkb, values = pyogrio.raw.read(gdal_path, layer=layer)
            _check_features(parsed, meta, wkb, values, kind, code_field, name_field)
        except RefusedFile as exc:
            parsed.refused = str(exc)
        except READ_ERRORS as exc:  # not a vector file, truncated, unsupported
            parsed.refused = f"cannot read the file as GeoJSON, GeoPackage or Shapefile: {_one_line(exc)}"
        out.append(parsed)
    return out


def _check_features(parsed: ParsedAreas, meta: dict, wkb, values: list, kind: str, code_field: str | None, name_field: str | None) -> None:
    fields = [str(f) for f in meta["fields"]]
    code_col, name_col = detect_fields(fields, kind, code_field, name_field)
    parsed.notes.update(code_field=code_col, name_field=name_col)
    columns = dict(zip(fields, values))
    n = len(wkb)
    parsed.rows_read = n
    geoms = shapely.from_wkb(np.asarray(wkb, dtype=object), on_invalid="ignore")
    geoms = _to_lonlat(geoms, meta.get("crs"), parsed.notes)
    valid = shapely.is_valid(geoms)
    first_line: dict[str, int] = {}
    repaired = 0

    def reject(i: int, reason: str) -> None:
        props = {f: _plain(columns[f][i]) for f in fields}
        parsed.rejected.append(Rejected(i + 1, json.dumps(props, ensure_ascii=False, default=str), reason))

    for i in range(n):
        code = _code(columns[code_col][i])
        name = _code(columns[name_col][i]) if name_col else None
        geom = geoms[i]
        if code is None:
            reject(i, f"no area code (field {code_col} is empty)")
            continue
        if len(code) > MAX_CODE:
            reject(i, f"area code longer than {MAX_CODE} characters")
            continue
        if name is not None and len(name) > MAX_NAME:
            reject(i, f"area name longer than {MAX_NAME} characters")
            continue
        if "\x00" in code or (name is not None and "\x00" in name):
            reject(i, NUL)
            continue
        if geom is None:
            reject(i, "no geometry" if wkb[i] is None else "geometry cannot be read (e.g. a ring with fewer than 4 points)")
            continue
        if geom.is_empty:
            reject(i, "empty geometry")
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            reject(i, f"not a polygon ({geom.geom_type})")
            continue
        if not valid[i]:
            why = shapely.is_valid_reason(geom)
            fixed = _polygonal(shapely.make_valid(geom))
            if fixed is None or not fixed.is_valid:
                reject(i, f"invalid polygon that cannot be repaired ({why})")
                continue
            geom = fixed
            repaired += 1
        minx, miny, maxx, maxy = geom.bounds
        if not (abs(minx) <= 180 and abs(maxx) <= 180 and abs(miny) <= 90 and abs(maxy) <= 90):
            reject(i, "coordinates are not longitude/latitude after transformation: is the file's coordinate system right?")
            continue
        if code in first_line:
            reject(i, f"area code {code} repeated (first given by feature {first_line[code]})")
            continue
        first_line[code] = i + 1
        parsed.rows.append({"code": code, "name": name, "geometry": shapely.to_wkb(geom), "area_km2": geo.area_km2(geom)})
    if repaired:
        parsed.notes["repaired"] = repaired


# --- writing --------------------------------------------------------------------------


def _new_load(conn: Connection, kind: str, ident: str, name: str, sha: str, rows_read: int, quarantined: int) -> int:
    return conn.execute(
        insert(Load)
        .values(source_id=None, kind=kind, path=storable(ident), name=storable(name), sha256=sha, loaded_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                rows_read=rows_read, inserted=0, updated=0, unchanged=0, quarantined=quarantined)
        .returning(Load.id)
    ).scalar_one()  # fmt: skip


def _replace_quarantine(conn: Connection, load_id: int, qkind: str, ident: str, file: str, rejected: list[Rejected]) -> None:
    """The quarantine of this file replaces that of any earlier load of the same file."""
    earlier = select(Load.id).where(Load.kind == qkind, Load.path == storable(ident), Load.id != load_id)
    conn.execute(delete(Quarantine).where(Quarantine.kind == qkind, Quarantine.load_id.in_(earlier)))
    if rejected:
        conn.execute(
            insert(Quarantine),
            [{"load_id": load_id, "kind": qkind, "file": storable(file), "line": r.line, "raw": storable(r.raw, RAW_LIMIT), "reason": storable(r.reason)}
             for r in rejected],
        )


def _existing(conn: Connection, kind: str, codes: list[str], *columns) -> dict[str, tuple]:
    found = {}
    for start in range(0, len(codes), 1000):
        part = codes[start : start + 1000]
        for row in conn.execute(select(Area.code, Area.id, *columns).where(Area.kind == kind, Area.code.in_(part))):
            found[row[0]] = tuple(row[1:])
    return found


def write_areas(engine: Engine, parsed: ParsedAreas, kind: str) -> FileReport:
    """Writes one checked file in one transaction; the report's counts add up."""
    report = FileReport(parsed.path, kind, refused=parsed.refused, notes=dict(parsed.notes))
    if parsed.refused:
        return report
    inserted = updated = unchanged = 0
    with engine.begin() as conn:
        load_id = _new_load(conn, QUARANTINE_KIND, parsed.ident, parsed.name, parsed.sha256, parsed.rows_read, len(parsed.rejected))
        old = _existing(conn, kind, [r["code"] for r in parsed.rows], Area.name, Area.geometry)
        new, changed = [], []
        for row in parsed.rows:
            before = old.get(row["code"])
            if before is None:
                new.append(row | {"kind": kind, "load_id": load_id})
            elif before[1] != row["name"] or bytes(before[2]) != row["geometry"]:
                changed.append({"_id": before[0], "_name": row["name"], "_geometry": row["geometry"], "_km2": row["area_km2"], "_load": load_id})
            else:
                unchanged += 1
        if new:
            conn.execute(insert(Area), new)
        if changed:
            conn.execute(
                update(Area)
                .where(Area.id == bindparam("_id"))
                .values(name=bindparam("_name"), geometry=bindparam("_geometry"), area_km2=bindparam("_km2"), load_id=bindparam("_load")),
                changed,
            )
        inserted, updated = len(new), len(changed)
        _replace_quarantine(conn, load_id, QUARANTINE_KIND, parsed.ident, parsed.name, parsed.rejected)
        conn.execute(update(Load).where(Load.id == load_id).values(inserted=inserted, updated=updated, unchanged=unchanged))
    report.rows_read = parsed.rows_read
    report.inserted, report.updated, report.unchanged = inserted, updated, unchanged
    report.quarantined = len(parsed.rejected)
    report.quarantined_by_reason = dict(Counter(r.reason for r in parsed.rejected).most_common())
    report.check()
    return report


# --- population -----------------------------------------------------------------------

CODE_COLUMN = re.compile(r"^([a-z]+ ?\d\d ?cd|(.* )?codes?|mnemonic)$")
POPULATION_COLUMN = re.compile(r"^(.*population.*|all ages|all persons|persons|.*\btotal\b.*|pop|(all )?usual residents|observation)$")


def _normal(column: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", column.lower()).strip()


@dataclass
class Population:
    """A population CSV read and checked: (line, code, population) rows and rows refused."""

    path: str
    sha256: str
    code_column: str
    population_column: str
    rows: list[tuple[int, str, int]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.rejected)


def _population_header(lines: list[list[str]]) -> tuple[int, int, int] | None:
    """(header line index, code column, population column) among the first 20 lines."""
    for h, header in enumerate(lines[:20]):
        names = [_normal(c) for c in header]
        code_i = next((i for i, c in enumerate(names) if CODE_COLUMN.match(c)), None)
        pop_i = next((i for i, c in enumerate(names) if POPULATION_COLUMN.match(c)), None)
        if code_i is not None and pop_i is not None:
            return h, code_i, pop_i
    return None


def read_population(path: str) -> Population:
    """Reads a CSV of area code and population; ``Invalid`` (one line, field
    ``population``) if it cannot be read or has no recognisable columns. A header may
    follow a few title lines. The file is small (one row per area), so it is read whole,
    up to ``MAX_POPULATION_MB``."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_POPULATION_MB << 20:
            raise Invalid(f"the population file {path} is larger than {MAX_POPULATION_MB} MiB: it should hold one row per area", field="population")
        data = Path(path).read_bytes()
    except OSError as exc:
        raise Invalid(f"cannot read the population file {path}: {exc.strerror or exc}", field="population") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", "replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        lines = list(reader)
    except csv.Error as exc:
        raise Invalid(f"the population file {path} cannot be read as CSV (line {reader.line_num}: {exc})", field="population") from None
    found = _population_header(lines)
    if found is None:
        first = lines[0] if lines else []
        raise Invalid(
            f"the population file {path} has no area code and population columns (looked for names like code, LSOA11CD, "
            f"LSOA 2021 Code and population, All Ages, Total); its first line is: {', '.join(first[:12]) or 'empty'}",
            field="population",
        )
    h, code_i, pop_i = found
    pop = Population(path, hashlib.sha256(data).hexdigest(), lines[h][code_i], lines[h][pop_i])
    seen: dict[str, int] = {}
    for number, values in enumerate(lines[h + 1 :], start=h + 2):
        if not any(v.strip() for v in values):
            continue
        raw = ",".join(values)
        code = values[code_i].strip() if code_i < len(values) else ""
        value = values[pop_i].strip().replace(",", "").replace(" ", "") if pop_i < len(values) else ""
        if not code:
            pop.rejected.append(Rejected(number, raw, f"missing {pop.code_column}"))
            continue
        try:
            number_value = float(value)
            if not number_value.is_integer() or number_value < 0:
                raise ValueError
        except ValueError:
            pop.rejected.append(Rejected(number, raw, f"{pop.population_column} is not a whole number of people ({value!r})"))
            continue
        if code in seen:
            pop.rejected.append(Rejected(number, raw, f"area code {code} repeated (first on line {seen[code]})"))
            continue
        seen[code] = number
        pop.rows.append((number, code, int(number_value)))
    return pop


def attach_population(engine: Engine, kind: str, pop: Population) -> FileReport:
    """Sets the population of the ``kind`` areas named in ``pop`` (one transaction). Rows
    naming no loaded area are quarantined; areas left at 0 or without a population are
    flagged in the notes."""
    report = FileReport(pop.path, POPULATION_KIND, notes={"code_column": pop.code_column, "population_column": pop.population_column})
    ident = str(Path(pop.path).resolve())
    name = Path(pop.path).name
    rejected = list(pop.rejected)
    unmatched_reason = f"area code not among the loaded {kind} areas"
    with engine.begin() as conn:
        load_id = _new_load(conn, POPULATION_KIND, ident, name, pop.sha256, pop.rows_read, 0)
        old = _existing(conn, kind, [code for _, code, _ in pop.rows], Area.population)
        changes, unchanged, unmatched = [], 0, []
        for line, code, value in pop.rows:
            if code not in old:
                unmatched.append(code)
                rejected.append(Rejected(line, f"{code},{value}", unmatched_reason))
            elif old[code][1] == value:
                unchanged += 1
            else:
                changes.append({"_id": old[code][0], "_pop": value})
        if changes:
            conn.execute(update(Area).where(Area.id == bindparam("_id")).values(population=bindparam("_pop")), changes)
        rejected.sort(key=lambda r: r.line or 0)
        _replace_quarantine(conn, load_id, POPULATION_KIND, ident, name, rejected)
        conn.execute(
            update(Load).where(Load.id == load_id).values(updated=len(changes), unchanged=unchanged, quarantined=len(rejected))
        )
        total = conn.execute(select(func.count()).select_from(Area).where(Area.kind == kind)).scalar_one()
        missing = conn.execute(select(func.count()).select_from(Area).where(Area.kind == kind, Area.population.is_(None))).scalar_one()
        zero = conn.execute(select(Area.code).where(Area.kind == kind, Area.population == 0).order_by(Area.code)).scalars().all()
    report.rows_read = pop.rows_read
    report.updated, report.unchanged = len(changes), unchanged
    report.quarantined = len(rejected)
    report.quarantined_by_reason = dict(Counter(r.reason for r in rejected).most_common())
    warnings_: list[str] = []
    if zero:
        warnings_.append(f"{len(zero):,} {kind} areas have population 0: rates per head are undefined there ({', '.join(zero[:10])}{' ...' if len(zero) > 10 else ''})")
    if missing:
        warnings_.append(f"{missing:,} of {total:,} {kind} areas have no population (their codes are not in this file)")
    if unmatched:
        warnings_.append(f"{len(unmatched):,} codes in the file match no loaded {kind} area")
    report.notes |= {
        "codes_matched": len(changes) + unchanged,
        "csv_codes_unmatched": len(unmatched),
        "csv_codes_unmatched_sample": unmatched[:10],
        "areas": total,
        "areas_without_population": missing,
        "areas_population_zero": len(zero),
        "areas_population_zero_codes": zero[:50],
        "warnings": warnings_,
    }
    report.check()
    return report


# --- the command ----------------------------------------------------------------------


def load_areas(
    engine: Engine,
    paths: list[str],
    kind: str,
    *,
    code_field: str | None = None,
    name_field: str | None = None,
    population_csv: str | None = None,
    tick: Tick | None = None,
) -> LoadReport:
    """Loads area files of one ``kind`` (lsoa, ward, district, custom), attaches a
    population CSV if given, then places every event in the areas of ``kind``.

    ``ValueError`` for an unknown kind or an unusable population file (checked before
    anything is written). A missing path or unreadable file is reported, and the other
    files still load. ``tick(name, 1)`` is called after each file."""
    check_kind(kind)
    population = read_population(population_csv) if population_csv else None
    items, missing = expand(paths, SUFFIXES)
    report = LoadReport(missing=[{"path": p, "error": e} for p, e in missing])
    for item in items:
        for parsed in read_areas(item, kind, code_field, name_field):
            report.files.append(write_areas(engine, parsed, kind))
        if tick:
            tick(item.name, 1)
    if population is not None:
        report.files.append(attach_population(engine, kind, population))
    if tick:
        tick(f"placing events in {kind} areas", 0)
    report.areas = assign_kind(engine, kind)
    return report
