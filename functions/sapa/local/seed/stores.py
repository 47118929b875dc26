"""The two demo stores: the logins the stack hands out (`DEMO`) and the shape of each store's history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoStore:
    """What the local stack tells tests and people about the seeded demo (`sapa status -o env`)."""

    store_id: str
    store_name: str
    whatsapp_number: str
    admin_email: str
    admin_password: str
    agent_email: str
    agent_password: str
    twilio_auth_token: str
    woocommerce_webhook_secret: str
    other_store_id: str
    other_store_name: str
    other_whatsapp_number: str
    other_agent_email: str
    other_agent_password: str


# Local-demo credentials only: printed by `sapa status`, never used outside the local stack.
DEMO = DemoStore(
    store_id="00000000-0000-4000-8000-000000000001",
    store_name="Batik Sapa Demo",
    whatsapp_number="+6281100000001",
    admin_email="admin@demo.sapa.local",
    admin_password="sapa-demo-admin",  # noqa: S106
    agent_email="agent@demo.sapa.local",
    agent_password="sapa-demo-agent",  # noqa: S106
    twilio_auth_token="sapa-local-demo-twilio-auth-token",  # noqa: S106
    woocommerce_webhook_secret="sapa-local-demo-woocommerce-secret",  # noqa: S106
    other_store_id="00000000-0000-4000-8000-000000000002",
    other_store_name="Toko Lain Demo",
    other_whatsapp_number="+6281100000002",
    other_agent_email="other-agent@demo.sapa.local",
    other_agent_password="sapa-demo-other",  # noqa: S106
)


@dataclass(frozen=True)
class StoreProfile:
    id: uuid.UUID
    name: str
    shop: str  # how the bot and agents call the shop in messages
    site_url: str
    whatsapp_number: str
    customers: int
    expats: int
    products: int
    fresh_open: int  # open conversations of each kind (bot, human) in the last day


# fmt: off
PROFILES = (
    StoreProfile(uuid.UUID(DEMO.store_id), DEMO.store_name, "Batik Sapa", "https://demo.sapa.local",
                 DEMO.whatsapp_number, customers=192, expats=8, products=40, fresh_open=3),
    StoreProfile(uuid.UUID(DEMO.other_store_id), DEMO.other_store_name, "Toko Lain", "https://lain.demo.sapa.local",
                 DEMO.other_whatsapp_number, customers=9, expats=1, products=6, fresh_open=1),
)
# fmt: on
