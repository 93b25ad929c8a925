"""The public "you said, we did": who writes, approves and withdraws a problem's public summary,
what its text may not say, and the disclosure test: on the demo with its summaries approved,
no page, no open data file and no file of the static site carries a name, a date of birth, an
address, a reference, a street of a sensitive event, a coordinate, a user or a count from 1 to 4."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3

import pytest

from tests.cli import ok_json, sara
from tests.web import DEMO_PASSWORD, browser_sign_in, client, copy_of, csrf, walk

SAID = "Shoppers and older residents told us young people were damaging property in the town centre."
DID = "Officers patrolled at the busiest times and youth workers started Friday evening sessions."
DRUGS = {"title": "Drug dealing from a flat in the town", "said": "Neighbours told us that drugs were being sold from a flat and that a vulnerable tenant was being exploited.",
         "did": "Police and the housing provider protected the tenant and closed the flat to everyone but the tenant."}  # fmt: skip
SLUG = "bolsover-north-west"  # the ward holding most of the events of the demo's LSOA, Bolsover 004A


def _db(demo_url, tmp_path) -> str:
    """A copy of the demo without its public summary: each test writes what it needs."""
    url = copy_of(demo_url, tmp_path)
    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    with con:
        con.execute("DELETE FROM problem_publication")
    con.close()
    return url


def _actors(url):
    from sara.access.users import get_actor
    from sara.store.engine import connect

    engine = connect(url)
    return engine, {u: get_actor(engine, u) for u in ("pc.dexter", "insp.bolsover", "asb.officer", "housing.officer", "analyst", "public")}


def _refs(url) -> dict[str, str]:
    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return {t: r for r, t in con.execute("SELECT reference, title FROM problem")}
    finally:
        con.close()


def _dexter(url) -> str:
    return _refs(url)["Youth ASB and criminal damage, Bolsover town centre (synthetic)"]


def _flat(url) -> str:
    return _refs(url)["Drug dealing from a cuckooed flat, Castle Street (synthetic)"]


# ---------------------------------------------------------------- the rules


def test_the_owner_writes_a_lead_approves_and_a_change_is_approved_again(demo_url, tmp_path):
    from sara.access import audit
    from sara.casework import publication as pub
    from sara.errors import Forbidden
    from sara.services import Context, public

    url = _db(demo_url, tmp_path)
    engine, u = _actors(url)
    ref = _dexter(url)
    before = audit.count(engine, subject_type="problem", subject_id=ref)
    d = pub.write(engine, u["pc.dexter"], ref, title="Youth nuisance in the town centre", said=SAID, did=DID)
    assert d["status"] == "draft" and d["area"] == {"code": "E05003305", "kind": "ward", "name": "Bolsover North West"}
    assert public.neighbourhoods(Context(engine))["neighbourhoods"] == []  # a draft is not public
    for who in ("housing.officer", "analyst", "asb.officer", "public"):  # a partner, another role, another organisation's owner, the public
        with pytest.raises(Forbidden):
            pub.write(engine, u[who], ref, title="Another title", said=SAID, did=DID)
    for who in ("pc.dexter", "asb.officer", "analyst"):  # only a lead of the owning organisation approves
        with pytest.raises(Forbidden):
            pub.approve(engine, u[who], ref)
    assert pub.approve(engine, u["insp.bolsover"], ref)["status"] == "approved"
    assert [n["priorities"] for n in public.neighbourhoods(Context(engine))["neighbourhoods"]] == [["Youth nuisance in the town centre"]]

    changed = pub.write(engine, u["pc.dexter"], ref, title="Youth nuisance in the town centre", said=SAID, did=DID + " The council made a public spaces order.")
    assert changed["status"] == "draft" and changed["approved_by"] is None  # changed words are approved again
    assert public.neighbourhoods(Context(engine))["neighbourhoods"] == []
    pub.approve(engine, u["insp.bolsover"], ref)
    assert pub.withdraw(engine, u["insp.bolsover"], ref)["status"] == "withdrawn"
    assert public.neighbourhoods(Context(engine))["neighbourhoods"] == []
    assert audit.count(engine, subject_type="problem", subject_id=ref) == before + 5  # write, approve, write, approve, withdraw
    assert audit.verify(engine)[0]


def test_the_writer_of_a_summary_may_not_approve_it(demo_url, tmp_path):
    from sara.casework import problems
    from sara.casework import publication as pub
    from sara.errors import Forbidden

    url = _db(demo_url, tmp_path)
    engine, u = _actors(url)
    lead = u["insp.bolsover"]
    mine = problems.create(engine, lead, "Speeding on the B6419 (synthetic)", area="E05003305")["reference"]
    problems.move(engine, lead, mine, "scanning")
    pub.write(engine, lead, mine, title="Speeding on the main road", said="Residents told us cars speed through the village at night.",
              did="We ran speed checks with the community speed watch group.")  # fmt: skip
    with pytest.raises(Forbidden, match="you wrote the public summary"):
        pub.approve(engine, lead, mine)
    assert pub.show(engine, lead, mine)["may"] == {"write": True, "approve": False, "withdraw": True}


@pytest.mark.parametrize(
    ("field", "text", "why"),
    [
        ("said", "Please quote case PRB-2025-0001 when you call us about it", "a reference"),
        ("did", "The incident INC-DX-2 was dealt with by the officers quickly", "a reference"),
        ("said", "Residents near S44 6PP told us about noise late at night", "a postcode"),
        ("said", "Margaret Hill told us she was afraid to go out at night", "a person's name"),
        ("did", "The flat at 12 Castle Street was closed by the magistrates", "an address"),
        ("did", "PC Sam Dexter patrolled every evening over the holidays", "a user's name"),
        ("said", "People told us about fighting on Market Place at night", "a street"),
        ("title", "<script>alert(1)</script> Youth nuisance", "< or >"),
        ("said", "We <b>listened</b> to what people told us about it", "< or >"),
        ("said", "...", "not a sentence"),
        ("title", "x" * 121, "121 characters"),
    ],
)
def test_a_summary_that_could_identify_someone_is_refused_with_its_field(demo_url, tmp_path, field, text, why):
    from sara.casework import publication as pub

    url = _db(demo_url, tmp_path)
    engine, u = _actors(url)
    given = {"title": "Youth nuisance in the town centre", "said": SAID, "did": DID} | {field: text}
    with pytest.raises(pub.PublicationError, match=re.escape(why)) as e:
        pub.write(engine, u["pc.dexter"], _dexter(url), **given)
    assert e.value.field == field
    assert pub.show(engine, u["pc.dexter"], _dexter(url))["status"] == "none"


def test_counts_under_the_threshold_are_suppressed_and_totals_give_none_back():
    from sara.services.public import cell, total

    assert cell(0) == {"count": 0, "shown": "0", "suppressed": False}
    assert cell(3) == {"count": None, "shown": "fewer than 5", "suppressed": True}
    assert cell(5)["shown"] == "5" and cell(1234)["shown"] == "1,234"
    assert total([9, 10, 12]) == {"count": 31, "shown": "31", "suppressed": False}
    assert total([1, 2]) == {"count": None, "shown": "fewer than 5", "suppressed": True}
    # one cell hidden among known ones: the total is the lower bound the cells already give (31 + 1), never 31 + 3
    assert total([9, 10, 12, 3])["shown"] == "at least 32"
    assert total([3, 3])["shown"] == "at least 5" and total([4, 1])["shown"] == "at least 5"
    assert cell(7, threshold=10)["shown"] == "fewer than 10"


# ---------------------------------------------------------------- the disclosure test


def _publish_demo(url) -> list[str]:
    """The demo's summary (sara.casework.demo_publication) and one of the cuckooed flat's: a
    problem of person-linked drugs events whose counts are small."""
    from sara.casework import demo_publication
    from sara.casework import publication as pub

    engine, u = _actors(url)
    done = demo_publication.load(engine)
    pub.write(engine, u["pc.dexter"], _flat(url), **DRUGS)
    pub.approve(engine, u["insp.bolsover"], _flat(url))
    return done + [_flat(url)]


def _forbidden(url) -> dict[str, list[str]]:
    """Everything no public file may carry, read from the database itself."""
    from sara.casework.publication import place_name

    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        names = [re.sub(r"\([^)]*\)", "", n).strip() for (n,) in con.execute("SELECT name FROM person")]
        births = [d for (d,) in con.execute("SELECT dob FROM person WHERE dob IS NOT NULL")]
        addresses = [part.strip() for (a,) in con.execute("SELECT address FROM premises") for part in re.sub(r"\([^)]*\)", "", a).split(",")]
        postcodes = [p for (p,) in con.execute("SELECT postcode FROM premises WHERE postcode IS NOT NULL")]
        users = [n for (n,) in con.execute("SELECT username FROM app_user") if "." in n]
        users += [re.sub(r"\([^)]*\)", "", n).strip() for (n,) in con.execute("SELECT display_name FROM app_user WHERE display_name IS NOT NULL")]
        # the streets of the personal or sensitive events of the neighbourhoods published
        streets = {place_name(loc) for (loc,) in con.execute(
            "SELECT DISTINCT e.location FROM event e JOIN event_area ea ON ea.event_id = e.id JOIN area a ON a.id = ea.area_id "
            "WHERE a.code IN (SELECT area_code FROM problem_publication) AND (e.category = 'Violence and sexual offences' OR e.domestic OR e.hate "
            "OR e.id IN (SELECT event_id FROM person_event) OR e.id IN (SELECT event_id FROM premises_event))")} - {None}  # fmt: skip
        coordinates = [f"{x:.4f}" for row in con.execute("SELECT lon, lat FROM event WHERE lon IS NOT NULL LIMIT 2000") for x in row]
    finally:
        con.close()
    assert names and births and addresses and postcodes and users and len(streets) > 20
    return {"name": names, "date of birth": births, "address": [a for a in addresses if a and a != "Bolsover"], "postcode": postcodes, "user": users,
            "street": sorted(streets), "coordinate": coordinates}  # fmt: skip


def _counts_in(kind: str, text: str) -> list[str]:
    """The counts a file shows: JSON "count"/"shown"/"at_least" values, the CSV count column, HTML table cells and figures."""
    if kind == "json":
        found = []

        def walk_json(v):
            if isinstance(v, dict):
                for k, x in v.items():
                    if k in ("count", "shown", "at_least") and x is not None:
                        found.append(str(x))
                    walk_json(x)
            elif isinstance(v, list):
                for x in v:
                    walk_json(x)

        walk_json(json.loads(text))
        return found
    if kind == "csv":
        return [r["count"] for r in csv.DictReader(io.StringIO(text))]
    return re.findall(r"<(?:td|dd)[^>]*>\s*(?:<strong>)?([^<]*?)(?:</strong>)?\s*</(?:td|dd)>", text)


def _assert_discloses_nothing(files: dict[str, str], forbidden: dict[str, list[str]]) -> None:
    for where, text in files.items():
        kind = "json" if where.endswith(".json") or "/api/" in where else "csv" if where.endswith(".csv") else "html"
        low = text.casefold()
        for what, items in forbidden.items():
            for item in items:
                if what == "street":
                    assert not re.search(r"(?<!\w)" + re.escape(item.casefold()) + r"(?!\w)", low), f"{where} names the street {item!r}"
                else:
                    assert item.casefold() not in low, f"{where} carries a {what}: {item!r}"
        assert not re.search(r"\b[A-Z]{3}-[0-9A-Z]+", text), f"{where} carries a reference: {re.search(r'[A-Z]{3}-[0-9A-Z]+', text).group(0)}"
        assert not re.search(r"-?\d+\.\d{4,}", text), f"{where} carries a coordinate"
        counts = _counts_in(kind, text)
        assert counts or where in ("/public", "/api/public", "site/index.html"), f"{where} shows no counts to check"
        for c in counts:
            assert not re.fullmatch(r"[1-4]", c.strip()), f"{where} shows a count of {c}"


def test_no_name_address_reference_place_or_small_count_reaches_the_public(demo_url, tmp_path):
    url = _db(demo_url, tmp_path)
    published = _publish_demo(url)
    assert len(published) == 2
    forbidden = _forbidden(url)
    c = client(url)
    index = c.get("/api/public").json()
    slugs = [n["slug"] for n in index["neighbourhoods"]]
    assert slugs == [SLUG]
    files = {path: c.get(path).text for path in ["/public", "/api/public", "/public/open-data.csv", "/public/open-data.json"]
             + [f"/public/{s}" for s in slugs] + [f"/api/public/{s}" for s in slugs]}  # fmt: skip
    site = tmp_path / "site"
    r = sara("report", "public", "--out", str(site), "--db", url, "--json")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in site.iterdir()) == ["assets", f"{SLUG}.html", "index.html", "open-data.csv", "open-data.json"]
    files |= {f"site/{p.name}": p.read_text() for p in site.iterdir() if p.is_file()}
    assert (site / "assets" / "sara.css").stat().st_size > 10_000
    _assert_discloses_nothing(files, forbidden)
    for where in ("/public", "site/index.html"):
        assert "Youth nuisance and damage in the town centre" in files[where] and "Bolsover North West" in files[where]
    # the cuckooed flat's drugs events in the ward are few each month: suppressed, and the suppressed months give nothing back
    page = c.get(f"/api/public/{SLUG}").json()
    flat = next(p for p in page["priorities"] if p["title"] == DRUGS["title"])
    assert any(m["suppressed"] and m["count"] is None for m in flat["trend"]["months"])
    assert page["actions_done"] == {"count": None, "shown": "fewer than 5", "suppressed": True}  # 4 done on the Op Dexter plan
    # 2 ABCs, a community protection warning, a CBO, a PSPO, a closure: five powers, each used fewer than 5 times, so the total is a lower bound
    assert [(r["power"], r["shown"]) for r in page["powers"]["rows"]] == [(p, "fewer than 5") for p in sorted(
        ("Acceptable Behaviour Contract", "Community protection (CPW, CPN)", "Criminal Behaviour Order", "Public Spaces Protection Order", "Closure of premises"))]
    assert page["powers"]["total"]["shown"] == "at least 5"
    assert files[f"/public/{SLUG}"] == files[f"site/{SLUG}.html"].replace("assets/sara.css", "/assets/sara/build/sara.css").replace(
        "assets/favicon.svg", "/assets/sara/favicon.svg").replace('href="index.html"', 'href="/public"').replace(
        '"open-data.csv"', '"/public/open-data.csv"').replace('"open-data.json"', '"/public/open-data.json"')  # fmt: skip


def test_the_trend_counts_each_month_of_the_problems_events_over_the_ward(demo_url, tmp_path):
    url = _db(demo_url, tmp_path)
    _publish_demo(url)
    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        expected = dict(con.execute(
            "SELECT substr(e.month, 1, 7), count(*) FROM event e JOIN event_area ea ON ea.event_id = e.id JOIN area a ON a.id = ea.area_id "
            "WHERE a.kind = 'ward' AND a.code = 'E05003305' AND e.category IN ('Anti-social behaviour', 'Criminal damage and arson') "
            "AND e.month BETWEEN '2025-01-01' AND '2025-12-01' GROUP BY 1").fetchall())  # fmt: skip
    finally:
        con.close()
    page = client(url).get(f"/api/public/{SLUG}").json()
    trend = next(p for p in page["priorities"] if p["title"].startswith("Youth"))["trend"]
    assert [m["month"] for m in trend["months"]] == [f"2025-{m:02d}" for m in range(1, 13)]
    for m in trend["months"]:
        n = expected.get(m["month"], 0)
        assert m["count"] == (None if 0 < n < 5 else n) and m["shown"] == ("fewer than 5" if 0 < n < 5 else f"{n:,}")
    small = sum(1 for n in expected.values() if 0 < n < 5)
    shown = sum(n for n in expected.values() if not 0 < n < 5)
    assert trend["total"]["shown"] == (f"{shown:,}" if not small else f"at least {max(5, shown + small):,}")


def test_public_pages_need_no_sign_in_and_set_no_cookie(demo_url, tmp_path):
    url = _db(demo_url, tmp_path)
    _publish_demo(url)
    c = client(url)
    for path in ("/public", f"/public/{SLUG}", "/public/open-data.csv", "/public/open-data.json", "/api/public", f"/api/public/{SLUG}"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 200, path
        assert "set-cookie" not in r.headers, path
        assert "Sign out" not in r.text and "signed-in-as" not in r.text
    assert not c.cookies
    assert c.get("/public/somewhere-else").status_code == 404
    assert c.get("/public/open-data.csv").headers["content-type"].startswith("text/csv")
    # the partnership's own pages still need a sign-in
    assert c.get("/problems", follow_redirects=False).status_code == 303


def test_markup_is_refused_and_anything_stored_is_escaped(demo_url, tmp_path):
    from sara.store.engine import connect

    url = _db(demo_url, tmp_path)
    _publish_demo(url)
    owner = client(url, "pc.dexter")
    ref = _dexter(url)
    form = owner.get(f"/problems/{ref}/publication")
    r = owner.post(f"/problems/{ref}/publication", data={"csrf_token": csrf(form.text), "title": "<script>alert(1)</script>", "said": SAID, "did": DID,
                                                         "area": "E05003305"})  # fmt: skip
    assert r.status_code == 422 and "contains &lt; or &gt;" in r.text and "<script>alert" not in r.text
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in r.text  # what was typed is kept, escaped
    # text written into the database by another route than the rules still reaches a page escaped
    engine = connect(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE problem_publication SET said = '<script>alert(1)</script> and <img src=x onerror=alert(2)>'")
    for path in (f"/public/{SLUG}", "/public"):
        text = client(url).get(path).text
        assert "<script>" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client(url).get(f"/public/{SLUG}").text


def test_the_publication_form_and_its_json_twin(demo_url, tmp_path):
    url = _db(demo_url, tmp_path)
    ref = _dexter(url)
    owner = client(url, "pc.dexter")
    page = owner.get(f"/problems/{ref}")
    assert f'href="/problems/{ref}/publication"' in page.text
    form = owner.get(f"/problems/{ref}/publication")
    assert form.status_code == 200 and "Not written" in form.text and 'value="E05003305" selected' in form.text
    r = owner.post(f"/problems/{ref}/publication", data={"csrf_token": csrf(form.text), "title": "Youth nuisance", "said": SAID, "did": DID, "area": "E05003305"},
                   follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert owner.get(f"/api/problems/{ref}/publication").json()["status"] == "draft"
    assert owner.post(f"/problems/{ref}/publication/approve", data={"csrf_token": csrf(form.text)}).status_code == 403
    assert owner.post(f"/problems/{ref}/publication/approve").status_code == 403  # no CSRF token
    lead = client(url, "insp.bolsover")
    lead_form = lead.get(f"/problems/{ref}/publication")
    assert 'id="approve"' in lead_form.text
    assert lead.post(f"/problems/{ref}/publication/approve", data={"csrf_token": csrf(lead_form.text)}, follow_redirects=False).status_code == 303
    assert "Youth nuisance" in client(url).get("/public").text
    r = lead.put(f"/api/problems/{ref}/publication", json={"title": "x", "said": SAID, "did": DID}, headers={"x-csrf-token": csrf(lead_form.text)})
    assert r.status_code == 403  # a lead who does not own the problem does not write its summary
    partner = client(url, "housing.officer")
    seen = partner.get(f"/problems/{ref}/publication")
    assert seen.status_code == 200 and 'id="save"' not in seen.text and 'id="approve"' not in seen.text
    bad = owner.put(f"/api/problems/{ref}/publication", json={"title": "Youth nuisance", "said": "Call S44 6PP for details about this", "did": DID},
                    headers={"x-csrf-token": csrf(owner.get(f"/problems/{ref}/publication").text)})  # fmt: skip
    assert bad.status_code == 422 and bad.json()["field"] == "said"


def test_the_cli_writes_approves_and_the_site_follows(demo_url, tmp_path):
    url = _db(demo_url, tmp_path)
    ref = _dexter(url)
    env = {"SARA_PASSWORD": DEMO_PASSWORD}
    d = ok_json("problem", "publish", ref, "--title", "Youth nuisance", "--said", SAID, "--did", DID, "--db", url, "--as", "pc.dexter", "--json", env=env)
    assert d["status"] == "draft" and d["area"]["name"] == "Bolsover North West"
    r = sara("problem", "approve-publication", ref, "--db", url, "--as", "pc.dexter", "--json", env=env)
    assert r.exit_code == 1 and "lead of the owning organisation" in json.loads(r.output)["error"]
    assert ok_json("problem", "approve-publication", ref, "--db", url, "--as", "insp.bolsover", "--json", env=env)["status"] == "approved"
    r = sara("problem", "publish", ref, "--title", "Youth nuisance", "--said", "Ring us about PRB-2025-0001 today please", "--did", DID, "--db", url,
             "--as", "pc.dexter", env=env)  # fmt: skip
    assert r.exit_code == 1 and "--said" in r.output and "reference" in r.output
    site = ok_json("report", "public", "--out", str(tmp_path / "site"), "--db", url, "--json")
    assert site["neighbourhoods"] == ["Bolsover North West"] and "open-data.json" in site["files"]
    assert ok_json("problem", "withdraw-publication", ref, "--db", url, "--as", "insp.bolsover", "--json", env=env)["status"] == "withdrawn"
    ok_json("report", "public", "--out", str(tmp_path / "site"), "--db", url, "--json")
    assert not (tmp_path / "site" / f"{SLUG}.html").exists()  # a withdrawn neighbourhood's page goes from the site
    assert "Nothing has been published" in (tmp_path / "site" / "index.html").read_text()


def test_a_visitor_walks_the_public_pages(demo_url, tmp_path, page):
    from tests import browser as served

    url = _db(demo_url, tmp_path)
    _publish_demo(url)
    with served.serve(url) as base:
        page.goto(f"{base}/public")
        assert page.context.cookies() == []
        walk(page, "public")
        page.click("a:has-text('Bolsover North West')")
        assert page.url.endswith(f"/public/{SLUG}")
        assert "fewer than 5" in page.locator("#powers").inner_text()
        walk(page, "public-neighbourhood")
        assert page.context.cookies() == []
        assert not page.errors, page.errors
        browser_sign_in(page, base, "insp.bolsover", next_page=f"/problems/{_dexter(url)}/publication")
        assert page.locator("#publication-status").inner_text().startswith("Published")
        walk(page, "public-summary-form")
