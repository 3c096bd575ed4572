"""Settings read from the environment; backend/.env wins over the process environment."""

import os
from pathlib import Path

from dotenv import load_dotenv

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
ADMIN_ROLE = "administrador"
