"""What every scan returns: a table, the parameters that made it (automatic ones
included, so a chart can be re-made), what was left out and why, and notes in plain
English (automatic choices announced, warnings)."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from sara.errors import Invalid


class ScanError(Invalid):
    """Input a scan cannot work with; the message says what to change."""


class Note(str):
    """A note (plain text, as every note is) that names the input it is about, ``field``, so
    a face can point at its own control: the CLI adds the option that sets it, a page
    the input beside it. It is still a ``str``: JSON shows the text alone."""

    field: str | None

    def __new__(cls, text: str, *, field: str | None = None) -> Note:
        note = super().__new__(cls, text)
        note.field = field
        return note


@dataclass
class ScanResult:
    table: pl.DataFrame
    params: dict = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"params": self.params, "left_out": self.left_out, "notes": self.notes, "rows": self.table.to_dicts()}
