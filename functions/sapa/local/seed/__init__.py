"""DEV-ONLY demo data for the local stack: two stores with six months of believable history.

"Batik Sapa Demo" is the store the README, the dashboard and the tests log in to: about 40 products,
200 customers (Indonesian and a few English-speaking expats), several hundred WooCommerce orders and
about 500 WhatsApp conversations, so every KPI in DESIGN.md section 6 has something to measure:
bot and human response times, confirmed and assumed bot resolutions, handoffs and tickets,
conversions (a paid order within 7 days of a conversation), returning customers and a long-standing
base for retention. "Toko Lain Demo" is a small second store with its own agent, so that isolation
between stores can be shown and tested.

The data is a pure function of (`now`, `random_seed`); `seed_demo` writes it once, as the superuser,
in one transaction, and does nothing when the demo store already exists (pass `reset=True` to replace
the demo stores' data with a fresh six months ending at `now`). Rows outside the two demo stores and
their three users are never touched. Never run this against a production database."""

from sapa.local.seed.catalogue import JAKARTA
from sapa.local.seed.generate import HISTORY_DAYS, build_demo_data
from sapa.local.seed.model import (
    Agent,
    Conversation,
    Courier,
    Customer,
    Message,
    Order,
    Product,
    StoreData,
    Ticket,
    Topic,
)
from sapa.local.seed.script import SEED_RESPONDER
from sapa.local.seed.stores import DEMO, DemoStore
from sapa.local.seed.texts import MESSAGES, render
from sapa.local.seed.topics import TOPICS
from sapa.local.seed.write import seed_demo

__all__ = [
    "DEMO",
    "HISTORY_DAYS",
    "JAKARTA",
    "MESSAGES",
    "SEED_RESPONDER",
    "TOPICS",
    "Agent",
    "Conversation",
    "Courier",
    "Customer",
    "DemoStore",
    "Message",
    "Order",
    "Product",
    "StoreData",
    "Ticket",
    "Topic",
    "build_demo_data",
    "render",
    "seed_demo",
]
