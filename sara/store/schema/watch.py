"""Tables of neighbourhood Watch (issue 13, part 2): schemes, coordinators (personal data), member counts, contacts logged with coordinators, and the coordinators not contacted within the standard."""

from __future__ import annotations
