"""The assistant settings in the database (migration 250): the current settings of a store, its versions,
and saving or reverting through the SQL functions that number the versions and check the actor's role."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from supabase import Client

from sapa.assistant.settings import AssistantSettings, current_settings
from sapa.assistant.shop import StoreNotFoundError
from sapa.conversations.inbox import store_team
from sapa.db import rows

_STORE_COLUMNS = "name, timezone, bot_languages, bot_max_reply_chars, bot_persona"


class SettingsVersion(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int
    settings: dict[str, Any]
    created_by: str | None
    created_by_email: str | None = None
    created_at: datetime
    reverted_from: int | None = None


class CurrentSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    settings: AssistantSettings
    version: int | None
    """None: the store never saved settings (the defaults apply)."""
    updated_at: datetime | None
    updated_by: str | None


def current(supabase: Client, store_id: str) -> CurrentSettings:
    store = rows(supabase.table("stores").select(_STORE_COLUMNS).eq("id", store_id).limit(1).execute().data)
    if not store:
        raise StoreNotFoundError(f"no store {store_id}")
    latest = versions(supabase, store_id, limit=1)
    if not latest:
        return CurrentSettings(
            settings=current_settings(None, store[0]), version=None, updated_at=None, updated_by=None
        )
    newest = latest[0]
    return CurrentSettings(
        settings=current_settings(newest.settings, store[0]),
        version=newest.version,
        updated_at=newest.created_at,
        updated_by=newest.created_by_email or newest.created_by,
    )


def versions(supabase: Client, store_id: str, limit: int = 50) -> list[SettingsVersion]:
    """The store's versions, newest first, with the e-mail of who saved each."""
    found = rows(
        supabase.table("assistant_settings_versions")
        .select("version, settings, created_by, created_at, reverted_from")
        .eq("store_id", store_id)
        .order("version", desc=True)
        .limit(limit)
        .execute()
        .data
    )
    emails = _emails(supabase, store_id) if found else {}
    return [
        SettingsVersion.model_validate(row | {"created_by_email": emails.get(row["created_by"])})
        for row in found
    ]


def save(supabase: Client, store_id: str, actor_id: str, settings: AssistantSettings) -> int:
    params = {"p_store_id": store_id, "p_settings": settings.as_json(), "p_actor_id": actor_id}
    return _version(supabase.rpc("save_assistant_settings", params).execute().data)


def revert(supabase: Client, store_id: str, actor_id: str, version: int) -> int:
    params = {"p_store_id": store_id, "p_version": version, "p_actor_id": actor_id}
    return _version(supabase.rpc("revert_assistant_settings", params).execute().data)


def _version(data: object) -> int:
    row = data[0] if isinstance(data, list) else data
    if not isinstance(row, dict):
        raise TypeError("the settings function returned no version")
    return int(row["version"])


def _emails(supabase: Client, store_id: str) -> dict[str, str]:
    """The team's e-mail addresses by user id (auth.users is not readable through PostgREST; the
    store_team function the inbox uses is). Someone no longer in the team shows as their id."""
    team = store_team(supabase, uuid.UUID(store_id))
    return {str(member.user_id): member.email for member in team if member.email}
