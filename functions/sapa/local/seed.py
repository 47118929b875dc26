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

from __future__ import annotations

import random
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from faker import Faker
from psycopg import sql
from psycopg.types.json import Jsonb

from sapa.local.auth import create_user

# Public API ---------------------------------------------------------------------------------------


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

SEED_RESPONDER = "seed"  # messages.metadata.responder of the seeded bot replies
HISTORY_DAYS = 182
JAKARTA = ZoneInfo("Asia/Jakarta")

_ADMIN_ID = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
_AGENT_ID = uuid.UUID("00000000-0000-4000-8000-0000000000a2")
_OTHER_AGENT_ID = uuid.UUID("00000000-0000-4000-8000-0000000000b1")
_SEED_LOCK = 7_261_123  # pg_advisory_xact_lock key: concurrent seeds wait for each other


def seed_demo(
    db_url: str, *, now: datetime | None = None, random_seed: int = 7, reset: bool = False
) -> DemoStore:
    """Seed the demo stores unless they exist; with `reset`, replace their data. Returns `DEMO`."""
    now = _as_utc(now or datetime.now(UTC))
    with psycopg.connect(db_url) as conn:
        conn.execute("select pg_advisory_xact_lock(%s)", (_SEED_LOCK,))
        if _demo_exists(conn) and not reset:
            return DEMO
        _delete_demo_rows(conn)
        teams = {
            uuid.UUID(DEMO.store_id): [
                _team_member(
                    conn, DEMO.admin_email, DEMO.admin_password, _ADMIN_ID, "Rina Wulandari", "owner"
                ),
                _team_member(
                    conn, DEMO.agent_email, DEMO.agent_password, _AGENT_ID, "Dimas Pratama", "agent"
                ),
            ],
            uuid.UUID(DEMO.other_store_id): [
                _team_member(
                    conn,
                    DEMO.other_agent_email,
                    DEMO.other_agent_password,
                    _OTHER_AGENT_ID,
                    "Sari Kusuma",
                    "agent",
                )
            ],
        }
        _write(conn, build_demo_data(now, random_seed, teams), teams)
    return DEMO


# Generated data (pure) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Agent:
    id: uuid.UUID
    full_name: str
    role: str

    @property
    def first_name(self) -> str:
        return self.full_name.split()[0]


@dataclass(frozen=True)
class _StoreProfile:
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
_PROFILES = (
    _StoreProfile(uuid.UUID(DEMO.store_id), DEMO.store_name, "Batik Sapa", "https://demo.sapa.local",
                  DEMO.whatsapp_number, customers=192, expats=8, products=40, fresh_open=3),
    _StoreProfile(uuid.UUID(DEMO.other_store_id), DEMO.other_store_name, "Toko Lain", "https://lain.demo.sapa.local",
                  DEMO.other_whatsapp_number, customers=9, expats=1, products=6, fresh_open=1),
)
# fmt: on


@dataclass(frozen=True)
class Product:
    id: uuid.UUID
    external_id: int
    name: str
    sku: str
    category: str
    price: int
    stock_status: str
    stock_quantity: int | None
    weight: float  # popularity


@dataclass
class Customer:
    id: uuid.UUID
    phone: str
    name: str
    email: str | None
    lang: str  # "id" or "en": the language the customer writes in
    arrival: datetime
    opt_in: bool
    external_id: int | None = None
    orders: list[Order] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    @property
    def first_seen_at(self) -> datetime:
        times = [o.created_at for o in self.orders] + [c.created_at for c in self.conversations]
        return min(times, default=self.arrival)


@dataclass(frozen=True)
class Courier:
    name: str
    shipping_method: str
    resi: Callable[[random.Random], str]


@dataclass
class Order:
    id: uuid.UUID
    customer: Customer
    created_at: datetime
    lines: list[tuple[Product, int]]
    payment_method: str
    courier: Courier
    status: str = "pending"
    date_paid: datetime | None = None
    shipped_at: datetime | None = None
    date_completed: datetime | None = None
    date_modified: datetime | None = None
    tracking_number: str | None = None
    number: int = 0

    @property
    def total(self) -> int:
        return sum(product.price * quantity for product, quantity in self.lines)

    def status_at(self, moment: datetime) -> str:
        if self.date_completed and moment >= self.date_completed:
            return "completed"
        if self.date_paid and moment >= self.date_paid:
            return "processing"
        return "on-hold" if self.payment_method == "bacs" else "pending"


@dataclass
class Message:
    id: uuid.UUID
    at: datetime
    sender: str  # customer, bot, agent, system
    template: str
    status: str
    provider_message_id: str | None
    category: str | None = None
    urgency: str | None = None
    confidence: float | None = None
    media: list[dict[str, str]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Conversation:
    id: uuid.UUID
    customer: Customer
    topic: Topic
    product: Product
    order: Order | None
    messages: list[Message]
    city: str
    outcome: str  # bot_confirmed, bot_assumed, human (planned; open when cut off by `now`)
    agent: Agent | None = None
    handed_off_at: datetime | None = None
    resolved_at: datetime | None = None

    @property
    def created_at(self) -> datetime:
        return self.messages[0].at

    @property
    def status(self) -> str:
        if self.resolved_at is not None:
            return "resolved"
        return "human" if self.handed_off_at is not None else "bot"


@dataclass(frozen=True)
class Ticket:
    id: uuid.UUID
    conversation: Conversation
    status: str
    priority: str
    subject: str
    agent: Agent
    created_at: datetime
    resolved_at: datetime | None


@dataclass
class StoreData:
    profile: _StoreProfile
    now: datetime
    products: list[Product]
    customers: list[Customer]
    orders: list[Order]
    conversations: list[Conversation]
    tickets: list[Ticket]


def build_demo_data(now: datetime, random_seed: int, teams: dict[uuid.UUID, list[Agent]]) -> list[StoreData]:
    """Both demo stores' data, determined by `now` and `random_seed` alone."""
    rng = random.Random(random_seed)  # noqa: S311  # demo data, not secrets
    fake = Faker("id_ID")
    fake.seed_instance(random_seed)
    phones: set[str] = {p.whatsapp_number for p in _PROFILES}
    now = _as_utc(now).replace(microsecond=0)
    return [
        _StoreBuilder(profile, teams[profile.id], rng, fake, phones, now).build() for profile in _PROFILES
    ]


class _StoreBuilder:
    """Generates one store's history: customers arrive, order, and talk to the shop on WhatsApp."""

    def __init__(
        self,
        profile: _StoreProfile,
        agents: list[Agent],
        rng: random.Random,
        fake: Faker,
        phones: set[str],
        now: datetime,
    ) -> None:
        self.profile, self.agents, self.now = profile, agents, now
        self.rng, self.fake = rng, fake
        self.phones = phones  # every number handed out so far, in both stores
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.provider_ids: set[str] = set()  # Twilio MessageSids handed out so far
        self.products = self._products()
        self.orders: list[Order] = []

    def build(self) -> StoreData:
        expat_names = self.rng.sample(_EXPAT_NAMES, self.profile.expats)
        customers = [self._customer() for _ in range(self.profile.customers)]
        customers += [self._customer(english_name=name) for name in expat_names]
        for customer in customers:
            self._order_history(customer)
        for customer in customers:
            planned = self._post_purchase_conversations(customer) + self._pre_sale_conversations(customer)
            customer.conversations = _without_overlaps(planned)
        self._fresh_open_conversations(customers)
        for customer in customers:
            for conversation in list(customer.conversations):
                self._maybe_convert(conversation)
        self._number_orders_and_accounts(customers)
        conversations = sorted((c for cu in customers for c in cu.conversations), key=lambda c: c.created_at)
        tickets = [t for c in conversations if (t := self._ticket(c)) is not None]
        return StoreData(
            self.profile, self.now, self.products, customers, self.orders, conversations, tickets
        )

    # Catalogue and customers ----------------------------------------------------------------------

    def _products(self) -> list[Product]:
        rng = self.rng
        chosen = (
            _CATALOGUE
            if self.profile.products >= len(_CATALOGUE)
            else rng.sample(_CATALOGUE, self.profile.products)
        )
        base = 101 if self.profile.id == uuid.UUID(DEMO.store_id) else 9101
        products = []
        for index, (name, category, price) in enumerate(chosen):
            stock_status = rng.choices(["instock", "outofstock", "onbackorder"], [30, 2, 1])[0]
            products.append(
                Product(
                    id=_uuid(rng),
                    external_id=base + index,
                    name=name,
                    sku=f"{_SKU_PREFIX[category]}-{base + index:04d}",
                    category=category,
                    price=price,
                    stock_status=stock_status,
                    stock_quantity=rng.randint(3, 120) if stock_status == "instock" else 0,
                    weight=rng.paretovariate(1.6),
                )
            )
        return products

    def _customer(self, *, english_name: str | None = None) -> Customer:
        """An Indonesian customer, or an English-speaking expat (some with a number from home)."""
        rng, fake = self.rng, self.fake
        if english_name:
            name = english_name
        else:
            first = fake.first_name_female() if rng.random() < 0.62 else fake.first_name_male()
            name = f"{first} {fake.last_name()}"
        lang = "en" if english_name or rng.random() < 0.04 else "id"
        arrival = self.start + (self.now - self.start) * rng.random() ** 0.9
        return Customer(
            id=_uuid(rng),
            phone=self._phone(foreign=english_name is not None and rng.random() < 0.3),
            name=name,
            email=_email(name, rng) if rng.random() < 0.3 else None,  # buyers get one at checkout
            lang=lang,
            arrival=self._local_moment(arrival),
            opt_in=rng.random() < 0.5,
        )

    def _phone(self, *, foreign: bool) -> str:
        rng = self.rng
        while True:
            if foreign:
                country, digits = rng.choice([("61", "4"), ("65", "9"), ("44", "7")])
                number = f"+{country}{digits}{rng.randrange(10**7, 10**8)}"
            else:
                tail = rng.randrange(10**7, 10**8) if rng.random() < 0.7 else rng.randrange(10**6, 10**7)
                number = f"+628{rng.choice(_MOBILE_PREFIXES)}{tail}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    # Orders -----------------------------------------------------------------------------------------

    def _order_history(self, customer: Customer) -> None:
        rng = self.rng
        kind = rng.choices(["buyer", "loyal", "browser"], [62, 12, 26])[0]
        if kind == "browser":
            return
        if kind == "loyal":  # a customer from before the six months of history
            before = self.start - timedelta(days=rng.uniform(10, 180))
            self._add_order(customer, self._local_moment(before))
        count = rng.choices([1, 2, 3, 4, 5, 6, 7], [28, 22, 18, 13, 9, 6, 4])[0]
        moment = customer.arrival
        for _ in range(count):
            if moment >= self.now - timedelta(minutes=30):
                break
            self._add_order(customer, moment)
            moment = self._local_moment(moment + timedelta(days=rng.expovariate(1 / 32) + 2))

    def _add_order(
        self,
        customer: Customer,
        created_at: datetime,
        *,
        product: Product | None = None,
        quantity: int = 1,
        paid: bool = False,
    ) -> Order:
        rng = self.rng
        if product is not None:
            lines = [(product, quantity)]
        else:
            picks = rng.choices(
                self.products, [p.weight for p in self.products], k=rng.choices([1, 2, 3], [60, 28, 12])[0]
            )
            lines = [
                (p, rng.randint(2, 5) if p.category == "Masker" else rng.choices([1, 2], [85, 15])[0])
                for p in dict.fromkeys(picks)
            ]
        order = Order(
            id=_uuid(rng),
            customer=customer,
            created_at=created_at,
            lines=lines,
            payment_method=rng.choices(["bacs", "midtrans", "cod"], [45, 42, 13])[0],
            courier=rng.choices(_COURIERS, [35, 30, 25, 10])[0],
        )
        self._settle(order, paid=paid)
        customer.orders.append(order)
        self.orders.append(order)
        return order

    def _settle(self, order: Order, *, paid: bool) -> None:
        """Pick a status plausible for the order's age and fill in the dates WooCommerce would have."""
        rng, created, now = self.rng, order.created_at, self.now
        age = (now - created).total_seconds() / 86400
        status = _order_status(age, rng)
        if paid and status not in ("processing", "completed"):
            status = "completed" if age > 8 else "processing"
        if status in ("on-hold",):
            order.payment_method = "bacs"
        elif status in ("pending", "failed") and order.payment_method != "midtrans":
            order.payment_method = "midtrans"
        modified = created + timedelta(seconds=rng.randint(5, 90))
        if status in ("processing", "completed", "refunded"):
            delay = rng.uniform(0.3, 8) * 3600 if order.payment_method == "bacs" else rng.uniform(20, 300)
            order.date_paid = min(now, created + timedelta(seconds=delay))
            modified = order.date_paid
            shipped = order.date_paid + timedelta(hours=rng.uniform(3, 30))
            if shipped < now - timedelta(hours=2) or status != "processing":
                order.shipped_at = min(shipped, now)
                order.tracking_number = order.courier.resi(rng)
                modified = order.shipped_at
            if status in ("completed", "refunded") and order.shipped_at is not None:
                delivered = order.shipped_at + timedelta(days=rng.uniform(1, 6))
                if delivered < now:
                    order.date_completed, modified = delivered, delivered
                else:
                    status = "processing"
            if status == "refunded" and order.date_completed is not None:
                refunded = order.date_completed + timedelta(days=rng.uniform(2, 8))
                if refunded < now:
                    modified = refunded
                else:
                    status = "completed"
        elif status == "cancelled":
            modified = min(now, created + timedelta(hours=rng.uniform(1, 48)))
        elif status == "failed":
            modified = created + timedelta(minutes=rng.uniform(1, 15))
        order.status, order.date_modified = status, min(modified, now)

    def _number_orders_and_accounts(self, customers: list[Customer]) -> None:
        """WooCommerce numbers orders and customer accounts in the order they were created."""
        self.orders.sort(key=lambda o: o.created_at)
        first_number = 1001 if self.profile.id == uuid.UUID(DEMO.store_id) else 5001
        for index, order in enumerate(self.orders):
            order.number = first_number + index
        account = 2001 if self.profile.id == uuid.UUID(DEMO.store_id) else 8001
        for customer in sorted(
            (c for c in customers if c.orders), key=lambda c: min(o.created_at for o in c.orders)
        ):
            customer.email = customer.email or _email(customer.name, self.rng)  # WooCommerce requires one
            if self.rng.random() < 0.82:  # the rest check out as guests
                customer.external_id = account
                account += 1

    # Conversations ----------------------------------------------------------------------------------

    def _post_purchase_conversations(self, customer: Customer) -> list[Conversation]:
        conversations = []
        for order in customer.orders:
            for topic_key, chance in _ORDER_TOPICS[order.status]:
                window = _question_window(topic_key, order)
                if window is None or self.rng.random() >= chance:
                    continue
                low, high = window[0], min(window[1], self.now - timedelta(minutes=2))
                if high <= max(low, self.start):
                    continue
                begin = max(low, self.start) + (high - max(low, self.start)) * self.rng.random()
                conversations.append(self._conversation(customer, TOPICS[topic_key], begin, order=order))
        return conversations

    def _pre_sale_conversations(self, customer: Customer) -> list[Conversation]:
        rng = self.rng
        count = (
            rng.choices([0, 1, 2, 3], [25, 50, 18, 7])[0]
            if customer.orders
            else rng.choices([1, 2], [75, 25])[0]
        )
        conversations = []
        for index in range(count):
            anchor = (
                customer.arrival
                if index == 0 and not customer.orders
                else self.start + (self.now - self.start) * rng.random()
            )
            begin = self._local_moment(max(anchor, self.start))
            if begin >= self.now - timedelta(minutes=2):
                continue
            key = rng.choices(list(_PRE_SALE_TOPICS), list(_PRE_SALE_TOPICS.values()))[0]
            conversations.append(self._conversation(customer, TOPICS[key], begin))
        return conversations

    def _fresh_open_conversations(self, customers: list[Customer]) -> None:
        """A few conversations still waiting on the bot's assumed resolution or on a person."""
        rng, day_ago = self.rng, self.now - timedelta(days=1)
        quiet = [
            c
            for c in customers
            if all(conv.resolved_at is not None and conv.resolved_at < day_ago for conv in c.conversations)
        ]
        for outcome in ["open_bot"] * self.profile.fresh_open + ["open_human"] * self.profile.fresh_open:
            if not quiet:
                return
            customer = quiet.pop(rng.randrange(len(quiet)))
            hours = rng.uniform(2, 20) if outcome == "open_bot" else rng.uniform(0.2, 1.5)
            shipped = [
                o
                for o in customer.orders
                if o.tracking_number and o.created_at > self.now - timedelta(days=20)
            ]
            key, order = rng.choice(["product_question", "delivery_cost", "store_info"]), None
            if outcome == "open_human":
                key, order = (
                    ("delivery_late", shipped[-1])
                    if shipped
                    else (rng.choice(["wholesale", "product_question"]), None)
                )
            begin = self.now - timedelta(hours=hours)
            customer.conversations.append(
                self._conversation(customer, TOPICS[key], begin, order=order, outcome=outcome)
            )

    def _maybe_convert(self, conversation: Conversation) -> None:
        """Some pre-sale questions end in a paid order within a few days: conversion has a meaning."""
        rng = self.rng
        if conversation.order is not None or rng.random() >= conversation.topic.convert:
            return
        last = conversation.messages[-1].at
        created = last + timedelta(hours=min(rng.expovariate(1 / 20), 150) + 0.2)
        created = max(self._local_moment(created), last + timedelta(minutes=12))
        if created >= self.now - timedelta(minutes=30) or created > last + timedelta(days=6.5):
            return
        quantity = rng.randint(12, 40) if conversation.topic.key == "wholesale" else rng.choice([1, 1, 1, 2])
        self._add_order(
            conversation.customer, created, product=conversation.product, quantity=quantity, paid=True
        )

    def _conversation(
        self,
        customer: Customer,
        topic: Topic,
        begin: datetime,
        *,
        order: Order | None = None,
        outcome: str | None = None,
    ) -> Conversation:
        rng = self.rng
        if outcome is None:
            outcome = (
                "human"
                if rng.random() < topic.handoff
                else rng.choices(["bot_confirmed", "bot_assumed"], [55, 45])[0]
            )
        product = order.lines[0][0] if order else self._popular_product(wearable=topic.key == "wholesale")
        conversation = Conversation(
            id=_uuid(rng),
            customer=customer,
            topic=topic,
            product=product,
            order=order,
            messages=[],
            city=rng.choice(_CITIES),
            outcome=outcome,
        )
        _Script(self, conversation, begin.replace(microsecond=0)).play()
        return conversation

    def _popular_product(self, *, wearable: bool = False) -> Product:
        products = [p for p in self.products if not wearable or p.category in _WEARABLE] or self.products
        return self.rng.choices(products, [p.weight for p in products])[0]

    def _ticket(self, conversation: Conversation) -> Ticket | None:
        rng, topic, agent = self.rng, conversation.topic, conversation.agent
        first_agent = next((m.at for m in conversation.messages if m.sender == "agent"), None)
        if agent is None or first_agent is None or rng.random() >= topic.ticket:
            return None
        created = min(self.now, first_agent + timedelta(minutes=rng.uniform(1, 8)))
        status, resolved = "open", None
        if conversation.resolved_at is not None:
            done = conversation.resolved_at + timedelta(hours=rng.uniform(0, 36))
            follow_up = rng.choices(["resolved", "pending", "open"], [75, 15, 10])[0]
            status = follow_up if done < self.now else "pending"
            resolved = done if status == "resolved" else None
        urgency = conversation.messages[0].urgency
        priority = {"high": rng.choice(["high", "high", "urgent"]), "medium": "normal"}.get(
            urgency or "", "low"
        )
        subject = topic.ticket_subject.format(
            order=conversation.order.number if conversation.order else "", product=conversation.product.name
        )
        return Ticket(_uuid(rng), conversation, status, priority, subject, agent, created, resolved)

    def _local_moment(self, moment: datetime) -> datetime:
        """The same Jakarta day as `moment`, at an hour people actually shop and chat."""
        rng = self.rng
        local_day = moment.astimezone(JAKARTA).replace(hour=0, minute=0, second=0, microsecond=0)
        hour = rng.choices(range(24), _HOUR_WEIGHTS)[0]
        local = local_day + timedelta(hours=hour, seconds=rng.randrange(3600))
        return min(local.astimezone(UTC), self.now - timedelta(minutes=1))

    def provider_message_id(self) -> str:
        while True:
            sid = f"SM{self.rng.getrandbits(128):032x}"
            if sid not in self.provider_ids:
                self.provider_ids.add(sid)
                return sid


class _Script:
    """Plays one conversation: customer, bot, maybe a person, and how it ended; cut off at `now`."""

    def __init__(self, store: _StoreBuilder, conversation: Conversation, begin: datetime) -> None:
        self.store, self.rng, self.conv, self.clock = store, store.rng, conversation, begin
        self.lang = conversation.customer.lang

    def say(self, key: str) -> str:
        return self.rng.choice(MESSAGES[key][self.lang])

    def play(self) -> None:
        conv, topic, rng = self.conv, self.conv.topic, self.rng
        urgency = rng.choice(topic.urgency)
        self.customer(self.say(f"{topic.key}.opening"), topic.category, urgency, wait=0)
        self.bot(self.say(f"{topic.key}.bot"))
        if rng.random() < topic.follow_up:
            photo = {
                "content_type": "image/jpeg",
                "url": f"https://demo.sapa.local/media/{rng.getrandbits(64):016x}.jpg",
            }
            media = [photo] if topic.key == "refund_request" else []
            self.customer(self.say(f"{topic.key}.more"), topic.category, urgency, media=media)
            self.bot(self.say(f"{topic.key}.bot_more"))
        if conv.outcome in ("human", "open_human"):
            self.handoff(urgency)
        elif conv.outcome == "bot_confirmed":
            self.customer(self.say("thanks"), "other", "low")
            self.bot(self.say("bot_closing"))
            conv.resolved_at = self.clock
        elif conv.outcome == "bot_assumed":  # the scheduled job runs hourly
            conv.resolved_at = self.clock + timedelta(hours=24, minutes=rng.randint(1, 59))
        self.cut_at(self.store.now)

    def handoff(self, urgency: str) -> None:
        conv, rng = self.conv, self.rng
        asked = rng.random() < 0.5
        if asked:
            self.customer(
                self.say("ask_human"), conv.topic.category, "high" if urgency == "high" else "medium"
            )
        self.bot(self.say("bot_handoff"))
        conv.handed_off_at = self.clock
        reason = "customer_request" if asked else "assistant"
        self.add("system", "Handed off to the team", wait=1, metadata={"event": "handoff", "reason": reason})
        if conv.outcome == "open_human" and rng.random() < 0.5:
            return  # nobody has picked it up yet
        conv.agent = rng.choices(
            self.store.agents, [1 if a.role == "owner" else 3 for a in self.store.agents]
        )[0]
        self.agent(self.say(f"{conv.topic.key}.agent"), wait=_agent_delay(self.clock, rng))
        if rng.random() < 0.7:
            self.customer(self.say("acknowledge"), "other", "low")
            if conv.outcome == "human":
                self.agent(self.say("agent_closing"), wait=rng.uniform(30, 600))
        if conv.outcome == "human":  # the agent marks it resolved a little later
            conv.resolved_at = self.clock + timedelta(minutes=rng.uniform(1, 30))

    def customer(
        self,
        template: str,
        category: str,
        urgency: str,
        *,
        wait: float | None = None,
        media: list[dict[str, str]] | None = None,
    ) -> None:
        rng = self.rng
        confidence = round(min(0.99, max(0.42, rng.betavariate(9, 1.6 if category != "other" else 3))), 3)
        self.add(
            "customer",
            template,
            wait=rng.uniform(40, 1200) if wait is None else wait,
            category=category,
            urgency=urgency,
            confidence=confidence,
            media=media or [],
        )

    def bot(self, template: str) -> None:
        wait = min(60.0, 3 + self.rng.expovariate(1 / 7))
        self.add("bot", template, wait=wait, metadata={"responder": SEED_RESPONDER})

    def agent(self, template: str, *, wait: float) -> None:
        assert self.conv.agent is not None
        self.add("agent", template, wait=wait, metadata={"agent_id": str(self.conv.agent.id)})

    def add(
        self,
        sender: str,
        template: str,
        *,
        wait: float,
        category: str | None = None,
        urgency: str | None = None,
        confidence: float | None = None,
        media: list[dict[str, str]] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.clock += timedelta(seconds=max(1, round(wait)))
        if sender == "customer":
            status = "received"
        elif sender == "system" or self.store.now - self.clock < timedelta(minutes=1):
            status = "sent"  # system notes never leave Sapa; fresh replies have no receipt yet
        else:
            status = self.rng.choices(["read", "delivered"], [80, 20])[0]
        sid = None if sender == "system" else self.store.provider_message_id()
        self.conv.messages.append(
            Message(
                _uuid(self.rng),
                self.clock,
                sender,
                template,
                status,
                sid,
                category,
                urgency,
                confidence,
                media or [],
                metadata or {},
            )
        )

    def cut_at(self, now: datetime) -> None:
        conv = self.conv
        conv.messages = [m for m in conv.messages if m.at <= now]
        if conv.handed_off_at is not None and conv.handed_off_at > now:
            conv.handed_off_at = None
        if conv.resolved_at is not None and conv.resolved_at > now:
            conv.resolved_at = None
        if conv.agent is not None and not any(m.sender == "agent" for m in conv.messages):
            conv.agent = None


def _without_overlaps(conversations: list[Conversation]) -> list[Conversation]:
    """A customer has one conversation at a time: drop any that would start before the last one ended."""
    kept: list[Conversation] = []
    for conversation in sorted(conversations, key=lambda c: c.created_at):
        previous_end = kept[-1].resolved_at if kept else None
        if not kept or (
            previous_end is not None and conversation.created_at > previous_end + timedelta(minutes=5)
        ):
            kept.append(conversation)
    return kept


def _order_status(age_days: float, rng: random.Random) -> str:
    statuses = ["completed", "processing", "on-hold", "pending", "cancelled", "refunded", "failed"]
    if age_days < 2:
        weights = [10, 45, 15, 15, 5, 0, 5]
    elif age_days < 10:
        weights = [55, 25, 4, 3, 6, 2, 4]
    else:
        weights = [78, 0, 2, 2, 8, 5, 5]
    return rng.choices(statuses, weights)[0]


def _agent_delay(handoff: datetime, rng: random.Random) -> float:
    """Seconds until a person answers: minutes in working hours (08-21 WIB), next morning otherwise."""
    local = handoff.astimezone(JAKARTA)
    if 8 <= local.hour < 21:
        return 45 + min(rng.expovariate(1 / 600), 5400)
    morning = local.replace(hour=8, minute=0, second=0) + timedelta(days=1 if local.hour >= 21 else 0)
    return (morning - local).total_seconds() + rng.uniform(60, 3000)


# Texts --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    """What a conversation is about; its messages are the `<key>.<part>` entries of MESSAGES."""

    key: str
    category: str
    urgency: tuple[str, ...]  # drawn from, per conversation
    follow_up: float  # chance of a second customer question
    handoff: float  # chance that a person takes over
    ticket: float  # chance that a handed-off conversation gets a ticket
    convert: float  # chance that a paid order follows within days (pre-sale questions)
    summary: str  # English, for the inbox and analysts
    ticket_subject: str = ""


# fmt: off
TOPICS: dict[str, Topic] = {t.key: t for t in [
    #     key                 category    urgency                      more  handoff ticket convert
    Topic("delivery_status",  "delivery", ("low", "medium"),           0.35, 0.12,   0,     0,
          "Asked where order #{order} is"),
    Topic("delivery_late",    "delivery", ("high", "high", "medium"),  0.4,  0.45,   0.35,  0,
          "Order #{order} delayed in transit", "Late delivery, order #{order}"),
    Topic("delivery_cost",    "delivery", ("low",),                    0,    0.05,   0,     0.2,
          "Asked about shipping to {city}"),
    Topic("order_change",     "order",    ("medium",),                 0.8,  0.5,    0.15,  0,
          "Asked to change order #{order}", "Change to order #{order}"),
    Topic("order_cancel",     "order",    ("medium",),                 0,    0.3,    0,     0,
          "Asked to cancel order #{order}"),
    Topic("order_confirm",    "order",    ("low",),                    0,    0.1,    0,     0,
          "Asked for confirmation of order #{order}"),
    Topic("payment_confirm",  "payment",  ("medium", "low"),           0,    0.3,    0.1,   0,
          "Confirmed a bank transfer for order #{order}", "Check transfer for order #{order}"),
    Topic("payment_failed",   "payment",  ("high", "medium"),          0,    0.35,   0.15,  0,
          "Payment problem with order #{order}", "Failed payment, order #{order}"),
    Topic("payment_methods",  "payment",  ("low",),                    0,    0.05,   0,     0.25,
          "Asked which payment methods are accepted"),
    Topic("refund_request",   "refund",   ("high", "medium"),          0.8,  0.75,   0.7,   0,
          "Asked for a refund or return on order #{order}", "Refund request, order #{order}"),
    Topic("refund_status",    "refund",   ("medium",),                 0,    0.4,    0.2,   0,
          "Asked about the refund for order #{order}", "Refund not received, order #{order}"),
    Topic("product_question", "other",    ("low",),                    0.4,  0.08,   0,     0.3,
          "Asked about {product}"),
    Topic("wholesale",        "other",    ("medium", "low"),           0,    0.7,    0.4,   0.25,
          "Wholesale enquiry about {product}", "Wholesale quote: {product}"),
    Topic("store_info",       "other",    ("low",),                    0,    0.05,   0,     0.1,
          "Asked about the showroom and opening hours"),
]}
# fmt: on

# Every message the seed sends, by `<topic>.<part>` (opening, bot, more, bot_more, agent) or a shared
# key, then language. A message starts with "- "; indented lines continue it.
_MESSAGE_TEXT = """
[delivery_status.opening.id]
- Halo kak, pesanan saya #{order} sudah dikirim belum ya?
- Min, paket #{order} sudah sampai mana ya? 🙏
- Selamat siang, boleh minta nomor resi untuk order #{order}?
- Kak mau tanya, {product} yang saya pesan kapan dikirim? No. pesanan {order}
[delivery_status.opening.en]
- Hi, has my order #{order} been shipped yet?
- Hello! Could I get the tracking number for order #{order}?
- Hi there, any update on the delivery of order #{order}?
[delivery_status.bot.id]
- Halo kak {name} 👋 Pesanan #{order} sudah dikirim via {courier} dengan nomor resi {resi}.
  Estimasi tiba 2-4 hari kerja ya kak.
- Terima kasih sudah menunggu, kak {name}. Paket #{order} sudah diserahkan ke {courier},
  resinya {resi} 😊
[delivery_status.bot.en]
- Hi {name}! Order #{order} was shipped with {courier}, tracking number {resi}.
  It should arrive within 2-4 working days.
- Thanks for waiting, {name}. Order #{order} is with {courier} now; the tracking number is {resi}.
[delivery_status.more.id]
- Biasanya berapa hari sampai {city} kak?
- Kok di web {courier} belum update ya kak?
[delivery_status.more.en]
- How long does it usually take to {city}?
- The courier's website hasn't updated yet, is that normal?
[delivery_status.bot_more.id]
- Untuk tujuan {city} biasanya 2-4 hari kerja kak. Status di sistem kurir kadang baru muncul
  1x24 jam setelah paket diserahkan ya 🙏
[delivery_status.bot_more.en]
- Deliveries to {city} usually take 2-4 working days. The courier's tracking can take up to
  24 hours to show the first scan.
[delivery_status.agent.id]
- Halo kak {name}, saya {agent} dari tim {shop}. Sudah saya cek ke {courier}, paket #{order}
  sedang transit di {city} dan dijadwalkan diantar besok ya kak.
[delivery_status.agent.en]
- Hi {name}, this is {agent} from {shop}. I checked with {courier}: order #{order} is in transit
  in {city} and should be delivered tomorrow.

[delivery_late.opening.id]
- Kak, paket #{order} belum sampai juga padahal sudah {days} hari. Tolong dibantu cek ya
- Min ini gimana ya, resi {resi} statusnya nggak gerak dari kemarin 😕
- Pesanan #{order} lama banget sampainya, saya butuh buat kondangan hari Sabtu kak
[delivery_late.opening.en]
- My order #{order} still hasn't arrived after {days} days. Can you check please?
- The tracking for {resi} hasn't moved since yesterday, is something wrong?
[delivery_late.bot.id]
- Mohon maaf atas keterlambatannya kak {name} 🙏 Menurut data {courier}, paket #{order}
  (resi {resi}) masih dalam perjalanan ke {city}. Kami bantu pantau ya.
[delivery_late.bot.en]
- Sorry for the delay, {name}. According to {courier}, order #{order} (tracking {resi}) is still
  on its way to {city}. We'll keep an eye on it.
[delivery_late.more.id]
- Tolong ya kak, saya butuh cepat
- Bisa minta nomor CS {courier}?
[delivery_late.more.en]
- Please, I need it urgently.
- Could you give me the courier's contact?
[delivery_late.bot_more.id]
- Baik kak, kami tandai sebagai prioritas 🙏
[delivery_late.bot_more.en]
- Understood, we've flagged it as urgent.
[delivery_late.agent.id]
- Halo kak {name}, saya {agent} dari {shop}. Sudah kami ajukan komplain ke {courier} untuk resi
  {resi}; paket dijadwalkan diantar ulang besok pagi ya kak.
- Halo kak {name}, saya {agent}. Paket #{order} tertahan di gudang {courier} {city}, sudah kami
  minta diprioritaskan hari ini.
[delivery_late.agent.en]
- Hi {name}, {agent} from {shop} here. We've filed a complaint with {courier} for {resi};
  redelivery is scheduled for tomorrow morning.

[delivery_cost.opening.id]
- Kak, ongkir ke {city} berapa ya?
- Bisa kirim ke {city} kak? Kira-kira berapa hari?
- Ada gratis ongkir nggak kak kalau beli {product}?
[delivery_cost.opening.en]
- Hi, how much is shipping to {city}?
- Do you deliver to {city}? How many days does it take?
[delivery_cost.bot.id]
- Halo kak {name} 😊 Kami kirim ke seluruh Indonesia via JNE, J&T, SiCepat dan AnterAja.
  Ongkir ke {city} mulai Rp 18.000, estimasi 2-4 hari kerja; gratis ongkir untuk belanja di
  atas Rp 500.000.
[delivery_cost.bot.en]
- Hi {name}! We ship all over Indonesia with JNE, J&T, SiCepat and AnterAja. Shipping to {city}
  starts at Rp 18,000 and takes 2-4 working days; it's free above Rp 500,000.
[delivery_cost.agent.id]
- Halo kak {name}, saya {agent}. Untuk {city} bisa pakai SiCepat BEST, estimasi 1-2 hari ya kak.
[delivery_cost.agent.en]
- Hi {name}, {agent} here. For {city} we can use SiCepat BEST, which takes 1-2 days.

[order_change.opening.id]
- Kak, saya mau ganti alamat pengiriman untuk pesanan #{order}, bisa?
- Min, di pesanan #{order} {product}-nya bisa tukar warna nggak?
- Kak saya salah pilih motif di order #{order}, bisa diganti sebelum dikirim?
[order_change.opening.en]
- Can I change the delivery address for order #{order}?
- Could I swap the {product} in order #{order} for another colour?
[order_change.bot.id]
- Baik kak {name}, pesanan #{order} belum dikirim jadi masih bisa diubah. Mohon kirimkan detail
  perubahannya ya, tim kami akan memprosesnya.
[order_change.bot.en]
- Sure {name}, order #{order} hasn't shipped yet so it can still be changed. Please send the
  details and our team will update it.
[order_change.more.id]
- Alamat baru: {street}, {city}
- Jadi warna biru indigo ya kak, jumlahnya tetap
[order_change.more.en]
- New address: {street}, {city}
- Indigo blue please, same quantity.
[order_change.bot_more.id]
- Terima kasih kak, sudah kami catat 🙏
[order_change.bot_more.en]
- Thanks, noted!
[order_change.agent.id]
- Halo kak {name}, saya {agent}. Perubahan untuk pesanan #{order} sudah saya update ya kak,
  total tetap {total}.
[order_change.agent.en]
- Hi {name}, {agent} here. I've updated order #{order} for you; the total stays {total}.

[order_cancel.opening.id]
- Kak, pesanan #{order} tolong dibatalkan saja ya, saya double order
- Min, mau cancel order #{order}, ternyata salah warna
- Bisa batalkan pesanan #{order}? Belum saya bayar kok
[order_cancel.opening.en]
- Please cancel order #{order}, I placed it twice by mistake.
- Hi, can I cancel #{order}? I haven't paid yet.
[order_cancel.bot.id]
- Siap kak {name}, permintaan pembatalan pesanan #{order} sudah kami teruskan. Karena belum
  dibayar, tidak ada dana yang perlu dikembalikan ya.
[order_cancel.bot.en]
- No problem, {name}. The cancellation of order #{order} has been passed on; since it wasn't
  paid, there's nothing to refund.
[order_cancel.agent.id]
- Halo kak {name}, pesanan #{order} sudah saya batalkan ya. Ditunggu order berikutnya 😊
[order_cancel.agent.en]
- Hi {name}, order #{order} is cancelled now. Hope to see you again soon!

[order_confirm.opening.id]
- Kak, pesanan #{order} sudah masuk kan? Belum dapat email konfirmasi
- Pesanan saya #{order} sudah diproses belum ya kak?
- Kak, {product} di pesanan #{order} ada stoknya kan?
[order_confirm.opening.en]
- Hi, did my order #{order} go through? I didn't get a confirmation email.
- Is order #{order} being processed?
[order_confirm.bot.id]
- Halo kak {name}, pesanan #{order} sudah kami terima dengan total {total} dan statusnya
  {status} 😊
[order_confirm.bot.en]
- Hi {name}, we've received order #{order} (total {total}); its status is {status}.
[order_confirm.agent.id]
- Halo kak {name}, saya {agent}. Pesanan #{order} aman ya kak, sedang kami siapkan.
[order_confirm.agent.en]
- Hi {name}, {agent} here. Order #{order} is confirmed and being prepared.

[payment_confirm.opening.id]
- Kak, saya sudah transfer {total} ke {bank} untuk pesanan #{order}, mohon dicek ya 🙏
- Min, bukti transfer untuk order #{order} sudah saya kirim, kapan diproses?
- Sudah bayar ya kak #{order}, atas nama {full_name}
[payment_confirm.opening.en]
- Hi, I've transferred {total} to {bank} for order #{order}, could you check?
- Payment for #{order} is done, please confirm.
[payment_confirm.bot.id]
- Terima kasih kak {name} 🙏 Transfer bank kami cek manual maksimal 1x24 jam di jam kerja;
  pesanan #{order} langsung diproses setelah dana masuk.
[payment_confirm.bot.en]
- Thank you, {name}! Bank transfers are checked manually within 24 working hours; order
  #{order} will be processed as soon as the payment is in.
[payment_confirm.agent.id]
- Halo kak {name}, saya {agent}. Transfer {total} untuk pesanan #{order} sudah masuk ya kak,
  pesanan segera kami kirim.
[payment_confirm.agent.en]
- Hi {name}, {agent} here. Your transfer of {total} for #{order} has arrived; we'll ship it
  shortly.

[payment_failed.opening.id]
- Kak, bayar pakai GoPay gagal terus untuk pesanan #{order}, gimana ya?
- Pembayaran kartu kredit saya ditolak kak, padahal limit masih ada. Order #{order}
- Min, virtual account untuk #{order} kok sudah expired?
[payment_failed.opening.en]
- My card payment keeps failing for order #{order}. What should I do?
- The payment page for #{order} says the transaction failed.
[payment_failed.bot.id]
- Mohon maaf kak {name} 🙏 Silakan coba lagi lewat link pembayaran di email pesanan #{order},
  atau pilih transfer bank BCA/Mandiri. Kalau masih gagal, kabari kami ya.
[payment_failed.bot.en]
- Sorry about that, {name}. Please try again from the payment link in the order #{order} email,
  or choose bank transfer (BCA/Mandiri). Let us know if it still fails.
[payment_failed.agent.id]
- Halo kak {name}, saya {agent}. Sudah saya buatkan link pembayaran baru untuk #{order} ya kak,
  berlaku 24 jam.
[payment_failed.agent.en]
- Hi {name}, {agent} here. I've sent you a new payment link for #{order}, valid for 24 hours.

[payment_methods.opening.id]
- Kak, bisa bayar COD?
- Bisa cicilan pakai kartu kredit nggak kak?
- Pembayaran bisa lewat QRIS atau OVO?
[payment_methods.opening.en]
- Do you accept international credit cards?
- Can I pay cash on delivery?
[payment_methods.bot.id]
- Bisa kak {name} 😊 Kami menerima transfer bank (BCA, Mandiri, BNI), QRIS, GoPay, OVO dan
  kartu kredit lewat Midtrans, serta COD untuk area Jabodetabek.
[payment_methods.bot.en]
- Yes, {name}! We accept bank transfer (BCA, Mandiri, BNI), QRIS, GoPay, OVO and credit cards
  via Midtrans, plus cash on delivery in Greater Jakarta.
[payment_methods.agent.id]
- Halo kak {name}, saya {agent}. Untuk cicilan 0% bisa pakai kartu kredit BCA lewat Midtrans
  ya kak.
[payment_methods.agent.en]
- Hi {name}, {agent} here. Visa and Mastercard from any country work through Midtrans.

[refund_request.opening.id]
- Kak, {product} yang saya terima ada nodanya, bisa tukar atau refund?
- Barang dari pesanan #{order} jahitannya lepas kak, saya mau refund 😞
- Warna {product} beda jauh sama di foto kak, mau retur pesanan #{order}
- Paket #{order} datang tapi isinya kurang satu kak
[refund_request.opening.en]
- The {product} from order #{order} arrived damaged. I'd like a refund please.
- The colour of the {product} is very different from the photos, can I return it?
[refund_request.bot.id]
- Mohon maaf atas ketidaknyamanannya kak {name} 🙏 Pengembalian bisa dalam 7 hari setelah
  barang diterima. Boleh kirimkan foto barangnya? Saya teruskan ke tim kami.
[refund_request.bot.en]
- I'm sorry about that, {name}. Returns are accepted within 7 days of delivery. Could you send
  a photo of the item? I'll pass it to our team.
[refund_request.more.id]
- Ini fotonya kak
- Sudah saya kirim fotonya ya
[refund_request.more.en]
- Here's the photo.
[refund_request.bot_more.id]
- Terima kasih kak, fotonya sudah kami terima.
[refund_request.bot_more.en]
- Thanks, we got the photo.
[refund_request.agent.id]
- Halo kak {name}, saya {agent} dari {shop}. Sudah kami cek fotonya, refund {total} kami
  setujui dan diproses 1-3 hari kerja ya kak.
- Halo kak {name}, saya {agent}. Kami kirimkan pengganti {product} tanpa biaya tambahan ya kak,
  barang yang lama tidak perlu dikembalikan.
[refund_request.agent.en]
- Hi {name}, {agent} from {shop}. We've reviewed the photo and approved a refund of {total};
  it takes 1-3 working days.

[refund_status.opening.id]
- Kak, dana refund untuk pesanan #{order} kok belum masuk ya?
- Refund #{order} sudah diproses belum kak?
[refund_status.opening.en]
- Hi, I still haven't received the refund for order #{order}.
- Has the refund for #{order} been processed?
[refund_status.bot.id]
- Refund pesanan #{order} sebesar {total} sudah kami proses kak {name}. Dana biasanya masuk
  1-3 hari kerja tergantung bank ya 🙏
[refund_status.bot.en]
- The refund of {total} for order #{order} has been processed, {name}. It usually takes 1-3
  working days to reach your account.
[refund_status.agent.id]
- Halo kak {name}, saya {agent}. Ini bukti transfer refund #{order} ya kak, mohon dicek kembali.
[refund_status.agent.en]
- Hi {name}, {agent} here. Here's the transfer receipt for the refund on #{order}.

[product_question.opening.id]
- Kak, {product} masih ready?
- {product} bahannya apa ya kak? Adem nggak?
- Halo kak, {product} ada warna lain?
- Kak, {product} bisa dicuci pakai mesin?
- Ada diskon kalau beli 3 {product} kak?
[product_question.opening.en]
- Hi! Is the {product} still available?
- What fabric is the {product} made of?
- Does the {product} come in XL?
[product_question.bot.id]
- Halo kak {name} 😊 {product} masih ready, harganya {price}. Bahannya katun primisima yang adem
  dan tidak luntur. Bisa langsung dipesan di {site} ya kak.
- Ready kak {name}! {product} harganya {price}, stok terbatas. Mau dibantu pesan?
[product_question.bot.en]
- Hi {name}! The {product} is in stock at {price}. It's made of soft primisima cotton that
  doesn't fade. You can order it at {site}.
[product_question.more.id]
- Kalau beli 2 bisa dapat diskon kak?
- Bisa dikirim hari ini kak?
[product_question.more.en]
- Can it ship today?
- Is there another colour?
[product_question.bot_more.id]
- Bisa kak 😊 Pembelian 2 pcs dapat potongan 5%, dan pesanan sebelum jam 14.00 dikirim hari yang
  sama 🙏
[product_question.bot_more.en]
- Orders placed before 2 pm ship the same day, and most designs also come in sogan brown and
  indigo blue.
[product_question.agent.id]
- Halo kak {name}, saya {agent}. Stok {product} tinggal sedikit, mau saya bantu siapkan
  pesanannya?
[product_question.agent.en]
- Hi {name}, {agent} here. We only have a few {product} left; shall I set one aside for you?

[wholesale.opening.id]
- Kak, kalau pesan 50 pcs {product} untuk seragam kantor bisa harga grosir?
- Mau tanya kak, terima pesanan batik seragam untuk acara keluarga 30 orang?
- Ada harga reseller nggak kak?
[wholesale.opening.en]
- Do you offer wholesale prices for 40 pieces of {product} for our office?
[wholesale.bot.id]
- Bisa kak {name} 😊 Untuk pembelian mulai 12 pcs ada harga khusus dan bisa request motif.
  Tim penjualan kami akan membantu detailnya.
[wholesale.bot.en]
- Yes, {name}! Orders of 12 pieces or more get special prices, and custom patterns are
  possible. Our sales team will help with the details.
[wholesale.agent.id]
- Halo kak {name}, saya {agent}. Untuk {product} di atas 24 pcs kami beri diskon 15% ya kak,
  produksi 2 minggu. Boleh info ukuran yang dibutuhkan?
[wholesale.agent.en]
- Hi {name}, {agent} here. For more than 24 pieces of {product} we give 15% off, with two
  weeks of production. Which sizes do you need?

[store_info.opening.id]
- Kak, tokonya ada offline store nggak?
- Jam operasional CS sampai jam berapa ya kak?
- Kak, bisa ambil langsung di toko?
[store_info.opening.en]
- Do you have a physical shop I can visit?
- What are your opening hours?
[store_info.bot.id]
- Halo kak {name} 😊 Showroom kami di Jl. Kauman No. 12, Solo, buka Senin-Sabtu 09.00-17.00.
  CS WhatsApp siap membantu setiap hari 08.00-21.00.
[store_info.bot.en]
- Hi {name}! Our showroom is at Jl. Kauman No. 12, Solo, open Mon-Sat 9 am-5 pm. WhatsApp
  support is available daily 8 am-9 pm.
[store_info.agent.id]
- Halo kak {name}, saya {agent}. Boleh kak, pengambilan di showroom bisa mulai besok jam 10 ya.
[store_info.agent.en]
- Hi {name}, {agent} here. Yes, you can pick it up at the showroom from 10 am tomorrow.

[thanks.id]
- Oke kak, terima kasih banyak 🙏
- Siap, makasih infonya kak
- Terima kasih kak, sudah jelas
- Mantap, makasih min!
- Baik kak, terima kasih
- Sip kak, makasih ya
[thanks.en]
- Great, thank you!
- Thanks, that helps a lot.
- Perfect, thanks!
[bot_closing.id]
- Sama-sama kak {name} 😊 Senang bisa membantu!
- Sama-sama kak, selamat berbelanja di {shop} 🙏
[bot_closing.en]
- You're welcome, {name}! Happy to help.
- Anytime, {name}! Enjoy your batik 😊
[ask_human.id]
- Bisa bicara langsung dengan admin kak?
- Saya mau ngobrol sama orangnya langsung aja kak
- Tolong sambungkan ke CS ya
[ask_human.en]
- Can I talk to a person please?
- I'd like to speak to someone from your team.
[bot_handoff.id]
- Baik kak {name}, saya sambungkan dengan tim {shop} ya. Mohon ditunggu sebentar 🙏
[bot_handoff.en]
- Sure, {name}. I'm connecting you with the {shop} team; they'll reply shortly.
[acknowledge.id]
- Oke kak, ditunggu ya
- Baik, terima kasih kak
- Siap kak 👍
- Wah cepat, makasih kak
[acknowledge.en]
- Okay, thanks!
- Alright, thank you.
- Great, thanks for sorting it out.
[agent_closing.id]
- Sama-sama kak {name}. Kalau ada kendala lagi langsung kabari kami ya 🙏
[agent_closing.en]
- You're welcome, {name}. Let us know if there's anything else.
"""


def _parse_messages(text: str) -> dict[str, dict[str, tuple[str, ...]]]:
    messages: dict[str, dict[str, list[str]]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("["):
            key, _, lang = line.strip("[]").rpartition(".")
            current = messages.setdefault(key, {}).setdefault(lang, [])
        elif line.startswith("- "):
            current.append(line[2:])
        elif line.startswith("  "):
            current[-1] += " " + line.strip()
    return {key: {lang: tuple(texts) for lang, texts in by_lang.items()} for key, by_lang in messages.items()}


MESSAGES = _parse_messages(_MESSAGE_TEXT)

# fmt: off
_STATUS_WORDS = {
    "id": {"processing": "sedang diproses", "on-hold": "menunggu konfirmasi pembayaran",
           "pending": "menunggu pembayaran", "completed": "selesai"},
    "en": {"processing": "processing", "on-hold": "awaiting payment confirmation",
           "pending": "awaiting payment", "completed": "completed"},
}

# Which questions an order in a given (final) status tends to cause, and how likely each is.
_ORDER_TOPICS: dict[str, tuple[tuple[str, float], ...]] = {
    "completed": (("payment_confirm", 0.3), ("order_change", 0.1), ("order_confirm", 0.15),
                  ("delivery_status", 0.3), ("delivery_late", 0.25), ("refund_request", 0.04)),
    "processing": (("payment_confirm", 0.3), ("order_change", 0.15), ("order_confirm", 0.15),
                   ("delivery_status", 0.35)),
    "on-hold": (("payment_confirm", 0.6), ("order_confirm", 0.15)),
    "pending": (("payment_failed", 0.3), ("order_confirm", 0.2)),
    "cancelled": (("order_cancel", 0.7),),
    "refunded": (("refund_request", 0.9), ("refund_status", 0.4)),
    "failed": (("payment_failed", 0.6),),
}
_PRE_SALE_TOPICS = {"product_question": 55, "delivery_cost": 18, "payment_methods": 12, "store_info": 8,
                    "wholesale": 7}
# fmt: on

_H = timedelta(hours=1)


def _window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime] | None:
    return (start, end) if start is not None and end is not None and end > start else None


def _question_window(topic: str, o: Order) -> tuple[datetime, datetime] | None:
    """When, in the order's own history, a customer asks this kind of question about it."""
    modified = o.date_modified or o.created_at
    match topic:
        case "payment_confirm" if o.payment_method == "bacs":  # between ordering and the transfer clearing
            return _window(o.created_at + 0.1 * _H, (o.date_paid or o.created_at + 4 * _H) - 0.05 * _H)
        case "payment_failed":
            return _window(modified, modified + 2 * _H)
        case "order_change":  # only before it ships
            return _window(o.created_at + 0.1 * _H, o.shipped_at or o.created_at + 12 * _H)
        case "order_cancel":
            return _window(o.created_at + 0.2 * _H, modified)
        case "order_confirm":
            return _window(o.created_at + 0.5 * _H, o.created_at + 20 * _H)
        case "delivery_status" if o.shipped_at:
            return _window(o.shipped_at, o.date_completed or o.shipped_at + 96 * _H)
        case "delivery_late" if o.shipped_at and o.date_completed:
            return _window(o.shipped_at + 60 * _H, o.date_completed - _H)
        case "refund_request" if o.date_completed:  # after delivery; for refunded orders, before the refund
            end = o.date_completed + 72 * _H if o.status == "completed" else modified - 24 * _H
            return _window(o.date_completed, end)
        case "refund_status":
            return _window(modified + 20 * _H, modified + 96 * _H)
    return None


# fmt: off
_CATALOGUE: list[tuple[str, str, int]] = [
    ("Kemeja Batik Parang Lengan Panjang", "Kemeja Pria", 289_000),
    ("Kemeja Batik Mega Mendung Lengan Pendek", "Kemeja Pria", 229_000),
    ("Kemeja Batik Kawung Slim Fit", "Kemeja Pria", 259_000),
    ("Kemeja Batik Truntum Premium Furing", "Kemeja Pria", 399_000),
    ("Kemeja Batik Tulis Sogan Solo", "Kemeja Pria", 850_000),
    ("Kemeja Batik Sekar Jagad Lengan Pendek", "Kemeja Pria", 219_000),
    ("Kemeja Batik Lasem Tiga Negeri", "Kemeja Pria", 675_000),
    ("Kemeja Batik Cap Pekalongan Biru", "Kemeja Pria", 199_000),
    ("Blus Batik Encim Pekalongan", "Wanita", 245_000),
    ("Dress Batik Sogan Midi", "Wanita", 375_000),
    ("Dress Batik Mega Mendung A-Line", "Wanita", 329_000),
    ("Outer Batik Kimono Parang", "Wanita", 265_000),
    ("Tunik Batik Kawung", "Wanita", 239_000),
    ("Rok Lilit Batik Sidomukti", "Wanita", 189_000),
    ("Kebaya Kutubaru Batik", "Wanita", 425_000),
    ("Celana Kulot Batik Truntum", "Wanita", 179_000),
    ("Kain Batik Tulis Lasem 2 m", "Kain", 1_250_000),
    ("Kain Batik Cap Pekalongan 2 m", "Kain", 165_000),
    ("Kain Batik Tulis Madura Gentongan", "Kain", 1_850_000),
    ("Kain Batik Solo Sidoluhur 2,25 m", "Kain", 325_000),
    ("Kain Tenun Ikat Troso", "Kain", 475_000),
    ("Kain Batik Sutra Mega Mendung Cirebon", "Kain", 950_000),
    ("Sarung Batik Pekalongan Dewasa", "Kain", 135_000),
    ("Selendang Batik Sutra Sekar Jagad", "Kain", 385_000),
    ("Kemeja Batik Anak Parang", "Anak", 99_000),
    ("Dress Batik Anak Kawung", "Anak", 119_000),
    ("Setelan Batik Anak Mega Mendung", "Anak", 149_000),
    ("Tas Tote Batik Kawung", "Tas & Aksesoris", 159_000),
    ("Tas Selempang Batik Parang", "Tas & Aksesoris", 189_000),
    ("Pouch Batik Mega Mendung", "Tas & Aksesoris", 59_000),
    ("Dompet Batik Lipat", "Tas & Aksesoris", 69_000),
    ("Blangkon Solo Batik Sogan", "Tas & Aksesoris", 95_000),
    ("Udeng Bali Batik", "Tas & Aksesoris", 65_000),
    ("Dasi Batik Sutra", "Tas & Aksesoris", 125_000),
    ("Scarf Batik Segi Empat", "Tas & Aksesoris", 115_000),
    ("Masker Kain Batik 3 Lapis (isi 3)", "Masker", 45_000),
    ("Masker Batik Anak Earloop (isi 3)", "Masker", 39_000),
    ("Masker Batik Premium Tali Hijab", "Masker", 35_000),
    ("Taplak Meja Batik Tulis 150 x 220 cm", "Rumah", 285_000),
    ("Sarung Bantal Batik Kawung (2 pcs)", "Rumah", 89_000),
]
_SKU_PREFIX = {"Kemeja Pria": "KMJ", "Wanita": "WNT", "Kain": "KAIN", "Anak": "ANK", "Tas & Aksesoris": "AKS",
               "Masker": "MSK", "Rumah": "RMH"}
_WEARABLE = {"Kemeja Pria", "Wanita", "Anak"}
_CITIES = ["Jakarta Selatan", "Jakarta Barat", "Bandung", "Surabaya", "Medan", "Makassar", "Yogyakarta",
           "Semarang", "Denpasar", "Balikpapan", "Palembang", "Malang", "Bekasi", "Depok", "Tangerang",
           "Bogor", "Pontianak", "Manado", "Solo", "Batam"]
_BANKS = ["BCA", "Mandiri", "BNI", "BRI"]
# Indonesian mobile prefixes after +628 (Telkomsel, Indosat, XL, Axis, Tri, Smartfren).
_MOBILE_PREFIXES = ["11", "12", "13", "21", "22", "23", "51", "52", "53", "14", "15", "16", "55", "56", "57",
                    "58", "17", "18", "19", "59", "77", "78", "31", "32", "33", "38", "95", "96", "97", "98",
                    "99", "81", "82", "83", "87", "88", "89"]
_EXPAT_NAMES = ["Sarah Mitchell", "James O'Connor", "Emily Clarke", "Daniel Hughes", "Olivia Bennett",
                "Thomas Wright", "Hannah Schmidt", "Lucas Martin", "Chloe Anderson", "Ben Walker"]
_EMAIL_DOMAINS = ["gmail.com"] * 7 + ["yahoo.co.id", "yahoo.com", "outlook.com", "ymail.com"]
_COURIERS = [
    Courier("JNE", "JNE REG", lambda r: f"{r.randrange(10**15, 10**16)}"),
    Courier("J&T Express", "J&T Express EZ", lambda r: f"JP{r.randrange(10**9, 10**10)}"),
    Courier("SiCepat", "SiCepat REG", lambda r: f"00{r.randrange(10**9, 10**10)}"),
    Courier("AnterAja", "AnterAja Reguler", lambda r: f"10000{r.randrange(10**9, 10**10)}"),
]
# Relative chance that a customer writes or orders in each hour of the day (Jakarta time).
_HOUR_WEIGHTS = [0.3, 0.15, 0.05, 0.05, 0.1, 0.4, 1.0, 1.6, 2.5, 3.0, 3.0, 2.8,
                 2.6, 2.6, 2.4, 2.2, 2.0, 2.0, 2.3, 2.8, 3.1, 2.7, 1.7, 0.8]
# fmt: on


def render(template: str, conversation: Conversation, message: Message, shop: str, site: str) -> str:
    """The final text of a seeded message: placeholders filled from the conversation's real rows."""
    customer, order, lang = conversation.customer, conversation.order, conversation.customer.lang
    values = {
        "name": customer.first_name,
        "full_name": customer.name,
        "shop": shop,
        "site": site.removeprefix("https://"),
        "product": conversation.product.name,
        "price": _rupiah(conversation.product.price, lang),
        "city": conversation.city,
        "agent": conversation.agent.first_name if conversation.agent else "",
        "bank": _BANKS[conversation.id.int % len(_BANKS)],
        "street": f"Jl. Melati No. {conversation.id.int % 97 + 1}",
    }
    if order is not None:
        shipped_or_ordered = order.shipped_at or order.created_at
        values |= {
            "order": str(order.number),
            "total": _rupiah(order.total, lang),
            "courier": order.courier.name,
            "resi": order.tracking_number or "-",
            "days": str(max(3, (conversation.created_at - shipped_or_ordered).days)),
            "status": _STATUS_WORDS[lang][order.status_at(message.at)],
        }
    return template.format(**values)


def _rupiah(amount: int, lang: str) -> str:
    grouped = f"{amount:,}"
    return f"Rp {grouped.replace(',', '.') if lang == 'id' else grouped}"


def _email(name: str, rng: random.Random) -> str:
    ascii_name = unicodedata.normalize("NFKD", name.replace(" ", ".")).encode("ascii", "ignore").decode()
    local = re.sub(r"[^a-z.]", "", ascii_name.lower()).strip(".")
    suffix = str(rng.randint(1, 99)) if rng.random() < 0.6 else ""
    return f"{local}{suffix}@{rng.choice(_EMAIL_DOMAINS)}"


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return moment.astimezone(UTC)


# Writing ------------------------------------------------------------------------------------------


def _demo_exists(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("select exists (select from public.stores where id = %s)", (DEMO.store_id,)).fetchone()
    return bool(row and row[0])


# Children first. Deleting by store_id with triggers off: no realtime broadcast per deleted demo row.
_STORE_TABLES = (
    "tickets",
    "messages",
    "conversations",
    "order_items",
    "orders",
    "products",
    "customers",
    "store_members",
    "audit_log",
)


def _delete_demo_rows(conn: psycopg.Connection[Any]) -> None:
    store_ids = [p.id for p in _PROFILES]
    conn.execute("set local session_replication_role = replica")
    for table in _STORE_TABLES:
        statement = sql.SQL("delete from public.{} where store_id = any(%s)").format(sql.Identifier(table))
        conn.execute(statement, (store_ids,))
    conn.execute("delete from public.stores where id = any(%s)", (store_ids,))
    conn.execute("set local session_replication_role = origin")


def _team_member(
    conn: psycopg.Connection[Any], email: str, password: str, user_id: uuid.UUID, full_name: str, role: str
) -> Agent:
    created = create_user(conn, email, password, user_id=user_id, user_metadata={"full_name": full_name})
    return Agent(created, full_name, role)


def _write(
    conn: psycopg.Connection[Any], stores: list[StoreData], teams: dict[uuid.UUID, list[Agent]]
) -> None:
    for store in stores:
        p = store.profile
        conn.execute(
            "insert into public.stores (id, name, site_url, whatsapp_number, timezone, currency, created_at)"
            " values (%s, %s, %s, %s, 'Asia/Jakarta', 'IDR', %s)",
            (p.id, p.name, p.site_url, p.whatsapp_number, store.now - timedelta(days=400)),
        )
        for agent in teams[p.id]:  # with triggers on, so that the audit log records the team
            conn.execute(
                "insert into public.store_members (store_id, user_id, role) values (%s, %s, %s)",
                (p.id, agent.id, agent.role),
            )
    # The history is bulk-copied with triggers off, as pg_restore does: touch_conversation and the realtime
    # broadcasts would fire once per row (thousands of realtime.messages); the rows carry final values.
    conn.execute("set local session_replication_role = replica")
    with conn.cursor() as cur:
        for store in stores:
            for table, rows in _table_rows(store):
                columns = sql.SQL(", ").join(map(sql.Identifier, _COLUMNS[table].split()))
                with cur.copy(
                    sql.SQL("copy public.{} ({}) from stdin").format(sql.Identifier(table), columns)
                ) as copy:
                    for row in rows:
                        copy.write_row(row)
    conn.execute("set local session_replication_role = origin")


_COLUMNS = {
    "products": "id store_id external_id name sku description price stock_status stock_quantity categories "
    "permalink date_modified created_at updated_at",
    "customers": "id store_id phone name email external_id marketing_opt_in marketing_opt_in_at opted_out_at "
    "first_seen_at created_at updated_at",
    "orders": "id store_id external_id number status total currency customer_id billing_name billing_phone "
    "billing_email payment_method shipping_method tracking_number date_paid date_completed created_at "
    "date_modified synced_at",
    "order_items": "id store_id order_id product_id external_id name quantity unit_price total",
    "conversations": "id store_id customer_id status assignee_id handed_off_at resolved_at resolution "
    "summary last_message_at last_inbound_at created_at updated_at",
    "messages": "id store_id conversation_id direction sender body media provider_message_id status "
    "category urgency label_confidence metadata created_at",
    "tickets": "id store_id conversation_id status priority subject assignee_id created_by created_at "
    "updated_at resolved_at",
}
_Row = tuple[object, ...]


def _table_rows(store: StoreData) -> list[tuple[str, list[_Row]]]:
    return [
        ("products", [_product_row(store, p) for p in store.products]),
        ("customers", [_customer_row(store, c) for c in store.customers]),
        ("orders", [_order_row(store, o) for o in store.orders]),
        ("order_items", _order_item_rows(store)),
        ("conversations", [_conversation_row(store, c) for c in store.conversations]),
        ("messages", [_message_row(store, c, m) for c in store.conversations for m in c.messages]),
        ("tickets", [_ticket_row(store, t) for t in store.tickets]),
    ]


# Row builders list values in _COLUMNS order, one table row per line.
# fmt: off
def _product_row(store: StoreData, p: Product) -> _Row:
    listed = min((o.created_at for o in store.orders), default=store.now) - timedelta(days=30)
    slug = re.sub(r"[^a-z0-9]+", "-", p.name.lower()).strip("-")
    description = f"{p.name} dari {store.profile.shop}. Kategori {p.category.lower()}, buatan perajin lokal."
    permalink = f"{store.profile.site_url}/produk/{slug}/"
    return (p.id, store.profile.id, p.external_id, p.name, p.sku, description, Decimal(p.price),
            p.stock_status, p.stock_quantity, [p.category], permalink, listed, listed, listed)


def _customer_row(store: StoreData, c: Customer) -> _Row:
    first_seen = c.first_seen_at
    opted_in_at = min(first_seen + timedelta(minutes=5), store.now) if c.opt_in else None
    said_stop = first_seen + timedelta(days=3)  # a few of those who never opted in
    opted_out_at = said_stop if not c.opt_in and c.id.int % 23 == 0 and said_stop < store.now else None
    return (c.id, store.profile.id, c.phone, c.name, c.email, c.external_id, c.opt_in, opted_in_at,
            opted_out_at, first_seen, first_seen, first_seen)


def _order_row(store: StoreData, o: Order) -> _Row:
    c, modified = o.customer, o.date_modified or o.created_at
    return (o.id, store.profile.id, o.number, str(o.number), o.status, Decimal(o.total), "IDR", c.id, c.name,
            c.phone, c.email, o.payment_method, o.courier.shipping_method, o.tracking_number, o.date_paid,
            o.date_completed, o.created_at, modified, min(modified + timedelta(seconds=2), store.now))


def _order_item_rows(store: StoreData) -> list[_Row]:
    lines = [(order, product, quantity) for order in store.orders for product, quantity in order.lines]
    first_line_id = 10 * min((o.number for o in store.orders), default=0)  # line ids grow with the orders
    return [(uuid.uuid5(order.id, str(product.id)), store.profile.id, order.id, product.id, first_line_id + i,
             product.name, quantity, Decimal(product.price), Decimal(product.price * quantity))
            for i, (order, product, quantity) in enumerate(lines)]


def _conversation_row(store: StoreData, c: Conversation) -> _Row:
    last = c.messages[-1].at
    last_inbound = max((m.at for m in c.messages if m.sender == "customer"), default=None)
    resolution = None if c.resolved_at is None else "human" if c.handed_off_at else c.outcome
    return (c.id, store.profile.id, c.customer.id, c.status, c.agent.id if c.agent else None, c.handed_off_at,
            c.resolved_at, resolution, _summary(c), last, last_inbound, c.created_at, c.resolved_at or last)


def _message_row(store: StoreData, c: Conversation, m: Message) -> _Row:
    body = render(m.template, c, m, store.profile.shop, store.profile.site_url)
    direction = "inbound" if m.sender == "customer" else "outbound"
    return (m.id, store.profile.id, c.id, direction, m.sender, body, Jsonb(m.media), m.provider_message_id,
            m.status, m.category, m.urgency, m.confidence, Jsonb(m.metadata), m.at)


def _ticket_row(store: StoreData, t: Ticket) -> _Row:
    return (t.id, store.profile.id, t.conversation.id, t.status, t.priority, t.subject, t.agent.id,
            t.agent.id, t.created_at, t.resolved_at or t.created_at, t.resolved_at)
# fmt: on


def _summary(c: Conversation) -> str:
    facts = {"order": str(c.order.number) if c.order else "", "product": c.product.name, "city": c.city}
    text = c.topic.summary.format(**facts)
    agent = c.agent.first_name if c.agent else None
    if c.status == "resolved":
        if c.handed_off_at:
            return f"{text}; resolved by {agent or 'the team'}."
        helped = c.outcome == "bot_confirmed"
        return f"{text}; {'the assistant answered' if helped else 'no reply after the assistant answered'}."
    if c.status == "human":
        return f"{text}; {'with ' + agent if agent else 'waiting for the team'}."
    return f"{text}."
