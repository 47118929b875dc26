"""The test site's WooCommerce REST API, for the plugin's integration test against the local Sapa stack
(wp-plugin/tests/integration/StackTest.php, started by run.sh).

It is the backend's stand-in (tests/commerce/fake_woocommerce.py: paging, webhooks, 401s, Basic auth over
https and OAuth 1.0a over http as WooCommerce 11 checks them) with two changes that make it this WordPress
site's WooCommerce:
- REST keys are looked up in the test site's `woocommerce_api_keys` table, as WooCommerce does (row by
  wc_api_hash(consumer_key); the stand-in then checks the secret or the OAuth signature with it): the key
  the plugin created is the one that works, with its permissions, and it stops working once the plugin
  deletes it;
- a control API under /__fake/ (which no WooCommerce has) lets the test seed the shop, see what Sapa did
  to it, and make "WooCommerce" deliver a webhook the way WC_Webhook::deliver does: the JSON of the REST
  resource, the X-WC-Webhook-* headers and the base64 HMAC-SHA256 signature with the webhook's secret.

python fake_shop.py --socket S --database D --prefix wptests_ --url-file F   (runs until SIGTERM)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import re
import signal
import subprocess
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.commerce import payloads
from tests.commerce.fake_woocommerce import ApiKey, FakeWooCommerce

CONTROL = "/__fake/"
BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {
    "orders": payloads.order,
    "customers": payloads.customer,
    "products": payloads.product,
}


@dataclass
class WordPressShop(FakeWooCommerce):
    socket: str = ""
    database: str = ""
    prefix: str = "wp_"
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    pings: list[dict[str, Any]] = field(default_factory=list)

    def answer(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        if path.startswith(CONTROL):
            return self._control(method, path.removeprefix(CONTROL), body)
        return super().answer(method, path, query, headers, body)

    def _create_webhook(self, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        """As WooCommerce's REST create_item: the webhook, then its activation ping (deliver_ping: an
        unsigned `webhook_id=N` form post; its answer is recorded and otherwise ignored, as there)."""
        status, webhook, extra = super()._create_webhook(body)
        self.pings.append(
            self._send(
                webhook,
                f"webhook_id={webhook['id']}".encode(),
                {"Content-Type": "application/x-www-form-urlencoded"},
            )
        )
        return status, webhook, extra

    def key_record(self, consumer_key: str) -> ApiKey | None:
        """WC_REST_Authentication::get_user_data_by_consumer_key: the key's row by wc_api_hash()."""
        hashed = hmac.new(b"wc-api", consumer_key.encode(), hashlib.sha256).hexdigest()  # wc_api_hash()
        table = f"{self.prefix}woocommerce_api_keys"
        if not re.fullmatch(r"\w+", table):
            raise ValueError(f"odd table prefix {self.prefix!r}")
        row = subprocess.run(
            ["mariadb", "--no-defaults", f"--socket={self.socket}", "-uroot", "-N", "-B", self.database,
             "-e", f"SELECT permissions, consumer_secret FROM {table} WHERE consumer_key = '{hashed}'"],
            capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        return ApiKey(secret=row[1], permissions=row[0]) if len(row) == 2 else None

    # The control API ---------------------------------------------------------------------------------
    def _control(self, method: str, action: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        if method == "GET" and action == "state":
            return 200, self._state(), {}
        if method == "POST" and action == "seed":
            for resource, items in body.items():
                for item in items:
                    self._put(resource, BUILDERS[resource](item.pop("id"), **item))
            return 200, {name: len(items) for name, items in self.resources.items()}, {}
        if method == "POST" and action == "deliver":
            return 200, self._deliver(body), {}
        return 404, {"message": f"no control action {method} {action}"}, {}

    def _state(self) -> dict[str, Any]:
        return {
            "webhooks": list(self.webhooks.values()),
            "requests": [{"method": r.method, "path": r.path, "query": r.query} for r in self.requests],
            "deliveries": self.deliveries,
            "pings": self.pings,
        }

    def _put(self, resource: str, item: dict[str, Any]) -> None:
        items = self.resources[resource]
        items[:] = [i for i in items if i["id"] != item["id"]] + [item]

    def _deliver(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """An order saved at checkout: the REST order (with the order's meta as WooCommerce lists it in
        meta_data), then one delivery to every active webhook of the topic."""
        topic = body["topic"]
        order = payloads.order(body["order"].pop("id"), **body["order"])
        for number, (key, value) in enumerate(body.get("meta", {}).items(), start=1):
            order["meta_data"].append({"id": order["id"] * 1000 + number, "key": key, "value": value})
        self._put("orders", order)
        answers = []
        for webhook in list(self.webhooks.values()):
            if webhook["topic"] == topic and webhook["status"] == "active":
                answers.append(self._post(webhook, order))
        return answers

    def _post(self, webhook: dict[str, Any], resource: dict[str, Any]) -> dict[str, Any]:
        """WC_Webhook::deliver: the resource's JSON, signed with the webhook's secret."""
        raw = json.dumps(resource, separators=(",", ":")).encode()
        signature = base64.b64encode(hmac.new(webhook["secret"].encode(), raw, hashlib.sha256).digest())
        delivery = self._send(
            webhook,
            raw,
            {
                "Content-Type": "application/json",
                "X-WC-Webhook-Source": self.url + "/",
                "X-WC-Webhook-Topic": webhook["topic"],
                "X-WC-Webhook-Resource": webhook["resource"],
                "X-WC-Webhook-Event": webhook["event"],
                "X-WC-Webhook-Signature": signature.decode(),
                "X-WC-Webhook-ID": str(webhook["id"]),
                "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
            },
        )
        self.deliveries.append(delivery)
        return delivery

    def _send(self, webhook: dict[str, Any], raw: bytes, headers: dict[str, str]) -> dict[str, Any]:
        if not webhook["delivery_url"].startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) delivery URL: {webhook['delivery_url']}")
        request = urllib.request.Request(  # noqa: S310 (http(s) checked above)
            webhook["delivery_url"],
            data=raw,
            method="POST",
            headers={"User-Agent": "WooCommerce/9.4.0 Hookshot (WordPress/6.1)"} | headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (http(s) checked above)
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        return {"webhook_id": webhook["id"], "status": status, "body": _json(text)}


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True, help="the test site's MariaDB socket")
    parser.add_argument("--database", required=True)
    parser.add_argument("--prefix", default="wp_", help="WordPress table prefix")
    parser.add_argument("--url-file", required=True, help="written with the shop's URL once it listens")
    args = parser.parse_args()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    shop = WordPressShop(socket=args.socket, database=args.database, prefix=args.prefix)
    with shop.running():
        Path(args.url_file).write_text(shop.url)
        stop.wait()


if __name__ == "__main__":
    main()
