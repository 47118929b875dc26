"""A local fake of the WooCommerce REST API v3 over HTTP, for tests: the real Sapa client (httpx) talks
to it. It lists orders, customers and products with WooCommerce's paging (page, per_page, orderby=id,
X-WP-Total / X-WP-TotalPages, `after` on orders), creates and deletes webhooks, checks Basic auth
(401 like WooCommerce for wrong keys, and for writes with read-only keys), and fails on request
(`fail(...)`: injectable 500s or 429s with Retry-After)."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API = "/wp-json/wc/v3"
KEY = "ck_" + "0a1b2c3d4e" * 4
SECRET = "cs_" + "9f8e7d6c5b" * 4


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


@dataclass
class FakeWooCommerce:
    key: str = KEY
    secret: str = SECRET
    read_only: bool = False
    resources: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"orders": [], "customers": [], "products": []}
    )
    webhooks: dict[int, dict[str, Any]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    requests: list[Seen] = field(default_factory=list)
    url: str = ""
    _next_webhook: int = 100

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

    # What the handler does --------------------------------------------------------------------------
    def answer(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        self.requests.append(Seen(method, path, query, body, time.monotonic()))
        failure = self._failure(method, path, query)
        if failure is not None:
            extra = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            return failure.status, {"code": "internal_server_error", "message": "Kesalahan server."}, extra
        if not self._authorised(headers.get("Authorization")):
            return (
                401,
                {
                    "code": "woocommerce_rest_cannot_view",
                    "message": "Sorry, you cannot list resources.",
                    "data": {"status": 401},
                },
                {},
            )
        if method != "GET" and self.read_only:
            return (
                401,
                {
                    "code": "woocommerce_rest_cannot_create",
                    "message": "Sorry, you are not allowed to create resources.",
                    "data": {"status": 401},
                },
                {},
            )
        resource = path.removeprefix(API + "/")
        if method == "GET" and resource in self.resources:
            return self._list(resource, query)
        if method == "POST" and resource == "webhooks":
            return self._create_webhook(body)
        if method == "DELETE" and resource.startswith("webhooks/"):
            webhook = self.webhooks.pop(int(resource.split("/")[1]), None)
            if webhook is None:
                return (
                    404,
                    {
                        "code": "woocommerce_rest_webhook_invalid_id",
                        "message": "Invalid ID.",
                        "data": {"status": 404},
                    },
                    {},
                )
            return 200, webhook, {}
        return (
            404,
            {"code": "rest_no_route", "message": "No route was found matching the URL and request method."},
            {},
        )

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

    def _authorised(self, header: str | None) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()
        return header == expected

    def _list(self, resource: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        items = sorted(self.resources[resource], key=lambda item: item["id"])
        if resource == "orders" and "after" in query:
            after = datetime.fromisoformat(query["after"]).astimezone(UTC)
            items = [
                i for i in items if datetime.fromisoformat(i["date_created_gmt"]).replace(tzinfo=UTC) > after
            ]
        page, per_page = int(query.get("page", "1")), int(query.get("per_page", "10"))
        chunk = items[(page - 1) * per_page : page * per_page]
        total_pages = -(-len(items) // per_page)
        return 200, chunk, {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(total_pages)}

    def _create_webhook(self, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        self._next_webhook += 1
        resource, _, event = body["topic"].partition(".")
        webhook = {
            "id": self._next_webhook, "name": body["name"], "status": body.get("status", "active"),
            "topic": body["topic"], "resource": resource, "event": event, "hooks": [],
            "delivery_url": body["delivery_url"], "secret": body["secret"],
        }  # fmt: skip
        self.webhooks[webhook["id"]] = webhook
        return 201, webhook, {}


def _handler(fake: FakeWooCommerce) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            status, payload, extra = fake.answer(self.command, parts.path, query, self.headers, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, *args: Any) -> None:
            pass

    return Handler
