"""The exchanges recorded from real WooCommerce 11.0.1 on WordPress 7.0.4 (../shared/data/woocommerce-real,
or SAPA_WOOCOMMERCE_CORPUS): deliveries by site and scenario, REST exchanges, keys; and the shop's state
that a scenario leaves behind, folded from its deliveries (what the shop's REST API would answer then)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

ROOT = Path(
    os.environ.get("SAPA_WOOCOMMERCE_CORPUS")
    or Path(__file__).resolve().parents[3] / "shared" / "data" / "woocommerce-real"
)
SITES = ("hpos-on", "hpos-off")
LISTINGS = {"order": "orders", "customer": "customers", "product": "products"}
_TRANSPORT_HEADERS = {"host", "content-length", "connection", "accept-encoding"}


def corpus_root() -> Path:
    if not (ROOT / "README.md").exists():
        raise FileNotFoundError(
            f"the recorded WooCommerce corpus is not at {ROOT}: set SAPA_WOOCOMMERCE_CORPUS to its folder"
        )
    return ROOT


@dataclass(frozen=True)
class Delivery:
    site: str
    scenario: str
    file: str
    topic: str | None
    """None for a ping."""
    headers: dict[str, str]
    raw: bytes
    secret: str

    @property
    def payload(self) -> Any:
        return json.loads(self.raw) if self.topic else None


def deliveries(site: str) -> dict[str, list[Delivery]]:
    """Scenario folder → its deliveries in arrival (file) order; scenarios in their recorded order."""
    found: dict[str, list[Delivery]] = {}
    for folder in sorted((corpus_root() / "deliveries" / site).iterdir()):
        found[folder.name] = [_delivery(site, folder.name, path) for path in sorted(folder.glob("*.json"))]
    return found


def _delivery(site: str, scenario: str, path: Path) -> Delivery:
    data = json.loads(path.read_text())
    return Delivery(
        site,
        scenario,
        path.name,
        data["topic"],
        data["headers"],
        data["body"].encode("utf-8"),
        data["secret"],
    )


def scenario(site: str, name: str) -> list[Delivery]:
    """The deliveries of one recorded scenario, in the order they arrived."""
    found = deliveries(site).get(name)
    assert found, f"no recorded deliveries for {site}/{name}"
    return found


def replay(client: TestClient, store_id: str, delivery: Delivery) -> Response:
    """POST the delivery to the store's webhook route with the headers WooCommerce sent (transport
    headers aside, which the test client sets itself)."""
    headers = {k: v for k, v in delivery.headers.items() if k.lower() not in _TRANSPORT_HEADERS}
    return client.post(f"/webhooks/woocommerce/{store_id}", content=delivery.raw, headers=headers)


def rest(site: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((corpus_root() / "rest" / site / f"{name}.json").read_text())
    return data


def rest_body(site: str, name: str) -> Any:
    """The JSON body of a recorded REST answer."""
    return json.loads(rest(site, name)["response"]["body"])


@cache
def rest_names() -> frozenset[str]:
    return frozenset(f"{p.parent.name}/{p.stem}" for p in (corpus_root() / "rest").glob("*/*.json"))


def keys() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((corpus_root() / "keys.json").read_text())
    return data


def fold(state: dict[str, dict[int, dict[str, Any]]], delivery: Delivery) -> None:
    """What the shop holds after this delivery's change: the delivered body (the state when its queue
    ran), a trashed order or product with status trash, a deleted customer gone."""
    if delivery.topic is None:
        return
    resource, _, event = delivery.topic.partition(".")
    payload = delivery.payload
    if not isinstance(payload, dict) or "id" not in payload:
        return  # product.restored of a legacy-storage order: the REST 404 body
    listing = state.setdefault(LISTINGS[resource], {})
    item_id = int(payload["id"])
    if event == "deleted":
        if resource == "customer":
            listing.pop(item_id, None)
        elif item_id in listing:  # a legacy order's product.deleted names no product
            listing[item_id] = listing[item_id] | {"status": "trash"}
        return
    listing[item_id] = payload
