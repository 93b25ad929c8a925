"""Loading area attributes (``sara load area-attribute``): a named value per area from a CSV,
such as deprivation (the English Indices of Deprivation's IMD score, rank and decile per LSOA,
or a ward-level extract), for the SOC local profile and any ranking of areas.

The file has a header line, then one row per area. Which column holds the area codes is said
(``code_column``) or found: the column whose values are most often codes of the loaded areas
of the kind. The measures are the columns named (``value_columns``), else every other column
holding numbers (a column with no number in it, such as a name, is left out and said so). Each
row is loaded or quarantined with its reason, never dropped: no area code; a code repeated in
the file; a code of no loaded area of the kind; a value that is not a number; no value at all.
An empty cell leaves that measure unset for the area. So ``rows_read = inserted + updated +
unchanged + quarantined``: a row is inserted when the area had no value of the attribute
before, updated when a value changed, unchanged otherwise. One transaction per file.

Example::

    report = load_attribute(engine, "imd-wards.csv", "deprivation", "ward")
    attribute_values(engine, "deprivation", "ward")  # {"IMD score": {"E05010001": 31.2, ...}}
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, bindparam, func, insert, select, update

from sara.errors import Invalid
from sara.intake.areas import _existing, _new_load, _replace_quarantine, check_kind
from sara.intake.report import FileReport, LoadReport
from sara.intake.rows import Rejected
from sara.store.schema import Area, Load
from sara.store.schema.area_attributes import AreaAttribute

KIND = "area_attribute"
MAX_MB = 64
MAX_MEASURE = 200
NAME = re.compile(r"[a-z][a-z0-9_]{0,59}")


@dataclass
class AttributeFile:
    """A CSV of area codes and values, read whole (one row per area: small): its header and rows."""

    path: str
    sha256: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number, values)


def check_name(name: str) -> str:
    """The attribute's name, lower case: a letter, then letters, digits or underscores."""
    named = (name or "").strip().lower()
    if not NAME.fullmatch(named):
        raise Invalid(f"{name!r} is not an attribute name", field="name", fix="use a short name of letters, digits and underscores, e.g. deprivation")
    return named


def read_file(path: str) -> AttributeFile:
    """The CSV at ``path``; ``Invalid`` (field ``path``) if it cannot be read as one."""
    try:
        if Path(path).stat().st_size > MAX_MB << 20:
            raise Invalid(f"the attribute file {path} is larger than {MAX_MB} MiB: it should hold one row per area", field="path")
        data = Path(path).read_bytes()
    except OSError as exc:
        raise Invalid(f"cannot read the attribute file {path}: {exc.strerror or exc}", field="path") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", "replace")
    reader = csv.reader(io.StringIO(text.replace("\x00", ""), newline=""))
    try:
        lines = list(reader)
    except csv.Error as exc:
        raise Invalid(f"the attribute file {path} cannot be read as CSV (line {reader.line_num}: {exc})", field="path") from None
    if not lines or not any(c.strip() for c in lines[0]):
        raise Invalid(f"the attribute file {path} is empty", field="path", fix="give a CSV with a header line, then one row per area")
    header = [c.strip() for c in lines[0]]
    rows = [(n, values) for n, values in enumerate(lines[1:], start=2) if any(v.strip() for v in values)]
    return AttributeFile(path, hashlib.sha256(data).hexdigest(), header, rows)


def _number(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", ""))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _column(header: list[str], name: str, field: str) -> int:
    if name in header:
        return header.index(name)
    loose = {c.lower(): i for i, c in enumerate(header)}
    if name.strip().lower() in loose:
        return loose[name.strip().lower()]
    raise Invalid(f"the file has no column {name!r} (its columns are {', '.join(repr(c) for c in header[:12])})", field=field,
                  fix="name one of its columns")  # fmt: skip


def _code_column(f: AttributeFile, codes: set[str], given: str | None) -> int:
    """The column named, or the one whose values are most often codes of the loaded areas."""
    if given:
        return _column(f.header, given, "code_column")
    hits = [sum(1 for _, v in f.rows if i < len(v) and v[i].strip() in codes) for i in range(len(f.header))]
    best = max(range(len(hits)), key=lambda i: hits[i]) if hits else 0
    if not hits or hits[best] == 0:
        raise Invalid(f"no column of {Path(f.path).name} holds codes of the loaded areas of this kind (its columns are "
                      f"{', '.join(repr(c) for c in f.header[:12])})", field="code_column",
                      fix="check the kind (a ward file's codes look like E05..., an LSOA file's like E01...), or name the code column")  # fmt: skip
    return best


def _value_columns(f: AttributeFile, code: int, given: list[str] | None) -> tuple[list[int], list[str]]:
    """The measures' columns (named, else every other column with a number in it) and those left out."""
    if given:
        cols = [_column(f.header, g, "value_columns") for g in given]
        if code in cols:
            raise Invalid(f"{f.header[code]!r} is the code column, not a value", field="value_columns")
        return list(dict.fromkeys(cols)), []
    others = [i for i in range(len(f.header)) if i != code]
    cols = [i for i in others if any(i < len(v) and _number(v[i]) is not None for _, v in f.rows)]
    if not cols:
        raise Invalid(f"no column of {Path(f.path).name} besides the codes holds numbers", field="value_columns",
                      fix="give a CSV with a column of values per area, e.g. an IMD score")  # fmt: skip
    return cols, [f.header[i] for i in others if i not in cols]


def _check_rows(f: AttributeFile, code: int, cols: list[int], known: set[str], kind: str) -> tuple[list, list[Rejected], list[str]]:
    """(line, code, {measure: value}) of the good rows, the rows refused with their reasons,
    and the codes of no loaded area."""
    good, rejected, seen, unmatched = [], [], {}, []
    for line, values in f.rows:
        raw = ",".join(values)
        area = values[code].strip() if code < len(values) else ""
        cells = {f.header[i]: (values[i].strip() if i < len(values) else "") for i in cols}
        bad = [m for m, t in cells.items() if t and _number(t) is None]
        if not area:
            rejected.append(Rejected(line, raw, f"missing {f.header[code]}"))
        elif area in seen:
            rejected.append(Rejected(line, raw, f"area code {area} repeated (first on line {seen[area]})"))
        elif area not in known:
            rejected.append(Rejected(line, raw, f"area code not among the loaded {kind} areas"))
            unmatched.append(area)
        elif bad:
            rejected.append(Rejected(line, raw, f"{bad[0]} is not a number ({cells[bad[0]]!r})"))
        elif not any(cells.values()):
            rejected.append(Rejected(line, raw, f"no value in {', '.join(cells)}"))
        else:
            good.append((line, area, {m: _number(t) for m, t in cells.items() if t}))
        if area:
            seen.setdefault(area, line)
    return good, rejected, unmatched


def load_attribute(engine: Engine, path: str, name: str, kind: str, *, code_column: str | None = None, value_columns: list[str] | None = None) -> LoadReport:
    """Loads the attribute ``name`` of the ``kind`` areas from the CSV ``path`` (one
    transaction); the report's counts add up and its notes say which columns were used, which
    left out, the codes of no loaded area and how many areas have a value."""
    name, kind = check_name(name), check_kind(kind)
    f = read_file(path)
    known = set(_existing_codes(engine, kind))
    if not known:
        raise Invalid(f"no {kind} areas are loaded", field="kind", fix=f"load the {kind} boundaries first")
    code = _code_column(f, known, code_column)
    cols, left_out = _value_columns(f, code, value_columns)
    long = [f.header[i] for i in cols if len(f.header[i]) > MAX_MEASURE or not f.header[i]]
    if long:
        raise Invalid(f"a value column needs a header of 1 to {MAX_MEASURE} characters ({long[0][:40]!r})", field="value_columns")
    good, rejected, unmatched = _check_rows(f, code, cols, known, kind)
    report = FileReport(f.path, KIND, rows_read=len(f.rows))
    t = AreaAttribute.__table__
    ident = f"{Path(path).resolve()}#{kind}:{name}"
    with engine.begin() as conn:
        load_id = _new_load(conn, KIND, ident, Path(path).name, f.sha256, len(f.rows), 0)
        ids = {c: v[0] for c, v in _existing(conn, kind, [c for _, c, _ in good]).items()}
        held: dict[int, dict[str, tuple[int, float]]] = {}
        for row_id, area_id, measure, value in conn.execute(select(t.c.id, t.c.area_id, t.c.measure, t.c.value).where(t.c.name == name)):
            held.setdefault(area_id, {})[measure] = (row_id, value)
        new, changed = [], []
        for _, area, values in good:
            before = held.get(ids[area], {})
            adds = [{"area_id": ids[area], "name": name, "measure": m, "value": v, "load_id": load_id} for m, v in values.items() if m not in before]
            edits = [{"_id": before[m][0], "_value": v, "_load": load_id} for m, v in values.items() if m in before and before[m][1] != v]
            new += adds
            changed += edits
            report.inserted += not before
            report.updated += bool(before) and bool(adds or edits)
            report.unchanged += bool(before) and not (adds or edits)
        if new:
            conn.execute(insert(t), new)
        if changed:
            conn.execute(update(t).where(t.c.id == bindparam("_id")).values(value=bindparam("_value"), load_id=bindparam("_load")), changed)
        _replace_quarantine(conn, load_id, KIND, ident, Path(path).name, rejected)
        conn.execute(update(Load).where(Load.id == load_id).values(inserted=report.inserted, updated=report.updated, unchanged=report.unchanged,
                                                                   quarantined=len(rejected)))  # fmt: skip
        with_value = conn.execute(select(func.count(func.distinct(t.c.area_id))).join(Area, Area.id == t.c.area_id)
                                  .where(t.c.name == name, Area.kind == kind)).scalar_one()  # fmt: skip
    report.quarantined = len(rejected)
    report.quarantined_by_reason = dict(Counter(r.reason for r in rejected).most_common())
    warnings = [f"{len(unmatched):,} {'code' if len(unmatched) == 1 else 'codes'} in the file match no loaded {kind} area"] if unmatched else []
    if with_value < len(known):
        warnings.append(f"no {name} value for {len(known) - with_value:,} of the {len(known):,} {kind} areas")
    report.notes = {"attribute": name, "area_kind": kind, "code_column": f.header[code], "measures": [f.header[i] for i in cols], "columns_left_out": left_out,
                    "codes_unmatched": len(unmatched), "codes_unmatched_sample": unmatched[:10], "areas": len(known), "areas_with_value": with_value,
                    "warnings": warnings}  # fmt: skip
    report.check()
    return LoadReport(files=[report])


def _existing_codes(engine: Engine, kind: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(Area.code).where(Area.kind == kind)).scalars())


def attribute_values(engine: Engine, name: str, kind: str) -> dict[str, dict[str, float]]:
    """``{measure: {area code: value}}`` of the attribute ``name`` of the ``kind`` areas, the
    measures in the order they were first loaded (the file's); empty if none is loaded."""
    t = AreaAttribute.__table__
    out: dict[str, dict[str, float]] = {}
    with engine.connect() as conn:
        for measure, code, value in conn.execute(select(t.c.measure, Area.code, t.c.value).join(Area, Area.id == t.c.area_id)
                                                 .where(t.c.name == name, Area.kind == kind).order_by(t.c.id)):  # fmt: skip
            out.setdefault(measure, {})[code] = value
    return out


def attribute_kinds(engine: Engine, name: str) -> list[str]:
    """The area kinds that have a value of the attribute ``name``."""
    t = AreaAttribute.__table__
    with engine.connect() as conn:
        return sorted(conn.execute(select(Area.kind).join(t, t.c.area_id == Area.id).where(t.c.name == name).distinct()).scalars())
