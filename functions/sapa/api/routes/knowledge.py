"""The store's knowledge documents: what the assistant answers policy and product questions from.

POST   /api/stores/{store_id}/knowledge            multipart `file` (+ `title`, `replaces`) → 201, processing
GET    /api/stores/{store_id}/knowledge            → the documents, newest first
GET    /api/stores/{store_id}/knowledge/{id}       → one document
DELETE /api/stores/{store_id}/knowledge/{id}       → 204 (file, passages and row gone)
POST   /api/stores/{store_id}/knowledge/search     {question, limit?} → the passages the assistant would use

Owners and admins upload and delete; any member reads and searches. Upload refusals store nothing:
413 too large, 415 a type Sapa cannot read, 422 damaged, empty or password-protected (the detail says
so in words for the shop owner); 404 when `replaces` is not a document of this store. Status changes
reach the dashboard live (knowledge_documents broadcasts on store:<id>)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Response, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field

from sapa.api.deps import ReplyQueueDep, SettingsDep, StoreAdmin, StoreMember, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES
from sapa.knowledge import limits
from sapa.knowledge.documents import (
    DocumentCreated,
    DocumentNotFoundError,
    DocumentPublic,
    Upload,
    delete_document,
    get_document,
    list_documents,
    upload_document,
)
from sapa.knowledge.extract import DocumentError, TooLargeDocument, UnsupportedDocument
from sapa.knowledge.retrieve import Passage, search
from sapa.knowledge.storage import ObjectStore, object_store

router = APIRouter(prefix="/api/stores/{store_id}/knowledge", tags=["knowledge"], responses=AUTH_RESPONSES)

"""An owner or admin of the path's store."""


def get_object_store(settings: SettingsDep) -> ObjectStore:
    return object_store(settings)


ObjectStoreDep = Annotated[ObjectStore, Depends(get_object_store)]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "The store has no such document"}}


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    question: str = Field(min_length=1, max_length=1000)
    limit: int = Field(default=3, ge=1, le=10)


class SearchResult(BaseModel):
    passages: list[Passage]


def _upload_refusal(error: DocumentError) -> HTTPException:
    if isinstance(error, TooLargeDocument):
        return HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(error))
    if isinstance(error, UnsupportedDocument):
        return HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, str(error))
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error))


@router.post(
    "",
    response_model=DocumentCreated,
    status_code=status.HTTP_201_CREATED,
    responses={
        404: {"description": "`replaces` is not a document of this store"},
        413: {"description": f"Larger than {limits.MAX_UPLOAD_BYTES} bytes"},
        415: {"description": "Not a type Sapa can read"},
        422: {"description": "Damaged, empty or password-protected"},
    },
)
def upload(
    member: StoreAdmin,
    supabase: SupabaseDep,
    store: ObjectStoreDep,
    queue: ReplyQueueDep,
    file: Annotated[UploadFile, File(description=f"The document: {limits.ACCEPTED_DESCRIPTION}")],
    title: Annotated[str | None, Form(max_length=200)] = None,
    replaces: Annotated[uuid.UUID | None, Form()] = None,
) -> DocumentCreated:
    data = file.file.read(limits.MAX_UPLOAD_BYTES + 1)  # enough to know it is too large
    filename = (file.filename or "document").rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or "document"
    document = Upload(data, file.content_type or "", filename, title, replaces)
    try:
        return upload_document(
            supabase, store, queue, store_id=member.store_id, upload=document, uploaded_by=member.user_id
        )
    except DocumentError as error:
        raise _upload_refusal(error) from error
    except DocumentNotFoundError as error:
        detail = "the document to replace is not in this store"
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail) from error


@router.get("", response_model=list[DocumentPublic])
def list_all(member: StoreMember, supabase: SupabaseDep) -> list[DocumentPublic]:
    return list_documents(supabase, member.store_id)


@router.post("/search", response_model=SearchResult)
def search_passages(
    request: SearchRequest, member: StoreMember, supabase: SupabaseDep, settings: SettingsDep
) -> SearchResult:
    return SearchResult(passages=search(supabase, settings, member.store_id, request.question, request.limit))


@router.get("/{document_id}", response_model=DocumentPublic, responses=_NOT_FOUND)
def read_one(document_id: uuid.UUID, member: StoreMember, supabase: SupabaseDep) -> DocumentPublic:
    try:
        return get_document(supabase, member.store_id, document_id)
    except DocumentNotFoundError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error


@router.delete("/{document_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_NOT_FOUND)
def delete(
    document_id: uuid.UUID, member: StoreAdmin, supabase: SupabaseDep, store: ObjectStoreDep
) -> Response:
    try:
        delete_document(supabase, store, member.store_id, document_id)
    except DocumentNotFoundError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    return Response(status_code=status.HTTP_204_NO_CONTENT)
