"""Dependencies the routes declare, each once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from supabase import Client

from sapa.db import get_supabase
from sapa.settings import Settings, get_settings

SettingsDep = Annotated[Settings, Depends(get_settings)]
SupabaseDep = Annotated[Client, Depends(get_supabase)]
