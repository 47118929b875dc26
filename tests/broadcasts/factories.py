"""Test data for segments and broadcasts: customers in bulk, a template, a broadcast ready to send."""

from __future__ import annotations

import secrets
from typing import Any

from tests.api.inbox import Db, Shop

TEMPLATE_BODY = "Halo {{1}}, ada promo untuk pesanan #{{2}} kamu!"


def add_customers(
    db: Db,
    store_id: str,
    count: int,
    *,
    opted_in: bool = True,
    opted_out: bool = False,
    prefix: str | None = None,
) -> list[str]:
    """`count` customers with distinct numbers; their ids in number order."""
    prefix = prefix or "+628" + "".join(secrets.choice("0123456789") for _ in range(4))
    found = db.execute(
        "insert into customers (store_id, phone, name, marketing_opt_in, opted_out_at)"
        " select %s, %s || lpad(i::text, 6, '0'), 'Pelanggan ' || i, %s, case when %s then now() end"
        " from generate_series(1, %s) i returning id::text, phone",
        (store_id, prefix, opted_in, opted_out, count),
    ).fetchall()
    return [row["id"] for row in sorted(found, key=lambda row: row["phone"])]


def add_template(db: Db, store_id: str, body: str = TEMPLATE_BODY) -> str:
    row = db.execute(
        "insert into whatsapp_templates (store_id, name, content_sid, language, body)"
        " values (%s, 'promo_' || substr(md5(random()::text), 1, 8), %s, 'id', %s) returning id::text",
        (store_id, "HX" + secrets.token_hex(16), body),
    ).fetchone()
    assert row is not None
    return str(row["id"])


VARIABLES = {"1": "{{first_name}}", "2": "{{last_order_number}}"}


def broadcast_body(template_id: str, segment_id: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Promo Desember",
        "template_id": template_id,
        "segment_id": segment_id,
        "variables": VARIABLES,
    } | extra


def recipients(db: Db, broadcast_id: str) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in db.execute(
            "select r.*, c.phone from broadcast_recipients r join customers c on c.id = r.customer_id"
            " where r.broadcast_id = %s order by c.phone",
            (broadcast_id,),
        )
    ]


def give_twilio_account(db: Db, shop: Shop) -> str:
    account = "AC" + secrets.token_hex(16)
    db.execute("update store_credentials set twilio_account_sid = %s where store_id = %s", (account, shop.id))
    return account
