"""The pure generator: both demo stores' six months of history, a function of `now` and a random seed."""

from __future__ import annotations

import random
import re
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta

from faker import Faker

from sapa.local.seed.catalogue import (
    CATALOGUE,
    CITIES,
    COURIERS,
    EMAIL_DOMAINS,
    EXPAT_NAMES,
    HOUR_WEIGHTS,
    JAKARTA,
    MOBILE_PREFIXES,
    SKU_PREFIX,
    WEARABLE,
)
from sapa.local.seed.model import (
    Agent,
    Conversation,
    Customer,
    Order,
    Product,
    StoreData,
    Ticket,
    Topic,
    random_uuid,
)
from sapa.local.seed.script import Script
from sapa.local.seed.stores import DEMO, PROFILES, StoreProfile
from sapa.local.seed.topics import ORDER_TOPICS, PRE_SALE_TOPICS, TOPICS, question_window

HISTORY_DAYS = 182


def build_demo_data(now: datetime, random_seed: int, teams: dict[uuid.UUID, list[Agent]]) -> list[StoreData]:
    """Both demo stores' data, determined by `now` and `random_seed` alone."""
    rng = random.Random(random_seed)  # noqa: S311  # demo data, not secrets
    fake = Faker("id_ID")
    fake.seed_instance(random_seed)
    phones: set[str] = {p.whatsapp_number for p in PROFILES}
    now = as_utc(now).replace(microsecond=0)
    return [StoreBuilder(profile, teams[profile.id], rng, fake, phones, now).build() for profile in PROFILES]


class StoreBuilder:
    """Generates one store's history: customers arrive, order, and talk to the shop on WhatsApp."""

    def __init__(
        self,
        profile: StoreProfile,
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
        expat_names = self.rng.sample(EXPAT_NAMES, self.profile.expats)
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
            CATALOGUE
            if self.profile.products >= len(CATALOGUE)
            else rng.sample(CATALOGUE, self.profile.products)
        )
        base = 101 if self.profile.id == uuid.UUID(DEMO.store_id) else 9101
        products = []
        for index, (name, category, price) in enumerate(chosen):
            stock_status = rng.choices(["instock", "outofstock", "onbackorder"], [30, 2, 1])[0]
            products.append(
                Product(
                    id=random_uuid(rng),
                    external_id=base + index,
                    name=name,
                    sku=f"{SKU_PREFIX[category]}-{base + index:04d}",
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
            id=random_uuid(rng),
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
                number = f"+628{rng.choice(MOBILE_PREFIXES)}{tail}"
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
            id=random_uuid(rng),
            customer=customer,
            created_at=created_at,
            lines=lines,
            payment_method=rng.choices(["bacs", "midtrans", "cod"], [45, 42, 13])[0],
            courier=rng.choices(COURIERS, [35, 30, 25, 10])[0],
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
            for topic_key, chance in ORDER_TOPICS[order.status]:
                window = question_window(topic_key, order)
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
            key = rng.choices(list(PRE_SALE_TOPICS), list(PRE_SALE_TOPICS.values()))[0]
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
            id=random_uuid(rng),
            customer=customer,
            topic=topic,
            product=product,
            order=order,
            messages=[],
            city=rng.choice(CITIES),
            outcome=outcome,
        )
        Script(self, conversation, begin.replace(microsecond=0)).play()
        return conversation

    def _popular_product(self, *, wearable: bool = False) -> Product:
        products = [p for p in self.products if not wearable or p.category in WEARABLE] or self.products
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
        return Ticket(random_uuid(rng), conversation, status, priority, subject, agent, created, resolved)

    def _local_moment(self, moment: datetime) -> datetime:
        """The same Jakarta day as `moment`, at an hour people actually shop and chat."""
        rng = self.rng
        local_day = moment.astimezone(JAKARTA).replace(hour=0, minute=0, second=0, microsecond=0)
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        local = local_day + timedelta(hours=hour, seconds=rng.randrange(3600))
        return min(local.astimezone(UTC), self.now - timedelta(minutes=1))

    def provider_message_id(self) -> str:
        while True:
            sid = f"SM{self.rng.getrandbits(128):032x}"
            if sid not in self.provider_ids:
                self.provider_ids.add(sid)
                return sid


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


def _email(name: str, rng: random.Random) -> str:
    ascii_name = unicodedata.normalize("NFKD", name.replace(" ", ".")).encode("ascii", "ignore").decode()
    local = re.sub(r"[^a-z.]", "", ascii_name.lower()).strip(".")
    suffix = str(rng.randint(1, 99)) if rng.random() < 0.6 else ""
    return f"{local}{suffix}@{rng.choice(EMAIL_DOMAINS)}"


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return moment.astimezone(UTC)
