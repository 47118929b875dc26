"""The demo store's approved WhatsApp templates (as a shop would have them approved in Twilio's
Content API): what agents may send after the 24-hour window has closed. Their ContentSids are made up
but well-formed; the demo store has no Twilio account, so they are never sent to Twilio."""

from __future__ import annotations

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
