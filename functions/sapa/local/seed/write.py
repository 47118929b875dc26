"""Writing the demo stores into the database: once, or replacing their rows with `reset`."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from sapa.local.auth import create_user
from sapa.local.seed.catalogue import CITIES, PROVINCE_OF
from sapa.local.seed.generate import as_utc, build_demo_data
from sapa.local.seed.knowledge import write_store_knowledge
from sapa.local.seed.model import Agent, Conversation, Customer, Message, Order, Product, StoreData, Ticket
from sapa.local.seed.stores import DEMO, PROFILES, DemoStore
from sapa.local.seed.templates import write_notification_settings, write_store_templates
from sapa.local.seed.texts import render

_ADMIN_ID = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
_AGENT_ID = uuid.UUID("00000000-0000-4000-8000-0000000000a2")
_OTHER_AGENT_ID = uuid.UUID("00000000-0000-4000-8000-0000000000b1")
_SEED_LOCK = 7_261_123  # pg_advisory_xact_lock key: concurrent seeds wait for each other


def seed_demo(
    db_url: str, *, now: datetime | None = None, random_seed: int = 7, reset: bool = False
) -> DemoStore:
    """Seed the demo stores unless they exist; with `reset`, replace their data. Returns `DEMO`."""
    now = as_utc(now or datetime.now(UTC))
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


def _demo_exists(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("select exists (select from public.stores where id = %s)", (DEMO.store_id,)).fetchone()
    return bool(row and row[0])


# Children first. Deleting by store_id with triggers off: no realtime broadcast per deleted demo row.
_STORE_TABLES = (
    "store_api_keys",
    "woocommerce_deliveries",
    "woocommerce_sync_resources",
    "woocommerce_syncs",
    "store_credentials",
    "store_policies",
    "whatsapp_templates",
    "conversation_notes",
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
    store_ids = [p.id for p in PROFILES]
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
    _write_credentials(conn)
    write_store_knowledge(conn, written_at=min(store.now for store in stores) - timedelta(days=30))
    write_store_templates(conn, written_at=min(store.now for store in stores) - timedelta(days=30))
    write_notification_settings(conn, enabled_at=max(store.now for store in stores))
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
    for store in stores:  # each conversation's label from its messages, triggers still off (no broadcasts)
        conn.execute("select private.rebuild_conversation_labels(%s)", (store.profile.id,))
    conn.execute("set local session_replication_role = origin")
    for store in stores:  # the KPI rollups' and the Customers list's triggers were off too: recompute them
        conn.execute("select private.kpi_rebuild(%s)", (store.profile.id,))
        conn.execute("select private.customer_list_rebuild(%s)", (store.profile.id,))


def _write_credentials(conn: psycopg.Connection[Any]) -> None:
    """The demo store's webhook secrets; no Twilio account, so its replies are sandbox messages."""
    conn.execute(
        "insert into public.store_credentials (store_id, twilio_account_sid, twilio_auth_token,"
        " woocommerce_webhook_secret) values (%s, null, %s, %s)",
        (DEMO.store_id, DEMO.twilio_auth_token, DEMO.woocommerce_webhook_secret),
    )


_COLUMNS = {
    "products": "id store_id external_id name sku description price stock_status stock_quantity categories "
    "permalink date_modified created_at updated_at",
    "customers": "id store_id phone name email external_id marketing_opt_in marketing_opt_in_at opted_out_at "
    "city province first_seen_at created_at updated_at",
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
    # Customers who ordered have a billing address (from the id: the seed's random stream stays as it was).
    city = CITIES[c.id.int % len(CITIES)] if c.orders or c.external_id else None
    return (c.id, store.profile.id, c.phone, c.name, c.email, c.external_id, c.opt_in, opted_in_at,
            opted_out_at, city, PROVINCE_OF.get(city or ""), first_seen, first_seen, first_seen)


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
