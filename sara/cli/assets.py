"""Asset mapping (issue 13, part 1) commands: `sara assets ...`."""

from __future__ import annotations

import typer

from sara.cli.base import app

assets_app = typer.Typer(help="The organisations and services working in an area: what each provides, to whom, where, when, contact and funding; gaps beside open problems.", no_args_is_help=True)
app.add_typer(assets_app, name="assets")
