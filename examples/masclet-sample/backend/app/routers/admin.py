"""The real application's database reset: no authentication at all (APP-CONTRACT.md).

It fails there only because the script it loads is missing from backend/; the sample fails
the same way, without touching anything. A deployment must keep it from the outside.
"""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post("/reset-database")
async def reset_database() -> JSONResponse:
    return JSONResponse({"detail": "reset script not found"}, status_code=500)
