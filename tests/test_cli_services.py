"""Every command is one service call: each command below, run as written, reaches the service
function named beside it (replaced here by a spy that stops the command there). A command
with no entry fails the last test, so a new command cannot be added without saying which
service it calls. The scanning and assessment commands are paired in tests/test_cli_scan.py.
"""

from __future__ import annotations

import importlib

import pytest
import typer.main

from sara.cli import app
from tests.cli import PASSWORD, sara

D = "2025-06-01"
# command -> (the service function it calls, the arguments it is run with after the command's words)
PAIRS = {
    "init": ("sara.store.engine.init", []),
    "status": ("sara.services.data.status", []),
    "serve": ("sara.web.app.create_app", []),
    "load police-uk": ("sara.services.data.load_police_uk", ["tests/data/2025-01-derbyshire-street.csv"]),
    "load events": ("sara.services.data.load_events", ["tests/data/2025-01-derbyshire-street.csv", "--mapping", "mappings/vancouver.toml"]),
    "load areas": ("sara.services.data.load_areas", ["demo/derbyshire-districts.geojson.zip", "--kind", "district"]),
    "quarantine list": ("sara.services.data.quarantine", []),
    "quarantine export": ("sara.services.data.export_quarantine", ["--csv", "q.csv"]),
    "demo casework": ("sara.casework.demo.load", []),
    "org add": ("sara.services.access.add_organisation", ["Council", "--type", "council", "--as", "root"]),
    "user add": ("sara.services.access.add_user", ["u", "--org", "Police", "--role", "analyst", "--as", "root"]),
    "user activate": ("sara.services.access.activate", ["u", "--code", "c"]),
    "user change": ("sara.services.access.change_user", ["root", "--name", "R", "--as", "root"]),
    "user disable": ("sara.services.access.set_active", ["u", "--as", "root"]),
    "user enable": ("sara.services.access.set_active", ["u", "--as", "root"]),
    "user reset": ("sara.services.access.reset_user", ["u", "--as", "root"]),
    "user list": ("sara.services.access.list_users", ["--as", "root"]),
    "token create": ("sara.services.access.create_token", ["--as", "root"]),
    "token list": ("sara.services.access.list_tokens", ["--as", "root"]),
    "token revoke": ("sara.services.access.revoke_token", ["1", "--as", "root"]),
    "session list": ("sara.services.access.live_sessions", ["--as", "root"]),
    "session revoke": ("sara.services.access.revoke_session", ["1", "--as", "root"]),
    "agreement propose": ("sara.services.access.propose_agreement", ["A", "--party", "Police", "--party", "Council", "--purpose", "p", "--scope", "full",
                                                                     "--category", "victim", "--as", "root"]),  # fmt: skip
    "agreement add": ("sara.services.access.propose_agreement", ["A", "--party", "Police", "--party", "Council", "--purpose", "p", "--scope", "full",
                                                                 "--category", "victim", "--as", "root"]),  # fmt: skip
    "agreement accept": ("sara.services.access.accept_agreement", ["A", "--as", "root"]),
    "agreement end": ("sara.services.access.end_agreement", ["A", "--as", "root"]),
    "agreement list": ("sara.services.access.list_agreements", ["--as", "root"]),
    "agreement show": ("sara.services.access.show_agreement", ["A", "--as", "root"]),
    "audit verify": ("sara.services.access.verify_audit", []),
    "audit checkpoint": ("sara.services.access.audit_checkpoint", ["--out", "head.json"]),
    "audit export": ("sara.services.access.export_audit", ["--org", "Police", "--csv", "a.csv", "--as", "root"]),
    "operation add": ("sara.casework.patrols.create_operation", ["Op", "--start", D, "--as", "root"]),
    "operation site": ("sara.casework.patrols.add_site", ["Op", "Site", "--lon", "-1.29", "--lat", "53.23", "--as", "root"]),
    "operation phase": ("sara.casework.patrols.move_phase", ["Op", "Site", "clear", "--on", D, "--note", "week of action", "--as", "root"]),
    "operation list": ("sara.casework.patrols.list_operations", ["--as", "root"]),
    "operation show": ("sara.casework.patrols.show_operation", ["Op", "--as", "root"]),
    "patrol log": ("sara.casework.patrols.log_patrol", ["--operation", "Op", "--site", "Site", "--start", "2025-06-01T10:00", "--end", "2025-06-01T11:00",
                                                        "--officer", "1", "--activity", "foot patrol", "--as", "root"]),  # fmt: skip
    "patrol arrest-outcome": ("sara.casework.patrols.set_arrest_outcome", ["1", "--code", "01 - Charged", "--as", "root"]),
    "patrol arrests": ("sara.casework.patrols.arrests", ["--as", "root"]),
    "patrol dosage": ("sara.casework.patrols.dosage_report", ["--as", "root"]),
    "patrol return": ("sara.casework.patrols.export_return", ["--from", D, "--to", "2025-06-30", "--csv", "r.csv", "--as", "root"]),
    "person add": ("sara.casework.people.add_person", ["Jane", "--category", "victim", "--as", "root"]),
    "person show": ("sara.casework.people.show_person", ["PER-2025-0001", "--as", "root"]),
    "person list": ("sara.casework.people.list_people", ["--as", "root"]),
    "person search": ("sara.casework.people.search_people", ["jane", "--as", "root"]),
    "person export": ("sara.casework.people.export_people", ["--csv", "p.csv", "--as", "root"]),
    "person link": ("sara.casework.people.link_events", ["PER-2025-0001", "--role", "victim", "--event", "1", "--as", "root"]),
    "person work-with": ("sara.casework.people.work_with", ["PER-2025-0001", "--role", "support", "--as", "root"]),
    "person assess": ("sara.casework.risk.assess", ["PER-2025-0001", "--answer", "impact=3", "--as", "root"]),
    "person questions": ("sara.casework.instruments.questionnaire", []),
    "person reviews": ("sara.casework.risk.reviews_due", ["--as", "root"]),
    "person repeats": ("sara.casework.people.repeat_victims", ["--as", "root"]),
    "premises add": ("sara.casework.premises.add_premises", ["Flat 1", "--as", "root"]),
    "premises show": ("sara.casework.premises.show_premises", ["PRM-2025-0001", "--as", "root"]),
    "premises update": ("sara.casework.premises.update_premises", ["PRM-2025-0001", "--cuckooing", "--as", "root"]),
    "premises link": ("sara.casework.premises.link_events", ["PRM-2025-0001", "--event", "1", "--as", "root"]),
    "premises register": ("sara.casework.premises.register", ["--as", "root"]),
    "complaint add": ("sara.casework.case_review.record_complaint", ["PER-2025-0001", "--behaviour-on", D, "--complained-on", D, "--as", "root"]),
    "case-review count": ("sara.casework.case_review.count", ["PER-2025-0001", "--on", D, "--as", "root"]),
    "case-review apply": ("sara.casework.case_review.apply", ["PER-2025-0001", "--received-on", D, "--as", "root"]),
    "case-review review": ("sara.casework.case_review.hold_review", ["ACR-2025-0001", "--held-on", D, "--recommendations", "1", "--as", "root"]),
    "case-review figures": ("sara.casework.case_review.figures", ["--from", D, "--to", "2026-03-31", "--as", "root"]),
    "power issue": ("sara.casework.interventions.issue", ["--power", "cpw", "--subject", "X", "--rank", "constable", "--at", "2025-06-01T10:00",
                                                          "--due", "2025-06-15T10:00", "--as", "root"]),  # fmt: skip
    "power step": ("sara.casework.interventions.step", ["INT-2025-0001", "--step", "cpn", "--as", "root"]),
    "power breach": ("sara.casework.interventions.breach", ["INT-2025-0001", "--response", "prosecution", "--as", "root"]),
    "power show": ("sara.services.powers.case", ["INT-2025-0001", "--as", "root"]),
    "power list": ("sara.services.powers.cases", ["--as", "root"]),
    "power deadlines": ("sara.casework.interventions.deadlines", ["--as", "root"]),
    "power table": ("sara.casework.interventions.yearly_table", ["--from", D, "--to", "2026-03-31", "--as", "root"]),
    "problem create": ("sara.casework.problems.create", ["Youth ASB in the town centre", "--as", "root"]),
    "problem show": ("sara.services.problems.plan", ["PRB-2025-0001", "--as", "root"]),
    "problem list": ("sara.services.problems.listing", ["--as", "root"]),
    "problem update": ("sara.casework.problems.update", ["PRB-2025-0001", "--objective", "less ASB", "--as", "root"]),
    "problem partner": ("sara.casework.problems.add_partner", ["PRB-2025-0001", "Police", "--role", "patrols", "--as", "root"]),
    "problem move": ("sara.casework.problems.move", ["PRB-2025-0001", "scanning", "--as", "root"]),
    "problem action": ("sara.casework.problems.add_action", ["PRB-2025-0001", "Tenancy warnings", "--owner", "root", "--due", "2026-12-20", "--as", "root"]),
    "problem note": ("sara.casework.problems.add_note", ["PRB-2025-0001", "a note", "--as", "root"]),
    "problem publish": ("sara.services.public.write_publication", ["PRB-2025-0001", "--title", "T", "--said", "s", "--did", "d", "--as", "root"]),
    "problem approve-publication": ("sara.services.public.approve_publication", ["PRB-2025-0001", "--as", "root"]),
    "problem withdraw-publication": ("sara.services.public.withdraw_publication", ["PRB-2025-0001", "--as", "root"]),
    "problem publication": ("sara.services.public.publication", ["PRB-2025-0001", "--as", "root"]),
    "early-help search": ("sara.services.early_help.search", ["--since", D, "--as", "root"]),
    "early-help list": ("sara.services.early_help.latest", ["--as", "root"]),
    "early-help review": ("sara.services.early_help.review", ["1", "--note", "seen", "--as", "root"]),
    "early-help refer": ("sara.services.early_help.refer", ["PER-2025-0001", "--to", "early_action", "--as", "root"]),
    "early-help referral update": ("sara.services.early_help.update_referral", ["EHR-2025-0001", "--outcome", "closed", "--as", "root"]),
    "ocg add": ("sara.services.ocg.add", ["Group", "--kind", "ocg", "--as", "root"]),
    "ocg member": ("sara.services.ocg.member", ["OCG-2025-0001", "PER-2025-0001", "--role", "runner", "--as", "root"]),
    "ocg area": ("sara.services.ocg.area", ["OCG-2025-0001", "Bolsover", "--as", "root"]),
    "ocg score": ("sara.services.ocg.score", ["OCG-2025-0001", "--answer", "intent=3", "--as", "root"]),
    "ocg review": ("sara.services.ocg.review", ["OCG-2025-0001", "--note", "n", "--as", "root"]),
    "ocg disruption": ("sara.services.ocg.disruption", ["OCG-2025-0001", "--kind", "arrest", "--as", "root"]),
    "ocg list": ("sara.services.ocg.list_groups", ["--as", "root"]),
    "ocg show": ("sara.services.ocg.show", ["OCG-2025-0001", "--as", "root"]),
    "ocg profile": ("sara.services.ocg.profile", ["--as", "root"]),
    "tags load": ("sara.services.tags.load", ["trail.csv", "--mapping", "m.toml", "--as", "root"]),
    "tags wearer add": ("sara.services.tags.add_wearer", ["TAG-1", "--as", "root"]),
    "tags wearer list": ("sara.services.tags.wearers", ["--as", "root"]),
    "tags compare": ("sara.services.tags.compare", ["--category", "Burglary", "--from", D, "--to", "2025-06-30", "--purpose", "p", "--as", "root"]),
    "plan create": ("sara.services.plans.create", ["--title", "Plan", "--from", D, "--to", "2026-03-31", "--as", "root"]),
    "plan list": ("sara.services.plans.list_plans", ["--as", "root"]),
    "plan show": ("sara.services.plans.show", ["PLN-2025-0001", "--as", "root"]),
    "plan progress": ("sara.services.plans.progress", ["PLN-2025-0001", "--as", "root"]),
    "plan export": ("sara.services.plans.document", ["PLN-2025-0001", "--as", "root"]),
    "plan review": ("sara.services.plans.review", ["PLN-2025-0001", "--year", "2025", "--as", "root"]),
    "plan theme add": ("sara.services.plans.add_theme", ["PLN-2025-0001", "--title", "Theme", "--as", "root"]),
    "plan priority add": ("sara.services.plans.add_priority", ["PLN-2025-0001", "--theme", "1", "--title", "Priority", "--as", "root"]),
    "plan action add": ("sara.services.plans.add_action", ["PLN-2025-0001", "--priority", "1.1", "--description", "d", "--organisation", "Police",
                                                            "--due", "2025-12-31", "--as", "root"]),  # fmt: skip
    "plan action update": ("sara.services.plans.update_action", ["1", "--status", "done", "--as", "root"]),
    "plan indicator add": ("sara.services.plans.add_indicator", ["PLN-2025-0001", "--theme", "1", "--name", "ASB", "--baseline", "2025-Q1", "--target", "10",
                                                                  "--by", "2026-03-31", "--as", "root"]),  # fmt: skip
    "plan indicator value": ("sara.services.plans.enter_value", ["1", "--period", "2025-06", "--value", "3", "--as", "root"]),
    "report scrutiny": ("sara.services.scrutiny.pack", ["--as", "root"]),
    "report chb": ("sara.services.chb.ranking", ["Op", "--as", "root"]),
    "report public": ("sara.services.public.site", ["--out", "site"]),
    "outcomes": ("sara.services.outcomes.outcomes", []),
    "load area-attribute": ("sara.services.data.load_area_attribute", ["imd.csv", "--name", "deprivation", "--kind", "ward"]),
    "assets add": ("sara.services.assets.add", ["Club", "--kind", "mentoring", "--as", "root"]),
    "assets update": ("sara.services.assets.update", ["AST-2025-0001", "--when", "Mondays", "--as", "root"]),
    "assets list": ("sara.services.assets.list_services", ["--as", "root"]),
    "assets show": ("sara.services.assets.show", ["AST-2025-0001", "--as", "root"]),
    "assets gaps": ("sara.services.assets.gaps", ["--as", "root"]),
    "assets import": ("sara.services.assets.import_csv", ["services.csv", "--as", "root"]),
    "assets export": ("sara.services.assets.export_csv", ["--as", "root"]),
    "assets kinds": ("sara.services.assets.vocabulary", ["--as", "root"]),
    "watch scheme add": ("sara.services.watch.add_scheme", ["Castle Street Watch", "--area", "Bolsover", "--as", "root"]),
    "watch scheme list": ("sara.services.watch.list_schemes", ["--as", "root"]),
    "watch scheme show": ("sara.services.watch.show", ["NHW-2026-0001", "--as", "root"]),
    "watch scheme contact": ("sara.services.watch.contact", ["NHC-2026-0001", "--how", "visit", "--as", "root"]),
    "watch scheme overdue": ("sara.services.watch.overdue", ["--as", "root"]),
    "watch contact": ("sara.services.watch.contact", ["NHC-2026-0001", "--how", "visit", "--as", "root"]),
    "watch overdue": ("sara.services.watch.overdue", ["--as", "root"]),
    "watch coordinator add": ("sara.services.watch.add_coordinator", ["NHW-2026-0001", "--name", "A", "--phone", "01632 960001", "--as", "root"]),
    "watch coordinator end": ("sara.services.watch.end_coordinator", ["NHW-2026-0001", "NHC-2026-0001", "--as", "root"]),
    "watch members": ("sara.services.watch.members", ["NHW-2026-0001", "12", "--as", "root"]),
    "watch table": ("sara.services.watch.table", ["--as", "root"]),
    "messages group add": ("sara.services.messages.add_group", ["G1", "--name", "Allotment Watch", "--kind", "interest", "--as", "root"]),
    "messages group list": ("sara.services.messages.list_groups", ["--as", "root"]),
    "messages draft": ("sara.services.messages.draft", ["--operation", "Op", "--group", "G1", "--as", "root"]),
    "messages edit": ("sara.services.messages.edit", ["MSG-2026-0001", "--title", "T", "--as", "root"]),
    "messages list": ("sara.services.messages.overview", ["--as", "root"]),
    "messages show": ("sara.services.messages.show", ["MSG-2026-0001", "--as", "root"]),
    "messages approve": ("sara.services.messages.approve", ["MSG-2026-0001", "--as", "root"]),
    "messages withdraw": ("sara.services.messages.withdraw", ["MSG-2026-0001", "--as", "root"]),
    "messages export": ("sara.services.messages.export", ["MSG-2026-0001", "--csv", "m.csv", "--as", "root"]),
    "messages counts": ("sara.services.messages.counts", ["--as", "root"]),
    "survey list": ("sara.services.surveys.list_surveys", ["--as", "root"]),
    "survey add": ("sara.services.surveys.add", ["questionnaire.toml", "--as", "root"]),
    "survey show": ("sara.services.surveys.questionnaire", ["perception", "--as", "root"]),
    "survey respond": ("sara.services.surveys.respond", ["perception", "--answer", "safe_after_dark=2", "--area", "E05003307", "--as", "root"]),
    "survey import": ("sara.services.surveys.import_file", ["perception", "responses.csv", "--as", "root"]),
    "survey results": ("sara.services.surveys.results", ["perception", "--by", "ward", "--per", "wave", "--as", "root"]),
    "survey contacts": ("sara.services.surveys.contacts", ["perception", "--as", "root"]),
    "concerns list": ("sara.services.concerns.queue", ["--as", "root"]),
    "concerns show": ("sara.services.concerns.show", ["CON-2026-0001", "--as", "root"]),
    "concerns accept": ("sara.services.concerns.accept", ["CON-2026-0001", "--as", "root"]),
    "concerns reject": ("sara.services.concerns.reject", ["CON-2026-0001", "--reason", "r", "--as", "root"]),
    "demo tags": ("sara.casework.demo_tags.load", []),
}
SCANNING = {"repeats", "harm", "trends", "times", "hotspots", "emerging", "near-repeat", "accuracy", "assess"}


class Reached(Exception):
    """Raised by the spy: the command got as far as its service."""


def commands() -> dict[str, object]:
    """Every command of the CLI by its words ("person add"), as click knows it."""

    def walk(c, path=()):
        subs = getattr(c, "commands", None)
        if subs:
            for name, sub in subs.items():
                yield from walk(sub, (*path, name))
        else:
            yield " ".join(path), c

    return dict(walk(typer.main.get_command(app)))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from sara.services import Context, access
    from sara.store.engine import connect, init

    url = f"sqlite:///{tmp_path_factory.mktemp('pairs') / 'sara.db'}"
    init(url)
    engine = connect(url)
    access.add_organisation(Context(engine), "Police", "police")
    access.add_user(Context(engine), "root", "Police", "administrator", password=PASSWORD)
    engine.dispose()
    return url


@pytest.mark.parametrize("command", sorted(PAIRS))
def test_the_command_calls_its_one_service(command, db, monkeypatch, tmp_path):
    dotted, args = PAIRS[command]
    module, name = dotted.rsplit(".", 1)
    calls = []

    def spy(*a, **kw):
        calls.append(name)
        raise Reached(dotted)

    monkeypatch.setattr(importlib.import_module(module), name, spy)
    monkeypatch.chdir(tmp_path)
    for folder in ("tests", "demo", "mappings"):
        (tmp_path / folder).symlink_to(__import__("tests.conftest", fromlist=["ROOT"]).ROOT / folder)
    takes_db = any(p.name == "db" for p in commands()[command].params)
    result = sara(*command.split(), *args, *(["--db", db] if takes_db else []))
    assert isinstance(result.exception, Reached), f"{command} did not reach {dotted}: exit {result.exit_code}\n{result.output}"
    assert calls == [name]


def test_every_command_is_paired_with_its_service():
    unpaired = sorted(set(commands()) - set(PAIRS) - SCANNING)
    assert unpaired == [], f"commands with no service named in PAIRS: {unpaired}"
    assert sorted(set(PAIRS) - set(commands())) == []
