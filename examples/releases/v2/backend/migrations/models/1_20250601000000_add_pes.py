"""2.0.0: nullable weight column. IF NOT EXISTS because a fresh database may already have it
from the application's generate_schemas at start-up."""

from tortoise import BaseDBAsyncClient


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "animals" ADD COLUMN IF NOT EXISTS "pes" DOUBLE PRECISION;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "animals" DROP COLUMN IF EXISTS "pes";"""
