from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sapa.api.app import create_app
from sapa.db import get_supabase
from sapa.settings import get_settings
from tests.conftest import Stack


def _client(monkeypatch: pytest.MonkeyPatch, supabase_url: str, service_role_key: str) -> TestClient:
    monkeypatch.setenv("SUPABASE_URL", supabase_url)
    monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", service_role_key)
    monkeypatch.setenv("SUPABASE_JWT_SECRET", "unused-here")
    monkeypatch.setenv("ENVIRONMENT", "test")
    get_settings.cache_clear()
    get_supabase.cache_clear()
    return TestClient(create_app())


@pytest.fixture(autouse=True)
def fresh_clients() -> Iterator[None]:
    yield
    get_settings.cache_clear()
    get_supabase.cache_clear()


def test_ready_when_postgrest_answers_with_the_service_role(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(monkeypatch, stack.api_url, stack.service_role_key)

    response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "environment": "test", "database": "ok"}


def test_not_ready_when_the_database_cannot_be_reached(monkeypatch: pytest.MonkeyPatch, stack: Stack) -> None:
    client = _client(monkeypatch, "http://127.0.0.1:9", stack.service_role_key)

    response = client.get("/health/ready")

    assert response.status_code == 503
    assert response.json() == {"detail": "database unreachable"}


def test_missing_secrets_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPABASE_SERVICE_ROLE_KEY", raising=False)
    monkeypatch.setenv("SUPABASE_URL", "http://127.0.0.1:54321")
    get_settings.cache_clear()

    with pytest.raises(ValueError, match="supabase_service_role_key"):
        get_settings()
