"""The one settings object. Required secrets have no defaults: a deployment without them fails at
start-up with a clear error instead of running half-configured."""

from __future__ import annotations

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    supabase_url: str
    """Base URL of the Supabase project (local stack: the gateway, http://127.0.0.1:54321)."""
    supabase_service_role_key: SecretStr
    """Service-role key: the functions write webhook-fed tables with it. Never sent to a browser."""
    supabase_jwt_secret: SecretStr
    """Verifies the Supabase JWTs that the dashboard sends to /api routes."""
    environment: str = "local"
    log_level: str = "INFO"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()  # values come from the environment
