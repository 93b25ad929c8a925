"""ASB powers as pure state machines over the versioned rules table."""

from collections import deque
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from sara.casework.clock import LONDON
from sara.casework.powers import Refused, apply, deadlines, open_case, upcoming_and_missed
from sara.casework.rules import EVIDENCE, RulesError, default_rules, load_rules, parse_rules, rule_for


def L(*a):
    return datetime(*a, tzinfo=LONDON)


BOOK = default_rules()
EXAMPLES = load_rules(include_examples=True)
ADULT = date(1980, 6, 1)


# --- the rules table -------------------------------------------------------------------------

def test_every_power_is_present_and_examples_are_opt_in():
    assert set(BOOK.powers()) == {"abc", "community_protection", "pspo", "dispersal", "closure", "civil_injunction", "cbo"}
    assert not any(r.example for r in BOOK.rules)
    assert any(r.example for r in EXAMPLES.rules)
    # an example version never becomes the law in force by default
    assert rule_for("community_protection", date(2030, 1, 1)).version == "2014"


def test_every_value_says_how_it_was_checked():
    """verified means the statute was read; everything else says what it rests on."""
    for r in EXAMPLES.rules:
        values = [r.minimum_age, *r.limits.values()]
        values += [{"verified": s["authorisers_verified"], "evidence": s["authorisers_evidence"], "source": s["authorisers_source"]}
                   for s in r.steps.values() if "authorisers_source" in s]  # fmt: skip
        for v in values:
            assert v["evidence"] in EVIDENCE and v["source"] and v["verified"] is (v["evidence"] == "statute"), (r.power, r.version, v)


def test_the_values_the_statute_check_corrected():
    """asb-powers-verification.md (2026-12-01): what the Act's text says."""
    dispersal = rule_for("dispersal", date(2025, 1, 1))
    assert dispersal.minimum_age["source"].startswith("s.36(1)") and dispersal.minimum_age["verified"]
    assert dispersal.limits["authorisation_max"]["amount"] == 48 and dispersal.limits["authorisation_max"]["verified"]
    # no source proposes a 72-hour authorisation: the 72-hour example changes the direction only
    example = EXAMPLES.get("dispersal", "cpa-2026-72h-example")
    assert example.limits["authorisation_max"] == dispersal.limits["authorisation_max"]
    assert example.limits["direction_max"]["amount"] == 72 and example.limits["direction_max"]["evidence"] == "proposal"
    fpn = rule_for("community_protection", date(2025, 1, 1)).limits["fpn_no_proceedings"]
    assert fpn["counting"] == "following_day" and fpn["source"].startswith("s.52(5)")
    assert rule_for("cbo", date(2025, 1, 1)).limits["adult_min"]["evidence"] == "not confirmed"


def test_no_2026_version_is_verified_without_its_commencement():
    """The Crime and Policing Act 2026 is law (Royal Assent 29 April 2026) but which of its ASB
    provisions are in force was not seen: a version from 2026 on may be marked verified only
    when it cites the instrument that commenced it."""
    later = [r for r in EXAMPLES.rules if r.effective_from >= date(2026, 1, 1)]
    assert later, "the table has 2026 versions to check"
    for r in later:
        assert not r.verified or (r.commencement or "").strip(), f"{r.power} {r.version} is verified with no commencement instrument"
    assert not any(r.verified for r in later)  # none is commenced as far as the sources seen show


def test_a_verified_version_must_cite_its_commencement():
    doc = _doc()
    doc["rule"][2]["verified"] = True  # the £500 example
    with pytest.raises(RulesError, match="needs the instrument that brought this version into force"):
        parse_rules(doc, include_examples=True)
    doc["rule"][2]["commencement"] = "SI 2026/9999 reg. 2"
    assert parse_rules(doc, include_examples=True).get("community_protection", "cpa-2026-example").verified
    # a later version never inherits verified from the one it is based on
    doc = _doc()
    doc["rule"][1] |= {"verified": True, "commencement": "SI 2014/2590"}
    assert not parse_rules(doc, include_examples=True).get("community_protection", "cpa-2026-example").verified


@pytest.mark.parametrize("rule", BOOK.rules, ids=lambda r: f"{r.power}@{r.version}")
def test_every_state_is_reachable(rule):
    seen, todo = {rule.initial_state}, deque([rule.initial_state])
    while todo:
        s = todo.popleft()
        for step in rule.steps.values():
            if s in step["from"] and step["to"] not in seen:
                seen.add(step["to"])
                todo.append(step["to"])
    assert seen == set(rule.states)


def test_rule_for_picks_the_version_in_force():
    assert rule_for("cbo", date(2020, 11, 30)).version == "2014"
    assert rule_for("cbo", date(2020, 12, 1)).version == "2020"
    assert "Sentencing Act 2020" in rule_for("cbo", date(2021, 1, 1)).citation
    assert EXAMPLES.rule_for("dispersal", date(2026, 9, 30)).version == "2014"
    assert EXAMPLES.rule_for("dispersal", date(2026, 10, 1)).version == "cpa-2026-72h-example"
    with pytest.raises(ValueError, match="no version of .* in force on 2010-01-01"):
        rule_for("closure", date(2010, 1, 1))
    with pytest.raises(ValueError, match="known powers"):
        rule_for("asbo", date(2020, 1, 1))


def _doc():
    import tomllib

    from sara.casework.rules import DATA
    with open(DATA, "rb") as fh:
        return tomllib.load(fh)


@pytest.mark.parametrize("mutate,msg", [
    (lambda d: d.pop("schema"), "schema = 1"),
    (lambda d: d["rule"][1].pop("citation"), "missing 'citation'"),
    (lambda d: d["rule"][1]["steps"][0].__setitem__("authorisers", ["captain+"]), "unknown authoriser 'captain\\+'"),
    (lambda d: d["rule"][1]["deadlines"][1].__setitem__("period", "nope"), "'period' must name a limit"),
    (lambda d: d["rule"][1]["limits"]["cpn_appeal_period"].pop("verified"), "missing 'verified'"),
    (lambda d: d["rule"][1]["limits"]["cpn_appeal_period"].pop("evidence"), "missing 'evidence'"),
    (lambda d: d["rule"][1]["limits"]["cpn_appeal_period"].__setitem__("evidence", "hearsay"), "evidence must be one of"),
    (lambda d: d["rule"][1]["limits"]["cpn_appeal_period"].__setitem__("evidence", "secondary"), "only a value read in the statute is verified"),
    (lambda d: d["rule"][1]["limits"]["fpn_no_proceedings"].__setitem__("counting", "clear_days"), "counting must be one of"),
    (lambda d: d["rule"][1]["limits"]["cpn_appeal_period"].__setitem__("unit", "fortnights"), "unit must be one of"),
    (lambda d: d["rule"][1]["steps"][2].__setitem__("after", "no_such_deadline"), "names deadline 'no_such_deadline'"),
    (lambda d: d["rule"][2].__setitem__("based_on", "1999"), "based_on '1999'"),
    (lambda d: d["rule"][-1].__setitem__("effective_from", date(2014, 10, 20)), "start on the same day"),
])
def test_malformed_rules_are_refused_clearly(mutate, msg):
    doc = _doc()
    mutate(doc)
    with pytest.raises(RulesError, match=msg):
        parse_rules(doc, include_examples=True)


def test_missing_or_broken_file(tmp_path):
    with pytest.raises(RulesError, match="not found"):
        load_rules(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("schema = [")
    with pytest.raises(RulesError, match="not valid TOML"):
        load_rules(bad)


# --- every illegal transition is refused, naming what is missing --------------------------------

def _illegal(book):
    for rule in book.rules:
        for state in sorted(rule.states):
            for key, step in rule.steps.items():
                if state not in step["from"]:
                    yield rule, state, key


ILLEGAL = list(_illegal(BOOK))


@pytest.mark.parametrize("rule,state,key", ILLEGAL, ids=[f"{r.power}@{r.version}:{s}->{k}" for r, s, k in ILLEGAL])
def test_every_illegal_transition_is_refused(rule, state, key):
    ef = rule.effective_from
    at = L(ef.year, ef.month, ef.day, 12)
    case = replace(open_case(rule.power, at, subject_dob=ADULT), state=state)
    assert case.rule_version == rule.version
    step = rule.steps[key]
    with pytest.raises(Refused) as err:
        apply(case, key, at + timedelta(hours=1), "chief_constable", due=at + timedelta(hours=2), amount_gbp=1,
              facts={"yot_consulted", "occupiers_informed", "appropriate_bodies_informed", "record_made", "parent_signed", "yot_views"})
    msg = str(err.value)
    assert msg.startswith(f"Cannot {step['label']}: it needs ")
    assert f"at '{state}'" in msg
    if step.get("needs"):
        assert step["needs"] in msg
    else:
        # names at least one step that leads into a state this step can start from
        before = [s["label"] for s in rule.steps.values() if s["to"] in step["from"]]
        assert any(b in msg for b in before) or "the case to be at" in msg


def test_cpn_without_warning_names_the_warning():
    case = open_case("community_protection", L(2024, 3, 1, 9), subject_dob=ADULT)
    with pytest.raises(Refused, match="Community Protection Notice: it needs a Community Protection Warning first, "
                                      "and the time given in the warning to have passed"):
        apply(case, "issue_notice", L(2024, 3, 1, 10), "constable")


# --- Community Protection Warning -> Notice -> FPN ---------------------------------------------

def _cpw(at=L(2024, 3, 1, 10), due=L(2024, 3, 15, 12), book=None, dob=ADULT):
    case = open_case("community_protection", at, subject_dob=dob, owner="asb-officer-1", rules=book)
    return apply(case, "issue_warning", at, "local_authority", due=due, rules=book)


def test_cpn_needs_the_warning_time_to_have_passed():
    case = _cpw()
    with pytest.raises(Refused, match="time given in the warning .* to have passed first: it ends at 12:00 on Fri 15 Mar 2024"):
        apply(case, "issue_notice", L(2024, 3, 10, 10), "constable", facts={"appropriate_bodies_informed"})
    with pytest.raises(Refused, match="informing the bodies or individuals thought appropriate"):
        apply(case, "issue_notice", L(2024, 3, 16, 10), "constable")
    cpn = apply(case, "issue_notice", L(2024, 3, 16, 10), "constable", facts={"appropriate_bodies_informed"})
    assert cpn.state == "notice_issued"
    (d,) = deadlines(cpn, L(2024, 3, 20))
    assert d.name == "cpn_appeal" and d.due == L(2024, 4, 6) and not d.missed and d.verified and "s.46(2)" in d.basis
    assert deadlines(cpn, L(2024, 4, 6, 0, 1))[0].missed
    apply(cpn, "appeal", L(2024, 4, 5, 23, 59))
    with pytest.raises(Refused, match="too late, the last day to appeal .* ended at 00:00 on Sat 06 Apr 2024"):
        apply(cpn, "appeal", L(2024, 4, 6, 9))


def test_warning_deadline_in_the_past_is_refused():
    case = open_case("community_protection", L(2024, 3, 1, 10), subject_dob=ADULT)
    with pytest.raises(Refused, match="a deadline cannot be in the past"):
        apply(case, "issue_warning", L(2024, 3, 1, 10), "constable", due=L(2024, 2, 28, 10))
    with pytest.raises(Refused, match="needs the date and time"):
        apply(case, "issue_warning", L(2024, 3, 1, 10), "constable")


def test_steps_out_of_time_order_are_refused():
    case = _cpw()
    with pytest.raises(Refused, match="time order"):
        apply(case, "record_compliance", L(2024, 2, 1, 10))


@pytest.mark.parametrize("dob,ok", [(date(2008, 3, 2), False), (date(2008, 3, 1), True), (None, False)])
def test_cpw_minimum_age_16(dob, ok):
    case = open_case("community_protection", L(2024, 3, 1, 10), subject_dob=dob)
    call = lambda: apply(case, "issue_warning", L(2024, 3, 1, 10), "constable", due=L(2024, 3, 8))  # noqa: E731
    if ok:
        assert call().state == "warning_issued"
    else:
        with pytest.raises(Refused, match="under the minimum age of 16|date of birth"):
            call()


def test_cpw_to_a_body_is_allowed():
    case = open_case("community_protection", L(2024, 3, 1, 10), subject_is_body=True)
    assert apply(case, "issue_warning", L(2024, 3, 1, 10), "local_authority", due=L(2024, 3, 8)).state == "warning_issued"


def _breached(book=None, start=L(2024, 3, 1, 10)):
    case = _cpw(at=start, due=start + timedelta(days=7), book=book)
    case = apply(case, "issue_notice", start + timedelta(days=8), "constable", facts={"appropriate_bodies_informed"}, rules=book)
    return apply(case, "record_breach", start + timedelta(days=20), rules=book)


def test_fpn_maximum_and_no_early_prosecution():
    case = _breached()
    with pytest.raises(Refused, match="£150 is more than the maximum of £100 .*s.52\\(7\\)"):
        apply(case, "issue_fpn", L(2024, 3, 22), "pcso", amount_gbp=150)
    with pytest.raises(Refused, match="must be authorised by"):
        apply(case, "issue_fpn", L(2024, 3, 22), None, amount_gbp=100)
    fpn = apply(case, "issue_fpn", L(2024, 3, 22, 9), "pcso", amount_gbp=100)
    # s.52(5): the 14 days following 22 March are 23 March to 5 April (across the spring change)
    for early in (L(2024, 4, 1), L(2024, 4, 5, 9), L(2024, 4, 5, 23, 59)):
        with pytest.raises(Refused, match="not before the earliest prosecution .* at 00:00 on Sat 06 Apr 2024"):
            apply(fpn, "prosecute", early)
    assert apply(fpn, "prosecute", L(2024, 4, 6, 0, 0)).state == "prosecuted"
    # late in the day or early, the notice's own day never counts
    late = apply(case, "issue_fpn", L(2024, 3, 22, 23, 50), "pcso", amount_gbp=100)
    [d] = [d for d in deadlines(late, L(2024, 3, 23)) if d.name == "fpn_no_proceedings"]
    assert d.due == L(2024, 4, 6) and d.verified and "s.52(5)" in d.basis


def test_rule_versioning_keeps_the_old_rule_for_an_old_case():
    # opened under the 2014 rule: the (example) £500 maximum never applies to it, even later
    old = _breached(book=EXAMPLES, start=L(2026, 9, 1, 10))
    assert old.rule_version == "2014"
    with pytest.raises(Refused, match="maximum of £100 under rules version 2014"):
        apply(old, "issue_fpn", L(2026, 10, 20), "pcso", amount_gbp=500, rules=EXAMPLES)
    new = _breached(book=EXAMPLES, start=L(2026, 10, 2, 10))
    assert new.rule_version == "cpa-2026-example"
    assert apply(new, "issue_fpn", L(2026, 10, 25), "pcso", amount_gbp=500, rules=EXAMPLES).state == "fpn_issued"


def test_dispersal_versioning_keeps_the_old_deadline():
    def direction(opened, hours, book):
        case = open_case("dispersal", opened, subject_dob=ADULT, rules=book)
        case = apply(case, "authorise", opened, "inspector", due=opened + timedelta(hours=24), rules=book)
        return apply(case, "give_direction", opened + timedelta(hours=1), "constable", due=opened + timedelta(hours=1 + hours),
                     facts={"record_made"}, rules=book)

    with pytest.raises(Refused, match="later than the law allows"):
        direction(L(2026, 9, 30, 20), 72, EXAMPLES)  # case began under the 48-hour rule
    assert direction(L(2026, 9, 30, 20), 48, EXAMPLES).state == "direction_given"
    assert direction(L(2026, 10, 1, 20), 72, EXAMPLES).rule_version == "cpa-2026-72h-example"


# --- dispersal -----------------------------------------------------------------------------------

@pytest.mark.parametrize("rank,ok", [("constable", False), ("sergeant", False), ("inspector", True), ("chief_superintendent", True),
                                     ("pcso", False), ("local_authority", False)])
def test_dispersal_authorisation_needs_an_inspector(rank, ok):
    case = open_case("dispersal", L(2025, 10, 25, 18), subject_dob=ADULT)
    call = lambda: apply(case, "authorise", L(2025, 10, 25, 18), rank, due=L(2025, 10, 26, 18))  # noqa: E731
    if ok:
        assert call().state == "authorised"
    else:
        with pytest.raises(Refused, match="must be authorised by a police inspector or above"):
            call()


def test_dispersal_direction_age_limits_and_clock_change():
    auth = apply(open_case("dispersal", L(2025, 10, 25, 18), subject_dob=date(2016, 1, 1)), "authorise", L(2025, 10, 25, 18),
                 "inspector", due=L(2025, 10, 27, 17))
    with pytest.raises(Refused, match="the subject is 9, under the minimum age of 10"):
        apply(auth, "give_direction", L(2025, 10, 25, 20), "constable", due=L(2025, 10, 26, 20), facts={"record_made"})
    auth = replace(auth, subject_dob=date(2010, 1, 1))
    # 48 real hours from 20:00 BST on the Saturday of the autumn change end at 19:00 GMT on Monday
    with pytest.raises(Refused, match="at most 19:00 on Mon 27 Oct 2025"):
        apply(auth, "give_direction", L(2025, 10, 25, 20), "constable", due=L(2025, 10, 27, 20), facts={"record_made"})
    with pytest.raises(Refused, match="written record of the direction"):
        apply(auth, "give_direction", L(2025, 10, 25, 20), "constable", due=L(2025, 10, 27, 19))
    d = apply(auth, "give_direction", L(2025, 10, 25, 20), "pcso", due=L(2025, 10, 27, 19), facts={"record_made"})
    # a variation cannot take it beyond 48 hours from when first given
    with pytest.raises(Refused, match="later than the law allows"):
        apply(d, "vary_direction", L(2025, 10, 26, 9), "constable", due=L(2025, 10, 27, 19, 30))
    with pytest.raises(Refused, match="too late, the dispersal authorisation ends"):
        apply(replace(d, state="authorised"), "give_direction", L(2025, 10, 28, 9), "constable", due=L(2025, 10, 29), facts={"record_made"})


# --- closure -------------------------------------------------------------------------------------

def test_closure_notice_rank_tiers_and_christmas():
    case = open_case("closure", L(2024, 12, 24, 18), owner="insp-2")
    served = L(2024, 12, 24, 18)
    with pytest.raises(Refused, match="must be authorised by a police inspector or above or local authority"):
        apply(case, "issue_notice", served, "sergeant", due=served + timedelta(hours=12), facts={"occupiers_informed"})
    with pytest.raises(Refused, match="at most 18:00 on Wed 25 Dec 2024"):
        apply(case, "issue_notice", served, "inspector", due=L(2024, 12, 26, 18), facts={"occupiers_informed"})
    with pytest.raises(Refused, match="reasonable efforts to inform"):
        apply(case, "issue_notice", served, "superintendent", due=L(2024, 12, 27, 18))
    with pytest.raises(Refused, match="at most 18:00 on Fri 27 Dec 2024"):
        apply(case, "issue_notice", served, "superintendent", due=L(2024, 12, 27, 18, 1), facts={"occupiers_informed"})
    n = apply(case, "issue_notice", served, "la_chief_executive_designee", due=L(2024, 12, 27, 18), facts={"occupiers_informed"})
    ds = {d.name: d for d in deadlines(n, L(2024, 12, 26, 9))}
    assert ds["hearing"].due == L(2024, 12, 27, 18) and ds["hearing"].kind == "duty" and not ds["hearing"].missed
    assert {d.name: d for d in deadlines(n, L(2024, 12, 27, 18, 1))}["hearing"].missed
    # inspector's 24-hour notice extended to 48 hours by a superintendent
    n24 = apply(case, "issue_notice", served, "inspector", due=L(2024, 12, 25, 18), facts={"occupiers_informed"})
    with pytest.raises(Refused, match="must be authorised by a police superintendent or above"):
        apply(n24, "extend_notice", L(2024, 12, 25, 9), "chief_inspector", due=L(2024, 12, 27, 18))
    assert apply(n24, "extend_notice", L(2024, 12, 25, 9), "superintendent", due=L(2024, 12, 27, 18)).history[-1].due == L(2024, 12, 27, 18)


def test_closure_order_month_ends_extension_and_appeal():
    case = open_case("closure", L(2023, 11, 29, 10))
    case = apply(case, "issue_notice", L(2023, 11, 29, 10), "inspector", due=L(2023, 11, 30, 10), facts={"occupiers_informed"})
    with pytest.raises(Refused, match="Cannot record the closure order made: it needs an application"):
        apply(case, "make_order", L(2023, 11, 30, 9), "court", due=L(2024, 2, 29, 9))
    case = apply(case, "apply_for_order", L(2023, 11, 29, 11), "constable")
    with pytest.raises(Refused, match="at most 09:00 on Thu 29 Feb 2024"):
        apply(case, "make_order", L(2023, 11, 30, 9), "court", due=L(2024, 3, 1, 9))
    order = apply(case, "make_order", L(2023, 11, 30, 9), "court", due=L(2024, 2, 29, 9))
    with pytest.raises(Refused, match="must be authorised by court"):
        apply(order, "extend_order", L(2024, 2, 1), "superintendent", due=L(2024, 5, 30, 9))
    with pytest.raises(Refused, match="at most 09:00 on Thu 30 May 2024"):
        apply(order, "extend_order", L(2024, 2, 1), "court", due=L(2024, 5, 31, 9))
    ext = apply(order, "extend_order", L(2024, 2, 1), "court", due=L(2024, 5, 30, 9))
    ds = {d.name: d for d in deadlines(ext, L(2024, 2, 2))}
    assert ds["order_end"].due == L(2024, 5, 30, 9)
    assert ds["order_appeal"].due == L(2024, 2, 22)  # 21 days beginning with the extension decision
    with pytest.raises(Refused, match="too late"):
        apply(ext, "appeal", L(2024, 2, 22, 0, 1))
    with pytest.raises(Refused, match="needs the closure order ends unless extended to have passed"):
        apply(ext, "expire", L(2024, 5, 1))


# --- civil injunction and CBO ---------------------------------------------------------------------

def test_youth_injunction_needs_yot_and_12_month_limit():
    case = open_case("civil_injunction", L(2024, 2, 29, 10), subject_dob=date(2009, 5, 1))
    with pytest.raises(Refused, match="consulting the youth offending team"):
        apply(case, "apply", L(2024, 2, 29, 10), "local_authority")
    case = apply(case, "apply", L(2024, 2, 29, 10), "local_authority", facts={"yot_consulted"})
    with pytest.raises(Refused, match="needs the date and time"):
        apply(case, "grant", L(2024, 2, 29, 15), "youth_court")
    with pytest.raises(Refused, match="at most 15:00 on Fri 28 Feb 2025"):
        apply(case, "grant", L(2024, 2, 29, 15), "youth_court", due=L(2025, 3, 1, 15))
    granted = apply(case, "grant", L(2024, 2, 29, 15), "youth_court", due=L(2025, 2, 28, 15))
    arrested = apply(granted, "arrest", L(2024, 3, 29, 20), "constable")  # Good Friday 2024
    (d,) = [d for d in deadlines(arrested, L(2024, 3, 30)) if d.name == "arrest_to_court"]
    # arrested 20:00 on Good Friday: the rest of Friday does not run; Saturday's 24 hours end at midnight
    assert d.due == L(2024, 3, 31, 0, 0) and d.verified and "s.9(3)-(4)" in d.basis
    arrested_thu = apply(granted, "arrest", L(2024, 3, 28, 20), "constable")  # Thursday before Good Friday
    assert [d for d in deadlines(arrested_thu, L(2024, 3, 29)) if d.name == "arrest_to_court"][0].due == L(2024, 3, 30, 20)


def test_adult_injunction_may_be_until_further_order_and_under_10_refused():
    adult = open_case("civil_injunction", L(2024, 1, 10), subject_dob=ADULT)
    a = apply(adult, "apply", L(2024, 1, 10), "registered_provider")
    assert apply(a, "grant", L(2024, 1, 20), "court").history[-1].due is None
    child = open_case("civil_injunction", L(2024, 1, 10), subject_dob=date(2015, 1, 1))
    with pytest.raises(Refused, match="under the minimum age of 10"):
        apply(child, "apply", L(2024, 1, 10), "local_authority", facts={"yot_consulted"})
    body = open_case("civil_injunction", L(2024, 1, 10), subject_is_body=True)
    with pytest.raises(Refused, match="individuals only"):
        apply(body, "apply", L(2024, 1, 10), "local_authority")


def test_cbo_durations_review_and_version_kept():
    youth = open_case("cbo", L(2020, 11, 15, 10), subject_dob=date(2005, 1, 1))
    assert youth.rule_version == "2014"
    with pytest.raises(Refused, match="views of the local youth offending team"):
        apply(youth, "prosecution_applies", L(2020, 11, 15, 10), "prosecution")
    y = apply(youth, "prosecution_applies", L(2020, 11, 15, 10), "prosecution", facts={"yot_views"})
    with pytest.raises(Refused, match="shorter than the minimum"):
        apply(y, "make_order", L(2020, 12, 2, 10), "youth_court", due=L(2021, 6, 1, 10))
    with pytest.raises(Refused, match="later than the law allows"):
        apply(y, "make_order", L(2020, 12, 2, 10), "youth_court", due=L(2024, 1, 1, 10))
    made = apply(y, "make_order", L(2020, 12, 2, 10), "youth_court", due=L(2023, 12, 2, 10))
    assert made.rule_version == "2014"  # began under the 2014 Act, made after the Sentencing Code took over
    ds = {d.name: d for d in deadlines(made, L(2021, 1, 1))}
    assert ds["youth_review"].due == L(2021, 12, 2) and ds["youth_review"].kind == "duty"
    reviewed = apply(made, "review", L(2021, 11, 20), "inspector")
    assert {d.name: d for d in deadlines(reviewed, L(2021, 12, 1))}["youth_review"].due == L(2022, 11, 20)
    # turns 18 on 1 Jan 2023: no review due after that
    later = apply(reviewed, "review", L(2022, 11, 1), "inspector")
    assert "youth_review" not in {d.name for d in deadlines(later, L(2022, 11, 2))}
    adult = open_case("cbo", L(2021, 3, 1), subject_dob=ADULT)
    assert adult.rule_version == "2020"
    a = apply(adult, "prosecution_applies", L(2021, 3, 1), "prosecution")
    with pytest.raises(Refused, match="shorter than the minimum"):
        apply(a, "make_order", L(2021, 3, 2), "court", due=L(2022, 3, 2))
    assert apply(a, "make_order", L(2021, 3, 2), "court").state == "in_force"  # indefinite


# --- PSPO and ABC ---------------------------------------------------------------------------------

def test_pspo_three_years_from_29_february_and_extension():
    case = open_case("pspo", L(2024, 1, 5))
    with pytest.raises(Refused, match="Cannot make and publish the PSPO: it needs consultation first"):
        apply(case, "make_order", L(2024, 2, 29, 10), "local_authority", due=L(2027, 2, 28, 10))
    case = apply(case, "consult", L(2024, 1, 5), "local_authority")
    with pytest.raises(Refused, match="at most 10:00 on Sun 28 Feb 2027"):
        apply(case, "make_order", L(2024, 2, 29, 10), "local_authority", due=L(2027, 3, 1, 10))
    order = apply(case, "make_order", L(2024, 2, 29, 10), "local_authority", due=L(2027, 2, 28, 10))
    ds = {d.name: d for d in deadlines(order, L(2024, 3, 1))}
    assert ds["pspo_challenge"].due == L(2024, 4, 11) and ds["pspo_challenge"].verified
    with pytest.raises(Refused, match="£200 is more than the maximum of £100"):
        apply(order, "issue_fpn", L(2024, 5, 1), "pcso", amount_gbp=200)
    ext = apply(order, "extend", L(2027, 1, 10), "local_authority", due=L(2030, 2, 28, 10))
    assert {d.name: d for d in deadlines(ext, L(2027, 2, 1))}["pspo_expiry"].due == L(2030, 2, 28, 10)
    with pytest.raises(Refused, match="later than the law allows"):
        apply(order, "extend", L(2027, 1, 10), "local_authority", due=L(2030, 3, 1, 10))


def test_abc_under_18_needs_parent():
    case = open_case("abc", L(2024, 5, 1), subject_dob=date(2011, 1, 1))
    case = apply(case, "invite", L(2024, 5, 1), "pcso")
    with pytest.raises(Refused, match="parent or guardian"):
        apply(case, "sign", L(2024, 5, 8), None, due=L(2024, 11, 8))
    assert apply(case, "sign", L(2024, 5, 8), None, due=L(2024, 11, 8), facts={"parent_signed"}).state == "in_force"


# --- upcoming and missed, per owner ---------------------------------------------------------------

def test_upcoming_and_missed_per_owner():
    cpw = _cpw()  # owner asb-officer-1, warning time ends 15 Mar
    closure = open_case("closure", L(2024, 3, 10, 9), owner="insp-2")
    closure = apply(closure, "issue_notice", L(2024, 3, 10, 9), "inspector", due=L(2024, 3, 11, 9), facts={"occupiers_informed"})
    rows = upcoming_and_missed([cpw, closure], L(2024, 3, 13, 9))
    names = [d.name for _, d in rows]
    assert names == ["hearing", "warning_compliance"]
    assert rows[0][1].missed and not rows[1][1].missed
    assert [d.name for _, d in upcoming_and_missed([cpw, closure], L(2024, 3, 13, 9), owner="asb-officer-1")] == ["warning_compliance"]
    # a week after a CPN the appeal window is upcoming; a month after, it has lapsed and leaves the list
    cpn = apply(cpw, "issue_notice", L(2024, 3, 16, 9), "constable", facts={"appropriate_bodies_informed"})
    assert "cpn_appeal" in [d.name for _, d in upcoming_and_missed([cpn], L(2024, 3, 23, 9))]
    assert "cpn_appeal" not in [d.name for _, d in upcoming_and_missed([cpn], L(2024, 4, 20, 9))]
