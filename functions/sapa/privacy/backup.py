"""The whole store as one archive, and back.

The archive is a zip: manifest.json (format, schema version, the store, and per table the row count and
the sha256 of its files; per stored object its sha256), store.json (the settings), <table>.json and
<table>.csv for each table in TABLES, and objects/<key> for the knowledge documents' files and the
customers' attachments Sapa kept. It is written to a temporary file (spilling to disk past 32 MiB) and
streamed to object storage in parts, so a large store never sits in memory.

An import restores it into an empty store: every row gets a new id (the archive may come from this
very Sapa, whose ids are taken), references between rows follow, ids inside object keys too, and
people (assignees, note authors, uploaders) are cleared: they are accounts of the old Sapa. History is
restored as history (migration 630): consent events as they were, broadcasts and order updates never
sent again, no order update scheduled for a restored order."""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from postgrest.exceptions import APIError
from supabase import Client

from sapa.db import Row, rows
from sapa.knowledge.storage import ObjectStore
from sapa.privacy.archive import as_csv, as_json

FORMAT = "sapa-store-backup"
FORMAT_VERSION = 2
"""2: with the consent history, broadcasts, order notifications and the notification settings; an
archive of format 1 (without them) is still imported, its customers recording their consent anew."""
READABLE_VERSIONS = frozenset({1, 2})
PAGE = 1000
SPOOL_BYTES = 32 * 1024 * 1024

TABLES: tuple[str, ...] = (
    "store_policies",
    "whatsapp_templates",
    "customers",
    "customer_labels",
    "customer_notes",
    "segments",
    "products",
    "product_variations",
    "orders",
    "order_items",
    "conversations",
    "messages",
    "tickets",
    "conversation_notes",
    "knowledge_documents",
    "knowledge_chunks",
    "customer_consent_events",
    "broadcasts",
    "broadcast_recipients",
    "order_notifications",
)
"""In the order an import inserts them (referenced rows first: the history tables refer to customers,
templates, segments, orders and messages). Not in a backup: job runs, the assistant's settings versions
(the current settings are in store.json)."""

ORDER_BY: dict[str, str] = {"customer_labels": "customer_id,label"}
"""Tables whose primary key is not `id`: the columns a backup pages them by."""

SETTINGS: tuple[str, ...] = (
    "timezone",
    "currency",
    "default_country",
    "retention_months",
    "bot_persona",
    "bot_languages",
    "bot_max_reply_chars",
    "opt_out_keywords",
    "opt_in_keywords",
    "broadcast_frequency_cap_hours",
)
"""The store's settings an import restores first (never its name, address, WhatsApp sender or
credentials)."""

NOTIFICATION_SETTINGS = "notification_settings"
"""Order updates and checkout reminders: in store.json too, restored after the rows (they name
templates) and turned on from the moment of the import, so nothing that happened before it is sent."""

CONTENT_TABLES = (
    "customers",
    "conversations",
    "messages",
    "orders",
    "products",
    "tickets",
    "knowledge_documents",
)
"""A store with a row in any of these is not empty: an import refuses it."""

PEOPLE = frozenset({"assignee_id", "author_id", "created_by", "uploaded_by", "requested_by", "actor_id"})
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class ImportRefused(Exception):
    """The archive or the target store is not fit for an import; nothing was written."""


@dataclass(frozen=True)
class Archive:
    path: str
    manifest: dict[str, Any]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def table_rows(supabase: Client, store_id: str, table: str) -> Iterator[Row]:
    """Every row of the store's table, a page at a time, in primary-key order."""
    offset = 0
    while True:
        page = rows(
            supabase.table(table)
            .select("*")
            .eq("store_id", store_id)
            .order(ORDER_BY.get(table, "id"))
            .range(offset, offset + PAGE - 1)
            .execute()
            .data
        )
        yield from page
        if len(page) < PAGE:
            return
        offset += PAGE


def _object_keys(table: str, table_rows_: list[Row]) -> list[str]:
    if table == "knowledge_documents":
        return [row["storage_key"] for row in table_rows_ if row.get("storage_key")]
    if table == "messages":
        return [
            item["storage_key"] for row in table_rows_ for item in row["media"] if item.get("storage_key")
        ]
    return []


def _store_settings(supabase: Client, store_id: str) -> Row:
    found = rows(supabase.table("stores").select("*").eq("id", store_id).limit(1).execute().data)
    if not found:
        raise LookupError(f"no store {store_id}")
    return {
        key: found[0][key]
        for key in ("id", "name", "site_url", "created_at", *SETTINGS, NOTIFICATION_SETTINGS)
        if key in found[0]
    }


def write_archive(supabase: Client, objects: ObjectStore, store_id: str, out: IO[bytes]) -> dict[str, Any]:
    """Writes the store's archive to `out`; returns its manifest."""
    schema_version = supabase.rpc("schema_version", {}).execute().data
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": schema_version,
        "store_id": store_id,
        "created_at": datetime.now(UTC).isoformat(),
        "tables": {},
        "objects": {},
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        store = as_json(_store_settings(supabase, store_id))
        archive.writestr("store.json", store)
        manifest["store"] = {"sha256": _sha256(store)}
        for table in TABLES:
            found = list(table_rows(supabase, store_id, table))
            json_bytes, csv_bytes = as_json(found), as_csv(found)
            archive.writestr(f"{table}.json", json_bytes)
            archive.writestr(f"{table}.csv", csv_bytes)
            manifest["tables"][table] = {
                "rows": len(found),
                "json_sha256": _sha256(json_bytes),
                "csv_sha256": _sha256(csv_bytes),
            }
            for key in _object_keys(table, found):
                data = objects.get(key)
                archive.writestr(f"objects/{key}", data)
                manifest["objects"][key] = _sha256(data)
        archive.writestr("manifest.json", as_json(manifest))
    return manifest


def backup_key(store_id: str, backup_id: str) -> str:
    return f"backups/{store_id}/{backup_id}.zip"


def run_backup(supabase: Client, objects: ObjectStore, store_id: str, backup_id: str) -> None:
    """The background job: the archive streamed to object storage, then the backup row marked ready (or
    failed, with the error, so the owner sees it)."""
    try:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            manifest = write_archive(supabase, objects, store_id, spool)
            size = spool.tell()
            spool.seek(0)
            key = backup_key(store_id, backup_id)
            objects.put_file(key, spool, "application/zip")
    except Exception as error:
        supabase.table("store_backups").update(
            {
                "status": "failed",
                "error": str(error)[:2000] or type(error).__name__,
                "finished_at": datetime.now(UTC).isoformat(),
            }
        ).eq("id", backup_id).execute()
        raise
    supabase.table("store_backups").update(
        {
            "status": "ready",
            "error": None,  # a retried job that failed before
            "storage_key": key,
            "size_bytes": size,
            "manifest": manifest,
            "finished_at": datetime.now(UTC).isoformat(),
        }
    ).eq("id", backup_id).execute()


# Import ----------------------------------------------------------------------------------------------


def read_archive(path: str) -> Archive:
    """Opens the archive and checks it against its manifest (format, checksums); ImportRefused if not."""
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            if manifest.get("format") != FORMAT or manifest.get("format_version") not in READABLE_VERSIONS:
                raise ImportRefused("not a Sapa store backup (manifest.json names another format)")
            if _sha256(archive.read("store.json")) != manifest["store"]["sha256"]:
                raise ImportRefused("store.json does not match its checksum in the manifest")
            for table, facts in manifest["tables"].items():
                if _sha256(archive.read(f"{table}.json")) != facts["json_sha256"]:
                    raise ImportRefused(f"{table}.json does not match its checksum in the manifest")
            for key, digest in manifest["objects"].items():
                if _sha256(archive.read(f"objects/{key}")) != digest:
                    raise ImportRefused(f"objects/{key} does not match its checksum in the manifest")
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as error:
        raise ImportRefused(f"not a readable Sapa store backup: {error}") from error
    return Archive(path=path, manifest=manifest)


def _is_empty(supabase: Client, store_id: str) -> bool:
    for table in CONTENT_TABLES:
        if rows(supabase.table(table).select("id").eq("store_id", store_id).limit(1).execute().data):
            return False
    return True


def _remap(value: Any, ids: dict[str, str]) -> Any:
    """Every old id in the value (whole, or inside a string such as an object key, or nested) made new."""
    if isinstance(value, str):
        return _UUID.sub(lambda match: ids.get(match.group(0), match.group(0)), value)
    if isinstance(value, list):
        return [_remap(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: _remap(item, ids) for key, item in value.items()}
    return value


def _each_kind(settings: Row, change: Callable[[Row], Row]) -> Row:
    """The notification settings with `change` applied to each message kind (the order events and the
    abandoned-checkout reminder)."""
    events = {event: change(kind) for event, kind in settings.get("events", {}).items()}
    document = settings | {"events": events}
    if isinstance(settings.get("abandoned_checkout"), dict):
        document["abandoned_checkout"] = change(settings["abandoned_checkout"])
    return document


def _without_enabled_at(settings: Row) -> Row:
    """The notification settings with each message kind's enabled_at left out: set_notification_settings
    stamps an enabled kind with the moment of the import."""
    return _each_kind(settings, lambda kind: _omit(kind, "enabled_at"))


def _turned_off(settings: Row) -> Row:
    return _each_kind(settings, lambda kind: kind | {"enabled": False})


def _omit(row: Row, key: str) -> Row:
    return {name: value for name, value in row.items() if name != key}


def restore_notification_settings(supabase: Client, store_id: str, archived: Row) -> str | None:
    """The archive's order updates and checkout reminders (template ids already made new), on from now.
    A store that refuses them as they were (it sends through another provider than the templates were
    made for, or a template is no longer approved) gets them turned off, templates and texts kept: returns
    the store's reason then, None when they were restored as they were."""
    document = _without_enabled_at(archived)
    try:
        supabase.rpc("set_notification_settings", {"p_store_id": store_id, "p_settings": document}).execute()
        return None
    except APIError as error:
        if error.code != "22023":
            raise
        reason = error.message or "refused"
    supabase.rpc(
        "set_notification_settings", {"p_store_id": store_id, "p_settings": _turned_off(document)}
    ).execute()
    return reason


def import_archive(
    supabase: Client,
    objects: ObjectStore,
    archive: Archive,
    store_id: str,
    progress: Callable[[str, int], None] = lambda table, count: None,
    notice: Callable[[str], None] = lambda text: None,
) -> dict[str, int]:
    """Restores the archive into the empty store `store_id`; returns the rows inserted per table.
    `notice` hears what was restored otherwise than it was (notifications turned off)."""
    version = supabase.rpc("schema_version", {}).execute().data
    if str(archive.manifest["schema_version"]) > str(version):
        raise ImportRefused(
            f"the archive is from a newer schema ({archive.manifest['schema_version']})"
            f" than this Sapa's ({version})"
        )
    if not rows(supabase.table("stores").select("id").eq("id", store_id).limit(1).execute().data):
        raise ImportRefused(f"there is no store {store_id}")
    if not _is_empty(supabase, store_id):
        raise ImportRefused(f"store {store_id} is not empty: import only restores into an empty store")
    with zipfile.ZipFile(archive.path) as zipped:
        old_store = archive.manifest["store_id"]
        tables = {
            table: json.loads(zipped.read(f"{table}.json"))
            for table in TABLES
            if table in archive.manifest["tables"]
        }
        ids = {old_store: store_id}
        for table_rows_ in tables.values():
            for row in table_rows_:
                if isinstance(row.get("id"), str) and _UUID.fullmatch(row["id"]):
                    ids[row["id"]] = str(uuid.uuid4())
        settings = json.loads(zipped.read("store.json"))
        supabase.table("stores").update({key: settings[key] for key in SETTINGS if key in settings}).eq(
            "id", store_id
        ).execute()
        for key in archive.manifest["objects"]:
            objects.put(_remap(key, ids), zipped.read(f"objects/{key}"), "application/octet-stream")
    # An archive with the consent history restores it as it was; without (format 1), the customers
    # record their consent anew.
    consent_history = "customer_consent_events" in tables
    counts: dict[str, int] = {}
    for table, table_rows_ in tables.items():
        # Oldest first, as they were written: a reply after the message it answers, and the triggers that
        # keep a conversation's last message and the KPI rollups see the same sequence as the original.
        # (Rows without created_at keep the archive's order: consent events are in the order they happened.)
        table_rows_.sort(key=lambda row: str(row.get("created_at") or ""))
        prepared = [
            _remap({key: value for key, value in row.items() if key not in PEOPLE}, ids)
            for row in table_rows_
        ]
        for start in range(0, len(prepared), PAGE):
            params = {
                "p_store_id": store_id,
                "p_table": table,
                "p_rows": prepared[start : start + PAGE],
                "p_consent_history": consent_history,
            }
            supabase.rpc("import_store_rows", params).execute()
        counts[table] = len(prepared)
        progress(table, len(prepared))
    refused = (
        restore_notification_settings(supabase, store_id, _remap(settings[NOTIFICATION_SETTINGS], ids))
        if isinstance(settings.get(NOTIFICATION_SETTINGS), dict)
        else None
    )
    if refused is not None:
        notice(
            "order updates and checkout reminders were restored turned off: this store refused them as they"
            f" were ({refused}); turn them on with templates it can send"
        )
    return counts
