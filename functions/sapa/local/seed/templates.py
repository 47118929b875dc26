"""The demo store's approved WhatsApp templates (as a shop would have them approved in Twilio's
Content API): what agents may send after the 24-hour window has closed, and what the order updates
send. Their ContentSids are made up but well-formed; the demo store has no Twilio account, so they are
never sent to Twilio (the sandbox stores them and the simulator shows them).

The demo store sends two order updates (migration 600): "shipped" when a tracking number is added and
the abandoned-checkout reminder an hour after an unpaid checkout. Try it in Studio or psql:
`update orders set tracking_number = 'JNE0123', date_modified = now() where number = '…'`."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import psycopg

from sapa.local.seed.stores import DEMO

# (name, language, body)
TEMPLATES: list[tuple[str, str, str]] = [
    (
        "order_update",
        "id",
        "Halo kak {{1}}, ada kabar terbaru untuk pesanan #{{2}} di Batik Sapa: {{3}}. "
        "Balas pesan ini kalau ada pertanyaan ya 🙏",
    ),
    (
        "order_shipped",
        "id",
        "Halo kak {{1}}, pesanan #{{2}} dari Batik Sapa sudah dikirim 🚚 No. resi: {{3}}. "
        "Balas pesan ini kalau ada pertanyaan ya 🙏",
    ),
    (
        "checkout_reminder",
        "id",
        "Halo kak {{1}}, pesanan #{{2}} di Batik Sapa belum dibayar. "
        "Selesaikan pembayarannya di sini: {{3}} 😊",
    ),
    (
        "follow_up",
        "id",
        "Halo kak {{1}}, kami ingin menindaklanjuti percakapan kakak dengan Batik Sapa. "
        "Balas pesan ini untuk melanjutkan ya 😊",
    ),
    (
        "follow_up",
        "en",
        "Hi {{1}}, we're following up on your conversation with Batik Sapa. "
        "Just reply to this message to continue.",
    ),
]


def content_sid(store_id: str, name: str, language: str) -> str:
    """A stable, well-formed Twilio ContentSid (HX + 32 hex digits) for a demo template."""
    return "HX" + uuid.uuid5(uuid.UUID(store_id), f"template:{name}:{language}").hex


def write_store_templates(conn: psycopg.Connection[Any], written_at: datetime) -> None:
    for name, language, body in TEMPLATES:
        sid = content_sid(DEMO.store_id, name, language)
        conn.execute(
            "insert into public.whatsapp_templates (id, store_id, name, content_sid, language, body, status,"
            " created_at, updated_at) values (%s, %s, %s, %s, %s, %s, 'approved', %s, %s)",
            (
                uuid.uuid5(uuid.UUID(DEMO.store_id), sid),
                DEMO.store_id,
                name,
                sid,
                language,
                body,
                written_at,
                written_at,
            ),
        )


def template_id(name: str, language: str) -> str:
    return str(uuid.uuid5(uuid.UUID(DEMO.store_id), content_sid(DEMO.store_id, name, language)))


def write_notification_settings(conn: psycopg.Connection[Any], enabled_at: datetime) -> None:
    """Shipped and the checkout reminder on, as of `enabled_at` (changes made after it are sent)."""
    on = {"enabled": True, "enabled_at": enabled_at.isoformat()}
    settings = {
        "events": {
            "shipped": on
            | {
                "template_id": template_id("order_shipped", "id"),
                "variables": {"1": "{{first_name|Kak}}", "2": "{{order_number}}", "3": "{{tracking_number}}"},
            }
        },
        "abandoned_checkout": on
        | {
            "template_id": template_id("checkout_reminder", "id"),
            "variables": {
                "1": "{{first_name|Kak}}",
                "2": "{{order_number}}",
                "3": "{{pay_url|https://batik-sapa.example/checkout}}",
            },
            "after_minutes": 60,
            "second_after_hours": None,
        },
    }
    conn.execute("select public.set_notification_settings(%s, %s)", (DEMO.store_id, json.dumps(settings)))
