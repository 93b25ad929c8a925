"""What a load did, file by file, in counts that always add up:
``rows_read = inserted + updated + unchanged + quarantined``."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field


@dataclass
class FileReport:
    path: str
    kind: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    refused: str | None = None
    notes: dict = field(default_factory=dict)

    def check(self) -> None:
        total = self.inserted + self.updated + self.unchanged + self.quarantined
        assert self.rows_read == total, f"{self.path}: {self.rows_read} rows read but {total} accounted for"


@dataclass
class LoadReport:
    files: list[FileReport] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    areas: dict | None = None

    @property
    def ok(self) -> bool:
        """Every file was read (rows may still have been quarantined)."""
        return not self.missing and not any(f.refused for f in self.files)

    def totals(self) -> dict:
        reasons: Counter = Counter()
        for f in self.files:
            reasons.update(f.quarantined_by_reason)
        keys = ("rows_read", "inserted", "updated", "unchanged", "quarantined")
        return {k: sum(getattr(f, k) for f in self.files) for k in keys} | {"quarantined_by_reason": dict(reasons.most_common())}

    def to_dict(self) -> dict:
        return self.totals() | {
            "files_read": sum(1 for f in self.files if not f.refused),
            "files_refused": [{"path": f.path, "error": f.refused} for f in self.files if f.refused]
            + [{"path": m["path"], "error": m["error"]} for m in self.missing],
            "files": [asdict(f) for f in self.files],
            "areas": self.areas,
        }
