"""The README's commands, as written, in order, against a fresh `make run` database (as
Datasette tests its documentation): every `.venv/bin/sara` line of every `sh` block must do
what the README says.

The README's conventions, which this test reads:
- a command exits 0, unless the comment line right under it begins with ``#   refused`` or
  ``#   {"error"``: then it must exit 1 with that refusal;
- ``export NAME=value`` sets the environment of the commands after it;
- a command ending in ``--json`` prints JSON;
- ``make run`` and ``make test`` are the two commands of the first block, not run here;
  ``sara serve`` is started and answered, then stopped.
Commands run in a folder of their own holding links to the checkout's ``.venv``, ``demo``
and ``mappings`` and to ``../shared``, so every path in the README means what it says there.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED_DATA

README = ROOT / "README.md"
EXPECTS_REFUSAL = ("#   refused", '#   {"error"')


@dataclass
class Command:
    line: int
    text: str
    refused: bool = False
    env: dict = field(default_factory=dict)


def readme_commands(text: str) -> list[Command]:
    """The commands of the README's ``sh`` blocks, continuation lines joined, with the
    environment each runs in and whether it is expected to be refused."""
    commands: list[Command] = []
    env: dict[str, str] = {}
    in_sh, pending, start = False, "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("```"):
            in_sh = line == "```sh"
            continue
        if not in_sh or not line:
            continue
        if pending:
            pending += " " + line
        else:
            pending, start = line, number
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        full, pending = pending, ""
        if full.startswith("#"):
            if commands and commands[-1].line < start and full.startswith(EXPECTS_REFUSAL):
                commands[-1].refused = True
            continue
        body = re.sub(r"\s+#.*$", "", full)
        if body.startswith("export "):
            name, value = body[len("export "):].split("=", 1)
            env[name] = shlex.split(value)[0] if value else ""
        elif body.startswith(".venv/bin/sara"):
            commands.append(Command(start, body, env=dict(env)))
        elif body not in ("make run", "make test"):
            raise AssertionError(f"README.md line {start}: {body!r} is neither a sara command nor an export: the README test cannot run it")
    return commands


def test_the_readme_conventions_are_read_as_stated():
    text = "```sh\nexport SARA_PASSWORD='a b c'\n.venv/bin/sara status \\\n    --json  # what is loaded\n.venv/bin/sara problem move X closed\n#   refused: no\n```\n"
    [status, move] = readme_commands(text)
    assert status.text == ".venv/bin/sara status --json" and status.env == {"SARA_PASSWORD": "a b c"} and not status.refused
    assert move.refused and move.line == 5


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder like the checkout's root, with a fresh `make run` database (make demo-db)."""
    top = tmp_path_factory.mktemp("readme")
    work = top / "work"
    work.mkdir()
    for name in (".venv", "demo", "mappings"):
        (work / name).symlink_to(ROOT / name)
    (top / "shared").symlink_to(SHARED_DATA.parent)
    subprocess.run(["make", "-s", "-C", str(ROOT), "demo-db", f"DB=sqlite:///{work / 'sara.db'}"], check=True, stdout=subprocess.DEVNULL)
    return work


def _serve(command: Command, work: Path, env: dict) -> None:
    """Start `sara serve` as written, on a free port instead of its own, and ask it for /api/status."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = shlex.split(command.text)
    if "--port" in args:
        del args[args.index("--port") : args.index("--port") + 2]
    proc = subprocess.Popen([*args, "--port", str(port)], cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=2) as r:
                    assert json.load(r)["events_total"] > 0
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"README.md line {command.line}: `sara serve` did not answer on port {port}")
    finally:
        proc.terminate()
        proc.wait(10)


def test_every_readme_command_does_what_the_readme_says(workdir):
    commands = readme_commands(README.read_text())
    assert len(commands) > 40
    failures = []
    for c in commands:
        env = {k: v for k, v in os.environ.items() if k not in ("SARA_DATABASE_URL", "SARA_USER", "SARA_TOKEN", "SARA_PASSWORD")} | {"COLUMNS": "100"} | c.env
        if c.text.split()[1:2] == ["serve"]:
            _serve(c, workdir, env)
            continue
        r = subprocess.run(c.text, shell=True, cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
        expected = 1 if c.refused else 0
        if r.returncode != expected:
            failures.append(f"line {c.line}: {c.text}\n  exit {r.returncode}, expected {expected}\n  {(r.stderr or r.stdout).strip()[-600:]}")
            continue
        if "--json" in c.text.split():
            try:
                answer = json.loads(r.stdout)
            except ValueError:
                failures.append(f"line {c.line}: {c.text}\n  printed no JSON: {r.stdout[:300]!r}")
                continue
            if c.refused and "error" not in answer:
                failures.append(f"line {c.line}: {c.text}\n  refused without an error: {answer}")
    assert not failures, "README commands that do not do what the README says:\n" + "\n".join(failures)
