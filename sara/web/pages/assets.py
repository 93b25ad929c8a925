"""Pages: asset mapping (issue 13, part 1)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
