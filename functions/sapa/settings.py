"""The one settings object. Required secrets have no defaults: a deployment without them fails at
start-up with a clear error instead of running half-configured."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    supabase_url: str
    """Base URL of the Supabase project (local stack: the gateway, http://127.0.0.1:54321)."""
    supabase_service_role_key: SecretStr
    """Service-role key: the functions write webhook-fed tables with it. Never sent to a browser."""
    supabase_jwt_secret: SecretStr
    """Verifies the Supabase JWTs that the dashboard sends to /api routes."""
    environment: str = "local"
    log_level: str = "INFO"
    cors_origins: list[str] = []
    """Browser origins allowed to call /api (the dashboard's), e.g. ["https://app.example.com"]; as JSON."""

    public_base_url: str | None = None
    """The functions' public base URL as Twilio calls it (e.g. https://api.example.com). Twilio signs the
    URL it requested; behind API Gateway or a proxy the request's own URL can differ, so when this is set
    the signature is checked against it. Unset: the URL is rebuilt from the request (and its
    X-Forwarded-Proto/Host headers)."""

    openai_api_key: SecretStr | None = None
    """Without a key the offline responder answers (grounded templates, honestly labelled)."""
    openai_base_url: str | None = None
    """Any OpenAI-compatible endpoint; unset = OpenAI."""
    openai_model: str = "gpt-4o-mini"
    openai_temperature: float = 0.2
    openai_timeout_seconds: float = 20.0

    twilio_api_base_url: str | None = None
    """Overrides https://api.twilio.com for the Twilio SDK (a Twilio-compatible proxy, or a test double)."""

    queue_backend: Literal["inprocess", "sqs"] = "inprocess"
    """inprocess: a worker thread in the API process (local stack); sqs: SQS + the worker Lambda."""
    queue_url: str | None = None
    """The SQS queue URL when queue_backend is sqs (replies)."""
    background_queue_url: str | None = None
    """SQS queue for everything that is not a reply (summaries, syncs, document extraction); unset: the
    replies' queue."""
    classifier_path: str | None = None
    """Folder of the exported issue classifier (model.onnx, tokenizer.json, classifier.json), used in
    process. Unset: model/artifacts/current of the repository (what `make model` writes)."""
    classifier_function_name: str | None = None
    """On AWS: the classifier Lambda (container image) the worker invokes instead of loading the model."""

    aws_endpoint_url: str | None = None
    """An S3/SQS-compatible endpoint (local: moto server); unset = AWS."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()  # values come from the environment
