"""Pages: community messaging (issue 13, part 3)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
