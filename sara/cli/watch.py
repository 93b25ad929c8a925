"""Neighbourhood Watch (issue 13, part 2) commands: `sara watch ...`."""

from __future__ import annotations

import typer

from sara.cli.base import app

watch_app = typer.Typer(help="Schemes, coordinators (personal data), member counts, contacts logged with coordinators, and the coordinators not contacted within the standard.", no_args_is_help=True)
app.add_typer(watch_app, name="watch")
