"""Tables of the public reporting portal (issue 13, part 5): concerns reported by the public at /report-a-concern, the moderation queue, and the partner-report events they become."""

from __future__ import annotations
