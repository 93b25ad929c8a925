"""(to be built: issue 10)"""

from fastapi import APIRouter

router = APIRouter()
