"""Initial schema. Idempotent (IF NOT EXISTS) so that `aerich upgrade` also works on a
database whose tables were already created by the application's generate_schemas."""

from tortoise import BaseDBAsyncClient


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "animals" (
            "id" SERIAL NOT NULL PRIMARY KEY,
            "explotacio" VARCHAR(255) NOT NULL,
            "nom" VARCHAR(255) NOT NULL,
            "genere" VARCHAR(1) NOT NULL,
            "estat" VARCHAR(3) NOT NULL DEFAULT 'OK',
            "dob" DATE,
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
            "updated_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
        CREATE INDEX IF NOT EXISTS "idx_animals_explota_bf4d65" ON "animals" ("explotacio");
        COMMENT ON COLUMN "animals"."genere" IS 'MASCLE: M
FEMELLA: F';
        COMMENT ON COLUMN "animals"."estat" IS 'OK: OK
DEF: DEF';
        CREATE TABLE IF NOT EXISTS "imports" (
            "id" SERIAL NOT NULL PRIMARY KEY,
            "filename" VARCHAR(255) NOT NULL,
            "description" TEXT,
            "rows" INT NOT NULL DEFAULT 0,
            "created_by" VARCHAR(50),
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
        CREATE TABLE IF NOT EXISTS "parts" (
            "id" SERIAL NOT NULL PRIMARY KEY,
            "data" DATE NOT NULL,
            "genere_fill" VARCHAR(1) NOT NULL,
            "estat_fill" VARCHAR(3) NOT NULL DEFAULT 'OK',
            "numero_part" INT NOT NULL DEFAULT 1,
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
            "animal_id" INT NOT NULL REFERENCES "animals" ("id") ON DELETE CASCADE,
            CONSTRAINT "uid_parts_animal__39fa6b" UNIQUE ("animal_id", "data")
        );
        COMMENT ON COLUMN "parts"."genere_fill" IS 'MASCLE: M
FEMELLA: F';
        COMMENT ON COLUMN "parts"."estat_fill" IS 'OK: OK
DEF: DEF';
        CREATE TABLE IF NOT EXISTS "users" (
            "id" SERIAL NOT NULL PRIMARY KEY,
            "username" VARCHAR(50) NOT NULL UNIQUE,
            "password_hash" VARCHAR(255) NOT NULL,
            "role" VARCHAR(20) NOT NULL DEFAULT 'usuario',
            "is_active" BOOL NOT NULL DEFAULT True,
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
        CREATE TABLE IF NOT EXISTS "aerich" (
            "id" SERIAL NOT NULL PRIMARY KEY,
            "version" VARCHAR(255) NOT NULL,
            "app" VARCHAR(100) NOT NULL,
            "content" JSONB NOT NULL
        );"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "parts";
        DROP TABLE IF EXISTS "imports";
        DROP TABLE IF EXISTS "users";
        DROP TABLE IF EXISTS "animals";"""
