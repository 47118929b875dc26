"""A customer's attachment as the agent opens it: Twilio's media URL needs the store's credentials, so
the dashboard asks here for a short-lived link to the copy the worker kept in object storage.

GET /api/stores/{store_id}/messages/{message_id}/media/{index} → 200 {"url", "content_type",
"expires_in"}; 404 when the store has no such message or item, or the item was not kept (not yet read,
too large, or Twilio refused it). Any member of the store; 401/403 as everywhere."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel

from sapa.api.deps import SettingsDep, StoreMember, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES
from sapa.channels.twilio.inbound import MAX_MEDIA
from sapa.channels.twilio.media import MediaItem
from sapa.db import rows
from sapa.knowledge.storage import object_store

router = APIRouter(prefix="/api/stores/{store_id}", tags=["inbox"], responses=AUTH_RESPONSES)

LINK_SECONDS = 300
"""How long a link works: long enough to open it, short enough that a forwarded link soon dies."""


class MediaLink(BaseModel):
    url: str
    content_type: str
    expires_in: int


@router.get(
    "/messages/{message_id}/media/{index}",
    response_model=MediaLink,
    responses={404: {"description": "No such message or attachment, or it was not kept"}},
)
def media_link(
    member: StoreMember,
    supabase: SupabaseDep,
    settings: SettingsDep,
    message_id: uuid.UUID,
    index: Annotated[int, Path(ge=0, lt=MAX_MEDIA)],
) -> MediaLink:
    found = rows(
        supabase.table("messages")
        .select("media")
        .eq("store_id", str(member.store_id))
        .eq("id", str(message_id))
        .limit(1)
        .execute()
        .data
    )
    media = found[0]["media"] if found else []
    if index >= len(media):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this message has no such attachment")
    item = MediaItem.model_validate(media[index])
    if item.storage_key is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this attachment was not kept by Sapa")
    url = object_store(settings).presigned_url(item.storage_key, LINK_SECONDS)
    return MediaLink(url=url, content_type=item.content_type, expires_in=LINK_SECONDS)
