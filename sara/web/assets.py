"""Where the front-end files come from: the npm packages ``make`` installs (``npm ci`` into
``node_modules`` beside the code, pinned in ``package-lock.json``) and SARA's own files in
``sara/web/static`` (its stylesheet, compiled from ``sara.scss`` by ``npm run build:css``).
Nothing is fetched from a CDN: every page works with no network."""

from __future__ import annotations

import os
from pathlib import Path

STATIC = Path(__file__).parent / "static"


class NotInstalled(RuntimeError):
    """The npm packages or the compiled stylesheet are missing: ``make install`` puts them there."""


def node_modules() -> Path:
    """``SARA_NODE_MODULES``, or ``node_modules`` at the top of the checkout."""
    return Path(os.environ.get("SARA_NODE_MODULES") or Path(__file__).resolve().parents[2] / "node_modules")


def mounts() -> dict[str, Path]:
    """URL prefix -> folder, for every asset the pages use; a clear error if ``make`` has not
    installed them (the app would otherwise serve pages without styles or scripts)."""
    nm = node_modules()
    folders = {
        "/assets/govuk": nm / "govuk-frontend" / "dist" / "govuk",
        "/assets/leaflet": nm / "leaflet" / "dist",
        "/assets/htmx": nm / "htmx.org" / "dist",
        "/assets/sara": STATIC,
    }
    missing = [str(p) for p in folders.values() if not p.is_dir()]
    if missing or not (STATIC / "build" / "sara.css").exists():
        raise NotInstalled(f"the web app's front-end files are not installed ({', '.join(missing) or 'sara/web/static/build/sara.css'}): run `make install`")
    return folders
