"""The scrutiny pack kept while its data is unchanged: a second pack of the same period and area
reads no events again and draws no chart again (the page, its PDF and its HTML download share
them), new events or new casework change the next pack, and what a reader may see is counted
for every reader afresh (a partner practitioner never gets the lead's casework).

Computations are counted, not timed: ``_Data`` is what reads the events, ``_drawn_svg`` what
draws a chart with matplotlib; both are wrapped to count their calls and still do their work.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt

import pytest

from sara.access.users import get_actor
from sara.report import documents
from sara.report.pack import Chart, Table
from sara.services import Context, scrutiny
from sara.services.kept import forget
from sara.store.engine import connect
from tests.conftest import FIXTURES
from tests.web import client, copy_of

EVENT_SECTIONS = ("Anti-social behaviour", "Crime", "Drugs", "When")


@pytest.fixture
def counted(monkeypatch) -> dict[str, int]:
    """How many times the events were read and charts drawn, from a worker that keeps nothing yet."""
    calls = {"events read": 0, "charts drawn": 0}
    read, draw = scrutiny._Data, documents._drawn_svg

    def reading(*args, **kwargs):
        calls["events read"] += 1
        return read(*args, **kwargs)

    def drawing(table):
        calls["charts drawn"] += 1
        return draw(table)

    monkeypatch.setattr(scrutiny, "_Data", reading)
    monkeypatch.setattr(documents, "_drawn_svg", drawing)
    forget()
    documents.forget_charts()
    yield calls
    forget()
    documents.forget_charts()


def pack_of(url: str, username: str, **asked):
    engine = connect(url)
    return scrutiny.pack(Context(engine, get_actor(engine, username)), **asked)


def split(made) -> tuple[dict, dict]:
    """The pack's tables counted from events, and its casework tables, by name."""
    events = {t.name: t for s in made.sections if s.title in EVENT_SECTIONS for t in s.tables}
    casework = {t.name: t for s in made.sections if s.title not in EVENT_SECTIONS for t in s.tables}
    return events, casework


def charts_in(made) -> int:
    return sum(t.chart is not None for t in made.tables.values())


def test_a_second_pack_reads_no_events_and_draws_no_chart_again(demo_url, counted):
    first = pack_of(demo_url, "insp.bolsover")
    assert counted == {"events read": 1, "charts drawn": 0}
    documents.page_view(first)
    assert counted["charts drawn"] == charts_in(first) > 5
    second = pack_of(demo_url, "insp.bolsover")
    documents.page_view(second)
    documents.html(second)  # the HTML document (and so the PDF) has the same charts, inline
    assert counted == {"events read": 1, "charts drawn": charts_in(first)}
    assert second.to_json() == first.to_json()
    pack_of(demo_url, "insp.bolsover", area="Bolsover")  # another area is counted anew, and kept under its own key
    pack_of(demo_url, "insp.bolsover", area=" Bolsover ")
    assert counted["events read"] == 2
    forget()
    documents.forget_charts()
    fresh = pack_of(demo_url, "insp.bolsover")
    assert fresh.to_json() == first.to_json()  # kept is what computing gives
    assert documents.html(dataclasses.replace(fresh, made_at=first.made_at)) == documents.html(first)


def test_the_page_and_its_downloads_read_the_events_and_draw_the_charts_once(demo_url, counted):
    c = client(demo_url, "insp.bolsover")
    page = c.get("/reports/scrutiny?area=Bolsover")
    assert page.status_code == 200 and "Crime by district" in page.text
    drawn = counted["charts drawn"]
    assert counted["events read"] == 1 and drawn > 5
    for route in ("/reports/scrutiny?area=Bolsover", "/reports/scrutiny.html?area=Bolsover", "/reports/scrutiny.pdf?area=Bolsover",
                  "/api/reports/scrutiny?area=Bolsover"):  # fmt: skip
        assert c.get(route).status_code == 200, route
    assert counted == {"events read": 1, "charts drawn": drawn}


def test_new_events_change_the_next_pack(demo_url, tmp_path, counted):
    from sara.intake.load import load_police_uk

    url = copy_of(demo_url, tmp_path)
    before, _ = split(pack_of(url, "analyst"))
    with open(FIXTURES / "2025-01-derbyshire-street.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        asb = [r for r in reader if r["Crime type"] == "Anti-social behaviour"][:5]
    new = tmp_path / "2025-06-derbyshire-street.csv"
    with open(new, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(asb[0]))
        writer.writeheader()
        for i, row in enumerate(asb):
            writer.writerow(row | {"Month": "2025-06", "Location": f"On or near Kept Test Street {i}"})
    load_police_uk(connect(url), [str(new)])
    after, _ = split(pack_of(url, "analyst"))
    assert counted["events read"] == 2
    total = {t: dict((r[0], r[-1]) for r in tables["asb_by_type"].rows)["Total"] for t, tables in (("before", before), ("after", after))}
    assert total["after"] == total["before"] + 5


def test_a_new_problem_is_counted_in_the_next_pack_without_reading_the_events_again(demo_url, tmp_path, counted):
    from sara.casework import problems

    url = copy_of(demo_url, tmp_path)
    _, before = split(pack_of(url, "insp.bolsover"))
    engine = connect(url)
    with engine.connect() as conn:
        code = conn.exec_driver_sql("SELECT code FROM area WHERE kind = 'district' AND name = 'Bolsover'").scalar_one()
    problems.create(engine, get_actor(engine, "insp.bolsover"), "Off-road bikes on the Stockley Trail (synthetic)", area=code,
                    now=dt.datetime(2025, 6, 1, 10))  # fmt: skip
    _, after = split(pack_of(url, "insp.bolsover"))
    assert counted["events read"] == 1  # the events are unchanged: their tables are kept; the casework is counted afresh
    opened = {t: dict((r[0], r[1]) for r in tables["problems_by_area"].rows)["Bolsover"] for t, tables in (("before", before), ("after", after))}
    assert opened["after"] == opened["before"] + 1


def test_a_partner_practitioner_never_gets_the_leads_casework(demo_url, counted):
    lead_events, lead_casework = split(pack_of(demo_url, "insp.bolsover"))
    fire_events, fire_casework = split(pack_of(demo_url, "fire.officer"))
    assert counted["events read"] == 1 and fire_events == lead_events  # the counts of events are the same for every reader
    assert fire_casework != lead_casework
    assert [r[0] for r in fire_casework["system_use"].rows] == ["Derbyshire Fire and Rescue Service"]
    forget()
    _, alone = split(pack_of(demo_url, "fire.officer"))
    assert fire_casework == alone  # what they got after the lead is what they get with nothing kept


def test_the_reader_is_checked_on_every_pack_kept_or_not(demo_url, counted):
    from sara.errors import Unauthenticated

    pack_of(demo_url, "analyst")
    with pytest.raises(Unauthenticated):
        scrutiny.pack(Context(connect(demo_url), None))


def test_a_kept_chart_is_the_chart_drawn_and_equal_tables_of_other_types_are_drawn_apart(counted):
    whole = Table("t", "Counts", ("year", "n"), ((2024, 3), (2025, 5)), chart=Chart("bar", "year", ("n",)))
    decimal = Table("t", "Counts", ("year", "n"), ((2024.0, 3), (2025.0, 5)), chart=Chart("bar", "year", ("n",)))
    assert whole == decimal  # 2024 == 2024.0: equal tables, but labelled "2,024" and "2,024.0"
    svg = documents.chart_svg(whole)
    assert documents.chart_svg(whole) == svg and counted["charts drawn"] == 1
    assert documents.chart_svg(decimal) != svg and counted["charts drawn"] == 2
    documents.forget_charts()
    assert documents.chart_svg(whole) == svg  # drawn afresh: the same bytes
    listed = Table("l", "Lists", ("k", "n"), (("a", [1, 2]), ("b", [3])), chart=Chart("bar", "k", ("n",)))
    assert documents.chart_svg(listed) == documents.chart_svg(listed) and counted["charts drawn"] == 5  # a row that cannot be a key: drawn each time
