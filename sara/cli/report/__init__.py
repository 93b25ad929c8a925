"""Report commands: `sara report scrutiny|chb|public`, one module each, all on ``report_app``."""

from __future__ import annotations

import typer

from sara.cli.base import app

report_app = typer.Typer(help="Reports a partnership is held to account by: the scrutiny pack, Clear-Hold-Build ranking, the public site.",
                         no_args_is_help=True)  # fmt: skip
app.add_typer(report_app, name="report")

from sara.cli.report import chb, public, scrutiny  # noqa: E402, F401  (each registers its command on ``report_app``)
