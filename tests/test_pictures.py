"""Pictures speak in words: titles and subtitles without Python lists or raw floats, maps over
the loaded boundaries with their names, repeat bars labelled by street, and months outside
the data never drawn as zeros. Checked on what each service asks to draw (``Picture``) and on
the artists matplotlib is given, not on pixels; the real Derbyshire data, with its wards."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

import numpy as np
import pytest
import shapely

from sara.report import pictures, words
from sara.services import Context
from sara.services import scan as service
from sara.services.scan import Filters
from sara.store.engine import connect
from tests.conftest import ROOT, loaded_database

ASB = ("Anti-social behaviour",)
NOT_WORDS = re.compile(r"[\[\]{}]|\d\.\d{4,}|'")  # a Python list or dict, a raw float, a repr's quotes


@pytest.fixture(scope="module")
def ctx(tmp_path_factory) -> Context:
    """The 12 real Derbyshire months placed in the 2016 wards."""
    return Context(connect(loaded_database(tmp_path_factory.mktemp("wards"), "derbyshire-wards2016.geojson.zip")))


@pytest.fixture
def drawn(monkeypatch):
    """The figures the drawings make, kept open to look at their artists."""
    import matplotlib.pyplot as plt

    figures = []
    monkeypatch.setattr(plt, "close", figures.append)
    yield figures
    monkeypatch.undo()
    plt.close("all")


def texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [ax.get_title(loc="left") for ax in fig.axes]


def test_words_for_months_lists_and_numbers():
    assert words.months("2025-01", "2025-06") == "January to June 2025"
    assert words.months("2024-11", "2025-03") == "November 2024 to March 2025"
    assert words.months("2025-03", None) == "from March 2025" and words.months(None, None) == ""
    assert words.listed(["Burglary", "Robbery", "Drugs"]) == "Burglary, Robbery and Drugs"
    assert words.categories("all") == "crime and ASB" and words.categories(["Burglary"]) == "Burglary"
    assert words.metres(1820.1887747807205) == "1,820 m" and words.metres(12_500) == "12.5 km"
    assert [words.number(v) for v in (435_210.0, 435_210, 12.44, 0.0123, 0.000012, True, None)] == ["435,210", "435,210", "12.4", "0.0123", "<0.001", "yes", ""]
    assert words.column([-18.1, -5.3, 8.3]) == ["-18.1", "-5.3", "8.3"]  # one decimal each, not "-5.30"
    assert words.column([1085.48, 2648.8, 3846.0]) == ["1,085", "2,649", "3,846"]
    assert words.selection({"categories": ["Anti-social behaviour"], "area": "E05001770", "area_name": "Arboretum", "from": "2025-01", "to": "2025-06"}) == (
        "Anti-social behaviour in Arboretum (E05001770), January to June 2025"
    )


def scans(ctx: Context) -> dict[str, service.Scan]:
    both = {"train_from": "2025-01", "train_to": "2025-06", "test_from": "2025-07", "test_to": "2025-12"}
    return {
        "gistar": service.hotspots(ctx, filters=Filters(ASB, "Arboretum"), cell_size=100, picture=True),
        "kde": service.hotspots(ctx, filters=Filters(("Burglary",), "Abbey"), method="kde", cell_size=100, picture=True),
        "emerging": service.emerging(ctx, filters=Filters(ASB), cell_size=2000, picture=True),
        "repeats": service.repeats(ctx, filters=Filters(ASB), picture=True),
        "times": service.times(ctx, filters=Filters(("Burglary",), start="2025-03", end="2025-08"), picture=True),
        "monthly": service.trends(ctx, filters=Filters(ASB), monthly=True, picture=True),
        "compare": service.trends(ctx, end="2025-12", months=6, picture=True),
        "by ward": service.trends(ctx, filters=Filters(ASB), by="ward", end="2025-12", months=6, picture=True),
        "harm": service.harm(ctx, by="ward", picture=True),
        "accuracy": service.accuracy(ctx, filters=Filters(ASB, "Arboretum"), cell_size=100, picture=True, **both),
    }


@pytest.fixture(scope="module")
def every(ctx) -> dict[str, service.Scan]:
    return scans(ctx)


def test_every_title_and_subtitle_is_words(every):
    for name, scan in every.items():
        picture = scan.picture
        assert picture.title, name
        assert not NOT_WORDS.search(picture.title + " " + picture.subtitle), (name, picture.title, picture.subtitle)
    assert every["gistar"].picture.subtitle.startswith("Anti-social behaviour in Arboretum (E05001770); 100 m square cells; hot or cold at")
    assert re.search(r"quartic kernel, bandwidth [\d,]+ m \(chosen automatically\)", every["kde"].picture.subtitle)
    assert "July to December 2025 against January to June 2025" in every["compare"].picture.subtitle


def test_maps_are_drawn_over_the_loaded_boundaries_with_their_names(every, drawn, tmp_path):
    areas = every["gistar"].picture.args["areas"]
    county = every["emerging"].picture.args["areas"]

    assert areas.kind == "ward" and "Arboretum" in areas.names and areas.outline is not None
    assert county.kind == "ward" and len(county.shapes) > 40 and not any(county.names)  # too many to name: drawn, not labelled
    pictures.draw(every["gistar"].picture, tmp_path / "hotspots.png")
    [fig] = drawn
    assert "Arboretum" in texts(fig) and "Hot and cold spots (Getis-Ord Gi*)" in texts(fig)
    assert any(t.get_text().endswith("m") and t.get_text()[0].isdigit() for t in fig.axes[0].texts)  # a scale bar


def test_cells_and_areas_in_tables_are_named(every):
    gistar, harm = every["gistar"].result.table, every["harm"].result.table

    assert gistar.filter(gistar["n"] > 0)["ward"].drop_nulls().unique().to_list() != []
    assert harm["name"].null_count() == 0 and every["by ward"].result.table["name"].drop_nulls().len() > 100


def test_repeat_bars_are_labelled_by_the_street_and_its_ward(every):
    labels = every["repeats"].picture.args["labels"]

    assert len(labels) == 20 and all(label.startswith("On or near ") for label in labels)
    assert len(set(labels)) == 20  # two points of one street and ward say where (which LSOA, when LSOAs are loaded)
    assert every["repeats"].picture.title == "Repeat locations: the 20 with most events"


def test_months_outside_the_data_are_never_drawn_as_zeros(every, drawn, tmp_path):
    months = every["times"].picture
    monthly = every["monthly"].picture

    assert months.args["labels"] == ["Mar", "Apr", "May", "Jun", "Jul", "Aug"]
    assert "Jan, Feb, Sep, Oct, Nov and Dec not in the data, so not drawn" in months.subtitle
    assert monthly.args["x"] == [dt.date(2025, m, 1) for m in range(1, 13)]
    pictures.bars(tmp_path / "gap.png", ["Jan", "Feb", "Mar"], {"previous": [None, None, None], "current": [3, 0, 5]}, title="t")
    [fig] = drawn
    heights = [p.get_width() for p in fig.axes[0].patches]
    assert sum(np.isnan(heights)) == 3 and 0 in heights  # no data is no bar; a zero is a zero


def test_a_premises_map_names_the_areas_around_it(drawn, tmp_path):
    square = shapely.box(445_000, 370_000, 446_000, 371_000)
    around = pictures.Areas("lsoa", [square, shapely.box(446_000, 370_000, 447_000, 371_000)], ["Bolsover 004A", "Bolsover 004C"])

    pictures.points_map(tmp_path / "premises.png", [445_500], [370_500], ["red"], ["PRM-2025-0001 (14)"], colours={"red": "#d4351c"},
                        title="Premises risk register", areas=around)  # fmt: skip

    [fig] = drawn
    assert {"Bolsover 004A", "PRM-2025-0001 (14)"} <= set(texts(fig))


def test_nothing_heavy_is_imported_until_something_is_drawn():
    code = (
        "import sys, sara.cli, sara.report.pictures, sara.services.scan; "
        "print(sorted(m for m in ('matplotlib', 'scipy', 'sara.scan.gistar', 'sara.scan.kde') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    bare = subprocess.run([sys.executable, "-c", "import sys, sara.cli.scan; print(sorted(m for m in ('numpy', 'polars', 'shapely') if m in sys.modules))"],
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip

    assert loaded == "[]" and bare == "[]"
