"""Test data for the inbox API: a store of its own per test (so tests never touch the demo data others
read), its team with access tokens minted like the auth stand-in's, conversations, and reads of what
the database holds."""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import psycopg
from psycopg.rows import DictRow

from sapa.local.auth import create_user

Db = psycopg.Connection[DictRow]


@dataclass(frozen=True)
class Person:
    id: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Shop:
    """A store with an owner, an admin and an agent; `stranger` is an agent of another store."""

    id: str
    number: str
    owner: Person
    admin: Person
    agent: Person
    other_store_id: str
    stranger: Person

    def url(self, path: str, store_id: str | None = None) -> str:
        return f"/api/stores/{store_id or self.id}/{path.lstrip('/')}"


def access_token(user_id: str, email: str, secret: str, *, expires_in: int = 3600, **claims: Any) -> str:
    """An access token with the claims Supabase Auth (and the local stand-in) puts in one."""
    now = int(time.time())
    payload = {
        "iss": "http://127.0.0.1/auth/v1",
        "sub": user_id,
        "aud": "authenticated",
        "role": "authenticated",
        "email": email,
        "iat": now,
        "exp": now + expires_in,
        "session_id": str(uuid.uuid4()),
    } | claims
    return jwt.encode(payload, secret, algorithm="HS256")


def new_phone(prefix: str = "+62899") -> str:
    return prefix + "".join(secrets.choice("0123456789") for _ in range(7))


def _person(users: psycopg.Connection[Any], secret: str, name: str) -> Person:
    email = f"{name}-{secrets.token_hex(4)}@inbox.test.sapa.local"
    user_id = create_user(users, email, "unused-password", user_metadata={"full_name": name.title()})
    return Person(str(user_id), email, access_token(str(user_id), email, secret))


def _store(db: Db, name: str) -> tuple[str, str]:
    number = new_phone("+62812")
    row = db.execute(
        "insert into stores (name, whatsapp_number) values (%s, %s) returning id::text", (name, number)
    ).fetchone()
    assert row is not None
    db.execute(
        "insert into store_credentials (store_id, twilio_auth_token) values (%s, 'inbox-test-token')",
        (row["id"],),
    )
    return row["id"], number


def _join(db: Db, store_id: str, person: Person, role: str) -> None:
    db.execute(
        "insert into store_members (store_id, user_id, role) values (%s, %s, %s)", (store_id, person.id, role)
    )


def create_shop(db: Db, db_url: str, secret: str) -> Shop:
    store_id, number = _store(db, "Inbox Test Shop")
    other_id, _ = _store(db, "Another Shop")
    with psycopg.connect(db_url, autocommit=True) as users:  # create_user reads rows as tuples
        owner, admin, agent, stranger = (
            _person(users, secret, n) for n in ("owner", "admin", "agent", "stranger")
        )
    for person, role in ((owner, "owner"), (admin, "admin"), (agent, "agent")):
        _join(db, store_id, person, role)
    _join(db, other_id, stranger, "agent")
    return Shop(store_id, number, owner, admin, agent, other_id, stranger)


def delete_shop(db: Db, shop: Shop) -> None:
    db.execute("delete from stores where id in (%s, %s)", (shop.id, shop.other_store_id))
    people = [p.id for p in (shop.owner, shop.admin, shop.agent, shop.stranger)]
    db.execute("delete from auth.users where id = any(%s::uuid[])", (people,))


def use_twilio_account(db: Db, store_id: str, account_sid: str) -> None:
    db.execute(
        "update store_credentials set twilio_account_sid = %s where store_id = %s", (account_sid, store_id)
    )


def new_conversation(
    db: Db,
    store_id: str,
    *,
    last_inbound: timedelta = timedelta(minutes=5),
    body: str = "Kak, pesanan #1042 saya sudah dikirim belum?",
    status: str = "bot",
    customer_name: str = "Budi Santoso",
) -> str:
    """A customer, their conversation, and their message `last_inbound` ago."""
    customer = db.execute(
        "insert into customers (store_id, phone, name) values (%s, %s, %s) returning id",
        (store_id, new_phone(), customer_name),
    ).fetchone()
    assert customer is not None
    at = datetime.now(UTC) - last_inbound
    conversation = db.execute(
        "insert into conversations (store_id, customer_id, status, created_at) values (%s, %s, %s, %s)"
        " returning id::text",
        (store_id, customer["id"], status, at),
    ).fetchone()
    assert conversation is not None
    add_message(db, store_id, conversation["id"], body, at=at)
    return str(conversation["id"])


def add_message(
    db: Db,
    store_id: str,
    conversation_id: str,
    body: str,
    *,
    sender: str = "customer",
    at: datetime | None = None,
    category: str | None = None,
    urgency: str | None = None,
) -> None:
    direction = "inbound" if sender == "customer" else "outbound"
    db.execute(
        "insert into messages (store_id, conversation_id, direction, sender, body, status, category, urgency,"
        " created_at) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            store_id,
            conversation_id,
            direction,
            sender,
            body,
            "received" if direction == "inbound" else "sent",
            category,
            urgency,
            at or datetime.now(UTC),
        ),
    )


def new_template(
    db: Db, store_id: str, body: str, *, name: str = "order_update", status: str = "approved"
) -> str:
    sid = "HX" + secrets.token_hex(16)
    db.execute(
        "insert into whatsapp_templates (store_id, name, content_sid, language, body, status)"
        " values (%s, %s, %s, 'id', %s, %s)",
        (store_id, name, sid, body, status),
    )
    return sid


# Reading back ----------------------------------------------------------------------------------------
def conversation(db: Db, conversation_id: str) -> dict[str, Any]:
    row = db.execute("select * from conversations where id = %s", (conversation_id,)).fetchone()
    assert row is not None
    return dict(row)


def messages(db: Db, conversation_id: str, sender: str = "agent") -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in db.execute(
            "select * from messages where conversation_id = %s and sender = %s order by created_at",
            (conversation_id, sender),
        )
    ]


def audits(db: Db, store_id: str, action: str | None = None) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in db.execute(
            "select actor_id::text, action, target_table, target_id, details from audit_log"
            " where store_id = %s and actor_id is not null and (%s::text is null or action = %s) order by id",
            (store_id, action, action),
        )
    ]
