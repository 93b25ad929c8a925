"""The partnership plan's jobs, shared by `sara plan ...`, the /plans pages and their JSON
twins: list, create and change plans (``sara.casework.plans`` holds the rules, checks who may
write and audits), compute each indicator's values per month or quarter, rate its progress,
and write the plan as a document in the shape of the Calderdale Community Safety Action Plan
2008-2011 (each theme's priority issues and actions, then "Measuring Our Success": indicator
number, indicator, baseline, target) with progress added, and its annual review (what changed
since the baseline).

A computed indicator is counted from the events with the selection the scans use
(``sara.report.select.find_area`` for the area, ``sara.store.queries.events`` for the rows),
then its ASB types and flags; a rate is per 1,000 residents of its area. A month inside the
period with no events loaded at all is not counted as zero: its month (or the quarter holding
it) has no value, and the indicator says which months are missing. A query that matches no
events gives zeros and says so.

A survey indicator reads one question of a questionnaire from the responses in its area
(``sara.casework.surveys.series``): per month or quarter, the share of answers that are
positive (per cent) or the mean rating, with the answers counted and the 95% interval; a
period with no answers has no value, and one with few answers says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select

from sara.casework import plans as cp
from sara.casework.plans import PlanError, label, period_end, periods
from sara.errors import NotFound
from sara.report.pack import Chart, Pack, Section, Table
from sara.services import Context
from sara.store.schema import Event

MEASURE_WORDS = {"count": "events", "rate_per_1000": "per 1,000 residents", "value": ""}


# ---------------------------------------------------------------- the events behind an indicator


def loaded_months(ctx: Context) -> set[dt.date]:
    """The months that have any event loaded (what tells a quiet month from a missing one)."""
    with ctx.engine.connect() as conn:
        return {m for (m,) in conn.execute(select(Event.month).group_by(Event.month))}


def resolve_area(ctx: Context, spec: str | None) -> dict | None:
    """A loaded area by code or name (``KIND:CODE`` when kinds share one), as the scans find it."""
    from sara.report.select import find_area

    if not spec:
        return None
    try:
        a = find_area(ctx.engine, spec)
    except NotFound as exc:
        raise PlanError(str(exc), field="area", fix="give the code or name of a loaded LSOA, ward or district") from None
    return {"code": a["code"], "kind": a["kind"], "name": a["name"], "population": a["population"]}


def _area_of(ind: dict) -> dict | None:
    return {"code": ind["area"]["code"], "kind": ind["area"]["kind"]} if ind.get("area") else None


def computed_series(ctx: Context, ind: dict, first: dt.date, last: dt.date, *, population: int | None, loaded: set[dt.date] | None = None) -> tuple[list[dict], list[str]]:
    """The values of computed indicator ``ind`` per month or quarter from the period holding
    ``first`` to the one holding ``last``: each row's label, first and last day, events and
    value (None where a month is not loaded), and the notes saying what is missing."""
    g = ind["granularity"]
    loaded = loaded_months(ctx) if loaded is None else loaded
    starts = periods(first, last, g)
    if not starts:
        return [], []
    counts = cp.monthly_counts(ctx.engine, ind["query"] or {}, _area_of(ind), starts[0], period_end(starts[-1], g))
    rows, missing, unfinished = [], [], []
    newest = max(loaded, default=None)
    for s in starts:
        months = periods(s, period_end(s, g), "month")
        gone = [m for m in months if m not in loaded]
        n = sum(counts.get(m, 0) for m in months)
        value = None if gone else (round(n * 1000 / population, 4) if ind["measure"] == "rate_per_1000" else n)
        missing += [m for m in gone if newest and m < newest]
        if newest and any(m > newest for m in gone):
            unfinished.append(label(s, g))
        rows.append({"period": label(s, g), "from": s.isoformat(), "to": period_end(s, g).isoformat(), "events": None if gone else n, "value": value,
                     "missing_months": [f"{m:%Y-%m}" for m in gone]})  # fmt: skip
    notes = []
    if missing:
        notes.append(f"no events of any kind are loaded for {', '.join(f'{m:%Y-%m}' for m in missing)}: "
                     f"{'those months have' if g == 'month' else 'the quarters holding them have'} no value (not zero); load them to count them")  # fmt: skip
    if unfinished:
        notes.append(f"{', '.join(unfinished)} not complete: the data loaded ends {newest:%Y-%m}")
    if not any(counts.values()):
        notes.append(f"the query matches no events from {starts[0]:%Y-%m} to {period_end(starts[-1], g):%Y-%m} ({describe_query(ind)}): every value counted is 0; "
                     "check the categories, types and flags against the data loaded (`sara status`)")  # fmt: skip
    return rows, notes


def describe_query(ind: dict) -> str:
    """An indicator's event query in words."""
    q = ind.get("query") or {}
    parts = [", ".join(q["categories"]) if q.get("categories") else "all events"]
    if q.get("asb_types"):
        parts.append("ASB " + "/".join(q["asb_types"]))
    if q.get("flags"):
        parts.append("flagged " + " and ".join(q["flags"]))
    area = ind.get("area")
    parts.append(f"in {area.get('name') or area['code']}" if area else "in every area loaded")
    return ", ".join(parts)


def entered_series(ind: dict, first: dt.date, last: dt.date) -> tuple[list[dict], list[str]]:
    """The entered values of ``ind`` per period from ``first`` to ``last``; periods without one are None."""
    g = ind["granularity"]
    by_start = {v["period_start"]: v for v in ind["values"]}
    rows, gaps = [], []
    for s in periods(first, last, g):
        v = by_start.get(s.isoformat())
        if v is None:
            gaps.append(label(s, g))
        rows.append({"period": label(s, g), "from": s.isoformat(), "to": period_end(s, g).isoformat(), "value": v["value"] if v else None,
                     "source": v["source"] if v else None})  # fmt: skip
    notes = [f"no value entered for {', '.join(gaps)}"] if gaps else []
    return rows, notes


def survey_series(ctx: Context, ind: dict, first: dt.date, last: dt.date) -> tuple[list[dict], list[str]]:
    """The survey figure of ``ind`` per period from ``first`` to ``last``, with the answers counted and the 95% interval."""
    from sara.casework import surveys

    g, q, area = ind["granularity"], ind["query"], ind.get("area")
    starts = periods(first, last, g)
    got = surveys.series(ctx.engine, q["questionnaire"], q["question"], area_kind=area["kind"] if area else None, area_code=area["code"] if area else None,
                         starts=starts, ends=[period_end(s, g) for s in starts])  # fmt: skip
    rows = [{"period": label(s, g), "from": s.isoformat(), "to": period_end(s, g).isoformat(), "value": x["value"], "answers": x["n"],
             "low": x["low"], "high": x["high"]} for s, x in zip(starts, got)]  # fmt: skip
    notes = []
    none = [r["period"] for r in rows if r["value"] is None]
    if none:
        notes.append(f"no survey answers for {', '.join(none)}")
    few = [r["period"] for r in rows if r["value"] is not None and r["answers"] < surveys.SMALL]
    if few:
        notes.append(f"fewer than {surveys.SMALL} answers in {', '.join(few)}: the figure is uncertain (its 95% interval is in the series)")
    return rows, notes


def describe_survey(ind: dict) -> str:
    """A survey indicator's question and area in words."""
    q, area = ind["query"], ind.get("area")
    what = "share positive" if ind["measure"] == "share" else "mean"
    return f"survey {q['questionnaire']}, question {q['question']} ({what}), " + (f"in {area.get('name') or area['code']}" if area else "every response")


# ---------------------------------------------------------------- progress


def _today(ctx: Context) -> dt.date:
    return ctx.now.date()


def indicator_progress(ctx: Context, ind: dict, *, upto: dt.date | None = None, loaded: set[dt.date] | None = None, areas: dict | None = None) -> dict:
    """One indicator's baseline series, its series since the baseline (to the target date,
    the last month loaded for a computed one, ``upto`` or today: the earliest), and its
    rating by the straight-line rule (``sara.casework.plans.progress``)."""
    g = ind["granularity"]
    b_from, b_to = dt.date.fromisoformat(ind["baseline"]["from"]), dt.date.fromisoformat(ind["baseline"]["to"])
    target_date = dt.date.fromisoformat(ind["target"]["date"])
    end = min(target_date, upto or _today(ctx))
    first = b_to + dt.timedelta(days=1)
    notes: list[str] = []
    area = dict(ind["area"]) if ind.get("area") else None
    if area and areas is not None and area["code"] in areas:
        area |= areas[area["code"]]
    shown = ind | {"area": area}
    if ind["kind"] == "computed":
        loaded = loaded_months(ctx) if loaded is None else loaded
        if loaded and period_end(max(loaded), "month") < end:
            end = period_end(max(loaded), "month")
            notes.append(f"the events loaded end {max(loaded):%Y-%m}: later periods are not counted yet")
        population = area.get("population") if area else None
        if ind["measure"] == "rate_per_1000" and not population:
            notes.append(f"no population is loaded for {area.get('name') or area['code']}: no rate can be computed")
            base_rows, rows = [], []
        else:
            base_rows, _ = computed_series(ctx, shown, b_from, b_to, population=population, loaded=loaded)
            rows, more = computed_series(ctx, shown, first, end, population=population, loaded=loaded) if end >= first else ([], [])
            notes += more
    elif ind["kind"] == "survey":
        base_rows, _ = survey_series(ctx, shown, b_from, b_to)
        rows, more = survey_series(ctx, shown, first, end) if end >= first else ([], [])
        notes += more
    else:
        base_rows, _ = entered_series(ind, b_from, b_to)
        # entered figures come after their period: only periods already over (or with a value) are expected
        last_value = max((dt.date.fromisoformat(v["period_start"]) for v in ind["values"]), default=None)
        over = [s for s in periods(first, end, g) if period_end(s, g) < _today(ctx) or (last_value and s <= last_value)]
        rows, more = entered_series(ind, first, over[-1]) if over else ([], [])
        notes += more
    if end < first:
        notes.append(f"no period after the baseline has ended yet (the baseline runs to {b_to.isoformat()})")
    rated = cp.progress(baseline=ind["baseline"]["value"], baseline_date=b_to, target=ind["target"]["value"], target_date=target_date,
                        direction=ind["direction"], series=[(r["period"], dt.date.fromisoformat(r["to"]), r["value"]) for r in rows],
                        tolerance=ind["tolerance"])  # fmt: skip
    for r, p in zip(rows, rated["rows"]):
        r["expected"], r["rating"] = p["expected"], p["rating"]
    described = describe_query(shown) if ind["kind"] == "computed" else describe_survey(shown) if ind["kind"] == "survey" else None
    return {"indicator": shown, "query": described, "unit": unit(ind), "baseline_series": base_rows,
            "series": rows, "latest": rated["latest"], "rating": rated["rating"], "rule": rated["rule"], "band": rated["band"], "notes": notes}  # fmt: skip


def unit(ind: dict) -> str:
    per = "a month" if ind["granularity"] == "month" else "a quarter"
    if ind["kind"] == "entered":
        return f"value {per}"
    if ind["kind"] == "survey":
        return f"{'per cent' if ind['measure'] == 'share' else 'mean'} {per}"
    return f"{MEASURE_WORDS[ind['measure']]} {per}"


def _area_facts(ctx: Context, plan: dict) -> dict:
    """Name and population of each area the plan's indicators count in."""
    from sara.report.select import find_area

    out = {}
    for th in plan["themes"]:
        for i in th["indicators"]:
            if i.get("area") and i["area"]["code"] not in out:
                try:
                    a = find_area(ctx.engine, f"{i['area']['kind']}:{i['area']['code']}")
                    out[i["area"]["code"]] = {"name": a["name"], "population": a["population"]}
                except NotFound:
                    out[i["area"]["code"]] = {"name": None, "population": None}
    return out


def show(ctx: Context, ref: str, *, upto: dt.date | None = None) -> dict:
    """The plan with every indicator's progress (``sara plan show REF``, ``/api/plans/{ref}``)."""
    plan = cp.load(ctx.engine, ctx.actor, ref, today=_today(ctx))
    loaded = loaded_months(ctx)
    areas = _area_facts(ctx, plan)
    for th in plan["themes"]:
        th["indicators"] = [indicator_progress(ctx, i, upto=upto, loaded=loaded, areas=areas) for i in th["indicators"]]
    counts = {r: 0 for r in cp.RATINGS}
    for th in plan["themes"]:
        for p in th["indicators"]:
            counts[p["rating"]] += 1
    plan["ratings"] = counts
    plan["as_of"] = (upto or _today(ctx)).isoformat()
    plan["months_loaded"] = {"first": f"{min(loaded):%Y-%m}", "last": f"{max(loaded):%Y-%m}"} if loaded else None
    return plan


def progress(ctx: Context, ref: str) -> dict:
    """Each indicator's progress table, rating and rule (``sara plan progress REF``)."""
    plan = show(ctx, ref)
    return {"reference": plan["reference"], "title": plan["title"], "as_of": plan["as_of"], "ratings": plan["ratings"],
            "indicators": [p | {"theme": th["number"]} for th in plan["themes"] for p in th["indicators"]]}  # fmt: skip


def list_plans(ctx: Context) -> dict:
    """Every plan (``/api/plans``, ``sara plan list``), and whether the reader may make one."""
    return {"plans": cp.list_plans(ctx.engine, ctx.actor), "may_create": cp.may_write(ctx.actor, getattr(ctx.actor, "organisation_id", None))}


# ---------------------------------------------------------------- writing


def create(ctx: Context, title: str, *, start: dt.date, end: dt.date, description: str | None = None) -> dict:
    return show(ctx, cp.create(ctx.engine, ctx.actor, title, start=start, end=end, description=description, now=ctx.now))


def add_theme(ctx: Context, ref: str, title: str, *, why: str | None = None) -> dict:
    n = cp.add_theme(ctx.engine, ctx.actor, ref, title, why=why, now=ctx.now)
    return {"plan": ref, "theme": n, "title": title.strip()}


def add_priority(ctx: Context, ref: str, theme: str, title: str) -> dict:
    n = cp.add_priority(ctx.engine, ctx.actor, ref, theme, title, now=ctx.now)
    return {"plan": ref, "priority": n, "title": title.strip()}


def add_action(ctx: Context, ref: str, priority: str, description: str, *, organisation: str, due: dt.date, status: str = "open",
               problems: Sequence[str] = ()) -> dict:  # fmt: skip
    aid = cp.add_action(ctx.engine, ctx.actor, ref, priority, description, organisation=organisation, due=due, status=status, problems=problems, now=ctx.now)
    return _action(ctx, ref, aid)


def update_action(ctx: Context, action_id: int, *, status: str | None = None, due: dt.date | None = None, problems: Sequence[str] = ()) -> dict:
    ref = cp.update_action(ctx.engine, ctx.actor, action_id, status=status, due=due, problems=problems, now=ctx.now)
    return _action(ctx, ref, action_id)


def _action(ctx: Context, ref: str, action_id: int) -> dict:
    plan = cp.load(ctx.engine, ctx.actor, ref, today=_today(ctx))
    for th in plan["themes"]:
        for p in th["priorities"]:
            for a in p["actions"]:
                if a["id"] == action_id:
                    return a | {"plan": ref, "priority": p["number"]}
    raise NotFound(f"no plan action {action_id}")  # pragma: no cover


def add_indicator(ctx: Context, ref: str, theme: str, name: str, *, kind: str, baseline_period: str, target_value: float, target_date: dt.date,
                  baseline_value: float | None = None, direction: str = "reduce", granularity: str = "month", code: str | None = None,
                  categories: Sequence[str] = (), asb_types: Sequence[str] = (), flags: Sequence[str] = (), area: str | None = None,
                  measure: str = "count", source: str | None = None, tolerance: float = cp.TOLERANCE, survey: str | None = None,
                  question: str | None = None) -> dict:  # fmt: skip
    """Add an indicator. A computed one's baseline value, when not given, is its mean per
    month or quarter over the baseline period, counted now and kept (a baseline does not move
    when more data is loaded); every month of that period must then be loaded. A survey one
    (``survey`` and ``question``, in ``area`` or every response) measures the question's share
    positive (per cent) or mean rating; its baseline value, when not given, is that figure
    over all the answers of the baseline period."""
    b_from, b_to = cp.parse_period(baseline_period, "baseline_period")
    if survey or question:
        kind = "survey" if kind == "computed" else kind
    if kind == "survey":
        return _add_survey_indicator(ctx, ref, theme, name, survey=survey, question=question, area=area, b_from=b_from, b_to=b_to, baseline_value=baseline_value,
                                     target_value=target_value, target_date=target_date, direction=direction, granularity=granularity, code=code,
                                     extra=bool(categories or asb_types or flags or source), tolerance=tolerance)  # fmt: skip
    query = {k: list(v) for k, v in (("categories", categories), ("asb_types", asb_types), ("flags", flags)) if v} if kind == "computed" else None
    if kind == "entered" and (categories or asb_types or flags or area):
        raise PlanError("an entered indicator has no event query or area", field="kind", fix="make it computed to count events, or leave out the categories, types, flags and area")
    cp.check_indicator(kind=kind, name=name, baseline_start=b_from, baseline_end=b_to, target_date=target_date, direction=direction, granularity=granularity,
                       query=query, measure=measure, source=source, tolerance=tolerance, area_code=area)  # fmt: skip
    found = resolve_area(ctx, area) if kind == "computed" else None
    if kind == "computed" and measure == "rate_per_1000" and not found["population"]:
        raise PlanError(f"no population is loaded for {found['name'] or found['code']}", field="area", fix="load the area's population, choose another area, or count instead")
    if baseline_value is None:
        if kind == "entered":
            raise PlanError("an entered indicator needs its baseline value", field="baseline_value", fix="give the baseline figure, e.g. from the last survey")
        ind = {"query": query, "area": found, "measure": measure, "granularity": granularity}
        rows, notes = computed_series(ctx, ind, b_from, b_to, population=found["population"] if found else None)
        gone = [m for r in rows for m in r["missing_months"]]
        if gone:
            raise PlanError(f"the baseline cannot be counted: no events are loaded for {', '.join(gone)}", field="baseline_period",
                            fix="load those months, choose a baseline period that is loaded, or give the baseline value")  # fmt: skip
        baseline_value = round(sum(r["value"] for r in rows) / len(rows), 4)
    iid = cp.add_indicator(ctx.engine, ctx.actor, ref, theme, name, kind=kind, baseline_start=b_from, baseline_end=b_to, baseline_value=baseline_value,
                           target_value=target_value, target_date=target_date, direction=direction, granularity=granularity, code=code, query=query,
                           area_code=found["code"] if found else None, area_kind=found["kind"] if found else None, measure=measure, source=source,
                           tolerance=tolerance, now=ctx.now)  # fmt: skip
    return indicator(ctx, iid)


def _add_survey_indicator(ctx: Context, ref: str, theme: str, name: str, *, survey: str | None, question: str | None, area: str | None, b_from: dt.date,
                          b_to: dt.date, baseline_value: float | None, target_value: float, target_date: dt.date, direction: str, granularity: str,
                          code: str | None, extra: bool, tolerance: float) -> dict:  # fmt: skip
    from sara.casework import surveys

    if extra:
        raise PlanError("a survey indicator has no event query or source", field="kind", fix="leave out the categories, types, flags and source")
    if not (survey or "").strip() or not (question or "").strip():
        raise PlanError("a survey indicator names its questionnaire and question", field="survey", fix="give both keys, e.g. perception and safe_after_dark (sara survey show)")
    q = surveys.question_of(ctx.engine, survey.strip(), question.strip())
    measure = "share" if q["scale"]["kind"] == "choice" else "mean"
    query = {"questionnaire": survey.strip(), "question": question.strip()}
    cp.check_indicator(kind="survey", name=name, baseline_start=b_from, baseline_end=b_to, target_date=target_date, direction=direction, granularity=granularity,
                       query=query, measure=measure, source=None, tolerance=tolerance, area_code=area)  # fmt: skip
    found = resolve_area(ctx, area)
    if baseline_value is None:
        [base] = surveys.series(ctx.engine, query["questionnaire"], query["question"], area_kind=found["kind"] if found else None,
                                area_code=found["code"] if found else None, starts=[b_from], ends=[b_to])  # fmt: skip
        if base["value"] is None:
            raise PlanError(f"the baseline cannot be read: no answers to {question} in the baseline period", field="baseline_period",
                            fix="choose a period with survey responses, or give the baseline value")  # fmt: skip
        baseline_value = round(base["value"], 2)
    iid = cp.add_indicator(ctx.engine, ctx.actor, ref, theme, name, kind="survey", baseline_start=b_from, baseline_end=b_to, baseline_value=baseline_value,
                           target_value=target_value, target_date=target_date, direction=direction, granularity=granularity, code=code, query=query,
                           area_code=found["code"] if found else None, area_kind=found["kind"] if found else None, measure=measure,
                           source=f"survey {query['questionnaire']}: {q['text']}", tolerance=tolerance, now=ctx.now)  # fmt: skip
    return indicator(ctx, iid)


def indicator(ctx: Context, indicator_id: int) -> dict:
    """One indicator with its progress."""
    row, plan = cp.indicator(ctx.engine, ctx.actor, indicator_id)
    full = cp.load(ctx.engine, ctx.actor, plan["reference"], today=_today(ctx))
    for th in full["themes"]:
        for i in th["indicators"]:
            if i["id"] == indicator_id:
                return indicator_progress(ctx, i, areas=_area_facts(ctx, full)) | {"plan": plan["reference"], "theme": th["number"]}
    raise NotFound(f"no plan indicator {indicator_id}")  # pragma: no cover


def enter_value(ctx: Context, indicator_id: int, period: str, value: float, *, source: str | None = None) -> dict:
    start, _ = cp.parse_period(period, "period")
    stored = cp.enter_value(ctx.engine, ctx.actor, indicator_id, start, value, source=source, now=ctx.now)
    return stored | {"progress": indicator(ctx, indicator_id)}


# ---------------------------------------------------------------- the documents


def decimals(ind: dict) -> int:
    """How many decimals people are shown of an indicator's figures (the JSON keeps them all):
    a count per month or quarter to 1 (a baseline mean, the line's expected value), a rate per
    1,000 residents or an entered figure to 2."""
    return 1 if ind.get("measure") == "count" else 2


def rounded(value, ind: dict) -> float | None:
    """``value`` rounded to what ``ind``'s measure needs (``decimals``), for tables and charts people read."""
    if value is None or isinstance(value, int):
        return value
    return round(float(value), decimals(ind))


def figure(value, ind: dict) -> str:
    """``value`` as people read it: rounded to ``decimals(ind)``, thousands separated, no trailing zeros."""
    if value is None:
        return ""
    text = f"{float(value):,.{decimals(ind)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _n(v, ind: dict | None = None) -> str:
    if v is None:
        return ""
    if ind is not None:
        return figure(v, ind)
    if isinstance(v, float) and not v.is_integer():
        return f"{v:,.1f}"
    return f"{int(v):,}"


def _baseline_text(ind: dict) -> str:
    b = ind["baseline"]
    g = ind["granularity"]
    first, last = label(dt.date.fromisoformat(b["from"]), g), label(cp.period_start(dt.date.fromisoformat(b["to"]), g), g)
    return f"{_n(b['value'], ind)} ({first if first == last else f'{first} to {last}'})"


def _indicator_name(ind: dict) -> str:
    if ind["kind"] == "survey":
        return f"{ind['name']} ({describe_survey(ind)})"
    return ind["name"] + (f" ({describe_query(ind)})" if ind["kind"] == "computed" else f" (source: {ind['source']})")


def _series_table(p: dict, key: str) -> Table:
    ind = p["indicator"]
    base, target = ind["baseline"]["value"], ind["target"]["value"]
    base, target = rounded(base, ind), rounded(target, ind)
    rows = [(r["period"], rounded(r["value"], ind), None, base, target, "baseline period") for r in p["baseline_series"]]
    rows += [(r["period"], rounded(r["value"], ind), rounded(r["expected"], ind), base, target, r["rating"]) for r in p["series"]]
    note = "; ".join(p["notes"])
    return Table(key, f"{ind['code'] + ' ' if ind['code'] else ''}{ind['name']}: {p['unit']}", ("period", "value", "on the line to target", "baseline", "target", "rating"),
                 tuple(rows), note=note, chart=Chart("line", "period", ("value", "on the line to target", "baseline", "target"), y_label=p["unit"]))  # fmt: skip


def _may_update(ctx: Context, plan: dict, action: dict) -> bool:
    """Whether the reader may change ``action`` (``sara.casework.plans.update_action``'s rule:
    the plan's writers, or the action's own organisation's users who write actions)."""
    from sara.access.permissions import can

    return bool(plan["may_write"] or can(ctx.actor, "write", "action", action["organisation_id"]))


def page(ctx: Context, ref: str) -> dict:
    """What the plan's page shows: the plan with its progress (``show``), its document
    (``document``), each indicator's figures rounded as people read them (``figure``), and
    the choices of the forms the reader may use (the plan's writers: every form; an action's
    own organisation: updating its actions)."""
    from sara.casework.records import org_names

    plan = show(ctx, ref)
    with ctx.engine.connect() as conn:
        orgs = [(n, n) for n in sorted(org_names(conn).values())]
    themes = [(str(th["number"]), f"{th['number']} {th['title']}") for th in plan["themes"]]
    priorities = [(p["number"], f"{p['number']} {p['title']}") for th in plan["themes"] for p in th["priorities"]]
    entered = [(str(p["indicator"]["id"]), f"{p['indicator']['code'] + ' ' if p['indicator']['code'] else ''}{p['indicator']['name']} (per {p['indicator']['granularity']})")
               for th in plan["themes"] for p in th["indicators"] if p["indicator"]["kind"] == "entered"]  # fmt: skip
    actions = [(str(a["id"]), f"{pr['number']} {a['description']} ({a['organisation']}, due {a['due']}, {a['status'].replace('_', ' ')})")
               for th in plan["themes"] for pr in th["priorities"] for a in pr["actions"] if _may_update(ctx, plan, a)]  # fmt: skip
    figures = {p["indicator"]["id"]: {"baseline": figure(p["indicator"]["baseline"]["value"], p["indicator"]),
                                      "target": figure(p["indicator"]["target"]["value"], p["indicator"]),
                                      "latest": figure(p["latest"]["value"], p["indicator"]) if p["latest"] else "",
                                      "expected": figure(p["latest"]["expected"], p["indicator"]) if p["latest"] else ""}
               for th in plan["themes"] for p in th["indicators"]}  # fmt: skip
    return {"plan": plan, "pack": document(ctx, ref, plan=plan), "organisations": orgs, "themes": themes, "priorities": priorities, "entered": entered,
            "actions": actions, "statuses": [(s, s.replace("_", " ").capitalize()) for s in cp.ACTION_STATUSES], "figures": figures}  # fmt: skip


def indicator_choices(ctx: Context, ref: str) -> dict:
    """What the indicator form offers: the plan (its themes), the event categories loaded
    (most events first), the ASB types, the flags, the loaded areas by name (the value the
    indicator's ``area`` resolves: the name, or ``KIND:CODE`` where names are shared, as
    ``/reports/scrutiny`` offers them), the first and last month loaded, and the survey
    questions (``KEY/QUESTION`` and their words)."""
    from sara.casework import surveys
    from sara.services import explore
    from sara.store.schema import FLAGS

    plan = cp.load(ctx.engine, ctx.actor, ref, today=_today(ctx))
    known = explore.options(ctx)
    asked = [(f"{q['key']}/{x['key']}", f"{q['name']}: {x['text']}") for q in (surveys.questionnaire(ctx.engine, s["key"]) for s in surveys.list_questionnaires(ctx.engine, ctx.actor))
             for x in q["questions"]]  # fmt: skip
    areas = [{"value": a["name"] if a["label"] == a["name"] else f"{a['kind']}:{a['code']}", "label": a["label"]}
             for kind in ("district", "ward", "lsoa") for a in known["areas"].get(kind, [])]  # fmt: skip
    return {"plan": {"reference": plan["reference"], "title": plan["title"], "organisation": plan["organisation"], "may_write": plan["may_write"]},
            "themes": [(str(th["number"]), f"{th['number']} {th['title']}") for th in plan["themes"]],
            "categories": [c["name"] for c in known["categories"]], "asb_types": list(cp.ASB_TYPES), "flags": list(FLAGS), "areas": areas,
            "months": known["months"], "questions": asked}  # fmt: skip


def review_year(ctx: Context) -> int:
    """The year a review shows when none is asked for: that of the last month of events loaded, else this year."""
    loaded = loaded_months(ctx)
    return max(loaded).year if loaded else _today(ctx).year


def document(ctx: Context, ref: str, *, plan: dict | None = None) -> Pack:
    """The plan as a document in the shape of the Calderdale action plan, progress added:
    per theme its priority issues with the actions to deliver improvement (owner, due,
    status, problems), then "Measuring our success" (indicator number, indicator, baseline,
    target, latest, expected, rating) and each indicator's series with its chart."""
    plan = plan or show(ctx, ref)
    sections = [Section("Introduction", tuple(x for x in (plan["description"],
                        f"This plan of {plan['organisation']} runs from {plan['period']['from']} to {plan['period']['to']}. Progress is shown at "
                        f"{plan['as_of']}: {plan['ratings']['on track']} indicators on track, {plan['ratings']['at risk']} at risk, "
                        f"{plan['ratings']['off track']} off track, {plan['ratings']['no data']} with no data yet.",
                        "Each indicator is rated against the straight line from its baseline to its target: on track if its latest value is at "
                        "least as good as the line, at risk if worse by no more than its tolerance (a share of the baseline-target gap), off track beyond.") if x))]  # fmt: skip
    for th in plan["themes"]:
        tables = []
        how = [(p["title"], a["description"], a["organisation"], a["due"], a["status"].replace("_", " ") + (" (overdue)" if a["overdue"] else ""), ", ".join(a["problems"]))
               for p in th["priorities"] for a in (p["actions"] or [{"description": "", "organisation": "", "due": "", "status": "", "overdue": False, "problems": []}])]  # fmt: skip
        tables.append(Table(f"theme_{th['number']}_how", "How: priority issues and actions to deliver improvement",
                            ("priority issue", "actions to deliver improvement", "owner", "due", "status", "problems"), tuple(how),
                            note="" if how else "no priority issues yet"))  # fmt: skip
        success = [(p["indicator"]["code"] or "", _indicator_name(p["indicator"]), _baseline_text(p["indicator"]),
                    f"{_n(p['indicator']['target']['value'], p['indicator'])} by {p['indicator']['target']['date']}",
                    _n(p["latest"]["value"], p["indicator"]) if p["latest"] else "", _n(p["latest"]["expected"], p["indicator"]) if p["latest"] else "",
                    p["rating"]) for p in th["indicators"]]  # fmt: skip
        notes = [f"{p['indicator']['code'] or p['indicator']['name']}: {n}" for p in th["indicators"] for n in p["notes"]]
        tables.append(Table(f"theme_{th['number']}_success", "Measuring our success",
                            ("indicator number", "indicator", "baseline", "target", "latest", "expected now", "rating"), tuple(success),
                            note="; ".join(notes) if success else "no indicators yet"))  # fmt: skip
        tables += [_series_table(p, f"indicator_{p['indicator']['id']}") for p in th["indicators"]]
        rules = tuple(f"{p['indicator']['code'] or p['indicator']['name']}: {p['rule']}" for p in th["indicators"])
        sections.append(Section(th["title"], ((f"Why: {th['why']}",) if th["why"] else ()) + rules, tuple(tables)))
    return Pack(plan["title"], f"{plan['organisation']}: partnership plan {plan['period']['from']} to {plan['period']['to']}, progress at {plan['as_of']}",
                tuple(sections), parameters={"plan": plan["reference"], "as_of": plan["as_of"]},
                provenance={"months_loaded": plan["months_loaded"], "updated_at": plan["updated_at"]}, made_at=ctx.now)  # fmt: skip


def review(ctx: Context, ref: str, year: int) -> Pack:
    """The annual review: for each indicator its baseline, its mean over ``year`` (the
    periods with a value), the change since the baseline and its rating at the year's end;
    then the actions due in the year by status and those done in it."""
    if not 1900 <= year <= 2200:
        raise PlanError(f"{year} is not a year", field="year", fix="give the year reviewed, e.g. 2025")
    y_first, y_last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    plan = show(ctx, ref, upto=y_last)
    rows, notes = [], []
    for th in plan["themes"]:
        for p in th["indicators"]:
            ind = p["indicator"]
            in_year = [r for r in p["series"] if y_first.isoformat() <= r["from"] <= y_last.isoformat() and r["value"] is not None]
            base = ind["baseline"]["value"]
            mean = round(sum(r["value"] for r in in_year) / len(in_year), 4) if in_year else None
            change = None if mean is None else round(mean - base, 4)
            pct = None if mean is None or not base else round(100 * change / base, 1)
            better = None if change is None else ("better" if (change < 0) == (ind["direction"] == "reduce") and change != 0 else "no change" if change == 0 else "worse")
            rows.append((ind["code"] or "", ind["name"], _baseline_text(ind), _n(mean, ind), _n(change, ind), "" if pct is None else f"{pct:+.1f}%", better or "",
                         f"{_n(ind['target']['value'], ind)} by {ind['target']['date']}", p["rating"]))  # fmt: skip
            if not in_year:
                notes.append(f"{ind['code'] or ind['name']}: no value in {year}")
            notes += [f"{ind['code'] or ind['name']}: {n}" for n in p["notes"]]
    acts = [a for th in plan["themes"] for pr in th["priorities"] for a in pr["actions"]]
    due = [a for a in acts if str(year) == a["due"][:4]]
    done = [a for a in acts if a["done_at"] and a["done_at"][:4] == str(year)]
    by_status = {s: sum(1 for a in due if a["status"] == s) for s in cp.ACTION_STATUSES}
    overdue = [a for a in due if a["status"] in cp.OPEN_ACTION and a["due"] <= y_last.isoformat() and a["due"] < ctx.now.date().isoformat()]
    changed = Table("changed", f"What changed since the baseline, {year}",
                    ("indicator number", "indicator", "baseline", f"{year} mean", "change", "change %", "better or worse", "target", f"rating at end of {year}"),
                    tuple(rows), note="; ".join(notes))  # fmt: skip
    actions = Table("actions", f"Actions due in {year}", ("status", "actions"), tuple((s.replace("_", " "), n) for s, n in by_status.items()),
                    note=f"{len(done)} actions were done in {year}; {len(overdue)} due in {year} are still open past their date", chart=Chart("barh", "status", ("actions",)))  # fmt: skip
    said = [f"{sum(1 for r in rows if r[6] == 'better')} of {len(rows)} indicators are better than their baseline in {year}, "
            f"{sum(1 for r in rows if r[6] == 'worse')} worse."]  # fmt: skip
    return Pack(f"{plan['title']}: annual review {year}", f"{plan['organisation']}: what changed since the baseline",
                (Section("What changed since the baseline", tuple(said), (changed,)), Section("Actions", (), (actions,))),
                parameters={"plan": plan["reference"], "year": str(year)}, provenance={"months_loaded": plan["months_loaded"]}, made_at=ctx.now)  # fmt: skip
