"""Tortoise ORM configuration, shared by the application and aerich."""

from app.config import database_url

TORTOISE_ORM = {
    "connections": {"default": database_url()},
    "apps": {
        "models": {
            "models": ["app.models", "aerich.models"],
            "default_connection": "default",
        },
    },
    "use_tz": False,
    "timezone": "UTC",
}
