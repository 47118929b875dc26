"""The recorded WooCommerce exchanges (tests/commerce/woocommerce_real/): deliveries replayed through the
webhook route exactly as WooCommerce sent them (raw body, headers, signature), and REST answers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

CORPUS = Path(__file__).parent / "woocommerce_real"
_TRANSPORT_HEADERS = {"host", "content-length", "connection", "accept-encoding"}


@dataclass(frozen=True)
class Recorded:
    """One webhook delivery as WooCommerce sent it."""

    name: str
    topic: str
    headers: dict[str, str]
    raw: bytes
    secret: str

    @property
    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(self.raw)
        return payload


def scenario(site: str, name: str) -> list[Recorded]:
    """The deliveries of one recorded scenario, in the order they arrived."""
    folder = CORPUS / "deliveries" / site / name
    files = sorted(folder.glob("*.json"))
    assert files, f"no recorded deliveries in {folder}"
    return [_recorded(path) for path in files]


def _recorded(path: Path) -> Recorded:
    data = json.loads(path.read_text())
    return Recorded(path.stem, data["topic"], data["headers"], data["body"].encode(), data["secret"])


def replay(client: TestClient, store_id: str, delivery: Recorded) -> Response:
    """POST the delivery to the store's webhook route with the headers WooCommerce sent (transport
    headers aside, which the test client sets itself)."""
    headers = {k: v for k, v in delivery.headers.items() if k.lower() not in _TRANSPORT_HEADERS}
    return client.post(f"/webhooks/woocommerce/{store_id}", content=delivery.raw, headers=headers)


def rest_body(site: str, name: str) -> Any:
    """The JSON body of a recorded REST answer."""
    data = json.loads((CORPUS / "rest" / site / f"{name}.json").read_text())
    return json.loads(data["response"]["body"])
