import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from tortoise import Tortoise

from app import config
from app.database import TORTOISE_ORM
from app.models import User
from app.routers import admin, animals, auth, health, imports
from app.scheduler import start_scheduler
from app.security import hash_password, verify_password
from app.version import APP_VERSION

LOG_FILE = Path("logs") / "app.log"  # relative to the working directory
log = logging.getLogger("masclet")


def setup_logging() -> None:
    if log.handlers:
        return
    LOG_FILE.parent.mkdir(exist_ok=True)
    fmt = logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s")
    for handler in (logging.FileHandler(LOG_FILE), logging.StreamHandler()):
        handler.setFormatter(fmt)
        log.addHandler(handler)
    log.setLevel(logging.INFO)


async def ensure_admin() -> None:
    if not await User.exists():
        await User.create(
            username="admin", password_hash=hash_password("admin123"), role=config.ADMIN_ROLE
        )
        log.warning("created default administrator admin/admin123: change its password")
        return
    admin = await User.get_or_none(username="admin")
    if admin and verify_password("admin123", admin.password_hash):
        log.warning("default administrator password admin123 is still in place")


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    setup_logging()
    log.info("starting Masclet Imperi sample %s (ENV=%s)", APP_VERSION, config.ENV)
    # Quirk kept from the real application: the database URL, password included, goes to
    # stdout (the journal) and to the log file at every start.
    log.info("Conectando a la base de datos: %s", config.database_url())
    await Tortoise.init(config=TORTOISE_ORM)
    await Tortoise.generate_schemas(safe=True)
    await ensure_admin()
    stop = start_scheduler()
    try:
        yield
    finally:
        stop.set()
        await Tortoise.close_connections()
        log.info("stopped")


app = FastAPI(
    title="Masclet Imperi API (sample)",
    version=APP_VERSION,
    docs_url="/api/v1/docs",
    redoc_url=None,
    openapi_url="/api/v1/openapi.json",
    lifespan=lifespan,
)
if config.ENV == "prod":
    # As in the real application: a request whose Host is none of these gets 400.
    hosts = [h for h in (config.DOMAIN, config.API_DOMAIN, "localhost") if h]
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
app.add_middleware(
    CORSMiddleware,
    allow_origins=config.CORS_ORIGINS,
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)

api = APIRouter(prefix="/api/v1")
for module in (auth, animals, imports, admin):
    api.include_router(module.router)
app.include_router(api)
app.include_router(health.router)
