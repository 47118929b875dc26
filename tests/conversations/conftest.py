"""Fixtures for the conversation flows: a store of its own with its team (tests.api.inbox), the
service-role client the worker uses, settings with or without an LLM, and the fake OpenAI server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from supabase import Client, create_client

from sapa.settings import Settings
from tests.api.conftest import db as db
from tests.api.conftest import shop as shop
from tests.assistant.conftest import make_settings
from tests.assistant.fake_openai import FakeOpenAI
from tests.conftest import Stack


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
        openai_timeout_seconds=5.0,
    )
