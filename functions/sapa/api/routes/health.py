"""Liveness and readiness."""

from __future__ import annotations

from typing import Literal

import httpx
from fastapi import APIRouter, HTTPException, status
from postgrest.exceptions import APIError
from pydantic import BaseModel

from sapa.api.deps import SettingsDep, SupabaseDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]
    environment: str


class Readiness(Health):
    database: Literal["ok"]


@router.get("/health", response_model=Health)
def health(settings: SettingsDep) -> Health:
    return Health(status="ok", environment=settings.environment)


@router.get("/health/ready", response_model=Readiness)
def ready(settings: SettingsDep, supabase: SupabaseDep) -> Readiness:
    """Ready when the database answers through PostgREST with the service-role key."""
    try:
        supabase.table("stores").select("id").limit(1).execute()
    except (APIError, httpx.HTTPError) as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "database unreachable") from error
    return Readiness(status="ok", environment=settings.environment, database="ok")
