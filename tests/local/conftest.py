"""Fixtures for the dev stand-ins: a gateway of the tests' own (uvicorn in a thread, on a free port)
against the stack's Postgres, with PostgREST replaced by an echo server so the proxy can be checked
header by header, and users made with the Auth stand-in's `create_user`."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import psycopg
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from sapa.local.auth import create_user
from sapa.local.config import StackConfig
from sapa.local.gateway import create_gateway_app
from tests.conftest import Stack


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve(app: ASGIApp, port: int) -> Iterator[None]:
    """Run `app` under uvicorn in a background thread until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the server on port {port} did not start")
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def _echo(request: Request) -> JSONResponse:
    """Answers with what it received, as a one-row PostgREST result."""
    received = {
        "method": request.method,
        "path": request.url.path,
        "query": request.url.query,
        "headers": dict(request.headers),
        "body": (await request.body()).decode(),
    }
    status = int(request.headers.get("x-echo-status", "200"))
    headers = {"Content-Range": "0-0/1", "Access-Control-Allow-Origin": "*", "X-Upstream": "echo"}
    return JSONResponse([received], status_code=status, headers=headers)


echo_app = Starlette(
    routes=[Route("/{path:path}", _echo, methods=["GET", "HEAD", "POST", "PATCH", "DELETE"])]
)


@pytest.fixture(scope="session")
def local_config(stack: Stack) -> Iterator[StackConfig]:
    """The stack's database and secret, with this session's own gateway and echo 'PostgREST'."""
    database = urlsplit(stack.db_url)
    config = replace(
        StackConfig.for_profile("test"),
        host=database.hostname or "127.0.0.1",
        postgres_port=database.port or 5432,
        jwt_secret=stack.jwt_secret,
        gateway_port=free_port(),
        postgrest_port=free_port(),
    )
    with serve(echo_app, config.postgrest_port), serve(create_gateway_app(config), config.gateway_port):
        yield config


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    email: str
    password: str


@pytest.fixture
def make_user(local_config: StackConfig) -> Iterator[Callable[..., Account]]:
    """Creates users with unique e-mails; deletes them (and their sessions) afterwards."""
    made: list[Account] = []

    def make(*, email_confirmed: bool = True) -> Account:
        email = f"user-{uuid.uuid4().hex[:12]}@test.sapa.local"
        password = f"pw-{uuid.uuid4().hex}"
        with psycopg.connect(local_config.db_url) as conn:
            user_id = create_user(conn, email, password, email_confirmed=email_confirmed)
        made.append(Account(user_id, email, password))
        return made[-1]

    yield make
    with psycopg.connect(local_config.db_url) as conn:
        conn.execute("delete from auth.users where id = any(%s)", [[user.id for user in made]])
