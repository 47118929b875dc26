"""Fixtures for the Meta channel: the functions app under TestClient against the stack's database, a
store of its own that sends through Meta (configured through the API, secrets encrypted), the Graph
API stand-in, and a recording job queue."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from psycopg.rows import dict_row

from sapa.api.app import create_app
from sapa.api.deps import get_reply_queue, get_sender
from sapa.channels.meta.storage import forget_cached_stores
from sapa.db import get_supabase
from sapa.settings import Settings, get_settings
from tests.api.conftest import RecordingQueue
from tests.api.inbox import Db, Shop, create_shop, delete_shop
from tests.channels import fake_graph
from tests.channels.fake_graph import FakeGraph, signed
from tests.conftest import Stack, make_settings

ACCESS_TOKEN = "EAAG" + "x" * 40
VERIFY_TOKEN = "sapa-verify-token-test"
ENCRYPTION_KEY = Fernet.generate_key().decode()


@dataclass(frozen=True)
class MetaShop:
    shop: Shop
    phone_number_id: str
    waba_id: str
    app_secret: str

    @property
    def id(self) -> str:
        return self.shop.id


@pytest.fixture
def db(stack: Stack) -> Iterator[Db]:
    with psycopg.connect(stack.db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with fake_graph.running(ACCESS_TOKEN) as fake:
        yield fake


@pytest.fixture
def jobs() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def meta_settings(stack: Stack, graph: FakeGraph) -> Settings:
    return make_settings(
        stack,
        openai_api_key=None,
        credentials_encryption_key=ENCRYPTION_KEY,
        meta_graph_api_base_url=graph.url,
        meta_webhook_verify_token=VERIFY_TOKEN,
    )


@pytest.fixture
def api(
    stack: Stack, jobs: RecordingQueue, graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    environment: dict[str, Any] = {
        "SUPABASE_URL": stack.api_url,
        "SUPABASE_SERVICE_ROLE_KEY": stack.service_role_key,
        "SUPABASE_JWT_SECRET": stack.jwt_secret,
        "ENVIRONMENT": "test",
        "CREDENTIALS_ENCRYPTION_KEY": ENCRYPTION_KEY,
        "META_GRAPH_API_BASE_URL": graph.url,
        "META_WEBHOOK_VERIFY_TOKEN": VERIFY_TOKEN,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    for cache in (get_settings, get_supabase, get_sender):
        cache.cache_clear()
    forget_cached_stores()
    app = create_app()
    app.dependency_overrides[get_reply_queue] = lambda: jobs
    with TestClient(app) as client:
        yield client
    for cache in (get_settings, get_supabase, get_sender):
        cache.cache_clear()
    forget_cached_stores()


@pytest.fixture
def meta_shop(db: Db, stack: Stack, api: TestClient) -> Iterator[MetaShop]:
    """A store that sends through Meta, set up as its admin would (PUT …/whatsapp-sender)."""
    shop = create_shop(db, stack.db_url, stack.jwt_secret)
    configured = MetaShop(
        shop,
        str(10**14 + secrets.randbelow(10**14)),
        str(10**14 + secrets.randbelow(10**14)),
        secrets.token_hex(16),
    )
    answer = api.put(
        shop.url("whatsapp-sender"),
        headers=shop.admin.headers,
        json={
            "provider": "meta",
            "meta": {
                "phone_number_id": configured.phone_number_id,
                "waba_id": configured.waba_id,
                "access_token": ACCESS_TOKEN,
                "app_secret": configured.app_secret,
            },
        },
    )
    assert answer.status_code == 200, answer.text
    yield configured
    delete_shop(db, shop)


def post_webhook(api: TestClient, payload: dict[str, Any], app_secret: str) -> Any:
    raw, headers = signed(payload, app_secret)
    return api.post("/webhooks/whatsapp-cloud", content=raw, headers=headers)


def messages_of(db: Db, store_id: str) -> list[dict[str, Any]]:
    return db.execute(
        "select id::text, direction, sender, body, media, metadata, status, provider_message_id,"
        " conversation_id::text from messages where store_id = %s order by created_at, id",
        (store_id,),
    ).fetchall()
