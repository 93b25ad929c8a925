"""The web app: what is loaded, as pages and JSON, checked against counts recomputed from
the CSV files themselves; then once in a real headless Chromium through ``sara serve``."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient

from sara.intake.load import load_police_uk
from sara.store.engine import connect
from sara.web.app import create_app, month_chart, number
from tests import browser
from tests.cli import PASSWORD
from tests.web import browser_sign_in, sign_in, walk

STREET = Path(__file__).parent / "data" / "2025-01-derbyshire-street.csv"
NASTY_CATEGORY = '<b>Bold & "x"</b>'
NASTY_LOCATION = "<script>alert('x')</script> & Co"


# -- reading the CSV and the HTML without the code under test ---------------------------------


def expected(*paths: Path) -> dict:
    """Counts of the rows a police.uk street file should load (those with a crime type)."""
    categories, months, total = Counter(), Counter(), 0
    for path in paths:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                if not row["Crime type"]:
                    continue
                total += 1
                categories[row["Crime type"]] += 1
                months[row["Month"]] += 1
    ordered = sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))
    return {"total": total, "categories": ordered, "months": sorted(months.items())}


class Page(HTMLParser):
    """Text of every element with an id, and the rows of every table with an id."""

    VOID: ClassVar[set[str]] = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.text: dict[str, str] = {}
        self.tables: dict[str, dict[str, list[list[str]]]] = {}
        self._stack: list[tuple[str, str | None]] = []
        self._open: dict[str, list[str]] = {}
        self._table: str | None = None
        self._section = "tbody"
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = attrs["id"]
            self.tables[self._table] = {"thead": [], "tbody": [], "tfoot": []}
        elif tag in ("thead", "tbody", "tfoot"):
            self._section = tag
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        if tag in self.VOID or tag.endswith("/"):
            return
        self._stack.append((tag, attrs.get("id")))
        if attrs.get("id"):
            self._open[attrs["id"]] = []

    def handle_startendtag(self, tag, attrs):
        pass  # <line/>, <col/>: no text

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table][self._section].append(self._row)
            self._row = None
        elif tag == "table":
            self._table, self._section = None, "tbody"
        while self._stack:
            name, ident = self._stack.pop()
            if ident:
                self.text[ident] = " ".join("".join(self._open.pop(ident)).split())
            if name == tag:
                break

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        for parts in self._open.values():
            parts.append(data)


def body(page: Page, table: str) -> list[list[str]]:
    return page.tables[table]["tbody"]


# -- databases ----------------------------------------------------------------------------------


def reader(engine) -> None:
    """An analyst to sign in as (made by the operator, as ``sara user add`` does on an empty database)."""
    from sara.access.users import add_organisation, add_user, get_actor

    if get_actor(engine, "ana") is None:
        add_organisation(engine, "Derbyshire Constabulary", "police")
        add_user(engine, "ana", "Derbyshire Constabulary", "analyst", PASSWORD, display_name="Ana Lyst")


@pytest.fixture
def client(engine):
    reader(engine)
    with TestClient(create_app(engine)) as c:
        assert sign_in(c, "ana", PASSWORD).status_code == 303
        yield c


def loaded(engine, *paths: Path) -> None:
    report = load_police_uk(engine, [str(p) for p in paths])
    assert report.ok, report.to_dict()


def derived_month(folder: Path, month: str, extra: list[dict] = ()) -> Path:
    """The fixture's rows moved to another month (crime ids changed to stay unique), plus ``extra``."""
    path = folder / f"{month}-derbyshire-street.csv"
    with open(STREET, newline="", encoding="utf-8-sig") as src, open(path, "w", newline="", encoding="utf-8") as dst:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames)
        writer.writeheader()
        for row in reader:
            if row["Crime ID"]:
                row["Crime ID"] = hashlib.sha256(f"{row['Crime ID']}{month}".encode()).hexdigest()
            writer.writerow(row | {"Month": month})
        template = dict(row)
        for fields in extra:
            writer.writerow(template | {"Crime ID": "", "Month": month} | fields)
    return path


# -- the pages, through FastAPI's TestClient, on SQLite and PostgreSQL ------------------------


def test_home_shows_what_is_loaded(engine, client):
    loaded(engine, STREET)
    want = expected(STREET)
    response = client.get("/status")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    page = Page(html)
    assert "<title>What is loaded – SARA</title>" in html
    assert page.text["events-total"] == f"{want['total']:,}"
    assert [row[:2] for row in body(page, "category-table")] == [[c, f"{n:,}"] for c, n in want["categories"]]
    assert page.tables["category-table"]["tfoot"][0][:2] == ["All categories", f"{want['total']:,}"]
    assert body(page, "month-table") == [[m, f"{n:,}"] for m, n in want["months"]]
    assert body(page, "sources-table") == [["police.uk", "police.uk", "Derbyshire Constabulary", f"{want['total']:,}", "2025-01", "2025-01"]]
    assert 'href="/quarantine"' in html
    assert "No rows are quarantined" in html
    assert "No areas are loaded" in html
    assert "Contains public sector information licensed under the" in html and "Open Government Licence v3.0" in html
    assert "<svg" in html and html.count('class="bar"') == len(want["months"])
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched from the network
    assert "Nothing is loaded yet" not in html


def test_api_status_and_health(engine, client):
    loaded(engine, STREET)
    want = expected(STREET)
    data = client.get("/api/status").json()
    assert data["events_total"] == want["total"]
    assert list(data["events_by_category"].items()) == want["categories"]
    assert [(m["month"], m["events"]) for m in data["months"]] == want["months"]
    assert data["files_loaded"] == 1 and data["quarantined"] == 0 and data["areas"] == {}
    assert client.get("/healthz").json() == {"ok": True}


def test_several_months_quarantine_and_escaping(engine, client, tmp_path):
    bad = {"Crime type": "", "Location": NASTY_LOCATION}
    odd = {"Crime type": NASTY_CATEGORY, "Location": "On or near <i>Main</i> Street"}
    files = [derived_month(tmp_path, m, [bad, odd] if m == "2024-10" else []) for m in ("2024-08", "2024-09", "2024-10", "2024-12")]
    loaded(engine, STREET, *files)
    want = expected(STREET, *files)
    assert want["total"] > 1000  # so thousands separators show

    html = client.get("/status").text
    page = Page(html)
    assert page.text["events-total"] == f"{want['total']:,}" and "," in page.text["events-total"]
    assert [row[:2] for row in body(page, "category-table")] == [[c, f"{n:,}"] for c, n in want["categories"]]
    # the chart and its table show the empty month between, as zero
    months = dict(want["months"]) | {"2024-11": 0}
    assert body(page, "month-table") == [[m, f"{n:,}"] for m, n in sorted(months.items())]
    assert html.count('class="bar"') == 6
    # what is in the data is text, never markup
    assert NASTY_CATEGORY not in html and "&lt;b&gt;Bold &amp; &#34;x&#34;&lt;/b&gt;" in html
    assert [NASTY_CATEGORY, "1"] in [row[:2] for row in body(page, "category-table")]
    assert body(page, "quarantine-reasons") == [["missing Crime type", "1"]]

    q = client.get("/quarantine")
    assert q.status_code == 200
    qpage = Page(q.text)
    assert "<script>" not in q.text and "&lt;script&gt;" in q.text
    assert qpage.text["quarantine-total"].startswith("1 row could not be loaded")
    [row] = body(qpage, "quarantine-table")
    assert row[0] == "2024-10-derbyshire-street.csv"
    assert row[1] == str(1 + 204 + 1)  # the header, the fixture's rows, then the bad row
    assert row[2] == "missing Crime type"
    assert "<script>alert(" in row[3]


def test_quarantine_page_shows_at_most_200(engine, client, tmp_path):
    rows = [{"Crime type": "", "Location": f"row {i}"} for i in range(230)]
    loaded(engine, derived_month(tmp_path, "2024-10", rows))
    page = Page(client.get("/quarantine").text)
    assert page.text["quarantine-total"].startswith("230 rows could not be loaded")
    assert len(body(page, "quarantine-table")) == 200
    assert client.get("/api/status").json()["quarantined"] == 230


def test_empty_database_says_how_to_load(client):
    html = client.get("/status").text
    assert "Nothing is loaded yet" in html
    assert "make run" in html and "sara load police-uk" in html
    assert 'id="category-table"' not in html
    assert "Open Government Licence v3.0" in html
    assert "No rows are quarantined" in client.get("/quarantine").text
    assert client.get("/api/status").json()["events_total"] == 0


def test_a_database_without_tables_is_a_503_not_a_crash(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 'empty.db'}", check_schema=False)
    with TestClient(create_app(engine), raise_server_exceptions=False) as c:
        page = c.get("/status")
        assert page.status_code == 503 and "SARA cannot reach its database" in page.text
        api = c.get("/api/status", headers={"Authorization": "Bearer sara_any"})
        assert api.status_code == 503 and "error" in api.json()
        assert c.get("/healthz").json() == {"ok": True}
    engine.dispose()


# -- the pure helpers -------------------------------------------------------------------------


def test_number_formatting():
    assert number(1234567) == "1,234,567"
    assert number(0) == "0"
    assert number(None) == ""
    assert number("2025-01") == "2025-01"


def test_month_chart_fills_gaps_and_scales():
    chart = month_chart([{"month": "2024-11", "events": 10}, {"month": "2025-02", "events": 1234}])
    assert [s["month"] for s in chart["series"]] == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert [s["events"] for s in chart["series"]] == [10, 0, 0, 1234]
    assert chart["peak"] == 1234
    tallest = max(chart["bars"], key=lambda b: b["h"])
    assert tallest["month"] == "2025-02" and tallest["y"] >= chart["yticks"][-1]["y"]
    assert chart["yticks"][0]["value"] == 0 and chart["yticks"][-1]["value"] >= 1234
    assert all(b["x"] >= chart["left"] and b["x"] + b["w"] <= chart["right"] for b in chart["bars"])
    many = month_chart([{"month": f"{y}-{m:02d}", "events": m} for y in range(2015, 2025) for m in range(1, 13)])
    assert len(many["bars"]) == 120 and 1 <= len(many["xlabels"]) <= 8
    assert all(label["text"].endswith("-01") for label in many["xlabels"])
    assert month_chart([])["bars"] == []


# -- a real browser -----------------------------------------------------------------------------


def test_what_is_loaded_in_headless_chromium(sqlite_url, page):
    engine = connect(sqlite_url)
    loaded(engine, STREET)
    reader(engine)
    engine.dispose()
    want = expected(STREET)
    with browser.serve(sqlite_url) as base:
        browser_sign_in(page, base, "ana", PASSWORD, next_page="/status")
        html = Page(page.content())
        walk(page, "status-one-month")
    assert html.text["events-total"] == f"{want['total']:,}"
    assert [row[:2] for row in body(html, "category-table")] == [[c, f"{n:,}"] for c, n in want["categories"]]
    assert not page.errors, page.errors
