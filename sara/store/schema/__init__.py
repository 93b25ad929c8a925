"""The database schema, one module per group of tables, all on one ``Base``:

- ``events``: sources, loads, quarantine, events, outcomes, stop and search, areas, assessment plans
- ``access``: organisations, users, tokens, sharing agreements, the audit trail
- ``problems``, ``powers``, ``people``, ``patrols``: the casework

Importing the package registers every table on ``Base.metadata`` (what Alembic and the tests
compare the migrations against); the event tables are re-exported, as most code wants them.
"""

from sara.store.schema import access, area_attributes, assets, concerns, early_help, messages, ocg, patrols, people, plans, powers, problems, publication, surveys, tags, watch  # noqa: F401  (register their tables)
from sara.store.schema.base import Base
from sara.store.schema.events import FLAGS, Area, AssessmentPlan, Event, EventArea, Load, Outcome, Quarantine, Source, StopSearch

__all__ = ["FLAGS", "Area", "AssessmentPlan", "Base", "Event", "EventArea", "Load", "Outcome", "Quarantine", "Source", "StopSearch"]
