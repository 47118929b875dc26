"""Where the local stack lives and how its parts find each other.

Two profiles: `demo` (the ports DESIGN.md fixes) and `test` (the same layout shifted by 1000, so the
test suite can run beside a running demo)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import jwt

PROJECT_DIR = Path(__file__).resolve().parents[3]

# Supabase CLI's well-known local secret; only ever used by the local stack.
LOCAL_JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"  # noqa: S105
LOCAL_KEY_EXPIRY = 1983812996  # 2032-11-11, as in the Supabase CLI's local keys

_PORT_OFFSETS = {"demo": 0, "test": 1000}


def as_role(db_url: str, role: str) -> str:
    """The same local database URL, logging in as `role` (the local server trusts its roles'
    passwords; every platform role has the password `postgres`)."""
    parts = urlsplit(db_url)
    netloc = f"{role}:postgres@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True)
class StackConfig:
    profile: str
    state_dir: Path
    gateway_port: int
    postgres_port: int
    postgrest_port: int
    functions_port: int
    dashboard_port: int
    s3_port: int
    """The local object storage (moto's S3)."""
    jwt_secret: str = LOCAL_JWT_SECRET
    host: str = "127.0.0.1"

    @classmethod
    def for_profile(cls, profile: str) -> StackConfig:
        if profile not in _PORT_OFFSETS:
            raise ValueError(f"unknown profile {profile!r}; expected one of {sorted(_PORT_OFFSETS)}")
        # SAPA_PORT_OFFSET shifts a profile's ports, so that several test stacks can run side by side.
        offset = _PORT_OFFSETS[profile] + int(os.environ.get("SAPA_PORT_OFFSET", "0"))
        root = Path(os.environ.get("SAPA_STATE_DIR", PROJECT_DIR / ".sapa"))
        return cls(
            profile=profile,
            state_dir=root / profile,
            gateway_port=54321 + offset,
            postgres_port=54322 + offset,
            postgrest_port=54324 + offset,
            functions_port=8000 + offset,
            dashboard_port=3000 + offset,
            s3_port=54325 + offset,
        )

    @property
    def pgdata(self) -> Path:
        return self.state_dir / "pgdata"

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def db_url(self) -> str:
        """As the project's `postgres` role (no superuser, as on Supabase): migrations, seed, tests."""
        return f"postgresql://postgres:postgres@{self.host}:{self.postgres_port}/postgres"

    @property
    def admin_db_url(self) -> str:
        """As `supabase_admin`, the cluster's superuser: the platform shim and the Realtime stand-in,
        which on Supabase run as that role too."""
        return as_role(self.db_url, "supabase_admin")

    @property
    def auth_db_url(self) -> str:
        """As `supabase_auth_admin`, the owner of the auth tables, as GoTrue connects."""
        return as_role(self.db_url, "supabase_auth_admin")

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.gateway_port}"

    @property
    def postgrest_url(self) -> str:
        return f"http://{self.host}:{self.postgrest_port}"

    @property
    def functions_url(self) -> str:
        return f"http://{self.host}:{self.functions_port}"

    @property
    def dashboard_url(self) -> str:
        return f"http://{self.host}:{self.dashboard_port}"

    @property
    def s3_url(self) -> str:
        return f"http://{self.host}:{self.s3_port}"

    knowledge_bucket = "sapa-knowledge"

    @cached_property
    def anon_key(self) -> str:
        return self._role_key("anon")

    @cached_property
    def service_role_key(self) -> str:
        return self._role_key("service_role")

    def _role_key(self, role: str) -> str:
        claims = {"iss": "supabase-demo", "role": role, "exp": LOCAL_KEY_EXPIRY}
        return jwt.encode(claims, self.jwt_secret, algorithm="HS256")
