"""The stand-in WooCommerce (tests/commerce/fake_woocommerce.py) held to the recording of WooCommerce
11.0.1: the same refusals byte for byte, paging and its Link trap, webhooks disabled as recorded, the
safe-port rule, the delivery id shared per webhook and second, and trash/restore/delete sending the topics
the real shop sent. No Sapa here: what the stand-in does, checked against what the shop did."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from sapa.commerce.woocommerce.client import WooCommerceClient, WooCommerceUnauthorized
from tests.commerce import corpus, payloads
from tests.commerce.fake_woocommerce import API, KEY, SECRET, FakeWooCommerce

SINK = "https://sapa.example.com/webhooks/woocommerce/standin"


class Sink:
    """Where the stand-in delivers: records each request, answers `status` (or raises when None)."""

    def __init__(self) -> None:
        self.status: int | None = 200
        self.received: list[tuple[str, bytes, dict[str, str]]] = []

    def __call__(self, url: str, raw: bytes, headers: dict[str, str]) -> int:
        if self.status is None:
            raise OSError("Connection refused")
        self.received.append((url, raw, headers))
        return self.status

    def topics(self) -> list[str | None]:
        return [headers.get("X-WC-Webhook-Topic") for _, _, headers in self.received]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def shop(sink: Sink) -> Iterator[FakeWooCommerce]:
    with FakeWooCommerce(sender=sink).running() as fake:
        yield fake


def recorded_body(name: str) -> Any:
    site, _, stem = name.partition("/")
    return json.loads(corpus.rest(site, stem)["response"]["body"])


def raw_get(shop: FakeWooCommerce, target: str, **headers: str) -> httpx.Response:
    return httpx.get(shop.url + target, headers=headers)


def basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def subscribe(shop: FakeWooCommerce, *topics: str) -> None:
    for topic in topics:
        shop._create_webhook(
            {"name": f"Sapa {topic}", "topic": topic, "delivery_url": SINK, "secret": "rahasia"}
        )


def test_refusals_are_the_recorded_ones(shop: FakeWooCommerce) -> None:
    orders = f"{API}/orders?per_page=1"
    https = {"X-Forwarded-Proto": "https"}
    unknown, wrong = basic("ck_" + "5" * 40, SECRET), basic(KEY, "cs_" + "6" * 40)
    keys_in_query = f"{orders}&consumer_key={KEY}&consumer_secret={SECRET}"
    cases = {
        "hpos-on/auth-basic-over-http": raw_get(shop, orders, Authorization=basic(KEY, SECRET)),
        "hpos-on/auth-none": raw_get(shop, orders),
        "hpos-on/auth-query-keys-over-http": raw_get(shop, keys_in_query),
        "hpos-on/auth-unknown-key-over-https": raw_get(shop, orders, Authorization=unknown, **https),
        "hpos-on/auth-wrong-secret-over-https": raw_get(shop, orders, Authorization=wrong, **https),
    }
    for name, response in cases.items():
        assert (response.status_code, response.json()) == (401, recorded_body(name)), name
        assert "WWW-Authenticate" not in response.headers
    assert raw_get(shop, orders, Authorization=basic(KEY, SECRET), **https).status_code == 200
    shop.read_only = True
    created = httpx.post(
        shop.url + f"{API}/webhooks",
        json={"topic": "order.created"},
        headers={"Authorization": basic(KEY, SECRET)} | https,
    )
    assert (created.status_code, created.json()) == (
        401,
        recorded_body("hpos-on/auth-readonly-key-create-webhook"),
    )


def test_oauth_1a_is_checked_as_woocommerce_checks_it(shop: FakeWooCommerce) -> None:
    with WooCommerceClient(shop.url, KEY, SECRET, min_interval_seconds=0, max_attempts=1) as client:
        client.check_access()
    assert shop.requests[-1].scheme == "oauth1"
    signed = shop.requests[-1]
    replayed = raw_get(shop, f"{API}/orders?" + "&".join(f"{k}={v}" for k, v in signed.query.items()))
    assert (
        replayed.status_code == 401
    )  # the same nonce twice, or the signature re-encoded: refused either way
    shop.clock = lambda: 4_000_000_000.0  # 15 minutes and more later
    with (
        WooCommerceClient(shop.url, KEY, SECRET, min_interval_seconds=0, max_attempts=1) as client,
        pytest.raises(WooCommerceUnauthorized, match="clock"),
    ):
        client.check_access()


def test_paging_and_the_link_header_as_recorded(shop: FakeWooCommerce) -> None:
    before = datetime(2026, 12, 3, 6, 8, 0, tzinfo=UTC)
    after = datetime(2026, 12, 3, 6, 8, 54, tzinfo=UTC)
    shop.resources["orders"] = [payloads.order(i, created=before, modified=before) for i in range(1, 28)] + [
        payloads.order(i, created=before, modified=after) for i in range(28, 33)
    ]
    https = {"X-Forwarded-Proto": "https", "Authorization": basic(KEY, SECRET)}
    query = "modified_after=2026-12-03T06:08:52%2B00:00&per_page=2&page=1&orderby=id&order=asc"
    first = raw_get(shop, f"{API}/orders?{query}", **https)
    recorded = dict(corpus.rest("hpos-on", "orders-modified-after-page-1")["response"]["headers"])
    assert (first.headers["X-WP-Total"], first.headers["X-WP-TotalPages"]) == ("5", "3")
    assert (recorded["X-WP-Total"], recorded["X-WP-TotalPages"]) == ("5", "3")
    assert first.headers["Link"].split(";")[1:] == recorded["Link"].split(";")[1:]
    next_url = first.headers["Link"].split(";")[0].strip("<>")
    assert "06%3A08%3A52+00%3A00" in next_url and next_url.startswith("https://")
    verbatim = httpx.get(next_url.replace("https://", "http://"), headers=https)
    assert (verbatim.status_code, verbatim.json()) == (
        400,
        recorded_body("hpos-on/orders-modified-after-page-2-via-link"),
    )
    no_offset = raw_get(shop, f"{API}/orders?modified_after=2026-12-03T06:08:52&per_page=2", **https)
    assert no_offset.headers["X-WP-Total"] == "32"  # read in UTC+7: every order matches, as recorded
    single = raw_get(shop, f"{API}/orders?per_page=100", **https)
    assert (
        single.headers["Link"] == f'<https{shop.url.removeprefix("http")}/wp-json/>; rel="https://api.w.org/"'
    )


def test_webhooks_answer_as_recorded(shop: FakeWooCommerce) -> None:
    https = {"X-Forwarded-Proto": "https", "Authorization": basic(KEY, SECRET)}
    body = json.loads(corpus.rest("hpos-on", "webhooks-create-order.created")["request"]["body"])
    created = httpx.post(shop.url + f"{API}/webhooks", json=body, headers=https)
    recorded = recorded_body("hpos-on/webhooks-create-order.created")
    assert created.status_code == 201
    assert set(created.json()) == set(recorded) - {"_links"}
    assert created.json()["hooks"] == recorded["hooks"] and "secret" not in created.json()
    webhook_id = created.json()["id"]
    gone = httpx.delete(shop.url + f"{API}/webhooks/{webhook_id}?force=true", headers=https)
    assert gone.status_code == 200
    again = httpx.delete(shop.url + f"{API}/webhooks/{webhook_id}?force=true", headers=https)
    assert (again.status_code, again.json()) == (404, recorded_body("hpos-on/webhooks-delete-again"))


def test_a_webhook_is_disabled_on_the_7th_failure_and_a_reenabled_one_on_the_next(
    shop: FakeWooCommerce, sink: Sink
) -> None:
    """state/hpos-on/webhook-13-disable-sequence.jsonl, step by step."""
    subscribe(shop, "order.updated")
    [webhook] = shop.webhooks.values()
    assert webhook["pending_delivery"] == 0  # its ping got 200
    shop.save("orders", payloads.order(18), created=False)
    sink.status = None  # nothing listens any more
    for failures in range(1, 7):
        shop.save("orders", payloads.order(18), created=False)
        shop.run_queue()
        assert (webhook["status"], webhook["failure_count"]) == ("active", failures)
    shop.save("orders", payloads.order(18), created=False)
    shop.run_queue()
    assert (webhook["status"], webhook["failure_count"]) == ("disabled", 6)
    shop.save("orders", payloads.order(18), created=False)
    assert shop.run_queue() == []  # nothing queued for a disabled webhook, never delivered later

    https = {"X-Forwarded-Proto": "https", "Authorization": basic(KEY, SECRET)}
    put = httpx.put(shop.url + f"{API}/webhooks/{webhook['id']}", json={"status": "active"}, headers=https)
    assert put.json()["status"] == "active" and webhook["failure_count"] == 6
    shop.save("orders", payloads.order(18), created=False)
    shop.run_queue()
    assert webhook["status"] == "disabled"  # one more failure was enough

    sink.status = 200
    webhook["pending_delivery"] = 1
    httpx.put(shop.url + f"{API}/webhooks/{webhook['id']}", json={"status": "active"}, headers=https)
    assert webhook["pending_delivery"] == 0  # the PUT's ping got through
    shop.save("orders", payloads.order(18), created=False)
    shop.run_queue()
    assert (webhook["status"], webhook["failure_count"]) == ("active", 0)
    deliveries = [s for s in shop.sent if s.topic == "order.updated"]
    assert len(deliveries) == 9  # one attempt per change while active: failed deliveries are never retried


def test_the_safe_port_rule(shop: FakeWooCommerce) -> None:
    """state/hpos-on/safe-ports-*.json, with the stand-in's own address as the site's."""
    own = shop.url
    port = int(own.rsplit(":", 1)[1])
    assert shop.url_allowed("https://sapa.example.com/w") and shop.url_allowed(
        "http://sapa.example.com:8080/w"
    )
    assert shop.url_allowed(f"{own}/w")  # the site's own host and port
    assert not shop.url_allowed(f"http://127.0.0.1:{port + 1}/w")
    assert not shop.url_allowed(f"http://localhost:{port}/w") and not shop.url_allowed(
        "http://localhost:8080/w"
    )
    assert not shop.url_allowed("http://10.1.2.3/w")
    assert not shop.url_allowed("https://sapa.example.com:8000/w")
    shop.allowed_ports = (8000, port + 1)
    assert shop.url_allowed("https://sapa.example.com:8000/w") and shop.url_allowed(
        f"http://127.0.0.1:{port + 1}/w"
    )


def test_a_refused_url_fails_like_an_unreachable_one(shop: FakeWooCommerce, sink: Sink) -> None:
    shop._create_webhook(
        {
            "name": "x",
            "topic": "order.updated",
            "delivery_url": "http://sapa.example.com:8000/w",
            "secret": "s",
        }
    )
    [webhook] = shop.webhooks.values()
    assert webhook["pending_delivery"] == 1 and sink.received == []  # the ping failed silently
    shop.save("orders", payloads.order(5), created=False)
    [sent] = shop.run_queue()
    assert sent.error == "A valid URL was not provided." and webhook["failure_count"] == 1


def test_deliveries_are_queued_built_when_sent_and_share_an_id_per_second(
    shop: FakeWooCommerce, sink: Sink
) -> None:
    shop.clock = Clock(1_796_278_000.0)
    subscribe(shop, "product.created", "order.created", "order.updated")
    for product_id in (11, 12, 13):
        shop.save("products", payloads.product(product_id))
    shop.save("orders", payloads.order(19, status="pending"))
    shop.set_status(19, "processing")  # same second: one date_modified for both states
    assert sink.topics() == [None, None, None]  # only the pings: nothing leaves before the queue runs
    sent = shop.run_queue()
    orders = [json.loads(s.raw) for s in sent if s.topic and s.topic.startswith("order.")]
    assert [o["status"] for o in orders] == ["processing", "processing"]  # built when the queue ran
    products = [s for s in sent if s.topic == "product.created"]
    assert len({s.headers["X-WC-Webhook-Delivery-ID"] for s in products}) == 1
    assert b"\\/" in products[0].raw and b'":"http' in products[0].raw  # wp_json_encode escapes slashes


def test_runners_in_parallel_send_out_of_order(shop: FakeWooCommerce, sink: Sink) -> None:
    subscribe(shop, "order.created", "order.updated")
    for order_id in range(40, 46):
        shop.save("orders", payloads.order(order_id))
    sent = shop.run_queue(shuffle=random.Random(7))  # noqa: S311 (an order, not a secret)
    firsts = [json.loads(s.raw)["id"] for s in sent]
    assert firsts != sorted(firsts)


def _scenario_topics(site: str, *scenarios: str) -> list[str | None]:
    recorded = corpus.deliveries(site)
    return [d.topic for scenario in scenarios for d in recorded[scenario]]


def test_trash_restore_and_delete_send_what_the_real_shop_sent(sink: Sink) -> None:
    with FakeWooCommerce(sender=sink).running() as shop:
        subscribe(shop, *corpus_topics())
        shop.save("orders", payloads.order(19))
        shop.run_queue()
        sink.received.clear()
        shop.trash("orders", 19)
        shop.run_queue()
        assert sink.topics() == _scenario_topics("hpos-on", "15-order-trashed")
        sink.received.clear()
        shop.restore("orders", 19)
        shop.run_queue()
        assert sink.topics() == _scenario_topics("hpos-on", "16-order-restored")
        assert json.loads(sink.received[-1][1])["status"] == "processing"
        sink.received.clear()
        shop.trash("orders", 19)
        shop.restore("orders", 19, straddle_second=True)
        shop.run_queue()
        assert sink.topics()[-2:] == _scenario_topics("hpos-on", "17-order-restored-across-second-boundary")
        sink.received.clear()
        shop.save("products", payloads.product(21))
        shop.run_queue()
        sink.received.clear()
        shop.trash("products", 21)
        shop.run_queue()
        shop.restore("products", 21)
        shop.run_queue()
        assert sink.topics() == _scenario_topics("hpos-on", "19a-product-trashed", "19b-product-restored")
        sink.received.clear()
        shop.delete("orders", 19)
        shop.delete("products", 21)
        assert shop.run_queue() == []  # a permanent delete sends nothing
    with FakeWooCommerce(sender=sink, hpos=False).running() as legacy:
        subscribe(legacy, *corpus_topics())
        legacy.save("orders", payloads.order(11))
        legacy.run_queue()
        sink.received.clear()
        legacy.trash("orders", 11)
        legacy.restore("orders", 11)
        legacy.run_queue()
        assert sink.topics() == _scenario_topics("hpos-off", "04-order-trashed", "05-order-restored")
        assert json.loads(sink.received[0][1]) == {"id": 11}  # product.deleted with the order's id
        assert json.loads(sink.received[2][1]) == recorded_delivery_body("hpos-off", "05-order-restored", 0)


def test_completing_an_order_also_updates_its_customer(shop: FakeWooCommerce, sink: Sink) -> None:
    subscribe(shop, *corpus_topics())
    shop.save("customers", payloads.customer(2))
    shop.save("orders", payloads.order(16, customer_id=2))
    shop.run_queue()
    sink.received.clear()
    shop.complete_order(16)
    shop.run_queue()
    assert sink.topics() == _scenario_topics("hpos-on", "09-order-completed")


def corpus_topics() -> list[str]:
    return [
        f"{r}.{e}" for r in ("order", "customer", "product") for e in ("created", "updated", "deleted")
    ] + ["order.restored", "product.restored"]


def recorded_delivery_body(site: str, scenario: str, index: int) -> Any:
    return corpus.deliveries(site)[scenario][index].payload
