"""What every scan returns: a table, the parameters that made it (automatic ones
included, so a chart can be re-made), what was left out and why, and notes in plain
English (automatic choices announced, warnings)."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from sara.errors import Invalid


class ScanError(Invalid):
    """Input a scan cannot work with; the message says what to change."""


@dataclass
class ScanResult:
    table: pl.DataFrame
    params: dict = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"params": self.params, "left_out": self.left_out, "notes": self.notes, "rows": self.table.to_dicts()}
