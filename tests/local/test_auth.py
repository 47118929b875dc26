"""The Auth stand-in, driven through the gateway by supabase-py's auth client and by plain HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import psycopg
import pytest
from supabase import Client, create_client
from supabase_auth.errors import AuthApiError

from sapa.local.auth import create_user
from sapa.local.config import StackConfig
from tests.local.conftest import Account

MakeUser = Callable[..., Account]


def _client(config: StackConfig) -> Client:
    return create_client(config.api_url, config.anon_key)


def _token(config: StackConfig, grant: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(
        f"{config.api_url}/auth/v1/token",
        params={"grant_type": grant},
        json=body,
        headers={"apikey": config.anon_key, **headers},
    )


def _sign_in(config: StackConfig, user: Account) -> dict[str, Any]:
    response = _token(config, "password", {"email": user.email, "password": user.password})
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()
    return session


def _refresh(config: StackConfig, refresh_token: str) -> httpx.Response:
    return _token(config, "refresh_token", {"refresh_token": refresh_token})


def test_password_sign_in_gives_a_session_with_supabase_claims(
    local_config: StackConfig, make_user: MakeUser
) -> None:
    user = make_user()
    client = _client(local_config)

    response = client.auth.sign_in_with_password({"email": user.email.upper(), "password": user.password})

    session = response.session
    assert session is not None and response.user is not None
    assert response.user.id == str(user.id) and response.user.email == user.email
    assert response.user.app_metadata == {"provider": "email", "providers": ["email"]}
    assert response.user.last_sign_in_at is not None and response.user.email_confirmed_at is not None
    assert session.token_type == "bearer" and session.expires_in == 3600
    claims = jwt.decode(
        session.access_token, local_config.jwt_secret, algorithms=["HS256"], audience="authenticated"
    )
    assert claims["iss"] == f"{local_config.api_url}/auth/v1"
    assert claims["sub"] == str(user.id) and claims["email"] == user.email
    assert claims["role"] == "authenticated" and claims["aal"] == "aal1" and claims["is_anonymous"] is False
    assert claims["exp"] - claims["iat"] == 3600 and claims["exp"] == session.expires_at
    assert claims["amr"][0]["method"] == "password" and claims["session_id"]


@pytest.mark.parametrize("wrong", ["password", "email"])
def test_wrong_credentials_are_refused_with_gotrues_message(
    local_config: StackConfig, make_user: MakeUser, wrong: str
) -> None:
    user = make_user()
    credentials = {"email": user.email, "password": user.password, wrong: "nope@test.sapa.local"}

    with pytest.raises(AuthApiError) as refused:
        _client(local_config).auth.sign_in_with_password(credentials)  # type: ignore[arg-type]

    assert refused.value.message == "Invalid login credentials"
    assert refused.value.status == 400 and refused.value.code == "invalid_credentials"


def test_errors_come_in_the_shape_the_api_version_header_asks_for(
    local_config: StackConfig, make_user: MakeUser
) -> None:
    user = make_user()
    body = {"email": user.email, "password": "wrong"}

    legacy = _token(local_config, "password", body)
    current = _token(local_config, "password", body, **{"X-Supabase-Api-Version": "2024-01-01"})

    assert legacy.status_code == current.status_code == 400
    assert legacy.json() == {
        "code": 400,
        "error_code": "invalid_credentials",
        "msg": "Invalid login credentials",
    }
    assert current.json() == {"code": "invalid_credentials", "message": "Invalid login credentials"}
    assert current.headers["X-Supabase-Api-Version"] == "2024-01-01"


def test_an_unconfirmed_email_cannot_sign_in(local_config: StackConfig, make_user: MakeUser) -> None:
    user = make_user(email_confirmed=False)

    with pytest.raises(AuthApiError, match="Email not confirmed"):
        _client(local_config).auth.sign_in_with_password({"email": user.email, "password": user.password})


def test_refresh_tokens_rotate_and_reuse_revokes_the_session(
    local_config: StackConfig, make_user: MakeUser
) -> None:
    first = _sign_in(local_config, make_user())["refresh_token"]

    second = _refresh(local_config, first).json()["refresh_token"]
    # GoTrue hands the active token out again for its parent: the client may have lost the answer.
    again = _refresh(local_config, first).json()["refresh_token"]
    third = _refresh(local_config, second).json()["refresh_token"]
    reused = _refresh(local_config, first)
    after_reuse = _refresh(local_config, third)

    assert len({first, second, third}) == 3 and again == second
    assert reused.status_code == 400
    assert reused.json()["error_code"] == "refresh_token_already_used"
    assert reused.json()["msg"] == "Invalid Refresh Token: Already Used"
    assert after_reuse.status_code == 400  # reuse detection revoked the whole session


def test_supabase_client_refreshes_its_session(local_config: StackConfig, make_user: MakeUser) -> None:
    user = make_user()
    client = _client(local_config)
    signed_in = client.auth.sign_in_with_password({"email": user.email, "password": user.password}).session
    assert signed_in is not None

    refreshed = client.auth.refresh_session().session

    assert refreshed is not None and refreshed.refresh_token != signed_in.refresh_token
    assert (
        jwt.decode(refreshed.access_token, options={"verify_signature": False})["session_id"]
        == (jwt.decode(signed_in.access_token, options={"verify_signature": False})["session_id"])
    )
    unknown = _refresh(local_config, "not-a-token")
    assert unknown.status_code == 400 and unknown.json()["error_code"] == "refresh_token_not_found"


def test_get_user_needs_a_live_token_of_an_existing_session(
    local_config: StackConfig, make_user: MakeUser
) -> None:
    user = make_user()
    client = _client(local_config)
    session = _sign_in(local_config, user)
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    expired = jwt.encode({**claims, "exp": int(time.time()) - 10}, local_config.jwt_secret, algorithm="HS256")

    found = client.auth.get_user(session["access_token"])
    with pytest.raises(AuthApiError) as refused:
        client.auth.get_user(expired)
    anon = httpx.get(f"{local_config.api_url}/auth/v1/user", headers={"apikey": local_config.anon_key})

    assert found is not None and found.user.id == str(user.id)
    # GoTrue answers 403 bad_jwt (not 401) for a token it cannot accept.
    assert refused.value.status == 403 and refused.value.code == "bad_jwt"
    assert "token is expired" in refused.value.message
    assert anon.status_code == 403 and anon.json()["msg"] == "invalid claim: missing sub claim"


def test_sign_out_ends_the_session(local_config: StackConfig, make_user: MakeUser) -> None:
    user = make_user()
    client = _client(local_config)
    session = client.auth.sign_in_with_password({"email": user.email, "password": user.password}).session
    assert session is not None

    client.auth.sign_out()

    refreshed = _refresh(local_config, session.refresh_token)
    assert refreshed.status_code == 400 and refreshed.json()["error_code"] == "refresh_token_not_found"
    with pytest.raises(AuthApiError) as refused:
        client.auth.get_user(session.access_token)
    assert refused.value.status == 403 and refused.value.code == "session_not_found"


def test_logout_scope_others_keeps_the_current_session(
    local_config: StackConfig, make_user: MakeUser
) -> None:
    user = make_user()
    kept, ended = _sign_in(local_config, user), _sign_in(local_config, user)

    response = httpx.post(
        f"{local_config.api_url}/auth/v1/logout",
        params={"scope": "others"},
        headers={"apikey": local_config.anon_key, "Authorization": f"Bearer {kept['access_token']}"},
    )

    assert response.status_code == 204
    assert _refresh(local_config, kept["refresh_token"]).status_code == 200
    assert _refresh(local_config, ended["refresh_token"]).status_code == 400


def test_create_user_updates_an_existing_email(local_config: StackConfig, make_user: MakeUser) -> None:
    user = make_user()

    with psycopg.connect(local_config.db_url) as conn:
        same_id = create_user(conn, user.email, "a-new-password", user_metadata={"name": "Ayu"})

    assert same_id == user.id
    session = _sign_in(local_config, Account(user.id, user.email, "a-new-password"))
    assert session["user"]["user_metadata"] == {"name": "Ayu"}
    old_password = {"email": user.email, "password": user.password}
    assert _token(local_config, "password", old_password).status_code == 400


def test_health_settings_and_unsupported_endpoints(local_config: StackConfig) -> None:
    headers = {"apikey": local_config.anon_key}
    base = f"{local_config.api_url}/auth/v1"

    assert httpx.get(f"{base}/health", headers=headers).json()["name"] == "GoTrue"
    assert httpx.get(f"{base}/settings", headers=headers).json()["external"]["email"] is True
    signup = httpx.post(f"{base}/signup", headers=headers, json={"email": "a@b.c", "password": "x"})
    assert signup.status_code == 404 and signup.json()["error_code"] == "not_found"
    grant = _token(local_config, "magic", {})
    assert grant.status_code == 400 and grant.json()["msg"] == "unsupported_grant_type"
