from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from sapa.local.migrate import MIGRATIONS_DIR, apply_migrations, find_migrations


def test_migrations_apply_once_and_are_recorded_like_the_supabase_cli(scratch_db_url: str) -> None:
    first = apply_migrations(scratch_db_url)
    second = apply_migrations(scratch_db_url)

    assert [m.version for m in first] == [m.version for m in find_migrations()]
    assert second == []
    with psycopg.connect(scratch_db_url) as conn:
        rows = conn.execute(
            "select version, name, statements[1] from supabase_migrations.schema_migrations order by version"
        ).fetchall()
    assert [(v, n) for v, n, _ in rows] == [(m.version, m.name) for m in first]
    assert all(statement == m.path.read_text() for (_, _, statement), m in zip(rows, first, strict=True))


def test_a_failing_migration_leaves_nothing_behind(scratch_db_url: str, tmp_path: Path) -> None:
    for migration in find_migrations():
        (tmp_path / migration.path.name).write_text(migration.path.read_text())
    (tmp_path / "29991231000000_broken.sql").write_text(
        "create table public.half_done (id int);\nselect 1 / 0;\n"
    )

    with pytest.raises(psycopg.errors.DivisionByZero):
        apply_migrations(scratch_db_url, tmp_path)

    with psycopg.connect(scratch_db_url) as conn:
        assert conn.execute("select to_regclass('public.half_done')").fetchone() == (None,)
        versions = conn.execute("select version from supabase_migrations.schema_migrations").fetchall()
    assert ("29991231000000",) not in versions


def test_migration_files_are_named_for_the_supabase_cli(tmp_path: Path) -> None:
    (tmp_path / "add_things.sql").write_text("select 1;")
    with pytest.raises(ValueError, match="14-digit version"):
        find_migrations(tmp_path)
    assert find_migrations(MIGRATIONS_DIR)
