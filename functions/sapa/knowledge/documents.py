"""A knowledge document's life: upload (checked before anything is stored) → the `extract_document` job
(extract → chunk → embed → store passages, or fail with the reason in plain words) → deletion.

Upload order: the file is checked (type, size, that it opens) before anything is written; then the object
goes to storage and the row to the database; if the row cannot be written the object is removed again,
so a failed upload leaves nothing behind. Replacing a document uploads a new one that names the old one
(`replaces`); the old one is deleted when the new one is ready, so the assistant never has neither."""

from __future__ import annotations

import logging
import uuid
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
from sapa.knowledge.extract import DocumentError, Extraction, extract, inspect
from sapa.knowledge.storage import ObjectStore, knowledge_key
from sapa.knowledge.words import search_terms

logger = logging.getLogger(__name__)

PREVIEW_CHARS = 1000
DocumentStatus = Literal["processing", "ready", "failed"]
PUBLIC_COLUMNS = (
    "id, title, filename, content_type, size_bytes, status, error, pages, method, text_preview, "
    "chunk_count, replaces, created_at, updated_at"
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


# The job -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KnowledgeDeps:
    supabase: Client
    store: ObjectStore
    embedder: Embedder


def process_document(deps: KnowledgeDeps, store_id: str, document_id: str) -> DocumentStatus | None:
    """Extract, chunk, embed and store one document. Idempotent: a ready document is left alone, a
    processing or failed one is (re)done. None when the document no longer exists (deleted meanwhile).

    A DocumentError fails the document with its message. Anything else (storage, database, embedder
    unreachable) also marks it failed, with a general message, and is raised so the queue retries: a
    later attempt that succeeds makes it ready."""
    document = _document_for_job(deps.supabase, store_id, document_id)
    if document is None or document["status"] == "ready":
        return None if document is None else "ready"
    try:
        data = deps.store.get(str(document["storage_key"]))
        extraction = extract(data, str(document["content_type"]), str(document["filename"]))
        replaced = _store_passages(deps, document, extraction)
    except APIError as error:
        if error.code != "P0002":
            _fail(deps.supabase, document_id, PROCESSING_FAILED)
            raise
        return None  # deleted while it was being read
    except DocumentError as error:
        reason = type(error).__name__
        logger.info("knowledge document unusable", extra={"document_id": document_id, "reason": reason})
        _fail(deps.supabase, document_id, str(error))
        return "failed"
    except Exception:
        _fail(deps.supabase, document_id, PROCESSING_FAILED)
        raise
    for key in replaced:
        deps.store.delete(key)
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


def _store_passages(deps: KnowledgeDeps, document: dict[str, Any], extraction: Extraction) -> list[str]:
    chunks = chunk_sections(extraction.sections)
    if not chunks:
        raise DocumentError(f"No text was found in “{document['filename']}”.")
    title = str(document["title"])
    vectors = deps.embedder.embed_documents([embedding_text(title, c.heading, c.content) for c in chunks])
    payload = [
        {**chunk.model_dump(), "embedding": vector, **_terms(chunk)}
        for chunk, vector in zip(chunks, vectors, strict=True)
    ]
    params = {
        "p_document_id": document["id"],
        "p_chunks": payload,
        "p_embedding_model": deps.embedder.model,
        "p_pages": extraction.pages,
        "p_method": extraction.method,
        "p_text_preview": extraction.text[:PREVIEW_CHARS],
    }
    replaced = deps.supabase.rpc("store_knowledge_chunks", params).execute().data or []
    return [str(key) for key in replaced] if isinstance(replaced, list) else []


def _terms(chunk: Chunk) -> dict[str, str]:
    """The passage's words in searchable form, for keyword search (migration 17)."""
    return {"heading_terms": search_terms(chunk.heading or ""), "content_terms": search_terms(chunk.content)}


def embedding_text(title: str, heading: str | None, content: str) -> str:
    """What a passage's vector is made from: its document title and heading give the short passage its
    context (a shipping table row says little without "Shipping costs")."""
    context = " — ".join(part for part in (title, heading) if part)
    return f"{context}\n{content}" if context else content


def _fail(supabase: Client, document_id: str, reason: str) -> None:
    supabase.rpc("fail_knowledge_document", {"p_document_id": document_id, "p_error": reason}).execute()
