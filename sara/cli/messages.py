"""Community messaging (issue 13, part 3) commands: `sara messages ...`."""

from __future__ import annotations

import typer

from sara.cli.base import app

messages_app = typer.Typer(help="Messaging groups by area and interest; messages drafted from a problem or an operation, approved by a lead, exported for the force's messaging system.", no_args_is_help=True)
app.add_typer(messages_app, name="messages")
