import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from tortoise import Tortoise

from app.version import APP_VERSION

router = APIRouter(tags=["health"])
log = logging.getLogger("masclet")


@router.get("/health")
async def health() -> JSONResponse:
    try:
        await Tortoise.get_connection("default").execute_query("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any database failure means "not healthy"
        log.error("health: database check failed: %s", exc)
        body = {"status": "error", "version": APP_VERSION, "database": "error"}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ok", "version": APP_VERSION, "database": "ok"})
