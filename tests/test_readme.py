"""The README's commands, as written, in order, against a fresh `make run` database (as
Datasette tests its documentation): every `.venv/bin/sara` line of every `sh` block must do
what the README says.

The README's conventions, which this test reads:
- a command exits 0, unless the comment line right under it begins with ``#   refused`` or
  ``#   {"error"``: then it must exit 1 with that refusal;
- a command may begin with settings for it alone (``SARA_PASSWORD='...' .venv/bin/sara ...``);
- ``export NAME=value`` sets the environment of the commands after it; the value is read
  by the shell, so ``export CODE=$(.venv/bin/sara ... --json | ...)`` keeps a command's answer;
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
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED_DATA
from tests.web import DEMO_PASSWORD

README = ROOT / "README.md"
EXPECTS_REFUSAL = ("#   refused", '#   {"error"')
# a sara command, perhaps behind settings for it alone (SARA_PASSWORD='...' .venv/bin/sara ...)
SARA = re.compile(r"""^(\w+=('[^']*'|"[^"]*"|\S+)\s+)*\.venv/bin/sara\b""")


@dataclass
class Command:
    """A sara command of the README (``export`` is None), or an ``export`` of ``text``'s value."""

    line: int
    text: str
    refused: bool = False
    export: str | None = None


def readme_commands(text: str) -> list[Command]:
    """The commands and exports of the README's ``sh`` blocks, in order, continuation lines
    joined, each command marked when it is expected to be refused."""
    commands: list[Command] = []
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
            if commands and commands[-1].export is None and full.startswith(EXPECTS_REFUSAL):
                commands[-1].refused = True
            continue
        body = re.sub(r"\s+#\s.*$", "", full)
        if body.startswith("export "):
            name, value = body[len("export "):].split("=", 1)
            commands.append(Command(start, value, export=name))
        elif SARA.match(body):
            commands.append(Command(start, body))
        elif body not in ("make run", "make test"):
            raise AssertionError(f"README.md line {start}: {body!r} is neither a sara command nor an export: the README test cannot run it")
    return commands


def test_the_readme_conventions_are_read_as_stated():
    text = "```sh\nexport SARA_PASSWORD='a b c'\n.venv/bin/sara status \\\n    --json  # what is loaded\n.venv/bin/sara problem move X closed\n#   refused: no\n```\n"
    [password, status, move] = readme_commands(text)
    assert password.export == "SARA_PASSWORD" and _value(password.text, {}) == "a b c"
    assert status.text == ".venv/bin/sara status --json" and not status.refused
    assert move.refused and move.line == 5
    assert _value("$(printf %s x)-$Y", {"Y": "y", "PATH": os.environ["PATH"]}) == "x-y"


def _value(text: str, env: dict) -> str:
    """What the shell makes of an export's value."""
    return subprocess.run(["bash", "-c", f"printf %s {text}"], env=env, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder like the checkout's root, with a fresh `make run` database (make demo-db)."""
    top = tmp_path_factory.mktemp("readme")
    work = top / "work"
    work.mkdir()
    for name in (".venv", "demo", "mappings"):
        (work / name).symlink_to(ROOT / name)
    (top / "shared").symlink_to(SHARED_DATA.parent)
    env = os.environ | {"SARA_DEMO_PASSWORD": DEMO_PASSWORD}
    subprocess.run(["make", "-s", "-C", str(ROOT), "demo-db", f"DB=sqlite:///{work / 'sara.db'}"], check=True, stdout=subprocess.DEVNULL, env=env)
    return work


def _serve(command: Command, work: Path, env: dict) -> None:
    """Start `sara serve` as written, on a free port instead of its own, and sign in to it."""
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
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=2) as r:
                    assert r.status == 200 and b'name="password"' in r.read()
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
    env = {k: v for k, v in os.environ.items() if k not in ("SARA_DATABASE_URL", "SARA_USER", "SARA_TOKEN", "SARA_PASSWORD")}
    env |= {"COLUMNS": "100", "SARA_DEMO_PASSWORD": DEMO_PASSWORD}  # as if the reader chose it: SARA_DEMO_PASSWORD=... make run
    for c in commands:
        if c.export:
            env[c.export] = subprocess.run(["bash", "-c", f"printf %s {c.text}"], cwd=workdir, env=env, capture_output=True, text=True).stdout
            continue
        if re.search(r"\.venv/bin/sara serve\b", c.text):
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
