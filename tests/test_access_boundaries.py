"""Organisation boundaries as a property over every role and organisation pair: only an
organisation's own administrators create, change, disable or reset its users; the host's
administrators add organisations and each one's first administrator, nothing more; nobody
acts as a user of another organisation. SQLite and PostgreSQL."""

from __future__ import annotations

import itertools

import pytest

from sara.access import users
from sara.access.roles import ROLES
from sara.errors import Forbidden, NotFound, SaraError, Unauthenticated
from sara.services import Context
from sara.services import access as service

PW = "a long enough password"
ORGS = {"Host Police": "police", "Council A": "council", "Homes B": "housing"}


@pytest.fixture
def world(engine):
    """The host and two partners, each with one user of every role (laid by the operator)."""
    for name, kind in ORGS.items():
        users.add_organisation(engine, name, kind)
    for org, role in itertools.product(ORGS, ROLES):
        users.add_user(engine, f"{role}@{org}", org, role, PW)
    return engine, {(org, role): users.get_actor(engine, f"{role}@{org}") for org, role in itertools.product(ORGS, ROLES)}


def test_the_first_user_made_their_organisation_the_host(world):
    _, a = world
    assert a[("Host Police", "administrator")].host and not a[("Council A", "administrator")].host


def test_who_may_create_a_user_of_which_organisation(world):
    engine, a = world
    fresh = itertools.count()
    for (org, role), actor in a.items():
        for target, new_role in itertools.product([*ORGS, "empty"], ROLES):
            if target == "empty":  # an organisation with no users yet, new for every attempt
                target = f"New org {next(fresh)}"
                users.add_organisation(engine, target, "charity")
            name = f"n{next(fresh)}"
            empty = target not in ORGS
            expected = role == "administrator" and (target == org or (actor.host and empty and new_role == "administrator"))
            try:
                made = users.add_user(engine, name, target, new_role, actor=actor)
            except Forbidden as exc:
                assert not expected, (org, role, target, new_role, str(exc))
                assert users.get_actor(engine, name) is None
                continue
            assert expected, (org, role, target, new_role)
            assert made["one_time_code"] and users.get_actor(engine, name).organisation == target


def test_who_may_change_disable_or_reset_whom(world):
    engine, a = world
    for (org, role), actor in a.items():
        for target_org, target_role in itertools.product(ORGS, ROLES):
            target = f"{target_role}@{target_org}"
            expected = role == "administrator" and target_org == org
            for act in (lambda actor=actor, target=target: users.change_user(engine, actor, target, display_name="Renamed"),
                        lambda actor=actor, target=target: users.set_active(engine, actor, target, True)):  # fmt: skip
                if expected:
                    act()
                else:
                    with pytest.raises((Forbidden, NotFound)) as refused:
                        act()
                    # the refusal is the same whether or not the user exists: it protects who is where
                    assert target not in str(refused.value) or "no user called" in str(refused.value)
    # an administrator of another organisation is told exactly what they would be told of nobody
    outsider = a[("Council A", "administrator")]
    for verb in (lambda n: users.reset_user(engine, outsider, n), lambda n: users.set_active(engine, outsider, n, False)):
        with pytest.raises(NotFound) as real:
            verb("lead@Homes B")
        with pytest.raises(NotFound) as ghost:
            verb("nobody")
        assert str(real.value).replace("lead@Homes B", "X") == str(ghost.value).replace("nobody", "X")


def test_only_the_hosts_administrators_add_organisations(world):
    engine, a = world
    for (org, role), actor in a.items():
        expected = role == "administrator" and org == "Host Police"
        try:
            service.add_organisation(Context(engine, actor), f"Org of {role} at {org}", "charity")
            assert expected, (org, role)
        except Forbidden:
            assert not expected, (org, role)


def test_nobody_acts_as_another_user_without_their_own_credentials(world):
    engine, a = world
    tokens = {name: users.create_token(engine, actor, "t")["token"] for name, actor in a.items() if name[1] in ("administrator", "analyst")}
    for theirs in tokens:
        victim = f"{theirs[1]}@{theirs[0]}"
        for mine in [t for t in tokens if t != theirs][: users.MAX_FAILURES - 1]:  # one more would lock the victim out
            with pytest.raises(Unauthenticated):
                service.sign_in(engine, victim, token=tokens[mine])
        assert service.sign_in(engine, victim, token=tokens[theirs]).username == victim
    with pytest.raises(Unauthenticated):
        service.sign_in(engine, "analyst@Council A")  # a name alone proves nothing


def test_nobody_signed_in_may_only_bootstrap_an_empty_database(engine, world):
    with pytest.raises(Unauthenticated):
        service.add_organisation(Context(engine), "Sneaky", "fire")
    with pytest.raises(Unauthenticated):
        service.add_user(Context(engine), "sneaky", "Council A", "administrator", password=PW)


def test_an_empty_database_gets_its_first_administrator_and_host(db_url):
    from sara.store.engine import connect

    engine = connect(db_url)
    ctx = Context(engine)
    service.add_organisation(ctx, "Police", "police")
    with pytest.raises(SaraError, match="first user must be an administrator"):
        service.add_user(ctx, "a", "Police", "analyst", password=PW)
    service.add_user(ctx, "root", "Police", "administrator", password=PW)
    assert users.get_actor(engine, "root").host
    with pytest.raises(Unauthenticated):
        service.add_organisation(Context(engine), "Second", "fire")
    engine.dispose()
