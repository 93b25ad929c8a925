"""Community messaging (issue 13, part 3): messaging groups by area and interest; messages drafted from a problem or an operation, approved by a lead, exported for the force's messaging system."""

from __future__ import annotations

from sara.services import Context

__all__ = ["Context"]
