"""`sara report chb`."""

from __future__ import annotations

from sara.cli.report import report_app  # noqa: F401
