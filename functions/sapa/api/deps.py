"""Dependencies the routes declare, each once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from supabase import Client

from sapa.db import get_supabase
from sapa.jobs.queue import ReplyQueue
from sapa.settings import Settings, get_settings

SettingsDep = Annotated[Settings, Depends(get_settings)]
SupabaseDep = Annotated[Client, Depends(get_supabase)]


def get_reply_queue() -> ReplyQueue:
    """The queue the app was started with (set by the app factory); overridable in tests."""
    raise RuntimeError("no reply queue configured")


ReplyQueueDep = Annotated[ReplyQueue, Depends(get_reply_queue)]
