"""The audit chain's key, kept outside the database, so that whoever can write the database
(a partner's administrator with SQL access, a stolen backup) cannot recompute the chain
after deleting or changing entries: the HMAC needs the key.

Where the key is, first found wins:

1. ``SARA_AUDIT_KEY``: the key itself (at least 32 characters; 64 hex digits are read as bytes);
2. ``SARA_AUDIT_KEY_FILE``: a file holding it;
3. beside a SQLite database, ``<database file>.audit-key``; for any other database,
   ``~/.config/sara/audit-keys/<database>.key``.

``sara init`` creates the file (32 random bytes as hex, owner-only permissions, 0600) when no
key is found; it never overwrites one. Keep a copy of the key where the database's backups
are not: without it the chain cannot be verified or extended.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from sara.errors import SaraError

MIN_KEY_CHARS = 32
_cache: dict[str, bytes] = {}


class AuditKeyMissing(SaraError):
    """The audit key is not where SARA looks for it."""


def _identity(url: URL | str) -> str:
    return (url if isinstance(url, URL) else make_url(url)).render_as_string(hide_password=True)


def key_path(url: URL | str) -> Path:
    """The file the key of the database at ``url`` is read from (and created in)."""
    if os.environ.get("SARA_AUDIT_KEY_FILE"):
        return Path(os.environ["SARA_AUDIT_KEY_FILE"]).expanduser()
    u = make_url(_identity(url))
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        return Path(u.database).resolve().with_name(Path(u.database).name + ".audit-key")
    label = f"{u.host or 'local'}-{u.port or ''}-{u.database or ''}".replace("/", "_")
    digest = hashlib.sha256(_identity(url).encode()).hexdigest()[:12]
    return Path("~/.config/sara/audit-keys").expanduser() / f"{label}-{digest}.key"


def _parse(text: str, where: str) -> bytes:
    text = text.strip()
    if len(text) < MIN_KEY_CHARS:
        raise AuditKeyMissing(f"the audit key in {where} is too short: use at least {MIN_KEY_CHARS} characters (initialising the database makes one)")
    try:
        return bytes.fromhex(text) if len(text) == 64 else text.encode()
    except ValueError:
        return text.encode()


def audit_key(url: URL | str) -> bytes:
    """The key of the database at ``url``, or ``AuditKeyMissing`` saying where it was looked for."""
    if os.environ.get("SARA_AUDIT_KEY"):
        return _parse(os.environ["SARA_AUDIT_KEY"], "SARA_AUDIT_KEY")
    path = key_path(url)
    cached = _cache.get(str(path))
    if cached is not None:
        return cached
    try:
        key = _parse(path.read_text(), str(path))
    except FileNotFoundError:
        raise AuditKeyMissing(
            f"the audit key is missing: no SARA_AUDIT_KEY and no file {path}. Restore the key file from where you keep it "
            "(initialising the database creates one only for a database whose audit trail is empty)"
        ) from None
    _cache[str(path)] = key
    return key


def ensure_key(url: URL | str) -> Path | None:
    """Create the key file of ``url`` (owner-only) unless a key is already found; returns the
    file created, or None when there was one."""
    if os.environ.get("SARA_AUDIT_KEY"):
        return None
    path = key_path(url)
    if path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return path
