"""Shared fixtures. Tests that need the local stack get it from the environment that
`sapa exec -- pytest` (what `make test` runs) provides; without it they fail with a clear message."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from psycopg import sql
from supabase import Client, create_client

from sapa.settings import Settings
from tests.assistant.fake_openai import FakeOpenAI


@dataclass(frozen=True)
class Stack:
    api_url: str
    db_url: str
    anon_key: str
    service_role_key: str
    jwt_secret: str
    functions_url: str
    demo_store_id: str
    demo_agent_email: str
    demo_agent_password: str
    demo_admin_email: str
    demo_admin_password: str
    demo_whatsapp_number: str
    twilio_auth_token: str


@pytest.fixture(scope="session")
def stack() -> Stack:
    names = {field: field.upper() for field in Stack.__dataclass_fields__}
    missing = [env for env in names.values() if env not in os.environ]
    if missing:
        pytest.fail(
            f"the local stack's settings are missing ({', '.join(missing)}): "
            "run the tests with `make test` or `.venv/bin/sapa exec -- .venv/bin/pytest`"
        )
    return Stack(**{field: os.environ[env] for field, env in names.items()})


@pytest.fixture
def scratch_db_url(stack: Stack) -> Iterator[str]:
    """An empty database on the stack's Postgres server, dropped afterwards."""
    name = f"sapa_scratch_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(stack.db_url, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    url = stack.db_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with psycopg.connect(stack.db_url, autocommit=True) as conn:
            conn.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(name)))


def make_settings(stack: Stack, **overrides: Any) -> Settings:
    """The functions' settings pointed at the stack (service role), with overrides."""
    return Settings(
        supabase_url=stack.api_url,
        supabase_service_role_key=stack.service_role_key,
        supabase_jwt_secret=stack.jwt_secret,
        **overrides,
    )


@pytest.fixture(scope="session")
def service_client(stack: Stack) -> Client:
    return create_client(stack.api_url, stack.service_role_key)


@pytest.fixture
def offline_settings(stack: Stack) -> Settings:
    return make_settings(stack, openai_api_key=None)


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI().running() as server:
        yield server


@pytest.fixture
def llm_settings(stack: Stack, fake_openai: FakeOpenAI) -> Settings:
    return make_settings(
        stack,
        openai_api_key="sk-test-key",
        openai_base_url=fake_openai.base_url,
        openai_model="gpt-test-mini",
        openai_temperature=0.1,
        openai_timeout_seconds=5.0,
    )
