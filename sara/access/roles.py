"""Organisation types, roles, resources and the permission table, as data.

The rules (``sara.access.permissions.can`` applies them):

1. A user acts only if active. Reads, writes and exports are granted per role and per
   resource, separately for the user's own organisation (``OWN``) and another one (``OTHER``).
2. Personal resources (``PERSONAL``: person, premises, intervention) of the user's own
   organisation are seen in full. Of another organisation, a role that may read them at home
   sees them only under a live sharing agreement between the two organisations covering the
   data category, at the agreement's scope (existence, summary or full; the narrowest when
   several categories apply); with none, a pseudonymised view (a stable pseudonym and the
   organisations working with that person or place). Export follows the same scope. Nobody
   writes another organisation's personal data.
3. Non-personal casework (problem, action, event, patrol) is the partnership's common ground:
   readable across organisations by the roles that read it at home, written only at home.
4. Governance: administrators manage the users of their own organisation only (the host's
   administrators also add organisations and each one's first administrator:
   ``sara.access.users``); administrators and leads propose, accept and end the agreements
   their organisation is a party to (``sara.access.agreements``); audit entries are read and
   exported by administrators and leads of the organisation they concern; nobody writes the
   audit trail except the system itself.
5. The raw rows that intake quarantined from a force or partner export are personal data as
   they stand (names, phone numbers, addresses): only ``RAW_ROW_READERS`` of the organisation
   that loaded the file see them; rows of public files (police.uk, boundaries) anyone may.
"""

from __future__ import annotations

from sara.errors import Invalid

ORG_TYPES = ("police", "council", "housing", "health", "fire", "probation", "youth_justice", "charity")
ROLES = ("analyst", "problem_owner", "partner_practitioner", "lead", "administrator", "public_viewer")
RESOURCES = ("problem", "action", "event", "person", "premises", "intervention", "patrol", "audit", "user", "organisation", "agreement")
ACTIONS = ("read", "write", "export")
CATEGORIES = ("victim", "suspect", "witness", "vulnerability", "premises")

# Scopes, narrowest first. "none": nothing; "pseudonymised": a pseudonym and who else works with it.
SCOPES = ("none", "pseudonymised", "existence", "summary", "full")
AGREEMENT_SCOPES = ("existence", "summary", "full")

PERSONAL = frozenset({"person", "premises", "intervention"})
CASEWORK = frozenset({"problem", "action", "event", "patrol"})
GOVERNANCE = frozenset({"audit", "user", "organisation", "agreement"})

# The data categories a personal resource may hold: with no category named, the narrowest
# scope over all of them applies.
RAW_ROW_READERS = ("analyst", "administrator")

RESOURCE_CATEGORIES = {
    "person": ("victim", "suspect", "witness", "vulnerability"),
    "premises": ("premises",),
    "intervention": ("suspect",),
}

_ALL_CASEWORK = CASEWORK | PERSONAL
_R, _W, _X = "read", "write", "export"

# OWN[role][action] -> resources of the user's own organisation.
OWN: dict[str, dict[str, frozenset[str]]] = {
    "analyst": {_R: _ALL_CASEWORK | {"organisation"}, _W: frozenset({"problem", "action", "event"}), _X: _ALL_CASEWORK},
    "problem_owner": {_R: _ALL_CASEWORK | {"organisation"}, _W: _ALL_CASEWORK, _X: _ALL_CASEWORK},
    "partner_practitioner": {_R: _ALL_CASEWORK | {"organisation"}, _W: frozenset({"action", "event", "person", "premises"}), _X: frozenset()},
    "lead": {_R: _ALL_CASEWORK | {"audit", "user", "organisation", "agreement"}, _W: frozenset({"problem", "action", "agreement"}), _X: _ALL_CASEWORK | {"audit"}},
    "administrator": {_R: CASEWORK | GOVERNANCE, _W: frozenset({"user", "organisation", "agreement"}), _X: frozenset({"audit", "user"})},
    "public_viewer": {_R: frozenset({"problem", "action", "patrol", "organisation"}), _W: frozenset(), _X: frozenset()},
}

# OTHER[role][action] -> resources of another organisation. Personal resources listed here are
# further limited by sharing agreements (rule 2).
OTHER: dict[str, dict[str, frozenset[str]]] = {
    "analyst": {_R: _ALL_CASEWORK | {"organisation"}, _W: frozenset(), _X: _ALL_CASEWORK},
    "problem_owner": {_R: _ALL_CASEWORK | {"organisation"}, _W: frozenset(), _X: _ALL_CASEWORK},
    "partner_practitioner": {_R: _ALL_CASEWORK | {"organisation"}, _W: frozenset(), _X: frozenset()},
    "lead": {_R: _ALL_CASEWORK | {"organisation"}, _W: frozenset(), _X: _ALL_CASEWORK},
    "administrator": {_R: CASEWORK | {"organisation"}, _W: frozenset(), _X: frozenset()},
    "public_viewer": {_R: frozenset({"problem", "action", "patrol", "organisation"}), _W: frozenset(), _X: frozenset()},
}

# The fields each scope shows of a personal record; "full" shows every field. Pseudonymised
# views carry only ``pseudonym``, ``record_type`` and ``working_with``.
SCOPE_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "person": {
        "existence": ("id", "name"),
        "summary": ("id", "name", "category", "age_band", "ward", "flags"),
    },
    "premises": {
        "existence": ("id", "address"),
        "summary": ("id", "address", "premises_type", "ward", "risk_band"),
    },
    "intervention": {
        "existence": ("id", "type"),
        "summary": ("id", "type", "status", "served_at", "expires_at"),
    },
}


def narrowest(scopes) -> str:
    """The narrowest of ``scopes`` ("none" when empty)."""
    scopes = list(scopes)
    return min(scopes, key=SCOPES.index) if scopes else "none"


def check(kind: str, value: str, allowed, *, field: str | None = None) -> str:
    """``value`` if it is one of ``allowed``, else ``Invalid`` naming the choices (``field``:
    the input at fault, by default the kind's last word: "organisation type" -> "type")."""
    if value not in allowed:
        raise Invalid(f"unknown {kind} {value!r}", field=field or kind.split()[-1], fix=f"choose one of {', '.join(allowed)}")
    return value
