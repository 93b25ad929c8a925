"""Surveys (issue 13, part 4): versioned questionnaires, responses by area with no personal data unless consented, results with margins of error."""

from __future__ import annotations

from sara.services import Context

__all__ = ["Context"]
