"""The `retention` job: what a store keeps longer than its window (stores.retention_months, boundary at
midnight in the store's time zone) is deleted in small batches, each one short transaction (SQL
purge_expired: messages, reply jobs, notes, tickets, conversations, summaries, WooCommerce delivery
records, old job runs; orders lose their personal fields). Media kept in object storage goes first:
the objects are deleted, then their messages (a crash in between leaves rows whose objects are gone,
and the next run deletes the objects again, which S3 allows, then the rows). KPI rollups stay."""

from __future__ import annotations

import logging

from sapa.db import rows
from sapa.jobs.runs import RunContext, integer
from sapa.knowledge.storage import ObjectStore, object_store

logger = logging.getLogger(__name__)

MEDIA_BATCH = 100


def purge_expired(context: RunContext, store_id: str) -> bool:
    objects: ObjectStore | None = None
    purged: dict[str, int] = {}
    context.detail["purged"] = purged
    while not context.out_of_time():
        params = {"p_store_id": store_id, "p_limit": MEDIA_BATCH}
        media = rows(context.supabase.rpc("expired_message_media", params).execute().data)
        if media:
            objects = objects or object_store(context.settings)
            _delete_objects(objects, store_id, media)
            ids = [str(item["message_id"]) for item in media]
            deleted = context.supabase.rpc("purge_messages", {"p_store_id": store_id, "p_message_ids": ids})
            _count(context, purged, "messages", integer(deleted.execute().data))
            purged["media_objects"] = purged.get("media_objects", 0) + sum(
                len(i["storage_keys"]) for i in media
            )
            continue
        params = {"p_store_id": store_id, "p_limit": context.settings.retention_batch_size}
        step = context.supabase.rpc("purge_expired", params).execute().data
        if not isinstance(step, dict) or not step.get("table"):
            return False
        _count(context, purged, str(step["table"]), int(step["rows"]))
    return True


def _delete_objects(objects: ObjectStore, store_id: str, media: list[dict[str, object]]) -> None:
    """Only keys under this store's media folder: a key naming another store is left alone (logged)."""
    prefix = f"media/{store_id}/"
    for item in media:
        keys = item.get("storage_keys")
        for key in keys if isinstance(keys, list) else []:
            if str(key).startswith(prefix):
                objects.delete(str(key))
            else:
                logger.warning(
                    "retention: message %s names a key outside its store: left", item.get("message_id")
                )


def _count(context: RunContext, purged: dict[str, int], table: str, n: int) -> None:
    purged[table] = purged.get(table, 0) + n
    context.add(n)
