"""Apply the platform shim and the migrations to the local database, recording each applied
migration in `supabase_migrations.schema_migrations` as the Supabase CLI does.

As on Supabase, the platform (the shim, Realtime's partitions) is set up by `supabase_admin`, and the
migrations are applied by `postgres`, which is not a superuser, as `supabase db push` applies them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from sapa.local.config import PROJECT_DIR, as_role
from sapa.local.realtime import create_message_partitions

SHIM_SQL = Path(__file__).with_name("shim.sql")
MIGRATIONS_DIR = PROJECT_DIR / "supabase" / "migrations"
_MIGRATION_NAME = re.compile(r"^(?P<version>\d{14})_(?P<name>[a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path


def find_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise ValueError(f"{path.name}: migration files are named <14-digit version>_<name>.sql")
        migrations.append(Migration(match["version"], match["name"], path))
    return migrations


def apply_shim(conn: psycopg.Connection) -> None:
    """The platform shim, on a connection as `supabase_admin`; then today's Realtime partitions."""
    with conn.transaction():
        conn.execute(SHIM_SQL.read_text())
        create_message_partitions(conn)


def _create_migrations_table(conn: psycopg.Connection) -> None:
    """The Supabase CLI's record of applied migrations, made by `postgres` as the CLI makes it."""
    conn.execute(
        "create schema if not exists supabase_migrations;"
        " create table if not exists supabase_migrations.schema_migrations"
        " (version text primary key, statements text[], name text)"
    )


def applied_versions(conn: psycopg.Connection) -> set[str]:
    rows = conn.execute("select version from supabase_migrations.schema_migrations").fetchall()
    return {row[0] for row in rows}


def apply_migrations(db_url: str, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply the shim (as `supabase_admin`), then, as the URL's role (`postgres`), each migration not
    yet recorded, each in its own transaction."""
    applied: list[Migration] = []
    with psycopg.connect(as_role(db_url, "supabase_admin"), autocommit=True) as admin:
        apply_shim(admin)
    with psycopg.connect(db_url, autocommit=True) as conn:
        _create_migrations_table(conn)
        done = applied_versions(conn)
        for migration in find_migrations(directory):
            if migration.version in done:
                continue
            sql = migration.path.read_text()
            with conn.transaction():
                conn.execute(sql)
                conn.execute(
                    "insert into supabase_migrations.schema_migrations (version, name, statements)"
                    " values (%s, %s, %s)",
                    (migration.version, migration.name, [sql]),
                )
            applied.append(migration)
    return applied
