"""Fixtures for the knowledge pipeline: settings pointed at the stack's database and object storage
(moto's S3), fresh stores with their team (tests.api.inbox), the functions app under TestClient with a
queue that runs document jobs at once, and the bucket to look into."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.rows import dict_row

from sapa.api.app import create_app
from sapa.api.deps import get_reply_queue
from sapa.db import get_supabase
from sapa.jobs.queue import Job
from sapa.knowledge.documents import KnowledgeDeps, process_document
from sapa.knowledge.embed import embedder_from_settings
from sapa.knowledge.storage import object_store
from sapa.settings import Settings, get_settings
from tests.api.inbox import Db, Shop, create_shop, delete_shop
from tests.conftest import Stack, make_settings


@pytest.fixture(scope="session")
def s3_endpoint(stack: Stack) -> str:
    for name, value in {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    endpoint = os.environ.get("S3_ENDPOINT_URL")
    if not endpoint:
        pytest.fail("S3_ENDPOINT_URL is missing: run the tests with `sapa exec` (the stack's object storage)")
    return endpoint


@pytest.fixture
def knowledge_settings(stack: Stack, s3_endpoint: str) -> Settings:
    return make_settings(
        stack,
        aws_endpoint_url=s3_endpoint,
        knowledge_bucket=os.environ.get("KNOWLEDGE_BUCKET", "sapa-knowledge"),
        openai_api_key=None,
        embedding_provider="local",
    )


@pytest.fixture
def bucket(knowledge_settings: Settings) -> Any:
    """The knowledge bucket, to check what is (not) stored."""
    return boto3.resource("s3", endpoint_url=knowledge_settings.aws_endpoint_url).Bucket(
        knowledge_settings.knowledge_bucket
    )


def stored_keys(bucket: Any, store_id: str) -> list[str]:
    return [item.key for item in bucket.objects.filter(Prefix=f"knowledge/{store_id}/")]


@pytest.fixture
def db(stack: Stack) -> Iterator[Db]:
    with psycopg.connect(stack.db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def shop(db: Db, stack: Stack) -> Iterator[Shop]:
    created = create_shop(db, stack.db_url, stack.jwt_secret)
    yield created
    delete_shop(db, created)


class RunNow:
    """The app's queue: document jobs run at once, in the request (the worker's own handler), so a
    test sees the result as soon as the upload answers; other jobs are recorded."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.jobs: list[Job] = []
        self.results: list[str | None] = []

    def enqueue(self, job: Job) -> None:
        self.jobs.append(job)
        if job.type == "extract_document" and job.store_id and job.document_id:
            deps = KnowledgeDeps(
                get_supabase(), object_store(self.settings), embedder_from_settings(self.settings)
            )
            self.results.append(process_document(deps, job.store_id, job.document_id))

    def enqueue_reply(self, store_id: str, message_id: str) -> None:
        raise AssertionError("no replies here")

    def enqueue_summary(self, conversation_id: str) -> None:
        raise AssertionError("no summaries here")


@pytest.fixture
def queue(knowledge_settings: Settings) -> RunNow:
    return RunNow(knowledge_settings)


@pytest.fixture
def api(
    stack: Stack, knowledge_settings: Settings, queue: RunNow, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    environment = {
        "SUPABASE_URL": stack.api_url,
        "SUPABASE_SERVICE_ROLE_KEY": stack.service_role_key,
        "SUPABASE_JWT_SECRET": stack.jwt_secret,
        "ENVIRONMENT": "test",
        "AWS_ENDPOINT_URL": str(knowledge_settings.aws_endpoint_url),
        "KNOWLEDGE_BUCKET": knowledge_settings.knowledge_bucket,
        "EMBEDDING_PROVIDER": "local",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    for cache in (get_settings, get_supabase):
        cache.cache_clear()
    app = create_app()
    app.dependency_overrides[get_reply_queue] = lambda: queue
    with TestClient(app) as client:
        yield client
    for cache in (get_settings, get_supabase):
        cache.cache_clear()
