"""A knowledge document's life: upload (checked before anything is stored) → the `extract_document` job
(extract → chunk → embed → store passages, or fail with the reason in plain words) → deletion.

Upload order: the file is checked (type, size, that it opens) before anything is written; then the object
goes to storage and the row to the database; if the row cannot be written the object is removed again,
so a failed upload leaves nothing behind. Replacing a document uploads a new one that names the old one
(`replaces`); the old one is deleted when the new one is ready, so the assistant never has neither."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from postgrest.exceptions import APIError
from pydantic import BaseModel, ConfigDict, TypeAdapter
from supabase import Client

from sapa.db import rows
from sapa.jobs.queue import Job, extract_document_job
from sapa.knowledge.chunk import Chunk, chunk_sections
from sapa.knowledge.embed import Embedder
from sapa.knowledge.extract import DocumentError, Method, extract, inspect
from sapa.knowledge.storage import ObjectStore, knowledge_key
from sapa.knowledge.words import search_terms

logger = logging.getLogger(__name__)

PREVIEW_CHARS = 1000
DocumentStatus = Literal["processing", "ready", "failed"]
PUBLIC_COLUMNS = (
    "id, title, filename, content_type, size_bytes, status, error, pages, method, text_preview, "
    "chunk_count, chunks_total, chunks_done, replaces, created_at, updated_at"
)
PROCESSING_FAILED = (
    "Something went wrong while reading this document. Sapa tries again by itself; if it stays like this, "
    "upload it again."
)


class DocumentNotFoundError(LookupError):
    """The store has no such document."""


class JobQueue(Protocol):
    def enqueue(self, job: Job) -> None: ...


class DocumentCreated(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    title: str
    filename: str
    status: DocumentStatus


class DocumentPublic(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    title: str
    filename: str
    content_type: str
    size_bytes: int
    status: DocumentStatus
    error: str | None
    pages: int | None
    method: str | None
    text_preview: str | None
    chunk_count: int
    chunks_total: int | None
    """Passages the document has, once read; with chunks_done, the progress while it is processing."""
    chunks_done: int
    replaces: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


_DOCUMENTS = TypeAdapter(list[DocumentPublic])


@dataclass(frozen=True)
class Upload:
    data: bytes
    content_type: str
    filename: str
    title: str | None = None
    replaces: uuid.UUID | None = None


def default_title(filename: str) -> str:
    stem = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return " ".join(stem.replace("_", " ").replace("-", " ").split())[:200] or "Document"


def upload_document(
    supabase: Client,
    store: ObjectStore,
    queue: JobQueue,
    *,
    store_id: uuid.UUID,
    upload: Upload,
    uploaded_by: uuid.UUID | None,
) -> DocumentCreated:
    """Raises DocumentError (nothing stored) or DocumentNotFoundError (`replaces` is not the store's)."""
    inspect(upload.data, upload.content_type, upload.filename)
    if upload.replaces is not None:
        get_document(supabase, store_id, upload.replaces)
    document_id = uuid.uuid4()
    key = knowledge_key(str(store_id), str(document_id), upload.filename)
    title = (upload.title or "").strip()[:200] or default_title(upload.filename)
    store.put(key, upload.data, upload.content_type)
    try:
        row = {
            "id": str(document_id),
            "store_id": str(store_id),
            "title": title,
            "filename": upload.filename[:255],
            "content_type": upload.content_type[:255],
            "size_bytes": len(upload.data),
            "storage_key": key,
            "replaces": str(upload.replaces) if upload.replaces else None,
            "uploaded_by": str(uploaded_by) if uploaded_by else None,
        }
        supabase.table("knowledge_documents").insert(row).execute()
    except Exception:
        store.delete(key)
        raise
    queue.enqueue(extract_document_job(str(store_id), str(document_id)))
    return DocumentCreated(id=document_id, title=title, filename=row["filename"], status="processing")


def list_documents(supabase: Client, store_id: uuid.UUID) -> list[DocumentPublic]:
    data = (
        supabase.table("knowledge_documents")
        .select(PUBLIC_COLUMNS)
        .eq("store_id", str(store_id))
        .order("created_at", desc=True)
        .limit(500)
        .execute()
        .data
    )
    return _DOCUMENTS.validate_python(data)


def get_document(supabase: Client, store_id: uuid.UUID, document_id: uuid.UUID) -> DocumentPublic:
    data = (
        supabase.table("knowledge_documents")
        .select(PUBLIC_COLUMNS)
        .eq("store_id", str(store_id))
        .eq("id", str(document_id))
        .limit(1)
        .execute()
        .data
    )
    found = _DOCUMENTS.validate_python(data)
    if not found:
        raise DocumentNotFoundError(f"no document {document_id} in this store")
    return found[0]


def delete_document(
    supabase: Client, store: ObjectStore, store_id: uuid.UUID, document_id: uuid.UUID
) -> None:
    """Row (and its passages, by cascade) first, then the file: a failure in between leaves an orphan
    file, never a document whose file is gone."""
    deleted = rows(
        supabase.table("knowledge_documents")
        .delete()
        .eq("store_id", str(store_id))
        .eq("id", str(document_id))
        .execute()
        .data
    )
    if not deleted:
        raise DocumentNotFoundError(f"no document {document_id} in this store")
    store.delete(str(deleted[0]["storage_key"]))
    store.delete(reading_key(str(deleted[0]["storage_key"])))


# The job -------------------------------------------------------------------------------------------
DEFAULT_BUDGET_SECONDS = 420.0
DEFAULT_BATCH_SIZE = 32


@dataclass(frozen=True)
class KnowledgeDeps:
    supabase: Client
    store: ObjectStore
    embedder: Embedder
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    """Time a run spends embedding before it queues its continuation (knowledge_job_budget_seconds)."""
    batch_size: int = DEFAULT_BATCH_SIZE
    """Passages embedded together and stored in one transaction (settings.knowledge_batch_size)."""
    clock: Callable[[], float] = time.monotonic


class Reading(BaseModel):
    """A document read and cut into passages: made once, kept next to the file (reading_key) so the
    job's later runs resume without reading (or OCR-ing) the file again, and all runs store passages of
    one and the same reading."""

    model_config = ConfigDict(frozen=True)

    pages: int
    method: Method
    text_preview: str
    chunks: list[Chunk]


def reading_key(storage_key: str) -> str:
    return f"{storage_key}.reading.json"


def process_document(
    deps: KnowledgeDeps,
    store_id: str,
    document_id: str,
    continue_with: Callable[[], None] | None = None,
) -> DocumentStatus | None:
    """Extract, chunk, embed and store one document, in bounded runs: a run stores batches of passages
    (each batch at once and idempotently, so a retried or duplicated run stores nothing twice and resumes
    at the first passage not stored) until `deps.budget_seconds` are spent, then calls `continue_with`
    (which queues the same job) and returns "processing". Without `continue_with` it goes on here until
    the end. The document becomes ready, and the one it replaces is deleted, when every passage is stored.
    Idempotent: a ready document is left alone. None when the document no longer exists.

    A DocumentError fails the document with its message. Anything else (storage, database, embedder
    unreachable) is raised so the queue retries, and the passages stored so far are kept for that retry;
    after the last attempt the worker fails the document with a general message (`fail_after_retries`)."""
    document = _document_for_job(deps.supabase, store_id, document_id)
    if document is None or document["status"] == "ready":
        return None if document is None else "ready"
    key = str(document["storage_key"])
    deadline = None if continue_with is None else deps.clock() + deps.budget_seconds  # reading counts too
    try:
        reading = _reading(deps, document)
        if not _store_batches(deps, document, reading, deadline):
            assert continue_with is not None
            continue_with()
            return "processing"
        replaced = _finish(deps, document_id, reading)
    except APIError as error:
        if error.code != "P0002":
            raise
        deps.store.delete(reading_key(key))
        return None  # deleted while it was being read
    except DocumentError as error:
        reason = type(error).__name__
        logger.info("knowledge document unusable", extra={"document_id": document_id, "reason": reason})
        _fail(deps.supabase, document_id, str(error))
        deps.store.delete(reading_key(key))
        return "failed"
    deps.store.delete(reading_key(key))
    for old_key in replaced:
        deps.store.delete(old_key)
        deps.store.delete(reading_key(old_key))
    return "ready"


def _document_for_job(supabase: Client, store_id: str, document_id: str) -> dict[str, Any] | None:
    found = rows(
        supabase.table("knowledge_documents")
        .select("id, store_id, title, filename, content_type, storage_key, status")
        .eq("store_id", store_id)
        .eq("id", document_id)
        .limit(1)
        .execute()
        .data
    )
    return found[0] if found else None


def _reading(deps: KnowledgeDeps, document: dict[str, Any]) -> Reading:
    """The kept reading of the document, or a new one (then kept). Raises DocumentError."""
    key = reading_key(str(document["storage_key"]))
    if deps.store.exists(key):
        return Reading.model_validate_json(deps.store.get(key))
    data = deps.store.get(str(document["storage_key"]))
    extraction = extract(data, str(document["content_type"]), str(document["filename"]))
    chunks = chunk_sections(extraction.sections)
    if not chunks:
        raise DocumentError(f"No text was found in “{document['filename']}”.")
    reading = Reading(
        pages=extraction.pages,
        method=extraction.method,
        text_preview=extraction.text[:PREVIEW_CHARS],
        chunks=chunks,
    )
    deps.store.put(key, reading.model_dump_json().encode(), "application/json")
    return reading


def _store_batches(
    deps: KnowledgeDeps, document: dict[str, Any], reading: Reading, deadline: float | None
) -> bool:
    """Stores the passages not yet stored, a batch at a time, until done (True) or until the next batch
    would end after `deadline` (False; at least one batch per run, so every run makes progress)."""
    total = len(reading.chunks)
    model = deps.embedder.model
    params = {"p_document_id": document["id"], "p_chunks_total": total, "p_embedding_model": model}
    missing = deps.supabase.rpc("knowledge_chunks_missing", params).execute().data or []
    if not isinstance(missing, list):
        raise TypeError(f"knowledge_chunks_missing returned {missing!r}")
    title = str(document["title"])
    size = max(1, deps.batch_size)
    slowest = 0.0
    for start in range(0, len(missing), size):
        began = deps.clock()
        if start and deadline is not None and began + slowest > deadline:
            return False
        batch = [reading.chunks[int(ordinal)] for ordinal in missing[start : start + size]]
        vectors = deps.embedder.embed_documents([embedding_text(title, c.heading, c.content) for c in batch])
        payload = [
            {**chunk.model_dump(), "embedding": vector, **_terms(chunk)}
            for chunk, vector in zip(batch, vectors, strict=True)
        ]
        done = deps.supabase.rpc("store_knowledge_batch", {**params, "p_chunks": payload}).execute().data
        if done is None:
            return True  # ready already: another run of this job finished it
        slowest = max(slowest, deps.clock() - began)
        logger.info(
            "knowledge passages stored",
            extra={"document_id": document["id"], "chunks_done": done, "chunks_total": total},
        )
    return True


def _finish(deps: KnowledgeDeps, document_id: str, reading: Reading) -> list[str]:
    params = {
        "p_document_id": document_id,
        "p_embedding_model": deps.embedder.model,
        "p_pages": reading.pages,
        "p_method": reading.method,
        "p_text_preview": reading.text_preview,
    }
    replaced = deps.supabase.rpc("finish_knowledge_document", params).execute().data or []
    return [str(key) for key in replaced] if isinstance(replaced, list) else []


def _terms(chunk: Chunk) -> dict[str, str]:
    """The passage's words in searchable form, for keyword search (migration 17)."""
    return {"heading_terms": search_terms(chunk.heading or ""), "content_terms": search_terms(chunk.content)}


def embedding_text(title: str, heading: str | None, content: str) -> str:
    """What a passage's vector is made from: its document title and heading give the short passage its
    context (a shipping table row says little without "Shipping costs")."""
    context = " — ".join(part for part in (title, heading) if part)
    return f"{context}\n{content}" if context else content


def fail_after_retries(supabase: Client, document_id: str) -> None:
    """The job's last attempt failed (not the document's fault): the owner sees it failed."""
    _fail(supabase, document_id, PROCESSING_FAILED)


def _fail(supabase: Client, document_id: str, reason: str) -> None:
    supabase.rpc("fail_knowledge_document", {"p_document_id": document_id, "p_error": reason}).execute()
