from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from app.models import Estat, Genere


class AnimalIn(BaseModel):
    nom: str = Field(min_length=1, max_length=255)
    genere: Genere
    estat: Estat = Estat.OK
    dob: date | None = None
    explotacio: str = Field(min_length=1, max_length=255)


class AnimalOut(AnimalIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


class PartIn(BaseModel):
    data: date
    genere_fill: Genere
    estat_fill: Estat = Estat.OK
    numero_part: int = 1


class PartOut(PartIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    animal_id: int
