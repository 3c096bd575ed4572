from fastapi import APIRouter, Depends, HTTPException, Query
from tortoise.contrib.fastapi import HTTPNotFoundError  # removed from newer Tortoise releases
from tortoise.exceptions import IntegrityError

from app.models import Animal, Part
from app.schemas import AnimalIn, AnimalOut, PartIn, PartOut
from app.security import get_current_user

router = APIRouter(prefix="/animals", tags=["animals"], dependencies=[Depends(get_current_user)])
NOT_FOUND = {404: {"model": HTTPNotFoundError}}


async def _animal(animal_id: int) -> Animal:
    animal = await Animal.get_or_none(id=animal_id)
    if animal is None:
        raise HTTPException(status_code=404, detail=f"Animal {animal_id} not found")
    return animal


@router.get("", response_model=list[AnimalOut])
async def list_animals(
    limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)
) -> list[Animal]:
    return await Animal.all().order_by("id").offset(offset).limit(limit)


@router.get("/count")
async def count_animals() -> dict:
    return {"count": await Animal.all().count()}


@router.post("", response_model=AnimalOut, status_code=201)
async def create_animal(body: AnimalIn) -> Animal:
    return await Animal.create(**body.model_dump())


@router.get("/{animal_id}", response_model=AnimalOut, responses=NOT_FOUND)
async def get_animal(animal_id: int) -> Animal:
    return await _animal(animal_id)


@router.get("/{animal_id}/parts", response_model=list[PartOut], responses=NOT_FOUND)
async def list_parts(animal_id: int) -> list[Part]:
    return await Part.filter(animal=await _animal(animal_id)).order_by("data")


@router.post("/{animal_id}/parts", response_model=PartOut, status_code=201, responses=NOT_FOUND)
async def create_part(animal_id: int, body: PartIn) -> Part:
    animal = await _animal(animal_id)
    try:
        return await Part.create(animal=animal, **body.model_dump())
    except IntegrityError:
        raise HTTPException(status_code=409, detail="Calving already recorded") from None
