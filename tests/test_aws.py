"""AWS clients and secrets: outside Lambda no client falls back to a real AWS endpoint, and the settings
read their secrets from SSM Parameter Store at start-up (moto's, on loopback)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from sapa.aws import MissingEndpointError, aws_client
from sapa.jobs.worker import queue_from_settings
from sapa.knowledge.storage import object_store
from sapa.settings import Settings

SECRETS = ("SUPABASE_URL", "SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_JWT_SECRET")


@pytest.fixture
def no_aws_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_LAMBDA_FUNCTION_NAME", "SSM_PARAMETER_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-3")
    aws_client.cache_clear()


def test_outside_lambda_the_sqs_and_s3_clients_refuse_to_start_without_an_endpoint(
    no_aws_settings: None,
) -> None:
    settings = Settings(
        supabase_url="http://127.0.0.1:9",
        supabase_service_role_key="k",
        supabase_jwt_secret="j",
        queue_backend="sqs",
        queue_url="http://127.0.0.1:9/1/q",
    )

    with pytest.raises(MissingEndpointError, match="AWS_ENDPOINT_URL is not set"):
        queue_from_settings(settings)
    with pytest.raises(MissingEndpointError, match="AWS_ENDPOINT_URL"):
        object_store(settings)


def test_on_lambda_the_clients_talk_to_aws_itself(
    no_aws_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "sapa-prod-api")

    client = aws_client("sqs", None)

    assert client.meta.endpoint_url == "https://sqs.ap-southeast-3.amazonaws.com"


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-3")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    try:
        yield endpoint
    finally:
        server.stop()


def test_secrets_are_read_from_the_ssm_path_at_start_up(ssm: str, monkeypatch: pytest.MonkeyPatch) -> None:
    client = boto3.client("ssm", endpoint_url=ssm)
    path = "/sapa/test-ssm"
    parameters = {
        "supabase-url": ("https://ref.supabase.co", "String"),
        "supabase-service-role-key": ("service-role-secret", "SecureString"),
        "supabase-jwt-secret": ("jwt-secret", "SecureString"),
        "cors-origins": ('["https://app.example.com"]', "String"),
        "log-level": ("DEBUG", "String"),
    }
    for name, (value, kind) in parameters.items():
        client.put_parameter(Name=f"{path}/{name}", Value=value, Type=kind, Overwrite=True)
    monkeypatch.setenv("SSM_PARAMETER_PATH", path)
    monkeypatch.setenv("LOG_LEVEL", "warning")  # the environment wins over a parameter; any case

    settings = Settings()

    assert settings.supabase_url == "https://ref.supabase.co"
    assert settings.supabase_service_role_key.get_secret_value() == "service-role-secret"
    assert settings.cors_origins == ["https://app.example.com"]
    assert settings.log_level == "WARNING"
