"""Pages: early_help."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
