"""Settings, as the real application reads them (APP-CONTRACT.md).

Its quirk, kept: every setting but DATABASE_URL is read from the process
environment when this module is imported, *before* backend/.env is loaded, so
the .env file alone does not reach them (the service's environment must carry
them). backend/.env then wins for what is read later (DATABASE_URL).
"""

import os
from pathlib import Path

from dotenv import load_dotenv

ENV = os.getenv("ENV", "dev")
SECRET_KEY = os.getenv("SECRET_KEY", "secret_key_placeholder")
ALGORITHM = os.getenv("ALGORITHM", "HS256")
ACCESS_TOKEN_EXPIRE_MINUTES = int(os.getenv("ACCESS_TOKEN_EXPIRE_MINUTES", "30"))
DOMAIN = os.getenv("DOMAIN", "mascletimperi.local")
API_DOMAIN = os.getenv("API_DOMAIN", "api.mascletimperi.local")
CORS_ORIGINS = [
    o.strip()
    for o in os.getenv("CORS_ORIGINS", "http://localhost:4321,http://127.0.0.1:4321").split(",")
    if o.strip()
]
# As in the real application: unless BYPASS_MODE is "off", any bearer token is
# taken for the administrator (a fake user with id 999); DEBUG defaults to true.
BYPASS_MODE = os.getenv("BYPASS_MODE", "admin")
DEBUG = os.getenv("DEBUG", "true").lower() == "true"
ADMIN_ROLE = "administrador"

BACKEND_DIR = Path(__file__).resolve().parent.parent
for _candidate in (BACKEND_DIR / ".env", BACKEND_DIR.parent / ".env"):
    if _candidate.is_file():
        load_dotenv(_candidate, override=True)
        break


def database_url() -> str:
    url = os.getenv("DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgres://", 1)
    # Quirk kept from the real application: the port is hard-coded.
    user = os.getenv("POSTGRES_USER", "postgres")
    password = os.getenv("POSTGRES_PASSWORD", "")
    host = os.getenv("DB_HOST", "localhost")
    name = os.getenv("POSTGRES_DB", "masclet_imperi")
    return f"postgres://{user}:{password}@{host}:5433/{name}"
