"""The permission matrix, checked property-style against an independent statement of the
rules; views at each scope; pseudonyms; no leaks through lists, search, counts or errors;
agreement expiry; sign-in lockout. Database tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sara.store.schema  # noqa: F401  (registers every table)
from sara.access import audit, permissions, roles, users
from sara.access.agreements import Agreement, add_agreement
from sara.access.permissions import PermissionDenied, can
from sara.access.users import Actor, AuthError
from sara.errors import Conflict, Invalid

# ---------------------------------------------------------------------------------------
# The rules, stated again independently of sara.access.roles: letters r/w/x per resource at
# the user's own organisation (HOME) and at another (AWAY).
PERSONAL = {"person", "premises", "intervention"}
CASEWORK = ["problem", "action", "event", "patrol"]
_ALL = {r: "rx" for r in CASEWORK + sorted(PERSONAL)}
HOME = {
    "analyst": {**_ALL, "problem": "rwx", "action": "rwx", "event": "rwx", "organisation": "r"},
    "problem_owner": {**{r: "rwx" for r in _ALL}, "organisation": "r"},
    "partner_practitioner": {**{r: "r" for r in _ALL}, "action": "rw", "event": "rw", "person": "rw", "premises": "rw", "organisation": "r"},
    "lead": {**_ALL, "problem": "rwx", "action": "rwx", "audit": "rx", "user": "r", "organisation": "r", "agreement": "rw"},
    "administrator": {**{r: "r" for r in CASEWORK}, "audit": "rx", "user": "rwx", "organisation": "rw", "agreement": "rw"},
    "public_viewer": {"problem": "r", "action": "r", "patrol": "r", "organisation": "r"},
}
AWAY = {
    "analyst": {**_ALL, "organisation": "r"},
    "problem_owner": {**_ALL, "organisation": "r"},
    "partner_practitioner": {**{r: "r" for r in _ALL}, "organisation": "r"},
    "lead": {**_ALL, "organisation": "r"},
    "administrator": {**{r: "r" for r in CASEWORK}, "organisation": "r"},  # nobody writes another organisation's users
    "public_viewer": {"problem": "r", "action": "r", "patrol": "r", "organisation": "r"},
}
LETTER = {"read": "r", "write": "w", "export": "x"}
NOW = dt.datetime(2025, 6, 1, 12, 0)
ME, THEM, THIRD = 1, 2, 3

# agreement situations: (label, agreements, scope the oracle expects for category "victim")
SITUATIONS = {
    "none": ([], None),
    "expired": ([Agreement(1, "old", frozenset({ME, THEM}), "p", "full", frozenset({"victim"}), NOW - dt.timedelta(days=400), NOW - dt.timedelta(seconds=1))], None),
    "ends_now": ([Agreement(1, "ends", frozenset({ME, THEM}), "p", "full", frozenset({"victim"}), NOW - dt.timedelta(days=1), NOW)], None),
    "future": ([Agreement(1, "later", frozenset({ME, THEM}), "p", "full", frozenset({"victim"}), NOW + dt.timedelta(days=1), None)], None),
    "other_category": ([Agreement(1, "sus", frozenset({ME, THEM}), "p", "full", frozenset({"suspect"}), NOW - dt.timedelta(days=1), None)], None),
    "third_party": ([Agreement(1, "3rd", frozenset({ME, THIRD}), "p", "full", frozenset({"victim"}), NOW - dt.timedelta(days=1), None)], None),
    "existence": ([Agreement(1, "e", frozenset({ME, THEM}), "p", "existence", frozenset({"victim"}), NOW - dt.timedelta(days=1), None)], "existence"),
    "summary": ([Agreement(1, "s", frozenset({ME, THEM, THIRD}), "p", "summary", frozenset({"victim", "premises"}), NOW, NOW + dt.timedelta(days=1))], "summary"),
    "full": ([Agreement(1, "f", frozenset({ME, THEM}), "p", "full", frozenset({"victim", "suspect"}), NOW - dt.timedelta(days=1), None)], "full"),
    "summary_and_full": (
        [Agreement(1, "s", frozenset({ME, THEM}), "p", "summary", frozenset({"victim"}), NOW - dt.timedelta(days=1), None),
         Agreement(2, "f", frozenset({ME, THEM}), "p", "full", frozenset({"victim"}), NOW - dt.timedelta(days=1), None)], "full"),  # fmt: skip
}


def oracle(role: str, own: bool, situation: str, resource: str, action: str, active: bool) -> tuple[bool, str]:
    if not active:
        return False, "none"
    letters = (HOME if own else AWAY)[role].get(resource, "")
    if LETTER[action] not in letters:
        return False, "none"
    if own or resource not in PERSONAL:
        return True, "full"
    scope = SITUATIONS[situation][1]
    return True, scope or "pseudonymised"


@settings(max_examples=400, deadline=None)
@given(
    role=st.sampled_from(roles.ROLES),
    own=st.booleans(),
    situation=st.sampled_from(sorted(SITUATIONS)),
    resource=st.sampled_from(roles.RESOURCES),
    action=st.sampled_from(roles.ACTIONS),
    active=st.booleans(),
)
def test_permission_matrix_matches_the_rules(role, own, situation, resource, action, active):
    user = Actor(7, "u", "U", ME, "Mine", role, active)
    d = can(user, action, resource, ME if own else THEM, category="victim", at=NOW, agreements=SITUATIONS[situation][0])
    assert (d.allowed, d.scope) == oracle(role, own, situation, resource, action, active)
    assert d.scope in roles.SCOPES and d.reason


def test_every_cell_of_the_matrix_is_decided_as_stated():
    """The exhaustive version of the property (6 roles x 2 x 10 x 11 x 3 = 3,960 cells)."""
    for role in roles.ROLES:
        for own in (True, False):
            for situation, (pool, _) in SITUATIONS.items():
                for resource in roles.RESOURCES:
                    for action in roles.ACTIONS:
                        d = can(Actor(7, "u", "U", ME, "Mine", role), action, resource, ME if own else THEM, category="victim", at=NOW, agreements=pool)
                        assert (d.allowed, d.scope) == oracle(role, own, situation, resource, action, True), (role, own, situation, resource, action)


def test_no_category_means_the_narrowest_scope_over_every_category():
    full_victim = Agreement(1, "v", frozenset({ME, THEM}), "p", "full", frozenset({"victim", "suspect", "witness"}), NOW - dt.timedelta(days=1), None)
    summary_vuln = Agreement(2, "s", frozenset({ME, THEM}), "p", "summary", frozenset({"vulnerability"}), NOW - dt.timedelta(days=1), None)
    analyst = Actor(7, "u", "U", ME, "Mine", "analyst")
    assert can(analyst, "read", "person", THEM, at=NOW, agreements=[full_victim]).scope == "pseudonymised"
    assert can(analyst, "read", "person", THEM, at=NOW, agreements=[full_victim, summary_vuln]).scope == "summary"
    assert can(analyst, "read", "intervention", THEM, at=NOW, agreements=[full_victim]).scope == "full"


def test_unknown_actions_and_resources_are_refused_loudly():
    with pytest.raises(ValueError, match="unknown action"):
        can(Actor(1, "u", "U", ME, "Mine", "lead"), "delete", "person", ME)
    with pytest.raises(ValueError, match="unknown resource"):
        can(Actor(1, "u", "U", ME, "Mine", "lead"), "read", "secrets", ME)


# ---------------------------------------------------------------------------------------
# With a database: views, audit, expiry, search and counts, lockout.

SECRET = {"id": 41, "name": "Jordan Quill", "dob": "1987-03-14", "address": "12 Larch Row", "phone": "07700 900123",
          "category": "victim", "age_band": "35-44", "ward": "Central", "flags": ["repeat"], "notes": "disclosed DV history"}  # fmt: skip
PRIVATE_VALUES = ["1987-03-14", "12 Larch Row", "07700 900123", "disclosed DV history"]
NAME = "Jordan Quill"


@pytest.fixture
def world(engine):
    users.add_organisation(engine, "Derbyshire Police", "police")
    users.add_organisation(engine, "Bolsover Homes", "housing")
    users.add_organisation(engine, "Safe Haven", "charity")
    users.add_user(engine, "pat", "Derbyshire Police", "analyst", "long enough password")
    users.add_user(engine, "hal", "Bolsover Homes", "partner_practitioner", "long enough password")
    users.add_user(engine, "cat", "Safe Haven", "partner_practitioner", "long enough password")
    a = {u: users.get_actor(engine, u) for u in ("pat", "hal", "cat")}
    return engine, a


def _leaks(obj) -> list[str]:
    text = json.dumps(obj, default=str)
    return [v for v in PRIVATE_VALUES if v in text]


@pytest.mark.parametrize("scope", ["existence", "summary", "full"])
def test_a_partner_sees_exactly_the_agreed_scope_and_each_read_is_audited(world, scope):
    engine, a = world
    police = a["pat"].organisation_id
    add_agreement(engine, "ISA", ["Derbyshire Police", "Bolsover Homes"], "ASB casework", scope, ["victim"], NOW - dt.timedelta(days=1))
    before = audit.count(engine, action="read")
    v = permissions.view(engine, a["hal"], "person", SECRET, police, purpose="case 17", category="victim", working_with=["Derbyshire Police"])
    assert v["scope"] == scope
    expected = set(SECRET) if scope == "full" else set(roles.SCOPE_FIELDS["person"][scope])
    assert set(v) - {"scope", "working_with"} == expected
    assert audit.count(engine, action="read") == before + 1
    assert audit.count(engine, action="read", actor_username="hal", owner_org_id=police, subject_id="41") == 1
    if scope != "full":
        assert _leaks(v) == []
    # the charity has no agreement: a pseudonym and who to ask, and no audit entry (no personal data)
    p = permissions.view(engine, a["cat"], "person", SECRET, police, purpose=None, category="victim", working_with=["Derbyshire Police", "Bolsover Homes"])
    assert set(p) == {"pseudonym", "record_type", "scope", "working_with"}
    assert p["working_with"] == ["Bolsover Homes", "Derbyshire Police"] and NAME not in json.dumps(p) and _leaks(p) == []
    assert audit.count(engine, action="read") == before + 1
    assert audit.verify(engine)[0]


def test_pseudonyms_are_stable_per_record_and_distinct_between_records(world):
    engine, a = world
    police = a["pat"].organisation_id
    seen = {permissions.view(engine, a["cat"], "person", {"id": i, "name": f"n{i}"}, police, purpose=None)["pseudonym"] for i in range(50)}
    assert len(seen) == 50
    again = permissions.view(engine, a["hal"], "person", {"id": 3, "name": "n3"}, police, purpose=None)["pseudonym"]
    assert again == permissions.view(engine, a["cat"], "person", {"id": 3, "name": "other"}, police, purpose=None)["pseudonym"]
    assert "3" not in again.split("-")[0]


def test_agreement_expiry_revokes_access_at_once(world):
    engine, a = world
    police = a["pat"].organisation_id
    end = NOW + dt.timedelta(hours=1)
    add_agreement(engine, "short", ["Derbyshire Police", "Bolsover Homes"], "Op Dexter", "full", ["victim"], NOW - dt.timedelta(days=1), end)
    assert can(a["hal"], "read", "person", police, category="victim", at=end - dt.timedelta(microseconds=1), agreements=engine).scope == "full"
    assert can(a["hal"], "read", "person", police, category="victim", at=end, agreements=engine).scope == "pseudonymised"
    v = permissions.view(engine, a["hal"], "person", SECRET, police, purpose="x", category="victim", at=end)
    assert v["scope"] == "pseudonymised" and _leaks(v) == [] and NAME not in json.dumps(v)


def test_lists_search_and_counts_do_not_leak_hidden_fields(world):
    engine, a = world
    police, homes = a["pat"].organisation_id, a["hal"].organisation_id
    add_agreement(engine, "ISA", ["Derbyshire Police", "Bolsover Homes"], "ASB", "existence", ["victim"], NOW - dt.timedelta(days=1))
    items = [(dict(SECRET, id=i, name=f"Person {i}", dob=f"1987-03-{i:02d}"), police, ["Derbyshire Police"]) for i in range(1, 6)]
    before = audit.count(engine)
    listed = permissions.view_many(engine, a["hal"], "person", items, purpose="panel", category="victim")
    assert len(listed) == 5 and _leaks(listed) == [] and all("dob" not in v for v in listed)
    assert audit.count(engine) == before + 5  # one entry per personal record shown
    # searching a hidden field matches nothing for the partner, everything for the owner
    assert permissions.search(engine, a["hal"], "person", items, "1987-03", purpose="panel", category="victim") == []
    assert permissions.search(engine, a["cat"], "person", items, "Person", purpose="panel", category="victim") == []
    assert len(permissions.search(engine, a["pat"], "person", items, "1987-03", purpose="panel", category="victim")) == 5
    assert len(permissions.search(engine, a["hal"], "person", items, "person 3", purpose="panel", category="victim")) == 1
    # the partner's own records are theirs in full
    mine = permissions.view(engine, a["hal"], "person", SECRET, homes, purpose="own case")
    assert mine["scope"] == "full" and mine["dob"] == SECRET["dob"]


def test_refusals_carry_no_personal_fields(world):
    engine, a = world
    police = a["pat"].organisation_id
    add_agreement(engine, "ISA", ["Derbyshire Police", "Bolsover Homes"], "ASB", "full", ["victim"], NOW - dt.timedelta(days=1))
    viewer = Actor(99, "pv", "PV", a["hal"].organisation_id, "Bolsover Homes", "public_viewer")
    for who, kwargs in ((viewer, {"purpose": "x"}), (a["hal"], {"purpose": ""}), (a["hal"], {"purpose": None})):
        with pytest.raises(PermissionDenied) as exc:
            permissions.view(engine, who, "person", SECRET, police, category="victim", **kwargs)
        assert NAME not in str(exc.value) and not [v for v in PRIVATE_VALUES if v in str(exc.value)]
    with pytest.raises(PermissionDenied):
        permissions.view(engine, a["hal"], "person", SECRET, police, purpose="x", action="export")  # partners do not export


def test_lockout_after_five_failures_and_every_attempt_is_audited(world):
    engine, _ = world
    t0 = NOW
    for i in range(5):
        with pytest.raises(AuthError, match="invalid username or password"):
            users.authenticate(engine, "hal", "wrong password!", at=t0 + dt.timedelta(seconds=i))
    with pytest.raises(AuthError, match="locked"):
        users.authenticate(engine, "hal", "long enough password", at=t0 + dt.timedelta(minutes=14))
    assert users.authenticate(engine, "hal", "long enough password", at=t0 + dt.timedelta(minutes=15, seconds=5)).username == "hal"
    with pytest.raises(AuthError, match="invalid username or password"):
        users.authenticate(engine, "nobody", "whatever it is", at=t0)
    assert audit.count(engine, action="login_failed") == 7
    assert audit.count(engine, action="login") == 1
    assert audit.count(engine, action="login_failed", actor_username="nobody") == 1
    # a success resets the count: four more failures do not lock
    for i in range(4):
        with pytest.raises(AuthError):
            users.authenticate(engine, "hal", "wrong password!", at=t0 + dt.timedelta(minutes=20, seconds=i))
    assert users.authenticate(engine, "hal", "long enough password", at=t0 + dt.timedelta(minutes=21)).username == "hal"
    assert audit.verify(engine)[0]


def test_passwords_are_argon2_hashed_and_checked(world):
    engine, _ = world
    from sqlalchemy import select

    from sara.store.schema.access import User

    with engine.connect() as conn:
        h = conn.execute(select(User.password_hash).where(User.username == "pat")).scalar_one()
    assert h.startswith("$argon2id$") and "long enough" not in h
    with pytest.raises(Invalid, match="too short"):
        users.add_user(engine, "shorty", "Safe Haven", "analyst", "short")
    with pytest.raises(ValueError, match="unknown role"):
        users.add_user(engine, "x", "Safe Haven", "wizard", "long enough password")
    with pytest.raises(Conflict, match="already exists"):
        users.add_user(engine, "pat", "Safe Haven", "analyst", "long enough password")
