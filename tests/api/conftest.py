"""Fixtures for the inbox API: the functions app under TestClient against the stack's database, a
fresh store with its team per test, a recording job queue, and a fake Twilio for stores with an
account (the real SDK sends to it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.rows import dict_row

from sapa.api.app import create_app
from sapa.api.deps import get_reply_queue, get_sender
from sapa.aws import aws_client
from sapa.db import get_supabase
from sapa.settings import get_settings
from tests.api.inbox import Db, Shop, create_shop, delete_shop
from tests.channels.test_twilio_sender import FakeTwilio
from tests.channels.test_twilio_sender import twilio as twilio
from tests.conftest import Stack


class RecordingQueue:
    """The app's job queue, recording instead of running (the worker is tested on its own)."""

    def __init__(self) -> None:
        self.replies: list[tuple[str, str]] = []
        self.summaries: list[str] = []

    def enqueue_reply(self, store_id: str, message_id: str) -> None:
        self.replies.append((store_id, message_id))

    def enqueue_summary(self, conversation_id: str) -> None:
        self.summaries.append(conversation_id)


@pytest.fixture
def db(stack: Stack) -> Iterator[Db]:
    with psycopg.connect(stack.db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def shop(db: Db, stack: Stack) -> Iterator[Shop]:
    created = create_shop(db, stack.db_url, stack.jwt_secret)
    yield created
    delete_shop(db, created)


@pytest.fixture
def stack_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app's object storage is the stack's S3 (what the local stack's functions are given). boto3 reads
    the keys and region from the environment when a client is made, and `aws_client` keeps one client per
    service and endpoint for the process: one made by an earlier test without these keys (an app's warm-up
    thread makes the reply worker's S3 client) would be reused and fail to sign (NoCredentialsError). So
    the cached clients are dropped before the test and again after (this test's keys are its own)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", os.environ["S3_ENDPOINT_URL"])
    monkeypatch.setenv("KNOWLEDGE_BUCKET", os.environ["KNOWLEDGE_BUCKET"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for cache in (get_settings, aws_client):
        cache.cache_clear()
    yield
    for cache in (get_settings, aws_client):
        cache.cache_clear()


@pytest.fixture
def jobs() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def api(
    stack: Stack, jobs: RecordingQueue, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    environment: dict[str, Any] = {
        "SUPABASE_URL": stack.api_url,
        "SUPABASE_SERVICE_ROLE_KEY": stack.service_role_key,
        "SUPABASE_JWT_SECRET": stack.jwt_secret,
        "ENVIRONMENT": "test",
        "TWILIO_API_BASE_URL": twilio.url,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    for cache in (get_settings, get_supabase, get_sender):
        cache.cache_clear()
    app = create_app()
    app.dependency_overrides[get_reply_queue] = lambda: jobs
    with TestClient(app) as client:
        yield client
    for cache in (get_settings, get_supabase, get_sender):
        cache.cache_clear()
