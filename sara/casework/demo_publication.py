"""The demo's public summaries ("you said, we did"): the Op Dexter problem's, written by its
owner and approved by the inspector, through the same rules as real work
(``sara.casework.publication``). ``load(engine)`` after ``sara.casework.demo.load``; loading
it twice does nothing the second time.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from sara.access.users import get_actor
from sara.casework import publication
from sara.store.schema import problems as sp

TITLE = "Youth ASB and criminal damage, Bolsover town centre (synthetic)"
SUMMARY = {
    "title": "Youth nuisance and damage in the town centre",
    "said": "Shoppers, shop staff and older residents told us that groups of young people were damaging property and making them feel unsafe "
            "in the town centre after school and in the evenings.",
    "did": "Police, the council, housing, the fire service and youth workers worked on it together. Officers patrolled at the busiest times over "
           "the Easter holidays, young people agreed behaviour contracts, the council made a public spaces order for the town centre, the fire "
           "service ran arson awareness sessions in the secondary schools and youth workers started Friday evening sessions.\n\n"
           "We are now checking whether the changes have lasted.",
}  # fmt: skip


def load(engine: Engine) -> list[str]:
    """Write and approve the demo's public summaries; the problems published (none when done before, or when no ward or district is loaded)."""
    with engine.connect() as conn:
        ref = conn.execute(select(sp.Problem.reference).where(sp.Problem.title == TITLE)).scalar()
    if ref is None:
        return []
    owner, lead = get_actor(engine, "pc.dexter"), get_actor(engine, "insp.bolsover")
    if publication.show(engine, owner, ref)["status"] != "none":
        return []
    try:
        publication.write(engine, owner, ref, **SUMMARY)
    except publication.PublicationError as exc:
        if exc.field == "area":  # no ward or district loaded to publish it in
            return []
        raise
    publication.approve(engine, lead, ref)
    return [ref]
