"""The public reporting portal (issue 13, part 5) commands: `sara concerns ...`."""

from __future__ import annotations

import typer

from sara.cli.base import app

concerns_app = typer.Typer(help="Concerns reported by the public at /report-a-concern, the moderation queue, and the partner-report events they become.", no_args_is_help=True)
app.add_typer(concerns_app, name="concerns")
