"""Surveys (issue 13, part 4) commands: `sara survey ...`."""

from __future__ import annotations

import typer

from sara.cli.base import app

surveys_app = typer.Typer(help="Versioned questionnaires, responses by area with no personal data unless consented, results with margins of error.", no_args_is_help=True)
app.add_typer(surveys_app, name="survey")
