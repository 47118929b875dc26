"""Who is calling /api: the Supabase access token of a signed-in user, and their role in the store the
path names.

The token is the one supabase-js holds after sign-in (`Authorization: Bearer <access token>`): HS256,
signed with the project's JWT secret, audience "authenticated", not expired, with the user's id in
`sub`. The anon and service-role keys are JWTs too, but name no user: they are refused. The store comes
from the path only, and membership is read from store_members with the service-role client."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict
from supabase import Client

from sapa.db import get_supabase, rows
from sapa.settings import Settings, get_settings

StoreRole = Literal["owner", "admin", "agent"]
ROLE_RANK: dict[StoreRole, int] = {"agent": 1, "admin": 2, "owner": 3}
AUDIENCE = "authenticated"
REQUIRED_CLAIMS = ["exp", "sub", "aud"]

_bearer = HTTPBearer(auto_error=False, description="The Supabase access token of a signed-in user")


class InvalidAccessToken(Exception):
    """The token is malformed, not signed with the project's secret, expired, or names no user."""


class AuthenticatedUser(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    email: str | None = None


class Membership(BaseModel):
    """The caller's place in the store named by the path."""

    model_config = ConfigDict(frozen=True)

    store_id: uuid.UUID
    user_id: uuid.UUID
    role: StoreRole


def verify_access_token(token: str, secret: str) -> AuthenticatedUser:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=AUDIENCE,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as error:
        raise InvalidAccessToken(str(error)) from error
    if claims.get("role") != AUDIENCE:
        raise InvalidAccessToken("not a signed-in user's token")
    try:
        user_id = uuid.UUID(str(claims["sub"]))
    except ValueError as error:
        raise InvalidAccessToken("sub is not a user id") from error
    email = claims.get("email")
    return AuthenticatedUser(id=user_id, email=email if isinstance(email, str) and email else None)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def access_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    """The bearer token as sent; routes that act as the caller use it once current_user has verified it."""
    if credentials is None:
        raise _unauthorized("sign in: this needs an Authorization: Bearer <access token> header")
    return credentials.credentials


def current_user(
    token: Annotated[str, Depends(access_token)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> AuthenticatedUser:
    try:
        return verify_access_token(token, settings.supabase_jwt_secret.get_secret_value())
    except InvalidAccessToken as error:
        raise _unauthorized(f"invalid access token: {error}") from error


def member_role(supabase: Client, store_id: uuid.UUID, user_id: uuid.UUID) -> StoreRole | None:
    found = rows(
        supabase.table("store_members")
        .select("role")
        .eq("store_id", str(store_id))
        .eq("user_id", str(user_id))
        .limit(1)
        .execute()
        .data
    )
    role: StoreRole | None = found[0]["role"] if found else None
    return role


def require_role(minimum: StoreRole) -> Callable[..., Membership]:
    """A dependency: the caller's membership of the path's store, holding at least `minimum` (403 if not)."""

    def dependency(
        store_id: uuid.UUID,
        user: Annotated[AuthenticatedUser, Depends(current_user)],
        supabase: Annotated[Client, Depends(get_supabase)],
    ) -> Membership:
        role = member_role(supabase, store_id, user.id)
        if role is None:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "you are not a member of this store")
        if ROLE_RANK[role] < ROLE_RANK[minimum]:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {minimum} role or higher")
        return Membership(store_id=store_id, user_id=user.id, role=role)

    return dependency
