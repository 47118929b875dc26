"""A shop connected through POST /stores/connect to the stand-in WooCommerce, whose deliveries reach Sapa's
webhook route as WooCommerce sends them (queued, signed, once), with the woocommerce_refetch jobs and the
webhook-health job run as the worker runs them: restores mirrored (finding 4), the same-second update kept
(finding 1), and a webhook that WooCommerce disabled re-enabled with what it missed re-synced (finding 6)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from supabase import Client

from sapa.commerce.woocommerce.health import check_stores
from sapa.commerce.woocommerce.shop import ShopDeps
from sapa.jobs.queue import Job
from sapa.jobs.worker import handle
from sapa.settings import Settings
from tests.commerce import payloads
from tests.commerce.conftest import CONNECT_TOKEN, PUBLIC_BASE_URL, Db, RecordingQueue, build_app
from tests.commerce.fake_woocommerce import FakeWooCommerce


@dataclass
class Connected:
    store_id: str
    api_key: str
    woo: FakeWooCommerce


class Route:
    """The stand-in's sender: posts each delivery to the app, or fails while `down`."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.down = False

    def __call__(self, url: str, raw: bytes, headers: dict[str, str]) -> int:
        if self.down:
            raise OSError("Connection refused")
        return self.client.post(urlsplit(url).path, content=raw, headers=headers).status_code


@pytest.fixture
def route(client: TestClient) -> Route:
    return Route(client)


def connect(client: TestClient, woo: FakeWooCommerce, db: Db) -> Connected:
    body = {
        "site_url": woo.url,
        "name": "Batik Lestari",
        "admin_email": "pemilik@lestari.example",
        "woocommerce": {"consumer_key": woo.key, "consumer_secret": woo.secret},
        "whatsapp": {"mode": "provision"},
    }
    response = client.post("/stores/connect", json=body, headers={"X-Sapa-Connect-Token": CONNECT_TOKEN})
    assert response.status_code == 201, response.text
    return Connected(response.json()["store_id"], response.json()["api_key"], woo)


@pytest.fixture
def sandbox(settings: Settings) -> Settings:
    """The local stack's settings: "a number from Sapa" without Twilio connects without a number."""
    return settings.model_copy(update={"whatsapp_sandbox_senders": True})


@pytest.fixture
def client(sandbox: Settings, supabase: Client, jobs: RecordingQueue) -> Iterator[TestClient]:
    with TestClient(build_app(sandbox, supabase, jobs), base_url=PUBLIC_BASE_URL) as test_client:
        yield test_client


def shop_fixture(client: TestClient, route: Route, db: Db, *, hpos: bool) -> Iterator[Connected]:
    with FakeWooCommerce(sender=route, hpos=hpos).running() as woo:
        connected = connect(client, woo, db)
        yield connected
        db.execute("delete from stores where id = %s", (connected.store_id,))


@pytest.fixture
def hpos_shop(client: TestClient, route: Route, db: Db) -> Iterator[Connected]:
    yield from shop_fixture(client, route, db, hpos=True)


@pytest.fixture
def legacy_shop(client: TestClient, route: Route, db: Db) -> Iterator[Connected]:
    yield from shop_fixture(client, route, db, hpos=False)


def settle(shop: Connected, jobs: RecordingQueue, supabase: Client, settings: Settings) -> None:
    """The shop's queue runs, then the worker runs what the deliveries queued (refetches)."""
    shop.woo.run_queue()
    for job in [j for j in jobs.jobs if j.type == "woocommerce_refetch"]:
        handle(job, deps=_Deps(supabase, settings))  # type: ignore[arg-type]
    jobs.jobs[:] = [j for j in jobs.jobs if j.type != "woocommerce_refetch"]


@dataclass
class _Deps:
    """What the worker's handle reads for WooCommerce jobs (the reply machinery is not needed)."""

    supabase: Client
    settings: Settings


def status_of(db: Db, store_id: str, table: str, external_id: int) -> str | None:
    row = db.execute(
        f"select status::text from {table} where store_id = %s and external_id = %s",
        (store_id, external_id),
    ).fetchone()
    return None if row is None else str(row["status"])


def test_a_restored_order_is_mirrored_and_later_updates_apply(
    hpos_shop: Connected, db: Db, jobs: RecordingQueue, supabase: Client, settings: Settings
) -> None:
    """Finding 4: a restore sends order.restored alone (no order.updated); Sapa subscribes to it."""
    woo = hpos_shop.woo
    woo.save("orders", payloads.order(19, status="processing"))
    settle(hpos_shop, jobs, supabase, settings)
    assert status_of(db, hpos_shop.store_id, "orders", 19) == "processing"
    woo.trash("orders", 19)
    settle(hpos_shop, jobs, supabase, settings)
    assert status_of(db, hpos_shop.store_id, "orders", 19) == "trash"
    woo.restore("orders", 19)
    settle(hpos_shop, jobs, supabase, settings)
    assert status_of(db, hpos_shop.store_id, "orders", 19) == "processing"
    woo.complete_order(19)
    settle(hpos_shop, jobs, supabase, settings)
    assert status_of(db, hpos_shop.store_id, "orders", 19) == "completed"


def test_a_restored_product_is_mirrored(
    hpos_shop: Connected, db: Db, jobs: RecordingQueue, supabase: Client, settings: Settings
) -> None:
    woo = hpos_shop.woo
    woo.save("products", payloads.product(21))
    settle(hpos_shop, jobs, supabase, settings)
    woo.trash("products", 21)
    settle(hpos_shop, jobs, supabase, settings)
    assert status_of(db, hpos_shop.store_id, "products", 21) == "trash"
    woo.restore("products", 21)
    settle(hpos_shop, jobs, supabase, settings)
    assert status_of(db, hpos_shop.store_id, "products", 21) == "publish"


def test_a_restore_under_legacy_storage_is_mirrored(
    legacy_shop: Connected, db: Db, jobs: RecordingQueue, supabase: Client, settings: Settings
) -> None:
    woo = legacy_shop.woo
    woo.save("orders", payloads.order(11, status="completed"))
    settle(legacy_shop, jobs, supabase, settings)
    woo.trash("orders", 11)
    settle(legacy_shop, jobs, supabase, settings)
    woo.restore("orders", 11)
    settle(legacy_shop, jobs, supabase, settings)
    assert status_of(db, legacy_shop.store_id, "orders", 11) == "completed"
    answers = [s.status for s in woo.sent if s.topic]
    assert answers and set(answers) == {200}  # the 404-bodied product.restored is acknowledged too


def test_an_order_paid_in_the_second_it_was_created_ends_paid(
    hpos_shop: Connected, db: Db, jobs: RecordingQueue, supabase: Client, settings: Settings
) -> None:
    """Finding 1, as it happens: created pending (delivered at once), set processing in the same second."""
    woo = hpos_shop.woo
    second = float(int(woo.clock()))
    woo.clock = lambda: second
    woo.save("orders", payloads.order(30, status="pending"))
    woo.run_queue()
    woo.set_status(30, "processing")
    settle(hpos_shop, jobs, supabase, settings)
    assert status_of(db, hpos_shop.store_id, "orders", 30) == "processing"


def test_a_disabled_webhook_is_reenabled_and_what_it_missed_resynced(
    hpos_shop: Connected,
    route: Route,
    client: TestClient,
    db: Db,
    jobs: RecordingQueue,
    supabase: Client,
    settings: Settings,
) -> None:
    """Finding 6: Sapa unreachable for 7 deliveries; WooCommerce disables order.updated and tells nobody;
    the order is completed meanwhile. The health job re-enables it and re-syncs the order."""
    woo = hpos_shop.woo
    woo.save("orders", payloads.order(16, status="processing"))
    settle(hpos_shop, jobs, supabase, settings)
    route.down = True
    for _ in range(7):
        woo.set_status(16, "processing")
        woo.run_queue()
    [order_updated] = [w for w in woo.webhooks.values() if w["topic"] == "order.updated"]
    assert (order_updated["status"], order_updated["failure_count"]) == ("disabled", 6)
    route.down = False
    woo.complete_order(16)
    settle(hpos_shop, jobs, supabase, settings)
    assert status_of(db, hpos_shop.store_id, "orders", 16) == "processing"  # nothing told Sapa

    [report] = check_stores(ShopDeps(supabase, settings), hpos_shop.store_id)

    assert report.error is None and report.resynced["order"] >= 1
    assert order_updated["status"] == "active" and order_updated["failure_count"] == 6
    assert status_of(db, hpos_shop.store_id, "orders", 16) == "completed"
    me = client.get("/stores/me", headers={"Authorization": f"Bearer {hpos_shop.api_key}"}).json()
    health = {w["topic"]: (w["status"], w["failures"]) for w in me["webhooks"]}
    assert health["order.updated"] == ("active", 1)
    assert {v for k, v in health.items() if k != "order.updated"} == {("active", 0)}
    assert me["webhooks_checked_at"] is not None
    resync = [r for r in woo.requests if r.path.endswith("/orders") and "modified_after" in r.query]
    assert resync and all(r.query["modified_after"].endswith("+00:00") for r in resync)


def test_the_health_job_recreates_missing_webhooks(
    hpos_shop: Connected, client: TestClient, supabase: Client, settings: Settings
) -> None:
    """A shop that deleted one of Sapa's webhooks (or connected before order.restored was subscribed)."""
    woo = hpos_shop.woo
    [restored] = [w for w in woo.webhooks.values() if w["topic"] == "order.restored"]
    del woo.webhooks[restored["id"]]
    handle(Job(type="woocommerce_health", store_id=hpos_shop.store_id), deps=_Deps(supabase, settings))  # type: ignore[arg-type]
    topics = sorted(w["topic"] for w in woo.webhooks.values())
    assert topics.count("order.restored") == 1 and len(topics) == 11
    [recreated] = [w for w in woo.webhooks.values() if w["topic"] == "order.restored"]
    assert recreated["delivery_url"].endswith(f"/webhooks/woocommerce/{hpos_shop.store_id}")
    me = client.get("/stores/me", headers={"Authorization": f"Bearer {hpos_shop.api_key}"}).json()
    assert len(me["webhooks"]) == 11
