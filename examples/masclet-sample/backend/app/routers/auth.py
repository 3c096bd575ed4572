import logging
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from app import config
from app.models import User
from app.security import CurrentUser, create_access_token, hash_password, verify_password

router = APIRouter(prefix="/auth", tags=["auth"])
log = logging.getLogger("masclet")


class PasswordChange(BaseModel):
    current_password: str
    new_password: str = Field(min_length=8, max_length=128)


@router.post("/login")
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict:
    user = await User.get_or_none(username=form.username, is_active=True)
    valid = user is not None and await run_in_threadpool(
        verify_password, form.password, user.password_hash
    )
    if not valid:
        log.warning("failed login for %r", form.username)
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return {"access_token": create_access_token(user.username), "token_type": "bearer"}


@router.get("/me")
async def me(user: CurrentUser) -> dict:
    return {"id": user.id, "username": user.username, "role": user.role}


@router.patch("/users/{user_id}/password")
async def change_password(user_id: int, body: PasswordChange, user: CurrentUser) -> dict:
    """A user changes their own password; an administrator may change anyone's.

    `current_password` is the password of the caller (who is the target when it is their own).
    """
    if user.id != user_id and user.role != config.ADMIN_ROLE:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Not allowed")
    if not verify_password(body.current_password, user.password_hash):
        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail="Wrong password")
    target = await User.get_or_none(id=user_id)
    if target is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="User not found")
    target.password_hash = hash_password(body.new_password)
    await target.save(update_fields=["password_hash"])
    return {"id": target.id, "username": target.username, "detail": "Password changed"}
