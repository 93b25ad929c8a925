"""The parts that make the heavy pages fast: results that are the same for every reader are
kept while the data is unchanged (Explore's tabs, an assessment shared by its page and its
picture), and what depends on the reader (repeats, with their references as each may see
them) is computed, checked and audited on every read."""

from __future__ import annotations

from sara.access import users
from sara.services import Context, explore
from sara.services import assess as services_assess
from sara.services import scan as services_scan
from sara.store.engine import connect

DESIGN = {"target": "E01019483", "before": "2025-01:2025-04", "after": "2025-05:2025-08", "categories": ["Anti-social behaviour"]}


def _as(url: str, username: str) -> Context:
    engine = connect(url)
    return Context(engine, users.get_actor(engine, username))


def test_an_explore_tab_is_scanned_once_for_every_reader(demo_url, monkeypatch):
    calls = []
    real = services_scan.trends

    def counted(ctx, **kw):
        calls.append(ctx.actor.username)
        return real(ctx, **kw)

    counted.__name__ = "trends"
    monkeypatch.setattr(services_scan, "trends", counted)
    first = explore.trends(_as(demo_url, "analyst"), by="crime_type", months=12)
    again = explore.trends(_as(demo_url, "pc.dexter"), by="crime_type", months=12)
    assert again is first and calls == ["analyst"]  # counts of events: the same for both readers
    explore.trends(_as(demo_url, "pc.dexter"), by="crime_type", months=6)
    assert calls == ["analyst", "pc.dexter"]  # other settings: another scan


def test_repeats_are_computed_for_each_reader(demo_url, monkeypatch):
    from starlette.datastructures import QueryParams

    from sara.web.pages import explore as page

    calls = []
    real = services_scan.repeats
    monkeypatch.setattr(services_scan, "repeats", lambda ctx, **kw: calls.append(ctx.actor.username) or real(ctx, **kw))
    for who in ("analyst", "analyst"):
        page._run(_as(demo_url, who), page.VIEWS["repeats"], page.Query(QueryParams("")))
    assert calls == ["analyst", "analyst"]  # references as each reader may see them, audited on each read


def test_an_assessment_is_computed_once_for_its_page_and_its_picture(demo_url, monkeypatch):
    from sara.report import assessment

    calls = []
    real = assessment.assess
    monkeypatch.setattr(assessment, "assess", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    ctx = _as(demo_url, "pc.dexter")
    page = services_assess.assess(ctx, **DESIGN)
    picture = services_assess.assess(ctx, **DESIGN, picture=True)
    assert len(calls) == 1 and picture.picture is not None and picture.result == page.result
    page.result["verdict"] = "changed by a caller"
    assert services_assess.assess(ctx, **DESIGN).result["verdict"] != "changed by a caller"  # each caller has its own copy
