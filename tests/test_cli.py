"""The command line as the README shows it: exact spellings, JSON keys and exit codes."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from sara.cli import app
from tests.conftest import FIXTURES

runner = CliRunner()
STREET = str(FIXTURES / "2025-01-derbyshire-street.csv")


def sara(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env=env)


def test_init_load_status_and_export_quarantine(db_url, tmp_path):
    assert sara("init", "--db", db_url).exit_code == 0

    loaded = sara("load", "police-uk", STREET, "--db", db_url, "--json")
    assert loaded.exit_code == 0, loaded.output
    summary = json.loads(loaded.stdout)
    assert {"rows_read", "inserted", "updated", "unchanged", "quarantined", "quarantined_by_reason"} <= summary.keys()
    assert summary["rows_read"] == summary["inserted"] + summary["updated"] + summary["unchanged"] + summary["quarantined"] == 204

    shown = json.loads(sara("status", "--db", db_url, "--json").stdout)
    assert shown["events_total"] == 204
    assert sum(shown["events_by_category"].values()) == 204

    out = tmp_path / "quarantine.csv"
    exported = sara("quarantine", "export", "--db", db_url, "--csv", str(out))
    assert exported.exit_code == 0
    assert list(csv.reader(out.open()))[0][:4] == ["file", "line", "reason", "raw"]


def test_database_url_from_the_environment(sqlite_url):
    result = sara("status", "--json", env={"SARA_DATABASE_URL": sqlite_url})
    assert result.exit_code == 0
    assert json.loads(result.stdout)["events_total"] == 0


def test_a_refused_file_makes_the_exit_code_non_zero_but_the_rest_loads(sqlite_url, tmp_path):
    bad = tmp_path / "export.csv"
    bad.write_text("when,what\n2025-01-01,thing\n")

    result = sara("load", "police-uk", str(bad), STREET, "--db", sqlite_url, "--json")

    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["inserted"] == 204
    assert "missing columns 'Crime ID'" in summary["files_refused"][0]["error"]


def test_quarantined_rows_alone_do_not_fail_the_load(sqlite_url, tmp_path):
    path = tmp_path / "2025-01-derbyshire-street.csv"
    path.write_text(open(STREET).read() + "abc,2025-99,x,x,,,x,x,x,Burglary,,\n")

    result = sara("load", "police-uk", str(path), "--db", sqlite_url, "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout)["quarantined_by_reason"] == {"unparseable Month (expected YYYY-MM)": 1}
    listed = json.loads(sara("quarantine", "list", "--db", sqlite_url, "--json").stdout)
    assert listed["total"] == 1 and listed["rows"][0]["line"] == 206


def test_unreachable_or_uninitialised_databases_get_one_clear_line(tmp_path):
    unreachable = sara("status", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert unreachable.exit_code == 1
    assert "cannot reach the database at postgresql+psycopg://nobody@127.0.0.1:1/none" in unreachable.output

    fresh = f"sqlite:///{tmp_path / 'new.db'}"
    uninitialised = sara("load", "police-uk", STREET, "--db", fresh, "--json")
    assert uninitialised.exit_code == 1
    assert "run `sara init" in json.loads(uninitialised.stdout)["error"]

    nowhere = sara("init", "--db", f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    assert nowhere.exit_code == 1 and "does not exist" in nowhere.output


def test_an_empty_file_and_a_missing_path(sqlite_url, tmp_path):
    empty = tmp_path / "2025-03-derbyshire-street.csv"
    empty.write_text("")

    result = sara("load", "police-uk", str(empty), str(tmp_path / "nope"), "--db", sqlite_url, "--json")

    assert result.exit_code == 1
    errors = {e["path"]: e["error"] for e in json.loads(result.stdout)["files_refused"]}
    assert errors == {str(empty): "the file is empty", str(tmp_path / "nope"): "no such file or folder"}


def test_a_service_field_is_worded_as_the_running_groups_option_and_never_as_anothers():
    import typer

    from sara.cli.base import spell_fields, worded
    from sara.errors import Invalid

    root, tags, other = typer.Typer(), typer.Typer(), typer.Typer()
    root.add_typer(tags, name="tags-example")
    root.add_typer(other, name="other-example")
    spell_fields("tags-example", {"metres": "--distance"})

    @tags.command("compare")
    def compare(distance: float = 100) -> None:
        print(worded(Invalid("must be above 0", field="metres")))

    @other.command("list")
    def listing(limit: int = 5) -> None:
        print(worded(Invalid("must be above 0", field="metres")), "|", worded(Invalid("must be 1 to 100", field="limit")))

    assert CliRunner().invoke(root, ["tags-example", "compare"]).output.strip() == "--distance: must be above 0"
    assert CliRunner().invoke(root, ["other-example", "list"]).output.strip() == "must be above 0 | --limit: must be 1 to 100"
