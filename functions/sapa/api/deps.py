"""Dependencies the routes declare, each once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from supabase import Client

from sapa.db import get_supabase
from sapa.jobs.queue import ReplyQueue
from sapa.settings import Settings, get_settings

SettingsDep = Annotated[Settings, Depends(get_settings)]
SupabaseDep = Annotated[Client, Depends(get_supabase)]


def get_reply_queue(request: Request) -> ReplyQueue:
    """The app's queue: started with the app (local stack), or made on first use (Lambda, no lifespan)."""
    queue: ReplyQueue | None = getattr(request.app.state, "reply_queue", None)
    if queue is None:
        from sapa.jobs.worker import queue_from_settings  # the worker's clients load only when needed

        queue = request.app.state.reply_queue = queue_from_settings(get_settings())
    return queue


ReplyQueueDep = Annotated[ReplyQueue, Depends(get_reply_queue)]
