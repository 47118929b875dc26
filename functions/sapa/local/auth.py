"""DEV-ONLY stand-in for Supabase Auth (GoTrue), mounted by the gateway at `/auth/v1`.

It covers what the dashboard and the tests use, with GoTrue's request and response shapes: the
password and refresh-token grants of `POST /token`, `GET /user`, `POST /logout`, `GET /health`,
`GET /settings`, and the e-mail flows of `auth_email.py` (`POST /invite`, `POST /recover`,
`POST`/`GET /verify`, `PUT /user`), whose e-mails go to the local outbox (`outbox.py`). Users live in
`auth.users` with bcrypt hashes (as GoTrue stores them), sessions in `auth.sessions`, rotating refresh
tokens in `auth.refresh_tokens`. Access tokens are HS256 JWTs with Supabase's claims, signed with the
stack's JWT secret, so PostgREST and RLS accept them as they accept Supabase's. There is no sign-up,
OAuth, MFA or other admin API: users come from `create_user` (the seed and the tests) or an invite,
which give each user its id, as GoTrue does (auth.users.id has no default on Supabase). It connects as
`supabase_auth_admin`, the auth tables' owner, as GoTrue does. Never deploy this; production uses
Supabase Auth."""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Literal

import bcrypt
import jwt
import psycopg
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb
from pydantic import BaseModel, ValidationError

from sapa.local.config import StackConfig

ACCESS_TOKEN_LIFETIME = 3600  # seconds; Supabase's default JWT expiry
BCRYPT_COST = 10  # GoTrue hashes with Go's bcrypt.DefaultCost
INSTANCE_ID = uuid.UUID(int=0)  # GoTrue's single-tenant instance id
API_VERSION_HEADER = "X-Supabase-Api-Version"
API_VERSION_2024_01_01 = "2024-01-01"
INVALID_LOGIN = "Invalid login credentials"

_USER_COLUMNS = """id, aud, role, email, email_confirmed_at, phone, last_sign_in_at,
  raw_app_meta_data, raw_user_meta_data, is_anonymous, created_at, updated_at,
  invited_at, confirmation_sent_at, recovery_sent_at"""


# Models: GoTrue's JSON ------------------------------------------------------------------------


class User(BaseModel):
    id: uuid.UUID
    aud: str
    role: str
    email: str | None
    email_confirmed_at: datetime | None
    phone: str
    confirmed_at: datetime | None
    last_sign_in_at: datetime | None
    app_metadata: dict[str, Any]
    user_metadata: dict[str, Any]
    identities: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime
    is_anonymous: bool
    invited_at: datetime | None = None
    confirmation_sent_at: datetime | None = None
    recovery_sent_at: datetime | None = None


class Session(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (OAuth's token type, not a secret)
    expires_in: int
    expires_at: int
    refresh_token: str
    user: User


class PasswordGrant(BaseModel):
    email: str = ""
    phone: str = ""
    password: str = ""


class RefreshTokenGrant(BaseModel):
    refresh_token: str = ""


class Health(BaseModel):
    version: str
    name: str
    description: str


class Settings(BaseModel):
    external: dict[str, bool]
    disable_signup: bool
    mailer_autoconfirm: bool
    phone_autoconfirm: bool
    sms_provider: str
    saml_enabled: bool


# Errors: GoTrue's two JSON shapes --------------------------------------------------------------


class AuthApiError(Exception):
    """An error GoTrue would answer with: an HTTP status, a machine code and a message."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message

    def response(self, request: Request) -> JSONResponse:
        # Clients that send the 2024-01-01 API version header get the newer shape, as from GoTrue.
        if request.headers.get(API_VERSION_HEADER, "") >= API_VERSION_2024_01_01:
            return JSONResponse(
                {"code": self.error_code, "message": self.message},
                status_code=self.status,
                headers={API_VERSION_HEADER: API_VERSION_2024_01_01},
            )
        return JSONResponse(
            {"code": self.status, "error_code": self.error_code, "msg": self.message},
            status_code=self.status,
        )


def _bad_request(error_code: str, message: str) -> AuthApiError:
    return AuthApiError(400, error_code, message)


class _GoTrueRoute(APIRoute):
    """Answers an `AuthApiError` raised anywhere in a route (or its dependencies) in GoTrue's shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except AuthApiError as error:
                return error.response(request)

        return handle


# Users ---------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=BCRYPT_COST)).decode()


def password_matches(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), hashed.encode())
    except ValueError:  # malformed hash, or a password bcrypt cannot take (over 72 bytes)
        return False


def create_user(
    conn: psycopg.Connection[Any],
    email: str,
    password: str,
    *,
    user_id: uuid.UUID | None = None,
    user_metadata: Mapping[str, Any] | None = None,
    app_metadata: Mapping[str, Any] | None = None,
    email_confirmed: bool = True,
) -> uuid.UUID:
    """Create an e-mail/password user as GoTrue's admin `createUser` does, in the caller's transaction.

    An existing user with the same e-mail is updated instead (password, metadata, confirmation) and
    keeps its id, so seeding twice is harmless."""
    app_meta = {"provider": "email", "providers": ["email"], **(app_metadata or {})}
    row = conn.execute(
        """
        insert into auth.users (instance_id, id, aud, role, email, encrypted_password,
                                email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
        values (%(instance)s, %(id)s, 'authenticated', 'authenticated', %(email)s, %(hash)s,
                case when %(confirmed)s then now() end, %(app)s, %(meta)s)
        on conflict (email) do update
          set encrypted_password = excluded.encrypted_password,
              email_confirmed_at = coalesce(auth.users.email_confirmed_at, excluded.email_confirmed_at),
              raw_app_meta_data = excluded.raw_app_meta_data,
              raw_user_meta_data = excluded.raw_user_meta_data,
              updated_at = now()
        returning id
        """,
        {
            "instance": INSTANCE_ID,
            "id": user_id or uuid.uuid4(),
            "email": email.strip().lower(),  # GoTrue stores e-mails lower-cased
            "hash": hash_password(password),
            "confirmed": email_confirmed,
            "app": Jsonb(app_meta),
            "meta": Jsonb(dict(user_metadata or {})),
        },
    ).fetchone()
    assert row is not None
    created: uuid.UUID = row[0]
    return created


def _user(row: Mapping[str, Any]) -> User:
    return User(
        id=row["id"],
        aud=row["aud"] or "authenticated",
        role=row["role"] or "authenticated",
        email=row["email"],
        email_confirmed_at=row["email_confirmed_at"],
        phone=row["phone"] or "",
        confirmed_at=row["email_confirmed_at"],
        last_sign_in_at=row["last_sign_in_at"],
        app_metadata=row["raw_app_meta_data"] or {},
        user_metadata=row["raw_user_meta_data"] or {},
        identities=[],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        is_anonymous=row["is_anonymous"],
        invited_at=row.get("invited_at"),
        confirmation_sent_at=row.get("confirmation_sent_at"),
        recovery_sent_at=row.get("recovery_sent_at"),
    )


# Tokens --------------------------------------------------------------------------------------


def access_token_claims(
    config: StackConfig,
    user: User,
    session_id: uuid.UUID,
    signed_in_at: datetime,
    now: int,
    method: str = "password",
) -> dict[str, Any]:
    """The claims GoTrue puts in an access token (see supabase/auth `AccessTokenClaims`)."""
    return {
        "iss": f"{config.api_url}/auth/v1",
        "sub": str(user.id),
        "aud": user.aud,
        "exp": now + ACCESS_TOKEN_LIFETIME,
        "iat": now,
        "email": user.email or "",
        "phone": user.phone,
        "app_metadata": user.app_metadata,
        "user_metadata": user.user_metadata,
        "role": user.role,
        "aal": "aal1",
        "amr": [{"method": method, "timestamp": int(signed_in_at.timestamp())}],
        "session_id": str(session_id),
        "is_anonymous": user.is_anonymous,
    }


def _session(
    config: StackConfig,
    user: User,
    session_id: uuid.UUID,
    signed_in_at: datetime,
    refresh_token: str,
    method: str = "password",
) -> Session:
    now = int(time.time())
    claims = access_token_claims(config, user, session_id, signed_in_at, now, method)
    return Session(
        access_token=jwt.encode(claims, config.jwt_secret, algorithm="HS256"),
        expires_in=ACCESS_TOKEN_LIFETIME,
        expires_at=claims["exp"],
        refresh_token=refresh_token,
        user=user,
    )


def _new_refresh_token() -> str:
    return secrets.token_urlsafe(24)


def decode_access_token(token: str, secret: str) -> dict[str, Any]:
    """Verify an access token as GoTrue's `requireAuthentication` does; 403 `bad_jwt` if it fails."""
    prefix = "invalid JWT: unable to parse or verify signature"
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=["HS256"], options={"verify_aud": False}
        )
    except jwt.ExpiredSignatureError as error:
        raise AuthApiError(403, "bad_jwt", f"{prefix}, token has invalid claims: token is expired") from error
    except jwt.PyJWTError as error:
        raise AuthApiError(403, "bad_jwt", f"{prefix}, {error}") from error
    return claims


def bearer_claims(authorization: str | None, secret: str) -> dict[str, Any]:
    """The verified claims of a request's `Authorization: Bearer <access token>`, as GoTrue checks them."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthApiError(401, "no_authorization", "This endpoint requires a valid Bearer token")
    claims = decode_access_token(token.strip(), secret)
    try:
        uuid.UUID(str(claims["sub"]))
    except KeyError as error:
        raise AuthApiError(403, "bad_jwt", "invalid claim: missing sub claim") from error
    except ValueError as error:
        raise AuthApiError(403, "bad_jwt", "invalid claim: sub claim must be a UUID") from error
    return claims


async def _load_user(conn: psycopg.AsyncConnection[DictRow], claims: Mapping[str, Any]) -> User:
    cursor = await conn.execute(f"select {_USER_COLUMNS} from auth.users where id = %s", [claims["sub"]])
    row = await cursor.fetchone()
    if row is None:
        raise AuthApiError(403, "user_not_found", "User from sub claim in JWT does not exist")
    if "session_id" in claims:
        cursor = await conn.execute("select 1 from auth.sessions where id = %s", [claims["session_id"]])
        if await cursor.fetchone() is None:
            raise AuthApiError(
                403, "session_not_found", "Session from session_id claim in JWT does not exist"
            )
    return _user(row)


async def _rotate_refresh_token(
    conn: psycopg.AsyncConnection[DictRow], token: Mapping[str, Any]
) -> str | None:
    """The refresh token to hand out for `token`, or None when `token` was reused."""
    if token["revoked"]:
        cursor = await conn.execute(
            "select token, parent from auth.refresh_tokens"
            " where session_id = %s and not revoked order by id desc limit 1",
            [token["session_id"]],
        )
        active = await cursor.fetchone()
        if active is not None and active["parent"] == token["token"]:
            return str(active["token"])
        await conn.execute(
            "update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = %s",
            [token["session_id"]],
        )
        return None
    child = _new_refresh_token()
    await conn.execute(
        "update auth.refresh_tokens set revoked = true, updated_at = now() where id = %s", [token["id"]]
    )
    await conn.execute(
        "insert into auth.refresh_tokens (token, user_id, session_id, parent) values (%s, %s, %s, %s)",
        [child, token["user_id"], token["session_id"], token["token"]],
    )
    return child


async def open_session(
    config: StackConfig, conn: psycopg.AsyncConnection[DictRow], user_id: uuid.UUID, method: str
) -> Session:
    """Sign the user in: a session, its first refresh token, `last_sign_in_at`; `method` goes in `amr`."""
    cursor = await conn.execute(  # GoTrue gives the session its id: the column has no default
        "insert into auth.sessions (id, user_id) values (%s, %s) returning id, created_at",
        [uuid.uuid4(), user_id],
    )
    session = await cursor.fetchone()
    assert session is not None
    refresh_token = _new_refresh_token()
    await conn.execute(
        "insert into auth.refresh_tokens (token, user_id, session_id) values (%s, %s, %s)",
        [refresh_token, user_id, session["id"]],
    )
    cursor = await conn.execute(
        f"update auth.users set last_sign_in_at = now(), updated_at = now() where id = %s"
        f" returning {_USER_COLUMNS}",
        [user_id],
    )
    updated = await cursor.fetchone()
    assert updated is not None
    return _session(config, _user(updated), session["id"], session["created_at"], refresh_token, method)


# The router ----------------------------------------------------------------------------------


def create_auth_router(config: StackConfig) -> APIRouter:
    """GoTrue's endpoints, to be mounted at `/auth/v1`."""
    router = APIRouter(route_class=_GoTrueRoute)

    @asynccontextmanager
    async def connect() -> AsyncIterator[psycopg.AsyncConnection[DictRow]]:
        """One transaction: committed when the block ends normally, rolled back on an exception."""
        async with await psycopg.AsyncConnection.connect(config.auth_db_url, row_factory=dict_row) as conn:
            yield conn

    async def password_grant(body: PasswordGrant) -> Session:
        if body.phone and not body.email:
            raise _bad_request("phone_provider_disabled", "Phone logins are disabled")
        if not body.email:
            raise _bad_request("validation_failed", "missing email or phone")
        async with connect() as conn:
            cursor = await conn.execute(
                f"select {_USER_COLUMNS}, encrypted_password, coalesce(banned_until > now(), false) as banned"
                " from auth.users where lower(email) = lower(%s) and aud = 'authenticated'",
                [body.email.strip()],
            )
            row = await cursor.fetchone()
            hashed = (row or {}).get("encrypted_password") or ""
            # bcrypt takes ~50 ms: keep it off the event loop.
            if row is None or not await asyncio.to_thread(password_matches, body.password, hashed):
                raise _bad_request("invalid_credentials", INVALID_LOGIN)
            if row["banned"]:
                raise _bad_request("user_banned", "User is banned")
            if row["email_confirmed_at"] is None:
                raise _bad_request("email_not_confirmed", "Email not confirmed")
            return await open_session(config, conn, row["id"], "password")

    async def refresh_token_grant(body: RefreshTokenGrant) -> Session:
        """Rotate a refresh token as GoTrue does: the old one is revoked and a child issued. Reusing
        the parent of the active token returns the active one (the client lost the last answer);
        reusing any older token revokes the whole session's tokens (refresh-token reuse detection).
        GoTrue's optional reuse interval is 0 here."""
        if not body.refresh_token:
            raise _bad_request("validation_failed", "refresh_token required")
        async with connect() as conn:
            cursor = await conn.execute(
                "select t.id, t.token, t.revoked, t.user_id, t.session_id, s.created_at as signed_in_at"
                " from auth.refresh_tokens t left join auth.sessions s on s.id = t.session_id"
                " where t.token = %s for update of t",
                [body.refresh_token],
            )
            token = await cursor.fetchone()
            if token is None:
                raise _bad_request(
                    "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found"
                )
            if token["signed_in_at"] is None:
                raise _bad_request("session_not_found", "Invalid Refresh Token: No Valid Session Found")
            issued = await _rotate_refresh_token(conn, token)
            if issued is None:
                await conn.commit()  # keep the revocation although the request fails
                raise _bad_request("refresh_token_already_used", "Invalid Refresh Token: Already Used")
            await conn.execute(
                "update auth.sessions set updated_at = now() where id = %s", [token["session_id"]]
            )
            cursor = await conn.execute(
                f"select {_USER_COLUMNS} from auth.users where id = %s", [token["user_id"]]
            )
            user = await cursor.fetchone()
            assert user is not None
            return _session(config, _user(user), token["session_id"], token["signed_in_at"], issued)

    @router.post("/token", response_model=Session, response_model_exclude_none=True)
    async def token(request: Request, grant_type: str = "") -> Session:
        grant: type[PasswordGrant] | type[RefreshTokenGrant]
        if grant_type == "password":
            grant = PasswordGrant
        elif grant_type == "refresh_token":
            grant = RefreshTokenGrant
        else:
            raise _bad_request("validation_failed", "unsupported_grant_type")
        try:
            body = grant.model_validate(await request.json())
        except (ValueError, ValidationError) as error:  # not JSON, or not the grant's fields
            raise _bad_request("validation_failed", f"Could not read {grant_type} grant params") from error
        if isinstance(body, PasswordGrant):
            return await password_grant(body)
        return await refresh_token_grant(body)

    @router.get("/user", response_model=User, response_model_exclude_none=True)
    async def get_user(request: Request) -> User:
        claims = bearer_claims(request.headers.get("authorization"), config.jwt_secret)
        async with connect() as conn:
            return await _load_user(conn, claims)

    @router.post("/logout", status_code=204)
    async def logout(request: Request, scope: str = "global") -> Response:
        """End sessions: `global` all of the user's, `local` this one, `others` all but this one.
        Deleting a session deletes its refresh tokens, as in GoTrue."""
        claims = bearer_claims(request.headers.get("authorization"), config.jwt_secret)
        conditions = {
            "global": "user_id = %(user)s",
            "local": "id = %(session)s",
            "others": "user_id = %(user)s and id <> %(session)s",
        }
        if scope not in conditions:
            raise _bad_request("validation_failed", f'Unsupported logout scope "{scope}"')
        async with connect() as conn:
            await _load_user(conn, claims)
            await conn.execute(
                f"delete from auth.sessions where {conditions[scope]}",
                {"user": claims["sub"], "session": claims.get("session_id")},
            )
        return Response(status_code=204)

    @router.get("/health", response_model=Health)
    async def health() -> Health:
        return Health(
            version="sapa-local",
            name="GoTrue",
            description="Sapa's dev-only stand-in for Supabase Auth",
        )

    @router.get("/settings", response_model=Settings)
    async def settings() -> Settings:
        return Settings(
            external={"email": True, "phone": False, "anonymous_users": False},
            disable_signup=True,
            mailer_autoconfirm=False,
            phone_autoconfirm=False,
            sms_provider="",
            saml_enabled=False,
        )

    from sapa.local.auth_email import add_email_routes  # it builds on this module's helpers

    add_email_routes(router, config, connect)

    @router.api_route(
        "/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
    )
    async def not_available(path: str) -> Response:
        raise AuthApiError(404, "not_found", f"/{path} is not available in Sapa's local Auth stand-in")

    return router
