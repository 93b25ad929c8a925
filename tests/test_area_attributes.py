"""Area attributes (``sara load area-attribute``): a value per area from a CSV, here a
synthetic deprivation file (IMD-shaped score, rank and decile, values made up for the tests)
over the real Derbyshire 2016 wards. Every row loaded or quarantined with its reason, codes of
no loaded ward reported, reloading idempotent, the SOC local profile reading the attribute
where no file is given. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import random

import pytest
from sqlalchemy import func, select

from sara.access.users import add_organisation, add_user, get_actor
from sara.errors import Invalid
from sara.intake.areas import load_areas
from sara.intake.attributes import attribute_values, load_attribute
from sara.services import Context
from sara.services import ocg as soc
from sara.store.schema import Area, Load, Quarantine
from sara.store.schema.area_attributes import AreaAttribute
from tests.cli import PASSWORD, err_json, ok_json, sara
from tests.conftest import ROOT
from tests.test_casework_people import add_events

WARDS = str(ROOT / "demo" / "derbyshire-wards2016.geojson.zip")
HEADER = ["Ward code", "Ward name", "IMD score (synthetic)", "IMD rank (synthetic)", "IMD decile (synthetic)"]
MEASURES = HEADER[2:]


@pytest.fixture
def wards(engine) -> dict[str, str]:
    load_areas(engine, [WARDS], "ward")
    with engine.connect() as conn:
        return dict(conn.execute(select(Area.code, Area.name).where(Area.kind == "ward").order_by(Area.code)).all())


def deprivation_file(path, wards: dict[str, str], extra: list[list[str]] = (), score: dict | None = None) -> tuple[str, dict[str, list[float]]]:
    """A synthetic IMD-shaped CSV of every ward (values drawn at random, ranked; ``score``
    overrides a ward's score as written), then ``extra`` rows; and the values a reader should load."""
    rng = random.Random(21)
    scores = {c: round(rng.uniform(5, 60), 2) for c in wards}
    order = sorted(scores, key=lambda c: -scores[c])
    values = {c: [scores[c], order.index(c) + 1, 1 + order.index(c) * 10 // len(order)] for c in wards}
    written = {c: [(score or {}).get(c, v[0]), *v[1:]] for c, v in values.items()}
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows([c, wards[c], *written[c]] for c in wards)
        w.writerows(extra)
    return str(path), {c: [float(v) for v in vs] for c, vs in written.items() if not isinstance(vs[0], str)}


def test_every_ward_value_is_loaded_and_bad_rows_are_quarantined_with_reasons(engine, wards, tmp_path):
    bolsover_west = "E05003307"
    extra = [["E05999999", "Nowhere", "10", "1", "1"], [bolsover_west, "Bolsover West", "11", "2", "1"], ["", "No code", "12", "3", "1"],
             ["E05003305x", "Typo", "13", "4", "1"], ["W1", "Blank", "", "", ""]]  # fmt: skip
    bad = list(wards)[5]
    path, expected = deprivation_file(tmp_path / "imd-wards-synthetic.csv", wards, extra, score={bad: "n/a"})
    report = load_attribute(engine, path, "deprivation", "ward")
    f = report.files[0]
    assert (f.rows_read, f.inserted, f.updated, f.unchanged, f.quarantined) == (len(wards) + 5, len(wards) - 1, 0, 0, 6)
    assert f.quarantined_by_reason == {"area code not among the loaded ward areas": 3, f"area code {bolsover_west} repeated (first on line "
                                       f"{2 + list(wards).index(bolsover_west)})": 1, "missing Ward code": 1,
                                       "IMD score (synthetic) is not a number ('n/a')": 1}  # fmt: skip
    assert f.notes["code_column"] == "Ward code" and f.notes["measures"] == MEASURES and f.notes["columns_left_out"] == ["Ward name"]
    assert f.notes["codes_unmatched_sample"] == ["E05999999", "E05003305x", "W1"] and f.notes["areas_with_value"] == len(wards) - 1
    assert f.notes["warnings"] == ["3 codes in the file match no loaded ward area", f"no deprivation value for 1 of the {len(wards)} ward areas"]
    got = attribute_values(engine, "deprivation", "ward")
    assert got == {m: {c: v[i] for c, v in expected.items()} for i, m in enumerate(MEASURES)}
    with engine.connect() as conn:
        held = conn.execute(select(Quarantine.line, Quarantine.reason).where(Quarantine.kind == "area_attribute").order_by(Quarantine.line)).all()
        loads = conn.execute(select(Load.rows_read, Load.inserted, Load.quarantined).where(Load.kind == "area_attribute")).all()
    assert len(held) == 6 and held[0].line == 2 + list(wards).index(bad) and loads == [(len(wards) + 5, len(wards) - 1, 6)]


def test_loading_again_changes_only_what_changed(engine, wards, tmp_path):
    path, _ = deprivation_file(tmp_path / "imd.csv", wards)
    load_attribute(engine, path, "deprivation", "ward")
    again = load_attribute(engine, path, "deprivation", "ward").files[0]
    assert (again.inserted, again.updated, again.unchanged, again.quarantined) == (0, 0, len(wards), 0)
    first = list(wards)[0]
    deprivation_file(tmp_path / "imd.csv", wards, score={first: 99.5})
    changed = load_attribute(engine, path, "deprivation", "ward").files[0]
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, len(wards) - 1)
    assert attribute_values(engine, "deprivation", "ward")[MEASURES[0]][first] == 99.5
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AreaAttribute)).scalar_one() == 3 * len(wards)
    only = load_attribute(engine, path, "deprivation", "ward", value_columns=["imd score (synthetic)"], code_column="Ward code").files[0]
    assert only.notes["measures"] == [MEASURES[0]] and only.unchanged == len(wards)


def test_what_cannot_be_loaded_is_refused_saying_how_to_fix_it(engine, wards, tmp_path):
    path, _ = deprivation_file(tmp_path / "imd.csv", wards)
    for kw, message in (({"name": "IMD 2019!"}, "is not an attribute name"), ({"kind": "county"}, "unknown area kind"),
                        ({"kind": "lsoa"}, "no lsoa areas are loaded"), ({"code_column": "Code"}, "the file has no column 'Code'"),
                        ({"value_columns": ["Ward code"]}, "is the code column, not a value"), ({"path": str(tmp_path / "none.csv")}, "cannot read")):  # fmt: skip
        args = {"path": path, "name": "deprivation", "kind": "ward"} | kw
        with pytest.raises(Invalid, match=message):
            load_attribute(engine, args.pop("path"), args.pop("name"), args.pop("kind"), **args)
    (tmp_path / "names.csv").write_text("name,score\nSomewhere,3\n")
    with pytest.raises(Invalid, match="no column of names.csv holds codes of the loaded areas"):
        load_attribute(engine, str(tmp_path / "names.csv"), "deprivation", "ward")
    (tmp_path / "text.csv").write_text(f"code,band\n{list(wards)[0]},high\n")
    with pytest.raises(Invalid, match="besides the codes holds numbers"):
        load_attribute(engine, str(tmp_path / "text.csv"), "deprivation", "ward")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AreaAttribute)).scalar_one() == 0


def test_the_command(engine, db_url, wards, tmp_path):
    add_organisation(engine, "Derbyshire Police", "police")
    add_user(engine, "ana", "Derbyshire Police", "analyst", PASSWORD)
    add_user(engine, "viewer", "Derbyshire Police", "public_viewer", PASSWORD)
    path, _ = deprivation_file(tmp_path / "imd.csv", wards, [["E05999999", "Nowhere", "1", "1", "1"]])
    r = ok_json("load", "area-attribute", path, "--name", "deprivation", "--kind", "ward", "--as", "ana", "--db", db_url)
    assert (r["rows_read"], r["inserted"], r["quarantined"]) == (len(wards) + 1, len(wards), 1)
    assert r["files"][0]["notes"]["codes_unmatched_sample"] == ["E05999999"]
    text = sara("load", "area-attribute", path, "--name", "deprivation", "--kind", "ward", "--value", "IMD decile (synthetic)", "--db", db_url)
    assert text.exit_code == 0, text.output
    assert "measures 'IMD decile (synthetic)'" in text.stdout and "codes of no loaded area: E05999999" in text.stdout and "unchanged" in text.stdout
    assert "--kind: unknown area kind 'county'" in err_json("load", "area-attribute", path, "--name", "deprivation", "--kind", "county", "--db", db_url)
    assert err_json("load", "area-attribute", path, "--name", "deprivation", "--kind", "ward", "--as", "viewer", "--db", db_url).startswith("not allowed")


def test_the_soc_profile_reads_the_loaded_deprivation_unless_a_file_is_given(engine, wards, tmp_path):
    add_organisation(engine, "Bolsover DC", "council")
    add_user(engine, "asb", "Bolsover DC", "problem_owner", PASSWORD)
    ctx = Context(engine, get_actor(engine, "asb"), now=dt.datetime(2026, 1, 5, 9))
    add_events(engine, [("Burglary", "2025-06", None, False)])
    none = soc.profile(ctx, partner=True)
    assert none.tables["soc_wards"].columns[-1] == "groups active" and any("Deprivation: none loaded" in n for n in none.sections[-1].paragraphs)
    path, expected = deprivation_file(tmp_path / "imd.csv", wards)
    load_attribute(engine, path, "deprivation", "ward")
    pack = soc.profile(ctx, partner=True)
    t = pack.tables["soc_wards"]
    assert list(t.columns[-3:]) == [f"deprivation ({m})" for m in MEASURES] and pack.parameters["deprivation"] == "area attribute deprivation"
    code = t.columns.index("code")
    assert {r[code]: list(r[-3:]) for r in t.rows} == expected
    assert any(f"{len(wards)} of {len(wards)} wards have a value" in n for n in pack.sections[-1].paragraphs)
    given = tmp_path / "given.csv"
    given.write_text(f"ward_code,imd_score\n{list(wards)[0]},1.5\n")
    by_file = soc.profile(ctx, partner=True, deprivation=str(given))
    assert by_file.tables["soc_wards"].columns[-1] == "deprivation (imd_score)" and by_file.parameters["deprivation"] == "given.csv"
    assert {r[code]: r[-1] for r in by_file.tables["soc_wards"].rows}[list(wards)[0]] == 1.5
