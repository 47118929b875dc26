"""Contract tests: every delivery recorded from real WooCommerce 11.0.1 (both sites, HPOS on and legacy
storage, every scenario) posted to Sapa's webhook route exactly as it arrived (raw body, headers, the
webhook's secret), scenario by scenario, in arrival order and shuffled within each scenario (WooCommerce's
queue runners do not keep order). After each scenario, the woocommerce_refetch jobs the route queued run
against the stand-in holding what the shop then held, and the mirror must equal the shop."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import secrets
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from supabase import Client

from sapa.commerce.woocommerce.arbiter import refetch
from sapa.commerce.woocommerce.parse import Address
from sapa.commerce.woocommerce.shop import ShopDeps
from sapa.settings import Settings
from sapa.stores.crypto import CredentialsCipher
from tests.commerce import corpus
from tests.commerce.conftest import Db, RecordingQueue
from tests.commerce.fake_woocommerce import KEY, SECRET, FakeWooCommerce

TRANSPORT_HEADERS = {"host", "content-length", "connection", "accept-encoding"}
RESOURCES = ("orders", "customers", "products")
State = dict[str, dict[int, dict[str, Any]]]


@pytest.fixture
def recorded_store(db: Db, settings: Settings, woo: FakeWooCommerce) -> Iterator[str]:
    """A store connected to the stand-in (whose state each scenario sets), with keys Sapa can decrypt."""
    cipher = CredentialsCipher.from_settings(settings)
    row = db.execute(
        "insert into stores (name, site_url, default_country) values ('Toko Rekaman', %s, 'ID')"
        " returning id::text",
        (woo.url,),
    ).fetchone()
    assert row is not None
    db.execute(
        "insert into store_credentials (store_id, woocommerce_webhook_secret,"
        " woocommerce_consumer_key_encrypted, woocommerce_consumer_secret_encrypted)"
        " values (%s, %s, %s, %s)",
        (row["id"], secrets.token_urlsafe(16), cipher.encrypt(KEY), cipher.encrypt(SECRET)),
    )
    yield row["id"]
    db.execute("delete from stores where id = %s", (row["id"],))


@dataclass
class Replayer:
    """What replaying the corpus needs: the app, the database, the recorded store, the stand-in shop,
    the job queue the route fills, and what the worker's refetch runs with."""

    client: TestClient
    db: Db
    store_id: str
    woo: FakeWooCommerce
    jobs: RecordingQueue
    supabase: Client
    settings: Settings

    def post(self, delivery: corpus.Delivery) -> dict[str, Any]:
        return post(self.client, self.db, self.store_id, delivery)

    def refetch(self) -> int:
        return run_refetches(self.jobs, self.supabase, self.settings)

    def shop_holds(self, state: State, *names: str) -> None:
        self.woo.resources = {name: list(state.get(name, {}).values()) for name in names or RESOURCES}

    def status(self, external_id: int) -> dict[str, Any] | None:
        return self.db.execute(
            "select status::text from orders where store_id = %s and external_id = %s",
            (self.store_id, external_id),
        ).fetchone()


@pytest.fixture
def replayer(
    client: TestClient,
    db: Db,
    recorded_store: str,
    woo: FakeWooCommerce,
    jobs: RecordingQueue,
    supabase: Client,
    settings: Settings,
) -> Replayer:
    return Replayer(client, db, recorded_store, woo, jobs, supabase, settings)


def post(client: TestClient, db: Db, store_id: str, delivery: corpus.Delivery) -> dict[str, Any]:
    """The recorded request, as it arrived, to this store (whose secret becomes the webhook's)."""
    db.execute(
        "update store_credentials set woocommerce_webhook_secret = %s where store_id = %s"
        " and woocommerce_webhook_secret is distinct from %s",
        (delivery.secret, store_id, delivery.secret),
    )
    headers = {k: v for k, v in delivery.headers.items() if k.lower() not in TRANSPORT_HEADERS}
    response = client.post(f"/webhooks/woocommerce/{store_id}", content=delivery.raw, headers=headers)
    assert response.status_code == 200, (delivery.scenario, delivery.file, response.text)
    answer: dict[str, Any] = response.json()
    return answer


def run_refetches(jobs: RecordingQueue, supabase: Client, settings: Settings) -> int:
    ran = 0
    for job in jobs.jobs:
        assert job.type == "woocommerce_refetch", job
        assert job.store_id and job.resource and job.external_id
        refetch(ShopDeps(supabase, settings), job.store_id, job.resource, job.external_id)
        ran += 1
    jobs.jobs.clear()
    return ran


def assert_mirror(db: Db, store_id: str, state: State, where: str) -> None:
    orders = {
        r["external_id"]: r
        for r in db.execute(
            "select external_id, status::text, date_modified from orders where store_id = %s", (store_id,)
        ).fetchall()
    }
    assert set(orders) == set(state.get("orders", {})), where
    for order_id, order in state.get("orders", {}).items():
        assert orders[order_id]["status"] == order["status"], (where, order_id)
        if order["status"] != "trash":
            shop_date = datetime.fromisoformat(order["date_modified_gmt"]).replace(tzinfo=UTC)
            assert orders[order_id]["date_modified"] == shop_date, (where, order_id)
    customers = {
        r["external_id"]
        for r in db.execute(
            "select external_id from customers where store_id = %s and external_id is not null", (store_id,)
        ).fetchall()
    }
    assert set(state.get("customers", {})) <= customers, where
    products = {
        r["external_id"]: r["status"]
        for r in db.execute(
            "select external_id, status from products where store_id = %s", (store_id,)
        ).fetchall()
    }
    for product_id, product in state.get("products", {}).items():
        if product.get("type") != "variation":  # variations: their own tests (another mirror)
            assert products.get(product_id) == product["status"], (where, product_id)


def replay_site(site: str, replay: Replayer, shuffle: random.Random | None) -> list[dict[str, Any]]:
    state: State = {}
    answers = []
    for scenario, recorded in corpus.deliveries(site).items():
        for delivery in recorded:
            corpus.fold(state, delivery)
        replay.shop_holds(state)
        order = list(recorded)
        if shuffle is not None:
            shuffle.shuffle(order)
        for delivery in order:
            answers.append(replay.post(delivery) | {"scenario": scenario, "file": delivery.file})
        replay.refetch()
        assert_mirror(replay.db, replay.store_id, state, f"{site} {scenario}")
    return answers


def test_every_recorded_signature_verifies_and_pings_are_unsigned() -> None:
    signed = 0
    for site in corpus.SITES:
        for recorded in corpus.deliveries(site).values():
            for delivery in recorded:
                if delivery.topic is None:
                    assert "X-WC-Webhook-Signature" not in delivery.headers
                    assert delivery.raw.startswith(b"webhook_id=")
                    continue
                digest = hmac.new(delivery.secret.encode(), delivery.raw, hashlib.sha256).digest()
                assert base64.b64encode(digest).decode() == delivery.headers["X-WC-Webhook-Signature"]
                signed += 1
    assert signed == 52  # behaviours.md: 52 of 52 signed deliveries


@pytest.mark.parametrize("site", corpus.SITES)
def test_every_recorded_delivery_applies_in_arrival_order(site: str, replayer: Replayer) -> None:
    answers = replay_site(site, replayer, None)
    assert {a["status"] for a in answers} <= {"ping", "processed", "ignored", "replay"}
    assert not [a for a in answers if a["status"] == "failed"]
    by_file = {(a["scenario"], a["file"]): a for a in answers}
    if site == "hpos-on":
        assert sum(a["status"] == "ping" for a in answers) == 12  # 11 webhooks created + one re-enabled
        # the same-second pair: pending then processing with one date_modified; the shop decides
        assert (
            by_file[("13b-same-second-set-processing", "01-order.updated-19.json")]["outcome"] == "conflict"
        )
        # 5 product.created sharing one X-WC-Webhook-Delivery-ID are 5 deliveries, none a replay
        created = [a for (scenario, _), a in by_file.items() if scenario == "04-variable-product-created"]
        assert [a["status"] for a in created] == ["processed"] * 6
    else:
        assert by_file[("05-order-restored", "01-product.restored.json")]["status"] == "ignored"
        assert (
            by_file[("07b-same-second-set-processing", "01-order.updated-12.json")]["outcome"] == "conflict"
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("site", corpus.SITES)
def test_every_recorded_delivery_applies_in_any_order_within_a_scenario(
    site: str, seed: int, replayer: Replayer
) -> None:
    answers = replay_site(site, replayer, random.Random(seed))  # noqa: S311 (an order to replay in, not a secret)
    assert not [a for a in answers if a["status"] == "failed"]


def test_a_same_second_update_is_not_lost(replayer: Replayer) -> None:
    """Finding 1: order 19 created pending and paid 0.3 s later, one date_modified for both states."""
    recorded = corpus.deliveries("hpos-on")
    pair = recorded["13a-same-second-created-pending"] + recorded["13b-same-second-set-processing"]
    state: State = {}
    for delivery in pair:
        corpus.fold(state, delivery)
        replayer.post(delivery)
    replayer.shop_holds(state, "orders", "products")
    assert replayer.refetch() == 1
    assert replayer.status(19) == {"status": "processing"}
    replayer.post(pair[0])  # the late older delivery (pending, same second) again: it never wins
    replayer.refetch()
    assert replayer.status(19) == {"status": "processing"}


def test_a_restore_under_legacy_storage_mirrors_the_order_and_ignores_the_404_product(
    replayer: Replayer,
) -> None:
    """Finding 4 with recorded bodies: trashed (product.deleted with the order's id, order.deleted),
    then restored (product.restored carrying a 404 error, order.restored)."""
    state: State = {}
    for scenario, recorded in corpus.deliveries("hpos-off").items():
        if scenario > "05-order-restored":
            break
        for delivery in recorded:
            corpus.fold(state, delivery)
            replayer.post(delivery)
        replayer.shop_holds(state, "orders", "products")
        replayer.refetch()
    assert replayer.status(11) == {"status": "completed"}
    logged = replayer.db.execute(
        "select count(*) as n from woocommerce_deliveries where store_id = %s and topic = 'product.restored'",
        (replayer.store_id,),
    ).fetchone()
    assert logged == {"n": 0}


# Customers' city and province (the segments' rules read them): from the billing address of their
# WooCommerce customer record and of their orders, the most recent winning.
Place = tuple[str | None, str | None]


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _expected(replay: Replayer, state: dict[str, dict[int, dict[str, Any]]]) -> dict[str, Place]:
    """Per customer row: the place of their newest source that has one (customer record or order)."""
    sources: dict[str, list[tuple[datetime, Place]]] = defaultdict(list)

    def add(customer_id: str, at: datetime, billing: dict[str, Any]) -> None:
        place = Address.model_validate(billing).place()
        if place["city"] or place["province"]:
            sources[customer_id].append((at, (place["city"], place["province"])))

    for row in replay.db.execute(
        "select external_id, customer_id::text from orders where store_id = %s and customer_id is not null",
        (replay.store_id,),
    ).fetchall():
        order = state["orders"][row["external_id"]]
        add(row["customer_id"], _when(order["date_created_gmt"]), order.get("billing", {}))
    for row in replay.db.execute(
        "select external_id, id::text from customers where store_id = %s and external_id is not null",
        (replay.store_id,),
    ).fetchall():
        customer = state.get("customers", {}).get(row["external_id"])
        if customer is not None:
            modified = customer.get("date_modified_gmt") or customer["date_created_gmt"]
            add(row["id"], _when(modified), customer.get("billing", {}))
    return {customer: max(found)[1] for customer, found in sources.items()}


@pytest.mark.parametrize("site", corpus.SITES)
def test_customers_take_the_place_of_their_newest_customer_record_or_order(
    site: str, replayer: Replayer
) -> None:
    replay_site(site, replayer, None)
    state: dict[str, dict[int, dict[str, Any]]] = {}
    for recorded in corpus.deliveries(site).values():
        for delivery in recorded:
            corpus.fold(state, delivery)

    expected = _expected(replayer, state)
    stored = {
        row["id"]: (row["city"], row["province"])
        for row in replayer.db.execute(
            "select id::text, city, province from customers where store_id = %s", (replayer.store_id,)
        ).fetchall()
    }
    assert expected, "the recordings hold billing addresses"
    assert {customer: stored[customer] for customer in expected} == expected
    assert ("Yogyakarta", "Daerah Istimewa Yogyakarta") in expected.values()
    assert all(place == (None, None) for customer, place in stored.items() if customer not in expected)


def test_an_older_order_does_not_move_the_customer_back_and_an_erased_customer_stays_empty(
    replayer: Replayer,
) -> None:
    db, store = replayer.db, replayer.store_id

    def apply_order(external_id: int, created: str, city: str, province: str) -> None:
        order = {
            "external_id": external_id, "number": str(external_id), "status": "processing", "total": "10000",
            "currency": "IDR", "created_at": created, "date_modified": created,
            "whatsapp_phone": "+6281299990001", "address": {"city": city, "province": province}, "items": [],
        }  # fmt: skip
        db.execute("select woocommerce_apply_order_and_variations(%s, %s::jsonb)", (store, json.dumps(order)))

    def place() -> Place:
        row = db.execute(
            "select city, province from customers where store_id = %s and phone = '+6281299990001'", (store,)
        ).fetchone()
        assert row is not None
        return row["city"], row["province"]

    apply_order(901, "2026-11-02T10:00:00+00:00", "Bandung", "Jawa Barat")
    apply_order(900, "2026-11-01T10:00:00+00:00", "Surabaya", "Jawa Timur")  # arrives late, is older
    assert place() == ("Bandung", "Jawa Barat")
    apply_order(902, "2026-11-03T10:00:00+00:00", "Denpasar", "Bali")
    assert place() == ("Denpasar", "Bali")

    db.execute("update customers set name = null, phone = null, email = null, city = null, province = null,"
               " erased_at = now() where store_id = %s and city = 'Denpasar'", (store,))  # fmt: skip
    erased = db.execute("select id from customers where store_id = %s and erased_at is not null", (store,))
    customer = erased.fetchone()
    assert customer is not None
    db.execute('select private.apply_customer_address(%s, \'{"city": "Medan"}\', now())', (customer["id"],))
    row = db.execute("select city from customers where id = %s", (customer["id"],)).fetchone()
    assert row == {"city": None}
