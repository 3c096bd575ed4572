"""CSV import: `;`-separated, DD/MM/YYYY dates, saved under the relative directory imports/."""

import csv
import re
from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from uuid import uuid4

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from tortoise.transactions import in_transaction

from app.models import Animal, Import
from app.security import AdminUser

router = APIRouter(prefix="/imports", tags=["imports"])
IMPORT_DIR = Path("imports")  # relative to the working directory, as in the real application
COLUMNS = ("nom", "genere", "estat", "dob", "explotacio")
CHUNK = 1024 * 1024
BATCH = 1000


def _date(value: str) -> date | None:
    value = value.strip()
    return datetime.strptime(value, "%d/%m/%Y").date() if value else None


def _animal(row: dict[str, str], line: int) -> Animal:
    try:
        genere = row["genere"].strip().upper()
        estat = row["estat"].strip().upper() or "OK"
        if genere not in ("M", "F") or estat not in ("OK", "DEF") or not row["nom"].strip():
            raise ValueError("bad nom/genere/estat")
        return Animal(
            nom=row["nom"].strip(),
            genere=genere,
            estat=estat,
            dob=_date(row["dob"] or ""),
            explotacio=row["explotacio"].strip(),
        )
    except (AttributeError, ValueError) as exc:
        raise ValueError(f"line {line}: {exc}") from None


async def _load(path: Path) -> int:
    rows = 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=";")
        missing = set(COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"missing columns: {', '.join(sorted(missing))}")
        async with in_transaction() as conn:
            batch: list[Animal] = []
            for row in reader:
                batch.append(_animal(row, reader.line_num))
                if len(batch) >= BATCH:
                    await Animal.bulk_create(batch, using_db=conn)
                    rows += len(batch)
                    batch = []
            if batch:
                await Animal.bulk_create(batch, using_db=conn)
                rows += len(batch)
    return rows


@router.post("/csv", status_code=201)
async def import_csv(
    file: Annotated[UploadFile, File()],
    user: AdminUser,
    description: Annotated[str, Form()] = "",
) -> dict:
    IMPORT_DIR.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(file.filename or "upload.csv").name)
    dest = IMPORT_DIR / f"{datetime.now():%Y%m%d_%H%M%S}_{uuid4().hex[:8]}_{name}"
    with dest.open("wb") as out:
        while chunk := await file.read(CHUNK):
            out.write(chunk)
    try:
        rows = await _load(dest)
    except (ValueError, UnicodeDecodeError) as exc:
        dest.unlink(missing_ok=True)
        raise HTTPException(status_code=400, detail=f"Invalid CSV: {exc}") from None
    record = await Import.create(
        filename=dest.as_posix(), description=description, rows=rows, created_by=user.username
    )
    return {"id": record.id, "rows": rows, "file": dest.as_posix()}
