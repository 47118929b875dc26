"""Fixtures for WooCommerce: a store of its own per test (with its webhook secret and a WhatsApp customer
who has chatted), the webhook and store routers under TestClient against the stack's database, a
recording job queue, and the fake WooCommerce REST API."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from psycopg.rows import DictRow, dict_row
from supabase import Client, create_client

from sapa.api.deps import get_reply_queue
from sapa.api.routes.stores import router as stores_router
from sapa.api.routes.woocommerce import router as woocommerce_router
from sapa.commerce.woocommerce.backfill import orders_after
from sapa.commerce.woocommerce.signature import sign
from sapa.db import get_supabase
from sapa.jobs.queue import Job
from sapa.settings import Settings, get_settings
from sapa.stores.crypto import CredentialsCipher
from tests.commerce.fake_woocommerce import FakeWooCommerce
from tests.conftest import Stack, make_settings

Db = psycopg.Connection[DictRow]
PUBLIC_BASE_URL = "https://sapa.example.com"
CONNECT_TOKEN = "operator-connect-token"


class RecordingQueue:
    """The app's job queue, recording instead of running (jobs are run by the tests that need them)."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def enqueue(self, job: Job) -> None:
        self.jobs.append(job)

    def enqueue_reply(self, store_id: str, message_id: str) -> None:
        raise AssertionError("WooCommerce never enqueues replies")

    def enqueue_summary(self, conversation_id: str) -> None:
        raise AssertionError("WooCommerce never enqueues summaries")


@dataclass(frozen=True)
class Shop:
    id: str
    secret: str
    customer_id: str
    customer_phone: str
    """E.164 of a WhatsApp customer who has a conversation with the shop."""


def new_phone() -> str:
    return "+62857" + "".join(secrets.choice("0123456789") for _ in range(8))


@pytest.fixture
def db(stack: Stack) -> Iterator[Db]:
    with psycopg.connect(stack.db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def shop(db: Db) -> Iterator[Shop]:
    secret = secrets.token_urlsafe(24)
    row = db.execute(
        "insert into stores (name) values ('Toko Uji WooCommerce') returning id::text"
    ).fetchone()
    assert row is not None
    store_id = row["id"]
    db.execute(
        "insert into store_credentials (store_id, woocommerce_webhook_secret) values (%s, %s)",
        (store_id, secret),
    )
    phone = new_phone()
    customer = db.execute(
        "insert into customers (store_id, phone, name) values (%s, %s, 'Rina') returning id::text",
        (store_id, phone),
    ).fetchone()
    assert customer is not None
    db.execute(
        "insert into conversations (store_id, customer_id) values (%s, %s)", (store_id, customer["id"])
    )
    yield Shop(store_id, secret, customer["id"], phone)
    db.execute("delete from stores where id = %s", (store_id,))


@pytest.fixture
def jobs() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def woo() -> Iterator[FakeWooCommerce]:
    with FakeWooCommerce().running() as fake:
        yield fake


@pytest.fixture
def settings(stack: Stack) -> Settings:
    return make_settings(
        stack,
        environment="test",
        public_base_url=PUBLIC_BASE_URL,
        connect_token=CONNECT_TOKEN,
        credentials_encryption_key=Fernet.generate_key().decode(),
        woocommerce_allow_http=True,
        woocommerce_request_interval_seconds=0.0,
        woocommerce_max_attempts=2,
    )


@pytest.fixture(scope="session")
def supabase(stack: Stack) -> Client:
    return create_client(stack.api_url, stack.service_role_key)


def build_app(settings: Settings, supabase: Client, jobs: RecordingQueue) -> FastAPI:
    app = FastAPI()
    app.include_router(woocommerce_router)
    app.include_router(stores_router)
    app.dependency_overrides[get_settings] = lambda: settings
    app.dependency_overrides[get_supabase] = lambda: supabase
    app.dependency_overrides[get_reply_queue] = lambda: jobs
    return app


@pytest.fixture
def client(settings: Settings, supabase: Client, jobs: RecordingQueue) -> Iterator[TestClient]:
    with TestClient(build_app(settings, supabase, jobs), base_url=PUBLIC_BASE_URL) as test_client:
        yield test_client


def deliver(
    client: TestClient,
    store_id: str,
    secret: str | None,
    topic: str,
    payload: Any,
    *,
    delivery_id: str | None = None,
    raw: bytes | None = None,
) -> Response:
    """POST a delivery as WooCommerce does: JSON body, topic/resource/event headers, signature of the raw
    body with `secret` (none when `secret` is None)."""
    body = raw if raw is not None else json.dumps(payload, separators=(",", ":")).encode()
    resource, _, event = topic.partition(".")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "WooCommerce/9.4.0 Hookshot (WordPress/6.7)",
        "X-WC-Webhook-Source": "https://toko.example/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-ID": "17",
        "X-WC-Webhook-Delivery-ID": delivery_id or uuid.uuid4().hex,
    }
    if secret is not None:
        headers["X-WC-Webhook-Signature"] = sign(body, secret)
    return client.post(f"/webhooks/woocommerce/{store_id}", content=body, headers=headers)


def connect_to(db: Db, settings: Settings, shop: Shop, woo: FakeWooCommerce) -> None:
    """The shop connected to the fake WooCommerce (keys encrypted as connect stores them), its backfill
    started."""
    cipher = CredentialsCipher.from_settings(settings)
    db.execute("update stores set site_url = %s where id = %s", (woo.url, shop.id))
    db.execute(
        "update store_credentials set woocommerce_consumer_key_encrypted = %s,"
        " woocommerce_consumer_secret_encrypted = %s where store_id = %s",
        (cipher.encrypt(woo.key), cipher.encrypt(woo.secret), shop.id),
    )
    db.execute("select * from start_woocommerce_sync(%s, %s)", (shop.id, orders_after()))
