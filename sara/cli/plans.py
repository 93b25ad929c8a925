"""Partnership plan commands: `sara plan ...`."""

from __future__ import annotations

import typer

from sara.cli.base import app

plan_app = typer.Typer(help="Partnership plans: themes, priorities, actions and indicators with baselines, targets and progress.", no_args_is_help=True)
app.add_typer(plan_app, name="plan")
