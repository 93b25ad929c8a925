"""Commands: ocg."""

from __future__ import annotations

from sara.cli.base import app  # noqa: F401
