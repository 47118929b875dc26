"""The database as the functions see it: the official supabase client with the service-role key,
created once per process so warm Lambda invocations reuse it."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter
from supabase import Client, create_client

from sapa.settings import get_settings


@lru_cache(maxsize=1)
def get_supabase() -> Client:
    settings = get_settings()
    return create_client(settings.supabase_url, settings.supabase_service_role_key.get_secret_value())


Row = dict[str, Any]
_ROWS = TypeAdapter(list[Row])


def rows(data: object) -> list[Row]:
    """PostgREST's JSON answer as a list of rows (checked, so a surprise fails here, not later)."""
    return _ROWS.validate_python(data)
