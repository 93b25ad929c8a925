"""The assessment jobs, one function each, shared by every face: run an assessment now
(``assess``), save one under a name before its after period ends, a pre-registration
(``save_plan``), and run a saved plan unchanged (``run_plan``).

Each takes a ``Context`` (the database, and ``now``, which decides whether a period has
ended and whether a plan was saved in time) and plain parameters, and returns plain data:
the result as a dict, and the picture when asked for. The estimators are the pure functions
of ``sara.assess``; the counting on stored events is ``sara.report.assessment``; the other
interventions and operations on the target area come from the casework
(``sara.casework.overlaps``), leaving out the response of the ``problem`` assessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sara.assess import AssessError
from sara.report.pictures import Picture
from sara.services import Context


@dataclass
class Assessed:
    """An assessment for any face: ``result`` (the JSON) and the picture, when asked for."""

    result: dict
    picture: Picture | None = None
    key: tuple | None = None  # what the assessment is kept under (``sara.services.kept``)


def _plan(ctx: Context, *, target, before, after, buffer, control, categories, harm, measure):
    """The plan these inputs describe, checked: periods well formed, the target and the
    controls found (a loaded area by code or name, or an existing GeoJSON file)."""
    from sara import geo
    from sara.report import assessment

    for name, what in (("target", "target"), ("before", "before period"), ("after", "after period")):
        if not {"target": target, "before": before, "after": after}[name]:
            raise AssessError(f"an assessment needs a target and its before and after periods; the {what} is missing", field=name,
                              fix="give it, or run a saved plan by its name")  # fmt: skip
    periods = assessment.parse_period(before, "before"), assessment.parse_period(after, "after")
    found = assessment.resolve_area(ctx.engine, target, geo.BNG, "target")
    if found["kind"] is not None and ":" not in target:  # a loaded area is kept by its code, whatever it was called by
        target = found["code"]
    if control != "auto":
        for spec in (s.strip() for s in control.split(",")):
            if spec:
                assessment.resolve_area(ctx.engine, spec, geo.BNG, "control")
    return assessment.Plan(target, *periods, buffer, control, tuple(categories) if categories else None, harm, measure)


def _run(ctx: Context, plan, info: dict | None, problem: str | None, picture: bool) -> Assessed:
    """The assessment, kept while the data is unchanged (``sara.services.kept``): the page and
    its picture ask for the same one, and so does the next reader of the same design. It is
    counts of events, the same for every reader; what it depends on besides the events is in
    its key: the plan, the saved plan's facts, the day (has the after period ended?) and the
    other responses on the target area, read afresh on every call."""
    import copy

    from sara.casework.overlaps import in_area
    from sara.report import assessment
    from sara.services.kept import kept

    today = ctx.now.date()
    others = in_area(ctx.engine, plan.target, exclude_problem=problem)

    def compute():
        result = assessment.assess(ctx.engine, plan, today=today, plan_info=info, others=others)
        return result, result.pop("_geometry")

    key = ("assessment", plan, tuple(sorted((info or {}).items())), today, tuple(others))
    result, shapes = kept(ctx, key, compute)
    result = copy.deepcopy(result)  # the kept one stays as computed, whatever a caller does with its copy
    drawn = None
    if picture:
        import shapely

        from sara.services.places import Places

        everything = [g for g in (shapes["target"], shapes["buffer"], shapes["control"]) if g is not None]
        areas = Places(ctx).backdrop(shapes["crs"], shapely.total_bounds(everything))
        drawn = Picture("assessment", {"result": result | {"_geometry": shapes}, "areas": areas})
    return Assessed(result, drawn, key)


def png(ctx: Context, done: Assessed) -> bytes:
    """The picture of an assessment (asked for with ``picture=True``) as PNG bytes, kept
    under the assessment's own key while the data is unchanged: the same for every reader,
    and half a second of matplotlib to draw, so a page and its next readers draw it once."""
    if done.picture is None:
        raise ValueError("the assessment was run without its picture: ask for picture=True")

    def draw() -> bytes:
        import tempfile
        from pathlib import Path

        from sara.report import pictures

        with tempfile.TemporaryDirectory(prefix="sara-assess-") as folder:
            return Path(pictures.draw(done.picture, Path(folder) / "assessment.png")).read_bytes()

    from sara.services.kept import kept

    return draw() if done.key is None else kept(ctx, ("assessment picture", done.key), draw)


def assess(
    ctx: Context, *, target: str | None, before: str | None, after: str | None, buffer: float = 500, control: str = "auto",
    categories: list[str] | None = None, harm: bool = False, measure: str | None = None, problem: str | None = None, picture: bool = False,
) -> Assessed:  # fmt: skip
    """Did it work? ``target`` (a loaded area's code or name, or a GeoJSON file) against
    ``control`` (``auto``: the most similar areas by pre-period level and trend; or areas,
    comma-separated), displacement into a ``buffer`` ring (metres), ``before`` and
    ``after`` periods (``YYYY-MM:YYYY-MM``): counts, estimates, warnings and a verdict."""
    plan = _plan(ctx, target=target, before=before, after=after, buffer=buffer, control=control, categories=categories, harm=harm, measure=measure)
    return _run(ctx, plan, None, problem, picture)


def save_plan(
    ctx: Context, name: str, *, plan: str | None = None, target: str | None = None, before: str | None = None, after: str | None = None,
    buffer: float = 500, control: str = "auto", categories: list[str] | None = None, harm: bool = False, measure: str | None = None,
) -> dict:  # fmt: skip
    """Saves an assessment under ``name`` to run unchanged later (``run_plan``), saying
    whether it was saved before its after period ended (a pre-registration). The target and
    controls must exist now: a plan of a missing file or an unknown code is refused.
    ``plan`` copies a saved plan under the new name instead."""
    from sara.report import assessment

    if plan:
        chosen, _ = assessment.load_plan(ctx.engine, plan)
    else:
        chosen = _plan(ctx, target=target, before=before, after=after, buffer=buffer, control=control, categories=categories, harm=harm, measure=measure)
    return assessment.save_plan(ctx.engine, name, chosen, today=ctx.now.date())


def run_plan(ctx: Context, name: str, *, problem: str | None = None, picture: bool = False) -> Assessed:
    """Runs the plan saved as ``name`` unchanged; the result says when it was saved and
    whether that was a pre-registration."""
    from sara.report import assessment

    plan, info = assessment.load_plan(ctx.engine, name)
    return _run(ctx, plan, info, problem, picture)
