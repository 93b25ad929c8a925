"""Real browser tests: Debian's Chromium (found, or installed with apt-get when we are root,
as CI is), the app served by the real ``sara serve`` command on a free loopback port, and
Chromium driven headless to dump the rendered DOM or take a screenshot. Loopback only:
nothing here talks to the network."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
    "--no-proxy-server",  # loopback only, whatever the environment's proxy says
]


def _find() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium() -> str:
    """The path of Chromium, installing Debian's ``chromium`` package if needed and allowed."""
    found = _find()
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        wait = ["-o", "DPkg::Lock::Timeout=600"]  # another test worker may be installing PostgreSQL
        subprocess.run(["apt-get", *wait, "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", *wait, "install", "-y", "-qq", "chromium"], check=True, env=env)
        found = _find()
    if found is None:
        raise RuntimeError("Chromium is not installed and cannot be installed here: apt-get install chromium")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"browser tests only visit loopback addresses, not {url}")


@contextmanager
def serve(db_url: str, timeout: float = 30.0, workers: int = 1) -> Iterator[str]:
    """Runs ``sara serve --db DB_URL --workers WORKERS`` on a free loopback port; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sara.cli", "serve", "--db", db_url, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            stdout=log,
            stderr=subprocess.STDOUT,
            # Every browser test signs in from 127.0.0.1: the per-address limit is tested through TestClient.
            env={k: v for k, v in os.environ.items() if k != "SARA_DATABASE_URL"} | {"SARA_SIGN_IN_LIMIT": "10000"},
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"sara serve exited with {proc.returncode}:\n{log.read().decode(errors='replace')}")
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"sara serve did not answer on {base} within {timeout:.0f}s")
                time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _run(url: str, extra: list[str], timeout: float) -> subprocess.CompletedProcess:
    _check_loopback(url)
    with tempfile.TemporaryDirectory(prefix="sara-chromium-") as profile:
        cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, url]
        result = subprocess.run(cmd, check=False, capture_output=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"chromium exited with {result.returncode}:\n{result.stderr.decode(errors='replace')[-4000:]}")
    return result


def dump_dom(url: str, timeout: float = 90.0) -> str:
    """The DOM of ``url`` as headless Chromium renders it, serialised as HTML."""
    return _run(url, ["--dump-dom"], timeout).stdout.decode("utf-8")


def screenshot(url: str, path: Path, width: int = 1280, height: int = 1600, timeout: float = 90.0) -> Path:
    """A PNG of ``url`` in a ``width`` x ``height`` window, written to ``path``."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    _run(url, [f"--screenshot={path}", f"--window-size={width},{height}", "--hide-scrollbars"], timeout)
    if not path.exists():
        raise RuntimeError(f"chromium wrote no screenshot to {path}")
    return path
