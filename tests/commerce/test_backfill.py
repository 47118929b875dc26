"""The backfill against the fake WooCommerce REST API over HTTP: every page of products, customers and
the last 6 months of orders; a 500 mid-way fails the sync after the client's retries, and the next run
resumes at the page that failed; Retry-After is honoured; a job stops after its pages and queues its
continuation; requests keep their distance."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from supabase import Client

from sapa.commerce.woocommerce.backfill import BackfillDeps, run_backfill, run_backfill_job
from sapa.commerce.woocommerce.client import WooCommerceClient
from sapa.jobs.queue import backfill_job
from sapa.jobs.worker import handle
from sapa.settings import Settings
from tests.commerce.conftest import Db, RecordingQueue, Shop, connect_to
from tests.commerce.fake_woocommerce import FakeWooCommerce
from tests.commerce.payloads import customer, line_item, order, product

PRODUCTS, CUSTOMERS, RECENT_ORDERS = 30, 120, 250


def phone(n: int) -> str:
    return f"0858-{n:04d}-{n * 7 % 10000:04d}"


@pytest.fixture
def connected(shop: Shop, db: Db, settings: Settings, woo: FakeWooCommerce) -> Shop:
    """The shop connected to the fake WooCommerce (keys encrypted as connect stores them), its backfill
    started; the fake holds 30 products, 120 customers, 250 recent orders and 2 older than 6 months."""
    connect_to(db, settings, shop, woo)
    now = datetime.now(UTC)
    woo.resources["products"] = [product(p, name=f"Batik {p}") for p in range(1, PRODUCTS + 1)]
    woo.resources["customers"] = [customer(c, phone=phone(c)) for c in range(1, CUSTOMERS + 1)]
    woo.resources["orders"] = [
        order(
            o,
            phone=phone(o % CUSTOMERS + 1),
            customer_id=o % CUSTOMERS + 1,
            created=now - timedelta(days=(o * 13) % 170, minutes=o),
            items=[line_item(o * 10, o % PRODUCTS + 1, f"Batik {o % PRODUCTS + 1}", 1, 100000)],
        )
        for o in range(1, RECENT_ORDERS + 1)
    ] + [order(o, phone=phone(1), created=now - timedelta(days=220)) for o in (251, 252)]
    return shop


Sleeps = list[float]


def deps_with(supabase: Client, settings: Settings, sleeps: Sleeps, **client_options: float) -> BackfillDeps:
    options = {"min_interval_seconds": 0.0, "max_attempts": 3, "backoff_seconds": 1.0} | client_options

    def client(site: str, key: str, secret: str) -> WooCommerceClient:
        return WooCommerceClient(site, key, secret, sleep=sleeps.append, **options)  # type: ignore[arg-type]

    return BackfillDeps(supabase, settings, client_factory=client)


def stored(db: Db, store_id: str) -> dict[str, int]:
    row = db.execute(
        "select (select count(*) from products where store_id = %(s)s) as products,"
        " (select count(*) from customers where store_id = %(s)s and external_id is not null) as customers,"
        " (select count(*) from orders where store_id = %(s)s) as orders,"
        " (select count(*) from order_items where store_id = %(s)s and product_id is not null)"
        "  as linked_lines,"
        " (select count(*) from orders o join customers c on c.id = o.customer_id"
        "  where o.store_id = %(s)s and c.external_id is not null) as orders_with_customer",
        {"s": store_id},
    ).fetchone()
    assert row is not None
    return dict(row)


def progress(db: Db, store_id: str) -> dict[str, tuple[int, int, int | None, bool]]:
    found = db.execute(
        "select resource, next_page, items_done, items_total, finished_at is not null as finished"
        " from woocommerce_sync_resources where store_id = %s",
        (store_id,),
    ).fetchall()
    return {r["resource"]: (r["next_page"], r["items_done"], r["items_total"], r["finished"]) for r in found}


def sync_row(db: Db, store_id: str) -> dict[str, object]:
    row = db.execute(
        "select status::text, error from woocommerce_syncs where store_id = %s", (store_id,)
    ).fetchone()
    assert row is not None
    return dict(row)


def test_a_500_mid_way_fails_the_sync_and_the_next_run_resumes_where_it_stopped(
    connected: Shop, db: Db, supabase: Client, settings: Settings, woo: FakeWooCommerce
) -> None:
    sleeps: Sleeps = []
    deps = deps_with(supabase, settings, sleeps)
    woo.fail("GET", "/orders", 500, times=3, page=2)  # more than the client's 3 tries

    assert run_backfill(deps, connected.id, max_pages=50) is False

    failed = sync_row(db, connected.id)
    assert failed["status"] == "failed"
    assert "orders page 2" in str(failed["error"]) and "500" in str(failed["error"])
    assert sleeps == [1.0, 2.0]  # exponential backoff between the 3 tries
    assert progress(db, connected.id)["orders"] == (2, 100, RECENT_ORDERS, False)
    assert progress(db, connected.id)["products"] == (2, PRODUCTS, PRODUCTS, True)

    enqueue = db.execute("select enqueue from start_woocommerce_sync(%s, now())", (connected.id,)).fetchone()
    assert enqueue == {"enqueue": True}
    assert run_backfill(deps, connected.id, max_pages=50) is False

    assert woo.pages_fetched("orders") == [1, 2, 2, 2, 2, 3]  # page 1 was not fetched again
    assert woo.pages_fetched("customers") == [1, 2]
    assert sync_row(db, connected.id) == {"status": "done", "error": None}
    assert progress(db, connected.id) == {
        "products": (2, PRODUCTS, PRODUCTS, True),
        "customers": (3, CUSTOMERS, CUSTOMERS, True),
        "orders": (4, RECENT_ORDERS, RECENT_ORDERS, True),
    }
    assert stored(db, connected.id) == {
        "products": PRODUCTS,
        "customers": CUSTOMERS,
        "orders": RECENT_ORDERS,  # the 2 orders older than 6 months were not asked for
        "linked_lines": RECENT_ORDERS,
        "orders_with_customer": RECENT_ORDERS,
    }
    after = [r.query.get("after") for r in woo.requests if r.path.endswith("/orders")]
    assert all(after), "every orders request is limited to the last 6 months"


def test_retry_after_is_honoured_and_a_transient_failure_does_not_fail_the_sync(
    connected: Shop, db: Db, supabase: Client, settings: Settings, woo: FakeWooCommerce
) -> None:
    sleeps: Sleeps = []
    woo.fail("GET", "/products", 429, retry_after="7")
    woo.fail("GET", "/customers", 503, page=2)

    assert run_backfill(deps_with(supabase, settings, sleeps), connected.id, max_pages=50) is False

    assert sleeps == [7.0, 1.0]
    assert sync_row(db, connected.id) == {"status": "done", "error": None}
    assert stored(db, connected.id)["orders"] == RECENT_ORDERS


def test_a_job_does_a_bounded_number_of_pages_then_queues_its_continuation(
    connected: Shop, db: Db, supabase: Client, settings: Settings, woo: FakeWooCommerce
) -> None:
    bounded = settings.model_copy(update={"backfill_pages_per_job": 2})
    continued: list[str] = []

    run_backfill_job(supabase, bounded, connected.id, continued.append)

    assert continued == [connected.id]
    assert len(woo.requests) == 2
    assert sync_row(db, connected.id)["status"] == "running"
    assert progress(db, connected.id)["customers"] == (2, 100, CUSTOMERS, False)

    finish_here: Callable[[str], None] | None = None  # no queue: the job continues in place until done
    run_backfill_job(supabase, bounded, connected.id, finish_here)
    assert sync_row(db, connected.id)["status"] == "done"


def test_requests_keep_the_least_interval_between_them(
    connected: Shop, supabase: Client, settings: Settings, woo: FakeWooCommerce
) -> None:
    deps = deps_with(supabase, settings, [], min_interval_seconds=0.2)
    deps.client_factory = lambda site, key, secret: WooCommerceClient(
        site, key, secret, min_interval_seconds=0.2, sleep=time.sleep
    )
    run_backfill(deps, connected.id, max_pages=4)
    times = [r.at for r in woo.requests]
    assert len(times) == 4
    # The client spaces the starts of its requests by 0.2 s; the shop sees arrivals, which a loaded machine
    # delays unevenly by a few tens of milliseconds. Back-to-back requests would arrive ~1 ms apart.
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.15


def test_revoked_keys_fail_the_sync_with_a_clear_error(
    connected: Shop, db: Db, supabase: Client, settings: Settings, woo: FakeWooCommerce
) -> None:
    woo.key = "ck_" + "ff" * 20  # the owner revoked Sapa's key in WooCommerce

    assert run_backfill(deps_with(supabase, settings, []), connected.id) is False

    failed = sync_row(db, connected.id)
    assert failed["status"] == "failed"
    assert "401" in str(failed["error"])
    assert stored(db, connected.id)["products"] == 0


def test_the_worker_runs_a_backfill_job_and_queues_its_continuation(
    connected: Shop, supabase: Client, settings: Settings, woo: FakeWooCommerce
) -> None:
    queued = RecordingQueue()
    deps = SimpleNamespace(
        supabase=supabase, settings=settings.model_copy(update={"backfill_pages_per_job": 1})
    )

    handle(backfill_job(connected.id), deps=deps, follow_ups=queued)  # type: ignore[arg-type]

    assert [(job.type, job.store_id) for job in queued.jobs] == [("backfill", connected.id)]
    assert woo.pages_fetched("products") == [1]
