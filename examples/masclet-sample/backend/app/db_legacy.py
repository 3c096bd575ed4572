"""What the real application's [tool.aerich] points at: a hard-coded development URL."""

TORTOISE_ORM = {
    "connections": {"default": "postgres://postgres:1234@localhost:5432/masclet_imperi"},
    "apps": {
        "models": {"models": ["app.models", "aerich.models"], "default_connection": "default"}
    },
}
