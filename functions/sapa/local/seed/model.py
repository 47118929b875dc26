"""The demo data as the generator builds it: one store's products, customers, orders and conversations."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sapa.local.seed.stores import StoreProfile


@dataclass(frozen=True)
class Agent:
    id: uuid.UUID
    full_name: str
    role: str

    @property
    def first_name(self) -> str:
        return self.full_name.split()[0]


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
    profile: StoreProfile
    now: datetime
    products: list[Product]
    customers: list[Customer]
    orders: list[Order]
    conversations: list[Conversation]
    tickets: list[Ticket]


def random_uuid(rng: random.Random) -> uuid.UUID:
    """A row id drawn from the seed's random stream, so that the same seed gives the same ids."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)
