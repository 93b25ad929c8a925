"""The command line in tests: ``sara(...)`` runs a command, ``ok_json(...)`` its JSON answer
(exit code 0), ``err_json(...)`` its one-line refusal (exit code 1, ``{"error": ...}``).

``--as USER`` needs the user's password: the helpers pass ``PASSWORD``, the one the tests
give their users, as ``SARA_PASSWORD`` unless ``env`` says otherwise."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import sara.cli  # noqa: F401  (registers every command on sara.cli.app)
from sara.cli import app

PASSWORD = "a long enough password"
runner = CliRunner()


def sara(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env={"SARA_PASSWORD": PASSWORD, "SARA_TOKEN": None} | (env or {}))


def ok_json(*args: str, **kw):
    r = sara(*args, "--json", **kw)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def err_json(*args: str, **kw) -> str:
    r = sara(*args, "--json", **kw)
    assert r.exit_code == 1, r.output
    return json.loads(r.stdout)["error"]
