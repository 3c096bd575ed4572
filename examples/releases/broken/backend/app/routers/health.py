"""Deliberately broken release: the application starts and serves the API, but /health fails."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.version import APP_VERSION

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> JSONResponse:
    body = {"status": "error", "version": APP_VERSION, "detail": "broken release"}
    return JSONResponse(body, status_code=500)
