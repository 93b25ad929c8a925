"""What every response carries and every POST must prove.

- Headers (OWASP Secure Headers): a Content-Security-Policy allowing scripts, styles and
  connections from SARA itself only (no inline script, no eval), images also from the tile
  server when one is set, and no framing (``frame-ancestors 'none'``); ``nosniff``; a
  same-origin referrer policy; pages that may hold personal data are never cached.
- CSRF (OWASP CSRF Prevention Cheat Sheet, synchroniser token pattern): a signed-in POST
  carries its session's token as the form field ``csrf_token`` or the ``X-CSRF-Token`` header.
  Before sign-in, the sign-in form is protected by a double-submit token: a random cookie and
  the form field carrying its HMAC under a per-database key, so every worker checks it alike.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from sqlalchemy import Engine

from sara.access.secrets import per_database

SESSION_COOKIE = "sara_session"
PRE_COOKIE = "sara_pre"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def content_security_policy(tile_url: str | None) -> str:
    images = "'self' data:"
    if tile_url:  # e.g. https://{s}.tile.example.org/{z}/{x}/{y}.png -> https://*.tile.example.org
        parts = urlsplit(tile_url.replace("{s}", "*"))
        images += f" {parts.scheme}://{parts.netloc}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


# An SVG or PNG downloaded or shown in an <img> is a document of its own: no script at all.
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def headers(policy: str, content_type: str, path: str) -> dict[str, str]:
    out = {
        "Content-Security-Policy": IMAGE_POLICY if content_type.startswith("image/") else policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
    }
    if not path.startswith("/assets/"):
        out["Cache-Control"] = "no-store"
    return out


def new_pre_token() -> str:
    return secrets.token_urlsafe(32)


def pre_signature(engine: Engine, cookie: str) -> str:
    return hmac.new(per_database(engine, "csrf", 32), cookie.encode(), hashlib.sha256).hexdigest()


def pre_valid(engine: Engine, cookie: str | None, field: str | None) -> bool:
    return bool(cookie and field) and hmac.compare_digest(pre_signature(engine, cookie), field)


def token_valid(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given)


def local_path(target: str | None, default: str = "/today") -> str:
    """``target`` when it is a path on this site (``/problems?state=open``), else ``default``:
    the page to return to after sign-in is never another site (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
