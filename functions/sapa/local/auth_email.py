"""DEV-ONLY: the Auth stand-in's e-mail flows, with GoTrue's request and response shapes.

- `POST /invite` (service role) `{"email", "data"?}`, `?redirect_to=`: creates the user (no password,
  `invited_at`) or, for an invited user who has not accepted yet, sends again; 422 `email_exists` for a
  confirmed user. Answers the user.
- `POST /recover` `{"email"}`, `?redirect_to=`: a recovery e-mail; `{}` whether or not the e-mail is known.
- `POST /verify` `{"type", "token_hash"}` or `{"type", "email", "token"}` (invite, signup, recovery,
  magiclink, email): a session, as a sign-in answers.
- `GET /verify?token=<hash>&type=…&redirect_to=…` (the e-mail's link): 303 to `redirect_to` with the
  session in the URL fragment (`#access_token=…&refresh_token=…&type=invite`), or with
  `#error=access_denied&error_code=otp_expired&…`, as GoTrue's implicit flow answers.
- `POST /admin/generate_link` (service role) `{"type": invite|recovery|magiclink, "email", "data"?}`: the
  user with `action_link`, `email_otp`, `hashed_token`, nothing sent (GoTrue's link for custom mailers).
- `PUT /user` `{"password"?, "data"?}` with the user's token: the user (other sessions end when the
  password changes).

Tokens are made as GoTrue makes them: a 6-digit code, and the hash the link carries, sha224(email +
code), kept in `confirmation_token` (invite, signup) or `recovery_token` (recovery, magiclink) until used
or `OTP_LIFETIME` has passed. E-mails go to the local outbox instead of an SMTP server."""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

import psycopg
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb
from pydantic import BaseModel, ValidationError

from sapa.local.auth import (
    _USER_COLUMNS,
    API_VERSION_HEADER,
    INSTANCE_ID,
    AuthApiError,
    Session,
    User,
    _bad_request,
    _load_user,
    _user,
    bearer_claims,
    decode_access_token,
    hash_password,
    open_session,
    password_matches,
)
from sapa.local.config import StackConfig
from sapa.local.outbox import local_outbox

OTP_LIFETIME = timedelta(seconds=86400)  # GoTrue's MAILER_OTP_EXP default
MIN_PASSWORD_LENGTH = 6  # GoTrue's PASSWORD_MIN_LENGTH default
ADMIN_ROLES = {"service_role", "supabase_admin"}  # GoTrue's GOTRUE_JWT_ADMIN_ROLES
OTP_INVALID = "Token has expired or is invalid"
LINK_INVALID = "Email link is invalid or has expired"

VerifyType = Literal["invite", "signup", "recovery", "magiclink", "email"]
# Which column holds each type's token hash, and the `amr` method of the session it opens.
_TOKEN_COLUMNS: dict[str, tuple[str, ...]] = {
    "invite": ("confirmation_token",),
    "signup": ("confirmation_token",),
    "recovery": ("recovery_token",),
    "magiclink": ("recovery_token",),
    "email": ("confirmation_token", "recovery_token"),
}
_AMR_METHODS = {
    "invite": "invite",
    "signup": "email/signup",
    "recovery": "recovery",
    "magiclink": "magiclink",
}

Connect = Callable[[], AbstractAsyncContextManager[psycopg.AsyncConnection[DictRow]]]


class InviteParams(BaseModel):
    email: str = ""
    data: dict[str, Any] | None = None


class GenerateLinkParams(BaseModel):
    type: str = ""
    email: str = ""
    data: dict[str, Any] | None = None
    redirect_to: str | None = None


class GeneratedLink(User):
    """GoTrue's GenerateLinkResponse: the user, and what a custom mailer would send."""

    action_link: str
    email_otp: str
    hashed_token: str
    verification_type: str
    redirect_to: str


class RecoverParams(BaseModel):
    email: str = ""


class VerifyParams(BaseModel):
    type: str = ""
    token: str = ""
    token_hash: str = ""
    email: str = ""
    redirect_to: str = ""


class UserUpdateParams(BaseModel):
    password: str | None = None
    data: dict[str, Any] | None = None


def token_hash(email: str, code: str) -> str:
    """GoTrue's `crypto.GenerateTokenHash`: what the e-mail link carries instead of the code."""
    return hashlib.sha224((email + code).encode()).hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


async def _json(request: Request, model: type[BaseModel], what: str) -> Any:
    try:
        return model.model_validate(await request.json())
    except (ValueError, ValidationError) as error:
        raise _bad_request("validation_failed", f"Could not read {what} params: {error}") from error


def _redirect_target(config: StackConfig, requested: str | None) -> str:
    """GoTrue's `isRedirectURLValid`: the site URL unless the requested URL is allowed. Locally every
    loopback address is allowed (the dashboard and the tests' servers), anything else falls back."""
    if requested:
        host = urlsplit(requested).hostname or ""
        if urlsplit(requested).scheme in ("http", "https") and host in ("127.0.0.1", "localhost"):
            return requested
    return config.dashboard_url


def _require_admin(request: Request, config: StackConfig) -> None:
    """GoTrue's `requireAdmin`: a valid JWT with an admin role (the service-role key names no user)."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthApiError(401, "no_authorization", "This endpoint requires a valid Bearer token")
    claims = decode_access_token(token.strip(), config.jwt_secret)
    if claims.get("role") not in ADMIN_ROLES:
        raise AuthApiError(403, "not_admin", "User not allowed")


def add_email_routes(router: APIRouter, config: StackConfig, connect: Connect) -> None:
    outbox = local_outbox(config)

    def verify_link(hashed: str, kind: str, redirect_to: str) -> str:
        query = urlencode({"token": hashed, "type": kind, "redirect_to": redirect_to})
        return f"{config.api_url}/auth/v1/verify?{query}"

    async def issue(
        conn: psycopg.AsyncConnection[DictRow], user_id: uuid.UUID, email: str, kind: str, redirect_to: str
    ) -> tuple[str, str, str]:
        """A new one-time code for the user: (code, its hash, the verify link carrying the hash)."""
        code = _new_code()
        hashed = token_hash(email, code)
        column = "recovery" if kind in ("recovery", "magiclink") else "confirmation"
        await conn.execute(
            f"update auth.users set {column}_token = %s, {column}_sent_at = now(), updated_at = now()"
            f" where id = %s",
            [hashed, user_id],
        )
        return code, hashed, verify_link(hashed, kind, redirect_to)

    async def send(
        conn: psycopg.AsyncConnection[DictRow], user_id: uuid.UUID, email: str, kind: str, redirect_to: str
    ) -> None:
        code, _, link = await issue(conn, user_id, email, kind, redirect_to)
        if kind == "invite":
            subject = "You have been invited"
            text = (
                f"You have been invited to create a user on {config.dashboard_url}.\n"
                f"Follow this link to accept the invite: {link}\n\nOr enter this code: {code}"
            )
        else:
            subject = "Reset Your Password"
            text = (
                f"Follow this link to reset the password for your user: {link}\n\n"
                f"Alternatively, enter the code: {code}"
            )
        outbox.deliver(to=email, subject=subject, kind=kind, text=text, link=link, code=code)

    async def invited_user(
        conn: psycopg.AsyncConnection[DictRow], email: str, data: dict[str, Any] | None
    ) -> uuid.UUID:
        """GoTrue's invite: a new user without a password, or the same one again while unconfirmed."""
        cursor = await conn.execute(
            "select id, email_confirmed_at from auth.users where lower(email) = %s for update", [email]
        )
        row = await cursor.fetchone()
        if row is not None and row["email_confirmed_at"] is not None:
            raise AuthApiError(
                422, "email_exists", "A user with this email address has already been registered"
            )
        if row is not None:
            await conn.execute(
                "update auth.users set invited_at = now(),"
                " raw_user_meta_data = coalesce(raw_user_meta_data, '{}') || %s where id = %s",
                [Jsonb(data or {}), row["id"]],
            )
            existing: uuid.UUID = row["id"]
            return existing
        cursor = await conn.execute(
            """insert into auth.users (instance_id, id, aud, role, email, invited_at,
                                       raw_app_meta_data, raw_user_meta_data)
               values (%s, %s, 'authenticated', 'authenticated', %s, now(), %s, %s) returning id""",
            [
                INSTANCE_ID,
                uuid.uuid4(),
                email,
                Jsonb({"provider": "email", "providers": ["email"]}),
                Jsonb(data or {}),
            ],
        )
        created = await cursor.fetchone()
        assert created is not None
        new_id: uuid.UUID = created["id"]
        return new_id

    async def load(conn: psycopg.AsyncConnection[DictRow], user_id: uuid.UUID) -> User:
        cursor = await conn.execute(f"select {_USER_COLUMNS} from auth.users where id = %s", [user_id])
        row = await cursor.fetchone()
        assert row is not None
        return _user(row)

    @router.post("/invite", response_model=User, response_model_exclude_none=True)
    async def invite(request: Request, redirect_to: str | None = None) -> User:
        _require_admin(request, config)
        params: InviteParams = await _json(request, InviteParams, "invite")
        email = params.email.strip().lower()
        if not email or "@" not in email:
            raise _bad_request("validation_failed", "Unable to validate email address: invalid format")
        async with connect() as conn:
            user_id = await invited_user(conn, email, params.data)
            await send(conn, user_id, email, "invite", _redirect_target(config, redirect_to))
            return await load(conn, user_id)

    @router.post("/admin/generate_link", response_model=GeneratedLink, response_model_exclude_none=True)
    async def generate_link(request: Request, redirect_to: str | None = None) -> GeneratedLink:
        """GoTrue's admin link for a custom mailer: the link and code, nothing sent (invite, recovery,
        magiclink)."""
        _require_admin(request, config)
        params: GenerateLinkParams = await _json(request, GenerateLinkParams, "generate link")
        email = params.email.strip().lower()
        if not email or "@" not in email:
            raise _bad_request("validation_failed", "Unable to validate email address: invalid format")
        if params.type not in ("invite", "recovery", "magiclink"):
            raise _bad_request(
                "validation_failed", f"Sapa's local Auth cannot generate a {params.type!r} link"
            )
        target = _redirect_target(config, params.redirect_to or redirect_to)
        async with connect() as conn:
            if params.type == "invite":
                user_id = await invited_user(conn, email, params.data)
            else:
                cursor = await conn.execute("select id from auth.users where lower(email) = %s", [email])
                row = await cursor.fetchone()
                if row is None:
                    raise AuthApiError(404, "user_not_found", "User with this email not found")
                user_id = row["id"]
            code, hashed, link = await issue(conn, user_id, email, params.type, target)
            user = await load(conn, user_id)
        return GeneratedLink(
            **user.model_dump(),
            action_link=link,
            email_otp=code,
            hashed_token=hashed,
            verification_type=params.type,
            redirect_to=target,
        )

    @router.post("/recover")
    async def recover(request: Request, redirect_to: str | None = None) -> dict[str, str]:
        params: RecoverParams = await _json(request, RecoverParams, "recover")
        email = params.email.strip().lower()
        if not email:
            raise _bad_request("validation_failed", "Password recovery requires an email")
        async with connect() as conn:
            cursor = await conn.execute("select id from auth.users where lower(email) = %s", [email])
            row = await cursor.fetchone()
            if row is not None:  # an unknown e-mail gets the same answer: no account enumeration
                await send(conn, row["id"], email, "recovery", _redirect_target(config, redirect_to))
        return {}

    async def verified_user(conn: psycopg.AsyncConnection[DictRow], kind: str, hashed: str) -> dict[str, Any]:
        """The user whose token of this type has this hash and has not expired; used up and confirmed."""
        columns = _TOKEN_COLUMNS.get(kind)
        if columns is None:
            raise _bad_request(
                "validation_failed", f"Verify requires a verification type: {kind!r} is unknown"
            )
        where = " or ".join(f"{column} = %(hash)s" for column in columns)
        cursor = await conn.execute(
            f"select id, email, confirmation_token, confirmation_sent_at, recovery_token, recovery_sent_at"
            f" from auth.users where ({where}) for update",
            {"hash": hashed},
        )
        row = await cursor.fetchone()
        if row is None:
            raise AuthApiError(403, "otp_expired", OTP_INVALID)
        column = "recovery_token" if row["recovery_token"] == hashed else "confirmation_token"
        sent_at = row[column.replace("_token", "_sent_at")]
        if sent_at is None or sent_at + OTP_LIFETIME < datetime.now(UTC):
            raise AuthApiError(403, "otp_expired", OTP_INVALID)
        await conn.execute(
            f"update auth.users set {column} = null,"
            f" email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now() where id = %s",
            [row["id"]],
        )
        return row

    async def verify_and_sign_in(kind: str, hashed: str) -> Session:
        async with connect() as conn:
            row = await verified_user(conn, kind, hashed)
            return await open_session(config, conn, row["id"], _AMR_METHODS.get(kind, "otp"))

    @router.post("/verify", response_model=Session, response_model_exclude_none=True)
    async def verify_post(request: Request) -> Session:
        params: VerifyParams = await _json(request, VerifyParams, "verify")
        if params.token_hash:
            hashed = params.token_hash
        elif params.token and params.email:
            hashed = token_hash(params.email.strip().lower(), params.token.strip())
        else:
            raise _bad_request("validation_failed", "Verify requires either a token or a token hash")
        return await verify_and_sign_in(params.type, hashed)

    @router.get("/verify")
    async def verify_get(token: str = "", type: str = "", redirect_to: str | None = None) -> Response:
        target = _redirect_target(config, redirect_to)
        try:
            if not token:
                raise AuthApiError(403, "otp_expired", OTP_INVALID)
            session = await verify_and_sign_in(type, token)
        except AuthApiError as error:
            fragment = {
                "error": "access_denied" if error.status == 403 else "invalid_request",
                "error_code": error.error_code,
                "error_description": LINK_INVALID if error.status == 403 else error.message,
            }
            return RedirectResponse(f"{target}#{urlencode(fragment)}", status_code=303)
        fragment = {
            "access_token": session.access_token,
            "expires_at": str(session.expires_at),
            "expires_in": str(session.expires_in),
            "refresh_token": session.refresh_token,
            "token_type": session.token_type,
            "type": type,
        }
        return RedirectResponse(f"{target}#{urlencode(fragment)}", status_code=303)

    @router.put("/user", response_model=User, response_model_exclude_none=True)
    async def update_user(request: Request) -> User:
        claims = bearer_claims(request.headers.get("authorization"), config.jwt_secret)
        params: UserUpdateParams = await _json(request, UserUpdateParams, "user update")
        async with connect() as conn:
            user = await _load_user(conn, claims)
            if params.password is not None:
                await _change_password(conn, user.id, params.password, claims.get("session_id"))
            if params.data is not None:
                await conn.execute(
                    "update auth.users set raw_user_meta_data = coalesce(raw_user_meta_data, '{}') || %s,"
                    " updated_at = now() where id = %s",
                    [Jsonb(params.data), user.id],
                )
            cursor = await conn.execute(f"select {_USER_COLUMNS} from auth.users where id = %s", [user.id])
            row = await cursor.fetchone()
            assert row is not None
            return _user(row)


async def _change_password(
    conn: psycopg.AsyncConnection[DictRow], user_id: uuid.UUID, password: str, session_id: Any
) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise _WeakPassword()
    cursor = await conn.execute("select encrypted_password from auth.users where id = %s", [user_id])
    row = await cursor.fetchone()
    old = (row or {}).get("encrypted_password") or ""
    if old and await asyncio.to_thread(password_matches, password, old):
        raise AuthApiError(422, "same_password", "New password should be different from the old password.")
    hashed = await asyncio.to_thread(hash_password, password)
    await conn.execute(
        "update auth.users set encrypted_password = %s, updated_at = now() where id = %s", [hashed, user_id]
    )
    # GoTrue's UpdatePassword ends every other session of the user.
    await conn.execute(
        "delete from auth.sessions where user_id = %s and id is distinct from %s::uuid", [user_id, session_id]
    )


class _WeakPassword(AuthApiError):
    """GoTrue's weak-password answer also names the reasons."""

    def __init__(self) -> None:
        super().__init__(
            422, "weak_password", f"Password should be at least {MIN_PASSWORD_LENGTH} characters."
        )

    def response(self, request: Request) -> JSONResponse:
        plain = super().response(request)
        body = json.loads(bytes(plain.body)) | {"weak_password": {"reasons": ["length"]}}
        version = {k: v for k, v in plain.headers.items() if k.lower() == API_VERSION_HEADER.lower()}
        return JSONResponse(body, status_code=self.status, headers=version)
