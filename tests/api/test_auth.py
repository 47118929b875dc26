"""Who may call /api: a valid Supabase access token (401 otherwise) of a member of the path's store
(403 otherwise). Tokens are minted with the stack's JWT secret, and one comes from a real sign-in
through supabase-py against the auth stand-in."""

from __future__ import annotations

import uuid

import jwt
import pytest
from fastapi.testclient import TestClient
from supabase import create_client

from sapa.api.auth import InvalidAccessToken, verify_access_token
from sapa.local.seed.templates import TEMPLATES
from tests.api.inbox import Shop, access_token
from tests.conftest import Stack


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_without_a_token_the_api_answers_401_with_a_bearer_challenge(api: TestClient, shop: Shop) -> None:
    response = api.get(shop.url("templates"))

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "sign in" in response.json()["detail"]


def _bad_tokens(stack: Stack, shop: Shop) -> dict[str, str]:
    agent = shop.agent
    return {
        "garbage": "not-a-jwt",
        "another secret": access_token(agent.id, agent.email, "another-secret-of-at-least-32-characters!"),
        "expired": access_token(agent.id, agent.email, stack.jwt_secret, expires_in=-60),
        "another audience": access_token(agent.id, agent.email, stack.jwt_secret, aud="somebody-else"),
        "no expiry": jwt.encode(
            {"sub": agent.id, "aud": "authenticated", "role": "authenticated"}, stack.jwt_secret, "HS256"
        ),
        "no user": access_token("not-a-uuid", agent.email, stack.jwt_secret),
        "anon key": stack.anon_key,
        "service-role key": stack.service_role_key,
        "none algorithm": jwt.encode({"sub": agent.id, "aud": "authenticated"}, None, algorithm="none"),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "garbage",
        "another secret",
        "expired",
        "another audience",
        "no expiry",
        "no user",
        "anon key",
        "service-role key",
        "none algorithm",
    ],
)
def test_a_token_that_is_not_a_signed_in_users_is_refused_with_401(
    api: TestClient, shop: Shop, stack: Stack, kind: str
) -> None:
    token = _bad_tokens(stack, shop)[kind]

    response = api.get(shop.url("templates"), headers=_bearer(token))

    assert response.status_code == 401, response.text


def test_a_user_of_another_store_is_refused_with_403(api: TestClient, shop: Shop) -> None:
    response = api.get(shop.url("templates"), headers=shop.stranger.headers)

    assert response.status_code == 403
    assert response.json() == {"detail": "you are not a member of this store"}


def test_a_store_that_does_not_exist_is_just_a_store_the_caller_is_not_a_member_of(
    api: TestClient, shop: Shop
) -> None:
    response = api.get(shop.url("templates", store_id=str(uuid.uuid4())), headers=shop.agent.headers)

    assert response.status_code == 403


def test_a_real_sign_in_gives_a_token_the_api_accepts_for_the_users_store_only(
    api: TestClient, stack: Stack
) -> None:
    supabase = create_client(stack.api_url, stack.anon_key)
    session = supabase.auth.sign_in_with_password(
        {"email": stack.demo_agent_email, "password": stack.demo_agent_password}
    ).session
    assert session is not None
    headers = _bearer(session.access_token)

    mine = api.get(f"/api/stores/{stack.demo_store_id}/templates", headers=headers)
    other_demo_store = "00000000-0000-4000-8000-000000000002"
    theirs = api.get(f"/api/stores/{other_demo_store}/templates", headers=headers)

    assert mine.status_code == 200
    assert len(mine.json()) == len(TEMPLATES)  # the demo seed's approved templates
    assert theirs.status_code == 403


def test_verify_access_token_returns_the_user_and_refuses_other_roles(stack: Stack) -> None:
    user_id = str(uuid.uuid4())
    user = verify_access_token(access_token(user_id, "a@b.c", stack.jwt_secret), stack.jwt_secret)
    assert (str(user.id), user.email) == (user_id, "a@b.c")

    service = access_token(user_id, "a@b.c", stack.jwt_secret, role="service_role")
    with pytest.raises(InvalidAccessToken, match="signed-in user"):
        verify_access_token(service, stack.jwt_secret)
