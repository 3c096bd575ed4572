from enum import Enum

from tortoise import fields
from tortoise.models import Model


class Genere(str, Enum):
    MASCLE = "M"
    FEMELLA = "F"


class Estat(str, Enum):
    OK = "OK"
    DEF = "DEF"


class User(Model):
    id = fields.IntField(pk=True)
    username = fields.CharField(max_length=50, unique=True)
    password_hash = fields.CharField(max_length=255)
    role = fields.CharField(max_length=20, default="usuario")
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "users"


class Animal(Model):
    id = fields.IntField(pk=True)
    explotacio = fields.CharField(max_length=255, index=True)
    nom = fields.CharField(max_length=255)
    genere = fields.CharEnumField(Genere, max_length=1)
    estat = fields.CharEnumField(Estat, max_length=3, default=Estat.OK)
    dob = fields.DateField(null=True)
    pes = fields.FloatField(null=True, description="weight in kg (added in 2.0.0)")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "animals"


class Part(Model):
    id = fields.IntField(pk=True)
    animal = fields.ForeignKeyField("models.Animal", related_name="parts", on_delete=fields.CASCADE)
    data = fields.DateField()
    genere_fill = fields.CharEnumField(Genere, max_length=1)
    estat_fill = fields.CharEnumField(Estat, max_length=3, default=Estat.OK)
    numero_part = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "parts"
        unique_together = (("animal", "data"),)


class Import(Model):
    id = fields.IntField(pk=True)
    filename = fields.CharField(max_length=255)
    description = fields.TextField(null=True)
    rows = fields.IntField(default=0)
    created_by = fields.CharField(max_length=50, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "imports"
