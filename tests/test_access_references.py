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


LOG_MAPPING = """
source = "Police ASB log"

[columns]
source_id = "Ref"
category = "Type"
victim = "Complainant"

[time]
occurred = "When"
format = "%Y-%m-%d %H:%M"

[coordinates]
x = "Easting"
y = "Northing"
crs = "EPSG:27700"
"""


def test_repeat_victims_show_names_only_at_the_readers_scope(engine, db_url, tmp_path):
    """`sara repeats --of victim` printed partners' victims' names to anyone (issue 9)."""
    from sara.access import audit
    from sara.intake.mapped import load_events
    from tests.cli import err_json, ok_json

    for name, kind in (("Police", "police"), ("Council", "council")):
        users.add_organisation(engine, name, kind)
    users.add_user(engine, "pc", "Police", "analyst", PW)
    users.add_user(engine, "asb", "Council", "analyst", PW)
    rows = [f"R{i},Noise,2025-0{1 + i % 3}-1{i} 22:00,447500,370100,{'Jordan Quill' if i < 4 else 'Sam Ode'}" for i in range(6)]
    (tmp_path / "log.csv").write_text("Ref,Type,When,Easting,Northing,Complainant\n" + "\n".join(rows) + "\n")
    (tmp_path / "log.toml").write_text(LOG_MAPPING)
    load_events(engine, [str(tmp_path / "log.csv")], str(tmp_path / "log.toml"))  # the operator's load: the host's (the police's) data
    args = ("repeats", "--of", "victim", "--threshold", "2", "--days", "365", "--db", db_url)
    police = ok_json(*args, "--as", "pc", "--purpose", "repeat victims review")
    assert {r["victim_ref"] for r in police["rows"]} == {"Jordan Quill", "Sam Ode"}
    assert audit.count(engine, action="read", subject_type="event references", actor_username="pc", purpose="repeat victims review") == 1
    for seen in (ok_json(*args, "--as", "asb"), ok_json(*args)):
        assert "Quill" not in str(seen) and "Sam Ode" not in str(seen)
        assert len(seen["rows"]) == 2 and all(r["victim_ref"].startswith("PE-") for r in seen["rows"])
    add_agreement(engine, "ISA", ["Police", "Council"], "ASB", "summary", ["victim"], dt.date(2025, 1, 1))
    assert "Jordan Quill" in str(ok_json(*args, "--as", "asb"))
    assert "suspect_ref" in err_json("repeats", "--of", "offender", "--db", db_url)  # offenders are the events' suspects: this log names none
