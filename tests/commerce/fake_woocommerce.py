"""A stand-in WooCommerce for tests, over real HTTP (the real Sapa client, httpx, talks to it), held to
what WooCommerce 11.0.1 was recorded doing (../shared/data/woocommerce-real: README.md, behaviours.md).

What it reproduces:
- REST API v3: /orders, /customers, /products listed with WooCommerce's paging (page, per_page,
  orderby=id, X-WP-Total, X-WP-TotalPages, one comma-joined `Link` header with rel prev/next whose URL
  keeps the `+` of an offset unencoded, only the api.w.org Link for a single page), `after` and
  `modified_after` (with an offset as given, without one in the shop's time zone, UTC+7 by default; an
  unparseable date is 400 `rest_invalid_param`, e.g. a `+` that arrived as a space), GET of one resource
  (404 `..._invalid_id` once deleted), webhooks created (201, the body without the secret), listed,
  read, PUT {"status"} and DELETE ?force=true (200, again 404 `woocommerce_rest_shop_webhook_invalid_id`).
- Authentication as WC_REST_Authentication: over https (`https=True`: a TLS-terminating proxy in front,
  or a request carrying `X-Forwarded-Proto: https`) Basic auth or consumer_key/consumer_secret query
  parameters; over plain http only OAuth 1.0a one-legged (oauth_* in the query string, HMAC-SHA1 or
  HMAC-SHA256 keyed `consumer_secret&`, the signature base string built as WooCommerce builds it,
  timestamps older than 15 minutes and reused nonces refused). The 401 bodies as recorded: no or ignored
  credentials `woocommerce_rest_cannot_view` "Sorry, you cannot list resources."; a known key with a wrong
  secret "Consumer secret is invalid."; a read-only key writing "The API key provided does not have write
  permissions."; no WWW-Authenticate header.
- Changes made in the shop (`save`, `set_status`, `complete_order`, `trash`, `restore`, `delete`), each
  stamping date_modified at the whole second (in UTC `_gmt`, and in shop time without an offset), and
  queueing one delivery per matching active webhook unless that (webhook, resource) already has one
  queued (Action Scheduler). Nothing is sent until `run_queue()`; the payload is built then (the final
  state); `run_queue(shuffle=...)` sends in another order, as two queue runners do.
- Deliveries as WC_Webhook::deliver sends them: POST, compact JSON with `\\/`, the X-WC-Webhook-* headers,
  base64 HMAC-SHA256 signature, `X-WC-Webhook-Delivery-ID` = a hash of (webhook id, unix second), so
  deliveries of one webhook in one second share it; pings as an unsigned form `webhook_id=N` on creation
  and on every save of an active webhook whose ping has not yet succeeded (pending_delivery).
- Failures: a delivery that fails (not 2xx, unreachable, or refused by the safe-port rule) is never
  retried; failure_count counts failures in a row, the 7th disables the webhook with failure_count left
  at 6, so after a PUT {"status": "active"} the next failure disables it again; a success resets it.
- The safe-port rule of wp_safe_remote_request: only ports 80, 443, 8080 and the site's own port, plus
  `allowed_ports` (the http_allowed_safe_ports filter); a host other than the site's that is a loopback
  or private address is refused; refused URLs fail with "A valid URL was not provided.".
- Trash, restore and delete as recorded: an order trashed sends order.deleted `{"id": N}` (under legacy
  storage, `hpos=False`, first product.deleted with the ORDER's id); a restore sends order.restored alone
  (the previous status back; order.updated too when `restore(..., straddle_second=True)`), under legacy
  storage preceded by product.restored whose body is the REST 404 error; a product trashed sends
  product.deleted, restored product.updated + product.restored; a permanent delete sends nothing;
  completing an order also sends customer.updated for its customer.

What it does not reproduce: TLS itself (https is emulated as above); WordPress's REST envelope beyond
the headers listed (no `_links` in resources, no `Allow`/`Expires` headers, no `_fields`/`_embed`); the
shop's other filters and parameters (status, search, include, orderby other than id); stock changes that
an order makes to products (no product.updated on checkout); variations (/products/{id}/variations);
refund objects; the ping after each failed delivery being itself recorded as a failure; DNS (hosts other
than IP addresses and `localhost` are taken as external); WooCommerce's 5-second delivery timeout."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

API = "/wp-json/wc/v3"
KEY = "ck_" + "0a1b2c3d4e" * 4
SECRET = "cs_" + "9f8e7d6c5b" * 4
SAFE_PORTS = (80, 443, 8080)
MAX_FAILURES = 6
"""WooCommerce's default (woocommerce_max_webhook_delivery_failures 5) + 1: the 7th failure disables."""
USER_AGENT = "WooCommerce/11.0.1 Hookshot (WordPress/7.0.4)"
HOOKS = {
    "order.created": ["woocommerce_new_order"],
    "order.updated": ["woocommerce_update_order", "woocommerce_order_refunded"],
    "order.deleted": ["wp_trash_post", "woocommerce_trash_order"],
    "order.restored": ["untrashed_post", "woocommerce_untrash_order"],
    "customer.created": ["user_register", "woocommerce_created_customer", "woocommerce_new_customer"],
    "customer.updated": ["profile_update", "woocommerce_update_customer"],
    "customer.deleted": ["delete_user"],
    "product.created": [
        "woocommerce_process_product_meta",
        "woocommerce_new_product",
        "woocommerce_new_product_variation",
    ],
    "product.updated": [
        "woocommerce_process_product_meta",
        "woocommerce_update_product",
        "woocommerce_update_product_variation",
    ],
    "product.deleted": ["wp_trash_post"],
    "product.restored": ["untrashed_post"],
}
NO_PRODUCT = {
    "code": "woocommerce_rest_product_invalid_id",
    "message": "Invalid ID.",
    "data": {"status": 404},
}
"""What product.restored carries when the restored post is an order (legacy storage)."""
ONE = {"orders": "order", "customers": "customer", "products": "product"}
INVALID_ID = {
    "orders": ("woocommerce_rest_shop_order_invalid_id", "Invalid ID."),
    "products": ("woocommerce_rest_product_invalid_id", "Invalid ID."),
    "customers": ("woocommerce_rest_invalid_id", "Invalid resource ID."),
    "webhooks": ("woocommerce_rest_shop_webhook_invalid_id", "Invalid ID."),
}
OAUTH_PARAMETERS = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)
_RFC3339 = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}(:\d{2})?)?$"

_serving = threading.local()
"""The request a server thread is answering (its raw query string)."""
Answer = tuple[int, Any, dict[str, str]]
Sender = Callable[[str, bytes, dict[str, str]], int]
"""(url, raw body, headers) → HTTP status; raises OSError when the URL cannot be reached."""


@dataclass
class Failure:
    method: str
    path: str
    """Matches a request whose path (without query) ends with this and, if given, whose page is `page`."""
    status: int
    times: int
    page: int | None = None
    retry_after: str | None = None


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float
    scheme: str = ""
    """How the request authenticated: basic, query, oauth1 or none."""


@dataclass
class ApiKey:
    secret: str
    permissions: str = "read_write"
    """read, write or read_write."""


@dataclass
class Sent:
    """One delivery or ping as the stand-in sent it, and what became of it."""

    webhook_id: int
    topic: str | None
    """None for a ping."""
    raw: bytes
    headers: dict[str, str]
    status: int | None
    """The answer's status; None when it never left (refused URL, unreachable)."""
    error: str | None = None


@dataclass
class FakeWooCommerce:
    key: str = KEY
    secret: str = SECRET
    read_only: bool = False
    https: bool = False
    """Emulate a shop behind a TLS-terminating proxy: every request counts as https."""
    hpos: bool = True
    """Order storage: HPOS (True, WooCommerce's default) or legacy posts (trash/restore extras)."""
    timezone_offset: timedelta = timedelta(hours=7)
    keys: dict[str, ApiKey] = field(default_factory=dict)
    """More REST keys of the shop, by consumer key (besides `key`/`secret`)."""
    allowed_ports: tuple[int, ...] = ()
    """http_allowed_safe_ports added by a filter (the Sapa plugin adds its Sapa URL's port)."""
    resources: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"orders": [], "customers": [], "products": []}
    )
    webhooks: dict[int, dict[str, Any]] = field(default_factory=dict)
    """By id, as WooCommerce keeps them: with `secret`, `failure_count`, `pending_delivery`."""
    failures: list[Failure] = field(default_factory=list)
    requests: list[Seen] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    url: str = ""
    sender: Sender | None = None
    """Sends a delivery (default: urllib over the network); tests may post through a TestClient."""
    clock: Callable[[], float] = time.time
    _next_webhook: int = 100
    _queue: list[tuple[int, str, int]] = field(default_factory=list)
    """Queued deliveries: (webhook id, resource, resource id), in the order changes queued them."""
    _nonces: set[str] = field(default_factory=set)
    _trashed_status: dict[int, str] = field(default_factory=dict)

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        times: int = 1,
        page: int | None = None,
        retry_after: str | None = None,
    ) -> None:
        self.failures.append(Failure(method, path, status, times, page, retry_after))

    def pages_fetched(self, resource: str) -> list[int]:
        return [
            int(r.query.get("page", "1"))
            for r in self.requests
            if r.method == "GET" and r.path == f"{API}/{resource}"
        ]

    def key_record(self, consumer_key: str) -> ApiKey | None:
        """The shop's REST key with this consumer key (override to look keys up elsewhere)."""
        if consumer_key == self.key:
            return ApiKey(self.secret, "read" if self.read_only else "read_write")
        return self.keys.get(consumer_key)

    @contextmanager
    def running(self) -> Iterator[FakeWooCommerce]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()

    # The REST API ---------------------------------------------------------------------------------------
    def answer(self, method: str, path: str, query: dict[str, str], headers: Any, body: Any) -> Answer:
        """One REST request (`query` decoded, last value of each name); the raw query string, which the
        OAuth signature covers, comes from the request being served (see _handler)."""
        raw_query = getattr(_serving, "raw_query", "")
        seen = Seen(method, path, query, body, time.monotonic())
        self.requests.append(seen)
        failure = self._failure(method, path, query)
        if failure is not None:
            extra = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            return failure.status, {"code": "internal_server_error", "message": "Kesalahan server."}, extra
        https = self.https or str(headers.get("X-Forwarded-Proto", "")).lower() == "https"
        resource = path.removeprefix(API + "/")
        scheme, refusal, permissions = self._authenticate(method, path, headers, raw_query, https)
        seen.scheme = scheme
        if refusal is not None:
            return refusal
        if permissions is None:
            return _error(401, *_cannot(method, resource))
        if method != "GET" and permissions == "read":
            return _refused("The API key provided does not have write permissions.")
        return self._route(method, resource, query, body, https)

    def _route(self, method: str, resource: str, query: dict[str, str], body: Any, https: bool) -> Answer:
        if method == "GET" and resource in self.resources:  # a nested listing: products/<id>/variations
            return self._list(resource, query, https)
        name, _, item_id = resource.partition("/")
        if name in self.resources and method == "GET":
            if not item_id:
                return self._list(name, query, https)
            found = self._find(name, int(item_id)) if item_id.isdigit() else None
            return (200, found, {}) if found is not None else _error(404, *INVALID_ID[name])
        if name == "webhooks":
            return self._webhooks(method, item_id, query, body, https)
        return _error(404, "rest_no_route", "No route was found matching the URL and request method.")

    def _failure(self, method: str, path: str, query: dict[str, str]) -> Failure | None:
        for failure in self.failures:
            page_matches = failure.page is None or int(query.get("page", "1")) == failure.page
            if (
                failure.times > 0
                and failure.method == method
                and path.endswith(failure.path)
                and page_matches
            ):
                failure.times -= 1
                return failure
        return None

    def _authenticate(
        self, method: str, path: str, headers: Any, raw_query: str, https: bool
    ) -> tuple[str, Answer | None, str | None]:
        """(scheme, a refusal to answer as is, the key's permissions or None when no key was seen)."""
        params = parse_qsl(raw_query, keep_blank_values=True)  # PHP's $_GET: '+' is a space
        query = dict(params)
        if https:
            authorization = str(headers.get("Authorization") or "")
            if authorization.startswith("Basic "):
                try:
                    decoded = base64.b64decode(authorization.removeprefix("Basic ")).decode()
                except ValueError:
                    return "basic", None, None
                key, _, secret = decoded.partition(":")
                return ("basic", *self._check_secret(key, secret))
            if "consumer_key" in query:
                return ("query", *self._check_secret(query["consumer_key"], query.get("consumer_secret", "")))
            return "none", None, None
        if "oauth_consumer_key" not in query:
            return "none", None, None
        return ("oauth1", *self._check_oauth(method, path, params))

    def _check_secret(self, key: str, secret: str) -> tuple[Answer | None, str | None]:
        record = self.key_record(key)
        if record is None:
            return None, None  # an unknown key is simply not a user: "cannot view"
        if not hmac.compare_digest(record.secret.encode(), secret.encode()):
            return _refused("Consumer secret is invalid."), None
        return None, record.permissions

    def _check_oauth(
        self, method: str, path: str, params: list[tuple[str, str]]
    ) -> tuple[Answer | None, str | None]:
        """WC_REST_Authentication::perform_oauth_authentication over plain http."""
        query = dict(params)
        for required in OAUTH_PARAMETERS:
            if not query.get(required):
                missing = _error(
                    401,
                    "woocommerce_rest_authentication_missing_parameter",
                    f"Missing OAuth parameter {required}",
                )
                return missing, None
        record = self.key_record(query["oauth_consumer_key"])
        if record is None:
            return _refused("Consumer key is invalid."), None
        if query["oauth_signature_method"] not in ("HMAC-SHA1", "HMAC-SHA256"):
            return _refused("Invalid signature - signature method is invalid."), None
        given = unquote(query["oauth_signature"].replace(" ", "+"))
        expected = woocommerce_oauth_signature(method, self.url + path, params, record.secret)
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return _refused("Invalid signature - provided signature does not match."), None
        if not query["oauth_timestamp"].isdigit() or int(query["oauth_timestamp"]) < self.clock() - 15 * 60:
            return _refused("Invalid timestamp."), None
        nonce = query["oauth_consumer_key"] + query["oauth_nonce"]
        if nonce in self._nonces:
            return _refused("Invalid nonce - nonce has already been used."), None
        self._nonces.add(nonce)
        return None, record.permissions

    def _list(self, name: str, query: dict[str, str], https: bool) -> Answer:
        items = sorted(self.resources[name], key=lambda item: item["id"])
        for parameter, field_name in (("after", "date_created_gmt"), ("modified_after", "date_modified_gmt")):
            if parameter not in query:
                continue
            moment = self._moment(query[parameter])
            if moment is None:
                return _invalid_date(parameter)
            items = [i for i in items if _gmt(i.get(field_name) or i.get("date_created_gmt")) > moment]
        page, per_page = int(query.get("page", "1")), int(query.get("per_page", "10"))
        chunk = items[(page - 1) * per_page : page * per_page]
        total_pages = -(-len(items) // per_page)
        headers = {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(total_pages)}
        headers["Link"] = self._links(name, query, page, total_pages, https)
        return 200, chunk, headers

    def _moment(self, text: str) -> datetime | None:
        """rest_parse_date: RFC 3339; without an offset, the shop's time zone."""
        import re

        if not re.match(_RFC3339, text):
            return None
        moment = datetime.fromisoformat(text.replace("z", "Z").replace(" ", "T"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC) - self.timezone_offset
        return moment.astimezone(UTC)

    def _links(self, name: str, query: dict[str, str], page: int, total_pages: int, https: bool) -> str:
        base = ("https" + self.url.removeprefix("http")) if https else self.url
        if total_pages <= 1:
            return f'<{base}/wp-json/>; rel="https://api.w.org/"'
        kept = [(k, v) for k, v in query.items() if k != "page"]
        extra = "&status%5B0%5D=any&dp=0&context=view" if name == "orders" else ""

        def link(number: int, rel: str) -> str:
            args = "&".join(f"{quote(k)}={quote(v, safe='+')}" for k, v in [*kept, ("page", str(number))])
            return f'<{base}{API}/{name}?{args}{extra}>; rel="{rel}"'

        links = ([link(page - 1, "prev")] if page > 1 else []) + (
            [link(page + 1, "next")] if page < total_pages else []
        )
        return ", ".join(links)

    def _find(self, name: str, item_id: int) -> dict[str, Any] | None:
        return next((i for i in self.resources[name] if i["id"] == item_id), None)

    # Webhooks ------------------------------------------------------------------------------------------
    def _webhooks(self, method: str, item_id: str, query: dict[str, str], body: Any, https: bool) -> Answer:
        if not item_id:
            if method == "POST":
                return self._create_webhook(body)
            if method == "GET":
                listed = [_public(w) for w in sorted(self.webhooks.values(), key=lambda w: -int(w["id"]))]
                per_page, page = int(query.get("per_page", "10")), int(query.get("page", "1"))
                chunk = listed[(page - 1) * per_page : page * per_page]
                pages = max(1, -(-len(listed) // per_page))
                return 200, chunk, {"X-WP-Total": str(len(listed)), "X-WP-TotalPages": str(pages)}
        webhook = self.webhooks.get(int(item_id)) if item_id.isdigit() else None
        if webhook is None:
            return _error(404, *INVALID_ID["webhooks"])
        if method == "GET":
            return 200, _public(webhook), {}
        if method in ("PUT", "POST", "PATCH"):
            if isinstance(body, dict) and "status" in body:
                webhook["status"] = body["status"]
            webhook.update(_stamp("date_modified", self.clock(), self.timezone_offset))
            self._saved(webhook)
            return 200, _public(webhook), {}
        if method == "DELETE":
            if query.get("force") != "true":
                return _error(
                    501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing."
                )
            del self.webhooks[webhook["id"]]
            return 200, _public(webhook), {}
        return _error(404, "rest_no_route", "No route was found matching the URL and request method.")

    def _create_webhook(self, body: dict[str, Any]) -> Answer:
        self._next_webhook += 1
        resource, _, event = body["topic"].partition(".")
        webhook = {
            "id": self._next_webhook, "name": body["name"], "status": body.get("status", "active"),
            "topic": body["topic"], "resource": resource, "event": event,
            "hooks": HOOKS.get(body["topic"], []), "delivery_url": body["delivery_url"],
            "secret": body.get("secret", ""),
            **_stamp("date_created", self.clock(), self.timezone_offset), "date_modified": None,
            "date_modified_gmt": None, "failure_count": 0, "pending_delivery": 1,
        }  # fmt: skip
        self.webhooks[webhook["id"]] = webhook
        self._saved(webhook)
        return 201, _public(webhook), {}

    def _saved(self, webhook: dict[str, Any]) -> None:
        """WC_Webhook::save: an active webhook whose ping never succeeded pings again."""
        if webhook["status"] == "active" and webhook["pending_delivery"]:
            raw = f"webhook_id={webhook['id']}".encode()
            sent = self._transmit(webhook, None, raw, {"Content-Type": "application/x-www-form-urlencoded"})
            if sent.status is not None and 200 <= sent.status < 300:
                webhook["pending_delivery"] = 0

    # Changes in the shop ----------------------------------------------------------------------------
    def save(self, name: str, item: dict[str, Any], *, created: bool | None = None) -> dict[str, Any]:
        """Create or update an order, customer or product as WooCommerce's CRUD does: date_modified at the
        whole second now; queues the created/updated deliveries (an order or customer created also gets
        its updated one, with the same body)."""
        is_new = self._find(name, item["id"]) is None if created is None else created
        stamped = self._store_item(name, item, is_new)
        one = ONE[name]
        if is_new:
            self._enqueue(f"{one}.created", name, item["id"])
            if name != "products":
                self._enqueue(f"{one}.updated", name, item["id"])
        else:
            self._enqueue(f"{one}.updated", name, item["id"])
        return stamped

    def _store_item(self, name: str, item: dict[str, Any], is_new: bool = False) -> dict[str, Any]:
        stamped = dict(item) | _stamp("date_modified", self.clock(), self.timezone_offset)
        if is_new and not item.get("date_created_gmt"):
            stamped |= _stamp("date_created", self.clock(), self.timezone_offset)
        self.resources[name][:] = [i for i in self.resources[name] if i["id"] != item["id"]] + [stamped]
        return stamped

    def set_status(self, order_id: int, status: str) -> dict[str, Any]:
        order = self._find("orders", order_id)
        if order is None:
            raise KeyError(order_id)
        return self.save("orders", order | {"status": status}, created=False)

    def complete_order(self, order_id: int) -> dict[str, Any]:
        """Completed: order.updated, and customer.updated for its customer (is_paying_customer)."""
        order = self.set_status(order_id, "completed")
        customer = self._find("customers", order.get("customer_id") or 0)
        if customer is not None:
            self.save("customers", customer | {"is_paying_customer": True}, created=False)
        return order

    def trash(self, name: str, item_id: int) -> None:
        item = self._find(name, item_id)
        if item is None:
            raise KeyError(item_id)
        self._trashed_status[item_id] = str(item.get("status"))
        self._store_item(name, item | {"status": "trash"})
        if name == "orders" and not self.hpos:
            self._enqueue("product.deleted", "orders", item_id)  # wp_trash_post on the order's post
        self._enqueue(f"{ONE[name]}.deleted", name, item_id)

    def restore(self, name: str, item_id: int, *, straddle_second: bool = False) -> None:
        """Untrash: the previous status back. An order sends order.restored (and order.updated when the
        status save and the meta cleanup fall in different seconds: `straddle_second`); a product
        product.updated then product.restored; a legacy-storage order first product.restored (404 body)."""
        item = self._find(name, item_id)
        if item is None:
            raise KeyError(item_id)
        self._store_item(name, item | {"status": self._trashed_status.pop(item_id, "publish")})
        if name == "orders":
            if not self.hpos:
                self._enqueue("product.restored", "orders", item_id)
            self._enqueue("order.restored", name, item_id)
            if straddle_second:
                self._enqueue("order.updated", name, item_id)
        else:
            self._enqueue("product.updated", name, item_id)
            self._enqueue(f"{ONE[name]}.restored", name, item_id)

    def delete(self, name: str, item_id: int) -> None:
        """Deleted permanently: gone from the REST API, and no webhook says so."""
        self.resources[name][:] = [i for i in self.resources[name] if i["id"] != item_id]
        self._dequeue(name, item_id)
        if name == "customers":
            self._enqueue("customer.deleted", name, item_id)

    def _enqueue(self, topic: str, name: str, item_id: int) -> None:
        for webhook in self.webhooks.values():
            entry = (webhook["id"], name, item_id)
            if webhook["topic"] == topic and webhook["status"] == "active" and entry not in self._queue:
                self._queue.append(entry)

    def _dequeue(self, name: str, item_id: int) -> None:
        self._queue[:] = [e for e in self._queue if not (e[1] == name and e[2] == item_id)]

    # Deliveries -------------------------------------------------------------------------------------
    def run_queue(self, *, shuffle: random.Random | None = None) -> list[Sent]:
        """Action Scheduler's queue runner: build each queued delivery now (the resource's current state)
        and send it once; `shuffle` sends them in another order (concurrent runners)."""
        queued, self._queue = self._queue, []
        if shuffle is not None:
            shuffle.shuffle(queued)
        return [sent for entry in queued if (sent := self._deliver_queued(*entry)) is not None]

    def _deliver_queued(self, webhook_id: int, name: str, item_id: int) -> Sent | None:
        webhook = self.webhooks.get(webhook_id)
        if webhook is None or webhook["status"] != "active":
            return None
        payload: Any
        if webhook["event"] == "deleted" or (webhook["topic"] == "product.deleted" and name == "orders"):
            payload = {"id": item_id}
        elif webhook["topic"] == "product.restored" and name == "orders":
            payload = NO_PRODUCT
        else:
            payload = self._find(name, item_id)
            if payload is None:
                return None
        raw = json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()
        headers = {
            "Content-Type": "application/json",
            "X-WC-Webhook-Source": self.url + "/",
            "X-WC-Webhook-Topic": webhook["topic"],
            "X-WC-Webhook-Resource": webhook["resource"],
            "X-WC-Webhook-Event": webhook["event"],
            "X-WC-Webhook-Signature": base64.b64encode(
                hmac.new(webhook["secret"].encode(), raw, hashlib.sha256).digest()
            ).decode(),
            "X-WC-Webhook-ID": str(webhook["id"]),
            "X-WC-Webhook-Delivery-ID": delivery_id(webhook["id"], int(self.clock())),
        }
        sent = self._transmit(webhook, webhook["topic"], raw, headers)
        if sent.status is not None and 200 <= sent.status < 300:
            webhook["failure_count"] = 0
        elif webhook["failure_count"] >= MAX_FAILURES:
            webhook["status"] = "disabled"
        else:
            webhook["failure_count"] += 1
            self._saved(webhook)
        return sent

    def _transmit(
        self, webhook: dict[str, Any], topic: str | None, raw: bytes, headers: dict[str, str]
    ) -> Sent:
        url = webhook["delivery_url"]
        headers = {"User-Agent": USER_AGENT} | headers
        if not self.url_allowed(url):
            sent = Sent(webhook["id"], topic, raw, headers, None, "A valid URL was not provided.")
        else:
            try:
                sent = Sent(webhook["id"], topic, raw, headers, (self.sender or _post)(url, raw, headers))
            except OSError as error:
                sent = Sent(webhook["id"], topic, raw, headers, None, str(error))
        self.sent.append(sent)
        return sent

    def url_allowed(self, url: str) -> bool:
        """wp_http_validate_url as wp_safe_remote_request applies it."""
        parts, home = urlsplit(url), urlsplit(self.url or "http://127.0.0.1:80")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        port = parts.port or (443 if parts.scheme == "https" else 80)
        same_host = parts.hostname == home.hostname
        if not same_host and _internal(parts.hostname):
            return False
        return port in SAFE_PORTS or port in self.allowed_ports or (same_host and port == home.port)


def woocommerce_oauth_signature(method: str, url: str, params: list[tuple[str, str]], secret: str) -> str:
    """The signature WC_REST_Authentication::check_oauth_signature expects for a request of `method` to
    `url` (scheme, host, port and path) with the query `params` (decoded as PHP's $_GET has them)."""
    signed = sorted((k, v) for k, v in params if k != "oauth_signature")

    def encode(text: str) -> str:
        return quote(unquote(text), safe="").replace("%", "%25")

    query_string = "%26".join(f"{encode(k)}%3D{encode(v)}" for k, v in signed)
    base = f"{method.upper()}&{quote(url, safe='')}&{query_string}"
    algorithm = dict(params)["oauth_signature_method"].removeprefix("HMAC-").lower()
    digest = hmac.new((secret + "&").encode(), base.encode(), algorithm).digest()
    return base64.b64encode(digest).decode()


def delivery_id(webhook_id: int, unix_second: int) -> str:
    """Like wp_hash(webhook id . time()): one id per webhook per second (a stand-in salt for wp_hash's)."""
    return hmac.new(b"stand-in-wp-salt", f"{webhook_id}{unix_second}".encode(), hashlib.md5).hexdigest()


def _post(url: str, raw: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=raw, method="POST", headers=headers)  # noqa: S310 (http(s) checked)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (http(s) checked)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _internal(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def _public(webhook: dict[str, Any]) -> dict[str, Any]:
    """The REST body: never the secret, failure_count or pending_delivery."""
    return {k: v for k, v in webhook.items() if k not in ("secret", "failure_count", "pending_delivery")}


def _stamp(name: str, unix: float, offset: timedelta) -> dict[str, str]:
    utc = datetime.fromtimestamp(int(unix), UTC).replace(tzinfo=None)
    return {
        name: (utc + offset).strftime("%Y-%m-%dT%H:%M:%S"),
        f"{name}_gmt": utc.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _gmt(value: str | None) -> datetime:
    if not value:
        return datetime.min.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _error(status: int, code: str, message: str) -> Answer:
    return status, {"code": code, "message": message, "data": {"status": status}}, {}


def _refused(message: str) -> Answer:
    return _error(401, "woocommerce_rest_authentication_error", message)


def _cannot(method: str, resource: str) -> tuple[str, str]:
    """WooCommerce's permission errors for a request it saw no valid key on."""
    if method == "POST":
        return "woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."
    if method in ("PUT", "PATCH"):
        return "woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."
    if method == "DELETE":
        return "woocommerce_rest_cannot_delete", "Sorry, you are not allowed to delete this resource."
    if "/" in resource:
        return "woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."
    return "woocommerce_rest_cannot_view", "Sorry, you cannot list resources."


def _invalid_date(parameter: str) -> Answer:
    body = {
        "code": "rest_invalid_param",
        "message": f"Invalid parameter(s): {parameter}",
        "data": {
            "status": 400,
            "params": {parameter: "Invalid date."},
            "details": {parameter: {"code": "rest_invalid_date", "message": "Invalid date.", "data": None}},
        },
    }
    return 400, body, {}


def _handler(fake: FakeWooCommerce) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            _serving.raw_query = parts.query
            status, payload, extra = fake.answer(self.command, parts.path, query, self.headers, body)
            data = json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Robots-Tag", "noindex")
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, *args: Any) -> None:
            pass

    return Handler
