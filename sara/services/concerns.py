"""The public reporting portal (issue 13, part 5): concerns reported by the public at /report-a-concern, the moderation queue, and the partner-report events they become."""

from __future__ import annotations

from sara.services import Context


def today_items(ctx: Context) -> list[dict]:
    """Items for the Today page's "For your team" list: ``{"kind", "id", "text", "href", ...}``."""
    return []
