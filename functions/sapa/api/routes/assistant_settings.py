"""The assistant settings of a store (README, "Assistant settings").

GET  /api/stores/{store_id}/assistant → 200 the settings object (members), with "version",
     "updated_at", "updated_by" beside the settings.
PUT  /api/stores/{store_id}/assistant {keys to change} → 200 the new current settings (owners, admins);
     keys left out keep their value; 422 with what is wrong, and nothing stored, on bad input.
GET  /api/stores/{store_id}/assistant/versions → 200 [{version, settings, created_by, created_by_email,
     created_at, reverted_from}], newest first (members).
POST /api/stores/{store_id}/assistant/versions/{version}/revert → 200 the new current settings: a new
     version equal to that one (owners, admins); 404 for a version the store does not have.
POST /api/stores/{store_id}/assistant/try {"question", "settings": {draft changes}, …} → 200 the answer
     the assistant would give with the draft, the tools and documents it used; stores and sends nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, status
from pydantic import ValidationError

from sapa.api.deps import SettingsDep, StoreAdmin, StoreMember, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES, refusals_as_http_errors
from sapa.assistant import versions
from sapa.assistant.settings import AssistantSettings, updated
from sapa.assistant.tryout import TryAnswer, TryQuestion, try_answer

router = APIRouter(
    prefix="/api/stores/{store_id}/assistant", tags=["assistant settings"], responses=AUTH_RESPONSES
)


class AssistantSettingsPublic(AssistantSettings):
    version: int | None = None
    """None: never saved; the defaults apply."""
    updated_at: datetime | None = None
    updated_by: str | None = None


def _public(found: versions.CurrentSettings) -> AssistantSettingsPublic:
    return AssistantSettingsPublic.model_validate(
        found.settings.as_json()
        | {"version": found.version, "updated_at": found.updated_at, "updated_by": found.updated_by}
    )


def _validated(current: AssistantSettings, changes: dict[str, Any]) -> AssistantSettings:
    try:
        return updated(current, changes)
    except ValidationError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, _explain(error)) from error


def _explain(error: ValidationError) -> str:
    """One line a person can act on: where and what, for each problem."""
    problems = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "settings"
        message = str(problem["msg"]).removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "not a setting"
        problems.append(f"{where}: {message}")
    return "invalid assistant settings: " + "; ".join(problems)


@router.get("", response_model=AssistantSettingsPublic)
def get_settings(member: StoreMember, supabase: SupabaseDep) -> AssistantSettingsPublic:
    return _public(versions.current(supabase, str(member.store_id)))


@router.put("", response_model=AssistantSettingsPublic)
def put_settings(
    admin: StoreAdmin, supabase: SupabaseDep, changes: Annotated[dict[str, Any], Body()]
) -> AssistantSettingsPublic:
    store_id = str(admin.store_id)
    new = _validated(versions.current(supabase, store_id).settings, changes)
    with refusals_as_http_errors():
        versions.save(supabase, store_id, str(admin.user_id), new)
    return _public(versions.current(supabase, store_id))


@router.get("/versions", response_model=list[versions.SettingsVersion])
def list_versions(member: StoreMember, supabase: SupabaseDep) -> list[versions.SettingsVersion]:
    return versions.versions(supabase, str(member.store_id))


@router.post("/versions/{version}/revert", response_model=AssistantSettingsPublic)
def revert_to(admin: StoreAdmin, supabase: SupabaseDep, version: int) -> AssistantSettingsPublic:
    store_id = str(admin.store_id)
    with refusals_as_http_errors():
        versions.revert(supabase, store_id, str(admin.user_id), version)
    return _public(versions.current(supabase, store_id))


@router.post("/try", response_model=TryAnswer)
def try_it(
    admin: StoreAdmin, supabase: SupabaseDep, settings: SettingsDep, question: TryQuestion
) -> TryAnswer:
    store_id = str(admin.store_id)
    draft = _validated(versions.current(supabase, store_id).settings, question.settings)
    return try_answer(supabase, settings, store_id, draft, question)
