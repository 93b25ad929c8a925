"""The command line in tests: ``sara(...)`` runs a command, ``ok_json(...)`` its JSON answer
(exit code 0), ``err_json(...)`` its one-line refusal (exit code 1, ``{"error": ...}``)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import sara.cli  # noqa: F401  (registers every command on sara.cli.app)
from sara.cli import app

runner = CliRunner()


def sara(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env=env)


def ok_json(*args: str, **kw):
    r = sara(*args, "--json", **kw)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def err_json(*args: str, **kw) -> str:
    r = sara(*args, "--json", **kw)
    assert r.exit_code == 1, r.output
    return json.loads(r.stdout)["error"]
