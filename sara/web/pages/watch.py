"""Pages: neighbourhood Watch (issue 13, part 2)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
