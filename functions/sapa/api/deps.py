"""Dependencies the routes declare, each once."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from supabase import Client

from sapa.api.auth import AuthenticatedUser, Membership, access_token, current_user, require_role
from sapa.channels.router import ChannelSender
from sapa.conversations.outbound import MessageSender
from sapa.db import get_supabase
from sapa.jobs.queue import ReplyQueue
from sapa.settings import Settings, get_settings

SettingsDep = Annotated[Settings, Depends(get_settings)]
SupabaseDep = Annotated[Client, Depends(get_supabase)]
CurrentUser = Annotated[AuthenticatedUser, Depends(current_user)]
StoreMember = Annotated[Membership, Depends(require_role("agent"))]
"""Any member of the path's store (agent, admin or owner); 401 without a valid token, 403 otherwise."""
StoreAdmin = Annotated[Membership, Depends(require_role("admin"))]
"""An admin or owner of the path's store."""
AccessToken = Annotated[str, Depends(access_token)]
"""The caller's bearer token, for reads made as the caller (RLS); verified by the role check beside it."""


@lru_cache(maxsize=1)
def get_sender() -> MessageSender:
    """Sends agents' replies; one per process, like the worker's."""
    return ChannelSender(get_settings(), get_supabase())


SenderDep = Annotated[MessageSender, Depends(get_sender)]


def get_reply_queue(request: Request) -> ReplyQueue:
    """The app's queue: started with the app (local stack), or made on first use (Lambda, no lifespan)."""
    queue: ReplyQueue | None = getattr(request.app.state, "reply_queue", None)
    if queue is None:
        from sapa.jobs.worker import queue_from_settings  # the worker's clients load only when needed

        queue = request.app.state.reply_queue = queue_from_settings(get_settings())
    return queue


ReplyQueueDep = Annotated[ReplyQueue, Depends(get_reply_queue)]


async def read_body(request: Request, limit: int, too_large: str) -> bytes:
    """The raw body, read no further than `limit` bytes: a webhook signature is checked over these exact
    bytes, and an oversized request is refused with 413 before it is all in memory."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, too_large)
    return raw
