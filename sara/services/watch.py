"""Neighbourhood Watch (issue 13, part 2): schemes, coordinators (personal data), member counts, contacts logged with coordinators, and the coordinators not contacted within the standard."""

from __future__ import annotations

from sara.services import Context


def today_items(ctx: Context) -> list[dict]:
    """Items for the Today page's "For your team" list: ``{"kind", "id", "text", "href", ...}``."""
    return []
