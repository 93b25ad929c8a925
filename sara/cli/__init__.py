"""The command line: one command per user job. Each parses its input, calls one service
function and renders the result, as a table for people or as JSON (``--json``) for scripts.
Progress goes to stderr, so ``--json`` output on stdout stays clean.

The command groups are registered here, explicitly, in the order ``sara --help`` lists them.
"""

from __future__ import annotations

import sys

from sara.cli import access, assets, concerns, data, demo, early_help, messages, ocg, outcomes, patrols, people, plans, powers, problems, publication, report, scan, surveys, tags, watch  # noqa: F401  (each registers its commands on ``app``)
from sara.cli.base import app

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)

