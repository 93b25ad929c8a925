"""Victim, suspect and premises references on events are personal data of the organisation
whose export carried them: a reader sees them only at their scope, else a stable pseudonym.
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sara.access import references, users
from sara.access.agreements import add_agreement

PW = "a long enough password"


def test_references_are_clear_at_home_and_under_an_agreement_else_pseudonyms(engine):
    for name, kind in (("Police", "police"), ("Council", "council"), ("Charity", "charity")):
        users.add_organisation(engine, name, kind)
    for name, org in (("pc", "Police"), ("asb", "Council"), ("vol", "Charity")):
        users.add_user(engine, name, org, "analyst", PW)
    council = users.organisation_id(engine, "Council")
    add_agreement(engine, "ISA", ["Police", "Council"], "ASB", "summary", ["victim"], dt.date(2025, 1, 1))
    refs, owners = ["Jordan Quill", "Jordan Quill", None, "Sam Ode"], [council, council, council, council]
    mine, clear = references.as_seen_by(engine, users.get_actor(engine, "asb"), "victim_ref", refs, owners)
    assert mine == refs and clear == {"Jordan Quill": council, "Sam Ode": council}
    shared, _ = references.as_seen_by(engine, users.get_actor(engine, "pc"), "victim_ref", refs, owners)
    assert shared == refs  # the agreement covers victims at summary scope
    hidden, clear = references.as_seen_by(engine, users.get_actor(engine, "pc"), "suspect_ref", refs, owners)
    assert clear == {} and hidden[0] == hidden[1] != hidden[3] and hidden[2] is None and "Jordan" not in repr(hidden)
    charity, _ = references.as_seen_by(engine, users.get_actor(engine, "vol"), "victim_ref", refs, owners)
    nobody, _ = references.as_seen_by(engine, None, "victim_ref", refs, owners)
    assert charity == nobody and "Quill" not in repr(charity)
    assert references.source_owners(engine) == {}  # no source loaded yet
