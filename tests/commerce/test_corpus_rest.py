"""Contract tests: every REST exchange recorded from real WooCommerce 11.0.1 answered to Sapa's client as it
was recorded (status, headers, body), through an httpx transport at the HTTP boundary, so the client's
own code builds, signs and reads each request: paging by X-WP-TotalPages (never the Link header's next
URL, whose `+` WooCommerce leaves unencoded), `modified_after` with an explicit offset, OAuth 1.0a as
recorded, and every recorded refusal turned into words that name its cause."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from oauthlib.oauth1.rfc5849 import signature as oauth

from sapa.commerce.woocommerce.client import WooCommerceClient, WooCommerceError, WooCommerceUnauthorized
from sapa.commerce.woocommerce.health import _heal
from sapa.commerce.woocommerce.parse import WEBHOOK_TOPICS, record
from tests.commerce import corpus
from tests.commerce.fake_woocommerce import woocommerce_oauth_signature

SITE_HTTPS = "https://127.0.0.1:8892"
SITE_HTTP = "http://127.0.0.1:8892"
NOT_READ = {
    "hpos-on/products-variations": "variations: read by the variations backfill (another part of issue 18)",
    "hpos-on/system-status": "Sapa never reads the shop's system status",
}


def exchange(name: str) -> dict[str, Any]:
    """A recorded exchange by its `site/name`."""
    site, _, stem = name.partition("/")
    return corpus.rest(site, stem)


def _query(target: str) -> dict[str, str]:
    """The query as PHP's $_GET reads it ('+' is a space), without the per-request oauth_* parameters."""
    pairs = parse_qsl(urlsplit(target).query, keep_blank_values=True)
    return {k: v for k, v in pairs if not k.startswith("oauth_")}


class Replay:
    """Answers each request with the recorded exchange of the same method, path and query."""

    def __init__(self, *names: str) -> None:
        self.exchanges = [exchange(name) for name in names]
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        target = request.url.raw_path.decode()
        for recorded_exchange in self.exchanges:
            recorded = recorded_exchange["request"]
            if (
                recorded["method"] == request.method
                and urlsplit(recorded["path"]).path == urlsplit(target).path
                and _query(recorded["path"]) == _query(target)
            ):
                return _response(recorded_exchange)
        raise AssertionError(f"nothing recorded for {request.method} {target}")


def client_for(replay: Replay, site: str = SITE_HTTPS) -> WooCommerceClient:
    key = corpus.keys()["hpos-on"]["rw"]
    return WooCommerceClient(
        site,
        key["consumer_key"],
        key["consumer_secret"],
        transport=httpx.MockTransport(replay),
        min_interval_seconds=0,
        max_attempts=1,
    )


def answering(name: str) -> Callable[[httpx.Request], httpx.Response]:
    """Answers any request with one recorded response (for refusals whose request Sapa never makes as
    recorded, e.g. Basic auth over plain http)."""
    recorded = exchange(name)

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == urlsplit(recorded["request"]["path"]).path
        return _response(recorded)

    return answer


def _response(recorded: dict[str, Any]) -> httpx.Response:
    response = recorded["response"]
    return httpx.Response(response["status"], headers=response["headers"], content=response["body"].encode())


@pytest.mark.parametrize(
    ("name", "scheme_site", "cause"),
    [
        ("hpos-on/auth-basic-over-http", SITE_HTTPS, "did not see the request as https"),
        ("hpos-on/auth-none", SITE_HTTPS, "does not know the consumer key"),
        ("hpos-on/auth-unknown-key-over-https", SITE_HTTPS, "does not know the consumer key"),
        ("hpos-on/auth-wrong-secret-over-https", SITE_HTTPS, "consumer secret does not belong"),
        ("hpos-on/auth-query-keys-over-http", SITE_HTTP, "ignored the OAuth 1.0a parameters"),
    ],
)
def test_each_recorded_refusal_names_its_cause(name: str, scheme_site: str, cause: str) -> None:
    key = corpus.keys()["hpos-on"]["rw"]
    transport = httpx.MockTransport(answering(name))
    with (
        WooCommerceClient(
            scheme_site, key["consumer_key"], key["consumer_secret"], transport=transport, max_attempts=1
        ) as client,
        pytest.raises(WooCommerceUnauthorized) as refused,
    ):
        client.check_access()
    message = str(refused.value)
    assert cause in message
    assert exchange(name)["response"]["status"] == refused.value.status_code == 401
    assert "Sorry, you cannot list resources." in message or "Consumer secret is invalid." in message


def test_a_read_only_key_is_told_it_needs_read_write() -> None:
    transport = httpx.MockTransport(answering("hpos-on/auth-readonly-key-create-webhook"))
    with (
        WooCommerceClient(SITE_HTTPS, "ck_x", "cs_y", transport=transport, max_attempts=1) as client,
        pytest.raises(WooCommerceUnauthorized) as refused,
    ):
        client.create_webhook("Sapa order.created", "order.created", "https://sapa.example/w", "s")
    assert "Read permission only; Sapa needs Read/Write" in str(refused.value)


def test_basic_auth_over_https_reads_the_orders_as_recorded() -> None:
    replay = Replay("hpos-on/auth-basic-over-https")
    with client_for(replay) as client:
        client.check_access()
    [sent] = replay.sent
    assert sent.headers["Authorization"].startswith("Basic ")
    assert sent.headers["User-Agent"] == "Sapa (+https://github.com/sapa-chat/sapa)"


def test_oauth_1a_over_http_signs_as_woocommerce_checks() -> None:
    """The recorded OAuth request (HMAC-SHA256, key `consumer_secret&`): oauthlib, which the client signs
    with, and the stand-in's reimplementation of WooCommerce's check both give its signature."""
    oauth_exchange = exchange("hpos-on/auth-oauth1-over-http")
    secret = corpus.keys()["hpos-on"]["rw"]["consumer_secret"]
    parts = urlsplit(oauth_exchange["request"]["path"])
    recorded = dict(parse_qsl(parts.query))["oauth_signature"]
    url = SITE_HTTP + parts.path
    params = oauth.collect_parameters(uri_query=parts.query, exclude_oauth_signature=True)
    base = oauth.signature_base_string("GET", oauth.base_string_uri(url), oauth.normalize_parameters(params))
    assert oauth.sign_hmac_sha256(base, secret, "") == recorded
    assert woocommerce_oauth_signature("GET", url, parse_qsl(parts.query), secret) == recorded

    replay = Replay("hpos-on/auth-oauth1-over-http")
    with client_for(replay, SITE_HTTP) as client:
        client.check_access()
    [sent] = replay.sent
    assert "Authorization" not in sent.headers
    query = dict(parse_qsl(sent.url.query.decode()))
    assert query["oauth_signature_method"] == "HMAC-SHA256"
    assert query["oauth_consumer_key"] == corpus.keys()["hpos-on"]["rw"]["consumer_key"]


def test_modified_after_pages_by_total_pages_never_by_the_link_header() -> None:
    replay = Replay(
        "hpos-on/orders-modified-after-page-1",
        "hpos-on/orders-modified-after-page-2",
        "hpos-on/orders-modified-after-page-3",
    )
    since = datetime(2026, 12, 3, 6, 8, 52, tzinfo=UTC)
    orders: list[dict[str, Any]] = []
    with client_for(replay) as client:
        page, total_pages = 1, 1
        while page <= total_pages:
            listed = client.list_page("orders", page, per_page=2, modified_after=since)
            orders += listed.items
            total_pages = listed.total_pages or page
            page += 1
    assert (
        len(orders)
        == 5
        == int(dict(exchange("hpos-on/orders-modified-after-page-1")["response"]["headers"])["X-WP-Total"])
    )
    assert all("+" not in request.url.raw_path.decode() for request in replay.sent)
    assert all(
        "modified_after=2026-12-03T06%3A08%3A52%2B00%3A00" in r.url.raw_path.decode() for r in replay.sent
    )


def test_the_link_headers_next_url_requested_verbatim_is_refused() -> None:
    """The trap the client avoids: WooCommerce's next URL keeps `+00:00`'s `+`, read back as a space."""
    link = dict(exchange("hpos-on/orders-modified-after-page-1")["response"]["headers"])["Link"]
    verbatim = link.split(";")[0].strip("<>")
    assert "+00%3A00" in verbatim
    recorded = exchange("hpos-on/orders-modified-after-page-2-via-link")
    assert urlsplit(recorded["request"]["path"]).query == urlsplit(verbatim).query
    assert _query(verbatim)["modified_after"] == "2026-12-03T06:08:52 00:00"
    with (
        WooCommerceClient(
            SITE_HTTPS,
            "ck_x",
            "cs_y",
            transport=httpx.MockTransport(answering("hpos-on/orders-modified-after-page-2-via-link")),
            max_attempts=1,
        ) as client,
        pytest.raises(WooCommerceError) as refused,
    ):
        client.list_page("orders", 2, modified_after=datetime(2026, 12, 3, 6, 8, 52, tzinfo=UTC))
    assert refused.value.status_code == 400
    assert "Invalid parameter(s): modified_after" in str(refused.value)


def test_a_date_without_an_offset_is_never_sent() -> None:
    """Without one WooCommerce reads it in the shop's time zone: 32 orders instead of 5 (recorded)."""
    recorded = exchange("hpos-on/orders-modified-after-no-offset")
    assert dict(recorded["response"]["headers"])["X-WP-Total"] == "32"
    replay = Replay()
    with client_for(replay) as client, pytest.raises(ValueError, match="UTC offset"):
        client.list_page("orders", 1, modified_after=datetime(2026, 12, 3, 6, 8, 52))
    assert replay.sent == []


@pytest.mark.parametrize(
    ("name", "listing", "resource"),
    [
        ("hpos-on/orders-backfill-page-1", "orders", "order"),
        ("hpos-on/customers-list", "customers", "customer"),
        ("hpos-on/products-list", "products", "product"),
    ],
)
def test_backfill_listings_read_and_every_item_mirrors(name: str, listing: str, resource: Any) -> None:
    recorded = exchange(name)
    query = _query(recorded["request"]["path"])
    params: dict[str, Any] = {
        k: v for k, v in query.items() if k not in ("page", "per_page", "orderby", "order")
    }
    if "after" in params:
        params["after"] = datetime.fromisoformat(params["after"])
    replay = Replay(name)
    with client_for(replay) as client:
        page = client.list_page(listing, 1, **params)
    headers = dict(recorded["response"]["headers"])
    assert page.total == int(headers["X-WP-Total"]) and page.total_pages == int(headers["X-WP-TotalPages"])
    assert page.items and all(
        record(resource, item, "ID")["external_id"] == item["id"] for item in page.items
    )


@pytest.mark.parametrize(
    ("name", "listing", "resource", "item_id"),
    [
        ("hpos-on/orders-get-16", "orders", "order", 16),
        ("hpos-on/orders-get-18", "orders", "order", 18),
        ("hpos-off/orders-get-12", "orders", "order", 12),
        ("hpos-on/products-get-variable", "products", "product", 11),
        ("hpos-on/products-get-variation-via-products", "products", "product", 14),
    ],
)
def test_one_resource_reads_as_the_shop_has_it(name: str, listing: str, resource: Any, item_id: int) -> None:
    replay = Replay(name)
    with client_for(replay) as client:
        item = client.get(listing, item_id)
    assert item is not None and item["id"] == item_id
    assert record(resource, item, "ID")["external_id"] == item_id


@pytest.mark.parametrize(
    ("name", "item_id"), [("hpos-on/orders-get-deleted", 19), ("hpos-on/orders-get-unknown", 999999)]
)
def test_a_resource_the_shop_no_longer_has_is_none(name: str, item_id: int) -> None:
    with client_for(Replay(name)) as client:
        assert client.get("orders", item_id) is None


def test_webhooks_are_created_listed_reenabled_and_deleted_as_recorded() -> None:
    replay = Replay(
        "hpos-on/webhooks-create-order.created",
        "hpos-on/webhooks-list",
        "hpos-on/webhooks-put-13-reactivate",
        "hpos-on/webhooks-delete",
    )
    fields = json.loads(exchange("hpos-on/webhooks-create-order.created")["request"]["body"])
    with client_for(replay) as client:
        assert (
            client.create_webhook(fields["name"], fields["topic"], fields["delivery_url"], fields["secret"])
            > 0
        )
        listed = client.list_webhooks()
        assert {w["topic"] for w in listed} == set(WEBHOOK_TOPICS)
        assert all("secret" not in w and "failure_count" not in w for w in listed)
        assert client.set_webhook_status(13, "active")["status"] == "active"
        assert client.delete_webhook(1) is True
    with client_for(Replay("hpos-on/webhooks-delete-again")) as client:
        assert client.delete_webhook(1) is False


@pytest.mark.parametrize(
    ("name", "reenabled"),
    [
        ("hpos-on/webhooks-get-13-disabled", True),
        ("hpos-on/webhooks-get-13-after-one-more-failure", True),
        ("hpos-on/webhooks-get-13-before-failures", False),
        ("hpos-on/webhooks-get-2", False),
    ],
)
def test_the_health_check_reenables_only_a_disabled_webhook(name: str, reenabled: bool) -> None:
    webhook = json.loads(exchange(name)["response"]["body"])
    replay = Replay("hpos-on/webhooks-put-13-reactivate")
    with client_for(replay) as client:
        state = _heal(client, webhook["topic"], webhook, "https://unused.example", "unused")
    assert state.reenabled is reenabled and state.status == "active"
    assert [r.method for r in replay.sent] == (["PUT"] if reenabled else [])


def test_webhooks_created_to_any_port_answer_201() -> None:
    """The shop creates a webhook whatever its URL (the safe-port rule bites only at delivery)."""
    for name in ("hpos-on/webhooks-create-port-not-allowed", "hpos-on/webhooks-create-closed-port"):
        fields = json.loads(exchange(name)["request"]["body"])
        with client_for(Replay(name)) as client:
            assert (
                client.create_webhook(
                    fields["name"], fields["topic"], fields["delivery_url"], fields["secret"]
                )
                > 0
            )


def test_a_reenabled_webhook_whose_url_answers_is_active() -> None:
    with client_for(Replay("hpos-on/webhooks-put-13-reactivate-reachable")) as client:
        assert client.set_webhook_status(13, "active")["status"] == "active"


def test_every_recorded_rest_exchange_is_read_here() -> None:
    """A newly recorded exchange fails here until a test of this module reads it (or says why not)."""
    source = Path(__file__).read_text()
    assert {name for name in corpus.rest_names() if f'"{name}"' not in source} == set()
    assert set(NOT_READ) <= corpus.rest_names()  # the ones not read say why (NOT_READ)
