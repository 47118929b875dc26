"""serverless.yml names only handlers that exist, and each answers an API Gateway event."""

from __future__ import annotations

import importlib
import json
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


def _sqs_event(*bodies: str) -> dict[str, Any]:
    records = [
        {
            "messageId": f"msg-{index}",
            "receiptHandle": f"handle-{index}",
            "body": body,
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:ap-southeast-3:123456789012:sapa-jobs",
            "awsRegion": "ap-southeast-3",
        }
        for index, body in enumerate(bodies)
    ]
    return {"Records": records}


@pytest.fixture
def lambda_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Connection refused at once: the handlers run for real up to the first network call.
    monkeypatch.setenv("SUPABASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", "service-role-key")
    monkeypatch.setenv("SUPABASE_JWT_SECRET", "jwt-secret")
    monkeypatch.setenv("ENVIRONMENT", "lambda-test")
    monkeypatch.setenv("QUEUE_BACKEND", "sqs")
    monkeypatch.setenv("QUEUE_URL", "http://127.0.0.1:9/123456789012/sapa-jobs")
    from sapa.db import get_supabase
    from sapa.jobs.worker import reply_deps
    from sapa.settings import get_settings

    get_settings.cache_clear()
    get_supabase.cache_clear()
    reply_deps.cache_clear()


def _handler_path(name: str) -> str:
    """The handler's dotted path: from serverless.yml, or, for a container image, its Dockerfile's CMD."""
    function = _functions()[name]
    if "image" in function:
        spec = yaml.safe_load((ROOT / "serverless.yml").read_text())
        dockerfile = spec["provider"]["ecr"]["images"][function["image"]["name"]]["file"]
        cmd = next(line for line in (ROOT / dockerfile).read_text().splitlines() if line.startswith("CMD"))
        return str(json.loads(cmd.removeprefix("CMD").strip())[0])
    return str(function["handler"])


def _handler(name: str) -> Any:
    module_name, _, attribute = _handler_path(name).rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def _event_kind(name: str) -> str:
    events = _functions()[name].get("events") or [{"invoke": None}]
    return next(iter(events[0]))


def test_every_function_is_an_http_api_an_sqs_consumer_or_invoked_directly() -> None:
    kinds = {name: _event_kind(name) for name in _functions()}
    assert kinds == {"api": "httpApi", "worker": "sqs", "background": "sqs", "classifier": "invoke"}


def test_the_classifier_image_handler_labels_texts(lambda_environment: None) -> None:
    response = _handler("classifier")({"texts": ["paket saya belum sampai", "refund please"]}, None)

    labels = response["labels"]
    assert [label["category"] for label in labels] == ["delivery", "refund"]
    assert all(
        label["urgency"] in {"low", "medium", "high"} and 0 < label["confidence"] <= 1 for label in labels
    )


def test_the_api_handler_answers_an_api_gateway_event(lambda_environment: None) -> None:
    response = _handler("api")(_http_api_event("/health"), None)

    assert response["statusCode"] == 200
    assert '"environment":"lambda-test"' in response["body"]


def test_the_worker_handler_reports_failed_jobs_and_drops_malformed_ones(lambda_environment: None) -> None:
    job = '{"type": "reply", "store_id": "00000000-0000-4000-8000-000000000001", "message_id": "m-1"}'

    response = _handler("worker")(_sqs_event("not json", job), None)

    # The malformed record cannot succeed on a retry: dropped. The job could not reach the database:
    # reported, so SQS redelivers it (and dead-letters it after the redrive limit).
    assert response == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}


def test_lambda_requirements_match_runtime_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = (ROOT / "requirements-lambda.txt").read_text().splitlines()
    pinned = sorted(line for line in lines if line and not line.startswith("#"))
    assert pinned == sorted(project["dependencies"])
