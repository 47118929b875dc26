"""One customer's data, exported (a zip) or erased, for the owner or the shop's WordPress privacy tools.

The SQL functions export_customer / erase_customer (migration 20261203000350_customer_privacy.sql) do
the work in one transaction and write the audit row; here the media the customer sent are added to the
export from object storage, and deleted from it on erase."""

from __future__ import annotations

import io
import logging
import uuid
import zipfile
from typing import Any, Literal

from pydantic import TypeAdapter
from supabase import Client

from sapa.channels.twilio.media import MediaItem
from sapa.db import Row, rows
from sapa.knowledge.storage import ObjectStore
from sapa.privacy.archive import as_csv, as_json

logger = logging.getLogger(__name__)

Via = Literal["dashboard", "wordpress"]
_EXPORT = TypeAdapter(dict[str, list[Row]])
_ERASE = TypeAdapter(dict[str, Any])
_IDS = TypeAdapter(list[uuid.UUID])


def _actor(actor_id: uuid.UUID | None) -> str | None:
    return str(actor_id) if actor_id is not None else None


def export_tables(
    supabase: Client, store_id: uuid.UUID, customer_id: uuid.UUID, actor_id: uuid.UUID | None, via: Via
) -> dict[str, list[Row]]:
    """{table: rows} of everything the store holds about the customer; audited as customer.exported."""
    params = {
        "p_store_id": str(store_id),
        "p_customer_id": str(customer_id),
        "p_actor_id": _actor(actor_id),
        "p_via": via,
    }
    return _EXPORT.validate_python(supabase.rpc("export_customer", params).execute().data)


def media_items(tables: dict[str, list[Row]]) -> list[MediaItem]:
    return [
        MediaItem.model_validate(item) for message in tables.get("messages", []) for item in message["media"]
    ]


def export_zip(tables: dict[str, list[Row]], store: ObjectStore) -> bytes:
    """customer.json (every table), <table>.csv, and media/<storage key> for each attachment Sapa kept."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("customer.json", as_json(tables))
        for table, table_rows in tables.items():
            archive.writestr(f"{table}.csv", as_csv(table_rows))
        for item in media_items(tables):
            if item.storage_key is not None:
                archive.writestr(item.storage_key, store.get(item.storage_key))
    return buffer.getvalue()


def stored_media_keys(supabase: Client, store_id: uuid.UUID, customer_id: uuid.UUID) -> list[str]:
    """The object-storage keys of the attachments the customer's conversations hold."""
    conversations = rows(
        supabase.table("conversations")
        .select("id")
        .eq("store_id", str(store_id))
        .eq("customer_id", str(customer_id))
        .execute()
        .data
    )
    if not conversations:
        return []
    messages = rows(
        supabase.table("messages")
        .select("media")
        .eq("store_id", str(store_id))
        .in_("conversation_id", [row["id"] for row in conversations])
        .neq("media", "[]")
        .execute()
        .data
    )
    items = (MediaItem.model_validate(item) for message in messages for item in message["media"])
    return [item.storage_key for item in items if item.storage_key is not None]


def erase(
    supabase: Client,
    store: ObjectStore,
    store_id: uuid.UUID,
    customer_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    via: Via,
) -> dict[str, int]:
    """Erases the customer; returns the rows touched per table. Their media objects are deleted first
    (S3 deletes are idempotent): if that fails nothing is erased yet and the owner can press Erase again;
    erase_customer then returns the keys it found in the same transaction, deleted too (an attachment
    that arrived in between)."""
    keys = stored_media_keys(supabase, store_id, customer_id)
    for key in keys:
        store.delete(key)
    params = {
        "p_store_id": str(store_id),
        "p_customer_id": str(customer_id),
        "p_actor_id": _actor(actor_id),
        "p_via": via,
    }
    result = _ERASE.validate_python(supabase.rpc("erase_customer", params).execute().data)
    late: list[str] = [key for key in result["media_keys"] if key not in keys]
    for key in late:
        store.delete(key)
    logger.info(
        "customer %s of store %s erased: %d media objects deleted",
        customer_id,
        store_id,
        len(keys) + len(late),
    )
    erased: dict[str, int] = result["erased"]
    return erased


def customers_by_email(supabase: Client, store_id: uuid.UUID, email: str) -> list[uuid.UUID]:
    """The store's (not erased) customers with this e-mail, on their row or their orders' billing."""
    found = supabase.rpc("customers_by_email", {"p_store_id": str(store_id), "p_email": email}).execute().data
    return _IDS.validate_python(found or [])
