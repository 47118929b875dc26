"""The gateway: Kong's apikey rule, CORS, and the PostgREST proxy (checked against an echo server
standing in for PostgREST, so every forwarded header can be seen; PostgREST itself is tested with
the whole stack)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import httpx
import jwt
from fastapi.testclient import TestClient
from supabase import create_client

from sapa.local.config import StackConfig
from sapa.local.gateway import create_gateway_app
from tests.local.conftest import free_port


def _rest(config: StackConfig, path: str) -> str:
    return f"{config.api_url}/rest/v1/{path}"


def _echoed(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    received: dict[str, Any] = response.json()[0]
    return received


def test_requests_without_a_valid_apikey_are_refused_like_supabase(local_config: StackConfig) -> None:
    missing = httpx.get(_rest(local_config, "items"), headers={"Origin": "http://127.0.0.1:3000"})
    wrong_header = httpx.get(_rest(local_config, "items"), headers={"apikey": "nope"})
    wrong_query = httpx.get(f"{local_config.api_url}/auth/v1/health", params={"apikey": "nope"})
    # A JWT signed with the stack's secret is not enough: it must be one of the stack's two keys.
    other_jwt = jwt.encode({"role": "anon", "exp": 1983812997}, local_config.jwt_secret, algorithm="HS256")
    user_token = httpx.get(_rest(local_config, "items"), headers={"apikey": other_jwt})

    assert missing.status_code == 401 and missing.json()["message"] == "No API key found in request"
    assert missing.headers["Access-Control-Allow-Origin"] == "*"
    for refused in (wrong_header, wrong_query, user_token):
        assert refused.status_code == 401 and refused.json()["message"] == "Invalid API key"


def test_the_proxy_forwards_method_path_query_headers_and_body(local_config: StackConfig) -> None:
    response = httpx.post(
        _rest(local_config, "rpc/close_conversation"),
        params={"select": "id,status", "order": "id.desc"},
        json={"conversation_id": 7},
        headers={
            "apikey": local_config.anon_key,
            "Prefer": "return=representation,count=exact",
            "Range": "0-9",
            "Range-Unit": "items",
            "Content-Profile": "public",
            "Accept-Profile": "public",
        },
    )

    received = _echoed(response)
    assert received["method"] == "POST" and received["path"] == "/rpc/close_conversation"
    assert received["query"] == "select=id%2Cstatus&order=id.desc"
    assert received["body"] == '{"conversation_id":7}'
    headers = received["headers"]
    assert headers["prefer"] == "return=representation,count=exact" and headers["range"] == "0-9"
    assert headers["content-profile"] == headers["accept-profile"] == "public"
    assert headers["apikey"] == local_config.anon_key
    assert headers["authorization"] == f"Bearer {local_config.anon_key}"  # added, as Kong does


def test_a_callers_authorization_is_kept(local_config: StackConfig) -> None:
    headers = {"apikey": local_config.anon_key, "Authorization": "Bearer user-access-token"}

    received = _echoed(httpx.get(_rest(local_config, "items"), headers=headers))

    assert received["headers"]["authorization"] == "Bearer user-access-token"


def test_the_upstream_answer_comes_back_with_cors_headers_once(local_config: StackConfig) -> None:
    response = httpx.get(
        _rest(local_config, "items"),
        params={"apikey": local_config.anon_key},
        headers={"Origin": "http://127.0.0.1:3000", "x-echo-status": "206"},
    )

    assert response.status_code == 206 and response.headers["X-Upstream"] == "echo"
    assert response.headers["Content-Range"] == "0-0/1"
    assert response.headers.get_list("Access-Control-Allow-Origin") == ["*"]  # PostgREST's own is dropped
    assert "content-range" in response.headers["Access-Control-Expose-Headers"].lower()


def test_preflight_requests_need_no_apikey(local_config: StackConfig) -> None:
    response = httpx.options(
        _rest(local_config, "items"),
        headers={
            "Origin": "http://127.0.0.1:3000",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "apikey, authorization, content-type, prefer, x-client-info",
        },
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]


def test_supabase_py_table_queries_go_through_the_proxy(local_config: StackConfig) -> None:
    client = create_client(local_config.api_url, local_config.anon_key)

    result = client.table("conversations").select("id,status").eq("status", "open").limit(5).execute()

    received = cast(dict[str, Any], result.data[0])
    assert received["method"] == "GET" and received["path"] == "/conversations"
    assert received["query"] == "select=id%2Cstatus&status=eq.open&limit=5"
    assert received["headers"]["apikey"] == local_config.anon_key
    assert received["headers"]["authorization"] == f"Bearer {local_config.anon_key}"


def test_an_unreachable_postgrest_is_a_502(local_config: StackConfig) -> None:
    config = replace(local_config, postgrest_port=free_port())  # nothing listens there

    with TestClient(create_gateway_app(config)) as client:
        response = client.get("/rest/v1/items", headers={"apikey": config.anon_key})

    assert response.status_code == 502
    assert response.json() == {"message": "An invalid response was received from the upstream server"}
