"""Pages: the public reporting portal (issue 13, part 5)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
