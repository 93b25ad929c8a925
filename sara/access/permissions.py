"""Permission checks and the views of personal records they allow.

``can`` is the one decision every face (CLI, web, API) asks: may this user read, write or
export this resource of this organisation, and at what scope? ``view``, ``view_many``,
``view_each`` and ``search`` build what the user may see of personal records at that scope
(full, summary, existence, or pseudonymised with who else is working with the person or
place) and write one audit entry per personal record shown. Refusals never carry a record's fields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine

from sara.access import audit
from sara.access.agreements import Agreement, scope_over
from sara.access.agreements import agreements as load_agreements
from sara.access.roles import ACTIONS, OTHER, OWN, PERSONAL, RESOURCES, SCOPE_FIELDS, check
from sara.access.secrets import per_database
from sara.errors import Forbidden


class PermissionDenied(Forbidden):
    """A permission check refused; the reason names the role and the resource, never a record."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    scope: str  # one of roles.SCOPES
    reason: str
    agreement_id: int | None = None

    def __bool__(self) -> bool:
        return self.allowed


def can(user, action: str, resource: str, owner_org: int | None, *, category: str | None = None, at: dt.datetime | None = None,
        agreements: Iterable[Agreement] | Engine | None = None) -> Decision:  # fmt: skip
    """May ``user`` (anything with ``role``, ``organisation_id`` and ``active``) ``action``
    ("read" | "write" | "export") ``resource`` owned by ``owner_org`` (None: not owned, treated
    as the user's own)? ``agreements`` (a list, or an engine to read them from) is consulted for
    another organisation's personal data, live at ``at`` (default now)."""
    check("action", action, ACTIONS)
    check("resource", resource, RESOURCES)
    if not getattr(user, "active", True):
        return Decision(False, "none", "the user is not active")
    own = owner_org is None or owner_org == user.organisation_id
    table = OWN if own else OTHER
    where = "their own organisation" if own else "another organisation"
    if resource not in table.get(user.role, {}).get(action, ()):
        return Decision(False, "none", f"a {user.role} may not {action} {resource} of {where}")
    if own or resource not in PERSONAL:
        return Decision(True, "full", f"a {user.role} may {action} {resource} of {where}")
    pool = agreements if agreements is not None else []
    if isinstance(pool, Engine):
        pool = load_agreements(pool)
    scope, g = scope_over(list(pool), user.organisation_id, owner_org, category, resource, at)
    if g is None:
        return Decision(True, "pseudonymised", "no live sharing agreement covers this data: pseudonymised view only")
    return Decision(True, scope, f"sharing agreement {g.name!r} grants {scope}", g.id)


_keys: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def pseudonym_key(engine: Engine) -> bytes:
    """The per-database pseudonym key (made on first use if the migration did not)."""
    if engine not in _keys:
        _keys[engine] = per_database(engine, "pseudonym", 32)
    return _keys[engine]


def pseudonym(key: bytes, resource: str, owner_org: int, record_id) -> str:
    """A stable partner-facing id: HMAC-SHA256 of the record's identity under the database key."""
    digest = hmac.new(key, f"{resource}:{owner_org}:{record_id}".encode(), hashlib.sha256).hexdigest()
    return f"{resource[:2].upper()}-{digest[:12]}"


def shape(resource: str, record: dict, scope: str, *, key: bytes, owner_org: int, working_with: Iterable[str] = ()) -> dict:
    """What ``scope`` shows of ``record`` (pure: no checks, no audit)."""
    working = sorted(set(working_with))
    if scope == "full":
        out = dict(record)
    elif scope in ("summary", "existence"):
        out = {k: record[k] for k in SCOPE_FIELDS[resource][scope] if k in record}
    elif scope == "pseudonymised":
        out = {"pseudonym": pseudonym(key, resource, owner_org, record["id"]), "record_type": resource}
    else:
        raise PermissionDenied(f"no view of {resource} at scope {scope}")
    out["scope"] = scope
    out["working_with"] = working
    return out


def _views(engine: Engine, actor, resource: str, items, *, purpose: str | None, category: str | None, at, action: str,
           categories: list[str | None] | None = None, skip_refused: bool = False) -> list[dict | None]:  # fmt: skip
    if resource not in PERSONAL:
        raise ValueError(f"{resource} is not personal data: use can() for it")
    pool = load_agreements(engine)
    key = pseudonym_key(engine)
    views, entries = [], []
    for i, (record, owner_org, working_with) in enumerate(items):
        if categories is not None:
            category = categories[i]
        d = can(actor, action, resource, owner_org, category=category, at=at, agreements=pool)
        if not d.allowed:
            if skip_refused:
                views.append(None)
                continue
            raise PermissionDenied(d.reason)
        if d.scope != "pseudonymised" and not (purpose and purpose.strip()):
            raise PermissionDenied(f"a purpose is required to {action} personal data")
        views.append(shape(resource, record, d.scope, key=key, owner_org=owner_org, working_with=working_with))
        if d.scope != "pseudonymised":
            entries.append(audit.Entry("read" if action == "read" else "export", actor, resource, record["id"], owner_org_id=owner_org, purpose=purpose,
                                       detail={"scope": d.scope, "agreement_id": d.agreement_id, "category": category}))  # fmt: skip
    if entries:
        audit.append(engine, *entries)
    return views


def view(engine: Engine, actor, resource: str, record: dict, owner_org: int, *, purpose: str | None, working_with: Iterable[str] = (),
         category: str | None = None, at: dt.datetime | None = None, action: str = "read") -> dict:  # fmt: skip
    """The view of one personal record ``actor`` may have (``PermissionDenied`` if none),
    audited once when it shows personal data; ``working_with`` are the names of the
    organisations working with the person or place."""
    return _views(engine, actor, resource, [(record, owner_org, working_with)], purpose=purpose, category=category, at=at, action=action)[0]


def view_many(engine: Engine, actor, resource: str, items: Iterable[tuple[dict, int, Iterable[str]]], *, purpose: str | None,
              category: str | None = None, at: dt.datetime | None = None, action: str = "read") -> list[dict]:  # fmt: skip
    """``view`` over (record, owner_org, working_with) items: one audit entry per personal record shown."""
    return _views(engine, actor, resource, list(items), purpose=purpose, category=category, at=at, action=action)


def view_each(engine: Engine, actor, resource: str, items: Iterable[tuple[dict, int, Iterable[str]]], *, purpose: str | None,
              categories: Iterable[str | None], at: dt.datetime | None = None, action: str = "read") -> list[dict | None]:  # fmt: skip
    """``view`` of each (record, owner_org, working_with) item, each checked against the
    agreements of its own category (``categories``, in the items' order), as a page showing
    many records at once reads them: the agreements read once, and one audit transaction with
    one entry per personal record shown. A record the actor may not see is None in its place
    (``view`` would refuse it), so one refusal does not hide the others."""
    items, categories = list(items), list(categories)
    if len(categories) != len(items):
        raise ValueError(f"{len(items)} records but {len(categories)} categories")
    return _views(engine, actor, resource, items, purpose=purpose, category=None, at=at, action=action, categories=categories, skip_refused=True)


def search(engine: Engine, actor, resource: str, items: Iterable[tuple[dict, int, Iterable[str]]], query: str, *, purpose: str | None,
           category: str | None = None, at: dt.datetime | None = None) -> list[dict]:  # fmt: skip
    """The records whose *visible* fields contain ``query`` (case-insensitive), as views: a
    field the user may not see can neither match nor change the count."""
    items = list(items)
    pool = load_agreements(engine)
    key = pseudonym_key(engine)
    q = query.casefold()
    hits = []
    for record, owner_org, working_with in items:
        d = can(actor, "read", resource, owner_org, category=category, at=at, agreements=pool)
        if not d.allowed:
            continue
        shown = shape(resource, record, d.scope, key=key, owner_org=owner_org, working_with=working_with)
        if any(q in str(v).casefold() for k, v in shown.items() if k not in ("scope", "working_with", "record_type")):
            hits.append((record, owner_org, working_with))
    return view_many(engine, actor, resource, hits, purpose=purpose, category=category, at=at) if hits else []


def require(user, action: str, resource: str, owner_org: int | None, **kw) -> Decision:
    """``can`` that raises ``PermissionDenied`` on a refusal."""
    d = can(user, action, resource, owner_org, **kw)
    if not d.allowed:
        raise PermissionDenied(f"not allowed: {d.reason}")
    return d
