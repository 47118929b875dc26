"""serverless.yml names only handlers that exist, and each answers an API Gateway event."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _functions() -> dict[str, dict[str, Any]]:
    spec = yaml.safe_load((ROOT / "serverless.yml").read_text())
    functions: dict[str, dict[str, Any]] = spec["functions"]
    return functions


def _http_api_event(path: str) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "abc.execute-api.ap-southeast-3.amazonaws.com", "accept": "application/json"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc",
            "domainName": "abc.execute-api.ap-southeast-3.amazonaws.com",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.1",
                "userAgent": "pytest",
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": 1763900000000,
        },
        "isBase64Encoded": False,
    }


@pytest.fixture
def lambda_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPABASE_URL", "https://project.supabase.co")
    monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", "service-role-key")
    monkeypatch.setenv("SUPABASE_JWT_SECRET", "jwt-secret")
    monkeypatch.setenv("ENVIRONMENT", "lambda-test")
    from sapa.settings import get_settings

    get_settings.cache_clear()


@pytest.mark.parametrize("name", sorted(_functions()))
def test_handler_answers_api_gateway_event(name: str, lambda_environment: None) -> None:
    module_name, _, attribute = _functions()[name]["handler"].rpartition(".")
    handler = getattr(importlib.import_module(module_name), attribute)

    response = handler(_http_api_event("/health"), None)

    assert response["statusCode"] == 200
    assert '"environment":"lambda-test"' in response["body"]


def test_lambda_requirements_match_runtime_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = (ROOT / "requirements-lambda.txt").read_text().splitlines()
    pinned = sorted(line for line in lines if line and not line.startswith("#"))
    assert pinned == sorted(project["dependencies"])
