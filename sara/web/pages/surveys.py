"""Pages: surveys (issue 13, part 4)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
