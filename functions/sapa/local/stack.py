"""Runs the whole local stack in one process until interrupted: Postgres and PostgREST as child
processes, and the gateway, the functions API and the dashboard as uvicorn servers on one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator

import httpx
import uvicorn
from starlette.types import ASGIApp

from sapa.local.config import StackConfig
from sapa.local.dashboard import create_dashboard_app
from sapa.local.migrate import apply_migrations
from sapa.local.objects import ObjectStorage, start_object_storage
from sapa.local.outbox import local_outbox
from sapa.local.postgres import LocalPostgres
from sapa.local.postgrest import start_postgrest
from sapa.local.seed import seed_demo


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the stack, which stops all servers together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def functions_environment(config: StackConfig) -> dict[str, str]:
    """The settings the functions read from the environment, pointed at the local stack."""
    return {
        "SUPABASE_URL": config.api_url,
        "SUPABASE_SERVICE_ROLE_KEY": config.service_role_key,
        "SUPABASE_JWT_SECRET": config.jwt_secret,
        "ENVIRONMENT": "local",
        "CORS_ORIGINS": json.dumps([config.dashboard_url]),
        "DASHBOARD_URL": config.dashboard_url,
        # Connecting a local WooCommerce (the WordPress plugin): a known dev connect token, shops on
        # http://localhost, sandbox WhatsApp senders (no Twilio here), and a credentials key generated
        # once per state folder.
        "CONNECT_TOKEN": LOCAL_CONNECT_TOKEN,
        "WOOCOMMERCE_ALLOW_HTTP": "true",
        "WHATSAPP_SANDBOX_SENDERS": "true",
        "CREDENTIALS_ENCRYPTION_KEY": local_credentials_key(config),
        # Object storage: the moto server the stack runs (any credentials are accepted there).
        "AWS_ENDPOINT_URL": config.s3_url,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "KNOWLEDGE_BUCKET": config.knowledge_bucket,
    }


LOCAL_CONNECT_TOKEN = "sapa-local-connect-token"  # noqa: S105 (dev stack only, like the demo logins)


def local_credentials_key(config: StackConfig) -> str:
    """The local stack's Fernet key for shop credentials, kept beside its database (which holds what it
    encrypted)."""
    path = config.state_dir / "credentials.key"
    if not path.exists():
        from cryptography.fernet import Fernet

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(Fernet.generate_key())
        path.chmod(0o600)
    return path.read_text().strip()


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def prepare_database(config: StackConfig, *, reset: bool = False) -> LocalPostgres:
    postgres = LocalPostgres(config)
    if reset:
        postgres.destroy()
        local_outbox(config).clear()  # its links name users of the old database
    postgres.start()
    apply_migrations(config.db_url)
    seed_demo(config.db_url)
    return postgres


def _start_scheduled_jobs(config: StackConfig) -> threading.Event:
    """The scheduled jobs (sapa.jobs.scheduled) on their schedules, as EventBridge runs them on AWS (a
    daemon thread). Not in the test profile unless SCHEDULED_JOBS_INTERVAL_SECONDS is set: its suites
    run the jobs themselves, and a run in the background would race them."""
    from sapa.db import get_supabase
    from sapa.jobs.runs import JobDeps
    from sapa.jobs.scheduled import run_on_schedule
    from sapa.settings import get_settings

    stop = threading.Event()
    settings = get_settings()
    if config.profile == "test" and "SCHEDULED_JOBS_INTERVAL_SECONDS" not in os.environ:
        return stop
    if settings.scheduled_jobs_interval_seconds > 0:
        args = (JobDeps(get_supabase(), settings), stop, settings.scheduled_jobs_interval_seconds)
        threading.Thread(target=run_on_schedule, args=args, name="scheduled-jobs", daemon=True).start()
    return stop


def _start_broadcasts() -> threading.Event:
    """Due broadcasts of sandbox senders (the local stores: no Twilio account), every few seconds, as
    the schedule runs `sapa jobs run broadcasts` on AWS; a store given a Twilio account locally is sent
    by that command."""
    from sapa.broadcasts.worker import BroadcastDeps, run_periodically
    from sapa.db import get_supabase
    from sapa.settings import get_settings

    stop = threading.Event()
    settings = get_settings()
    if settings.broadcast_interval_seconds > 0:
        deps = BroadcastDeps.from_settings(get_supabase(), settings)
        thread = threading.Thread(
            target=run_periodically,
            args=(deps, settings.broadcast_interval_seconds, stop),
            kwargs={"sandbox_only": True},
            name="broadcasts",
            daemon=True,
        )
        thread.start()
    return stop


def _server(app: ASGIApp, config: StackConfig, port: int) -> _Server:
    return _Server(uvicorn.Config(app, host=config.host, port=port, log_level="warning", lifespan="on"))


async def _serve(servers: list[_Server]) -> None:
    def stop_all() -> None:
        for server in servers:
            server.should_exit = True

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_all)
    await asyncio.gather(*(server.serve() for server in servers))


def run_stack(config: StackConfig, *, reset: bool = False, on_ready: str | None = None) -> None:
    """Start everything, print `on_ready` once all parts answer, and run until SIGINT/SIGTERM."""
    config.log_dir.mkdir(parents=True, exist_ok=True)
    postgres = prepare_database(config, reset=reset)
    postgrest: subprocess.Popen[bytes] | None = None
    object_storage: ObjectStorage | None = None
    try:
        postgrest = start_postgrest(config)
        wait_for_http(config.postgrest_url)
        os.environ.update(functions_environment(config))
        object_storage = start_object_storage(config)
        # Imported here: the functions app reads its settings from the environment set just above.
        from sapa.api.app import create_app
        from sapa.db import get_supabase
        from sapa.local.gateway import create_gateway_app
        from sapa.local.simulator import create_simulator_router

        functions = create_app()
        functions.include_router(create_simulator_router(config, get_supabase()))
        jobs_stop = _start_scheduled_jobs(config)
        broadcasts_stop = _start_broadcasts()
        servers = [
            _server(create_gateway_app(config), config, config.gateway_port),
            _server(functions, config, config.functions_port),
            _server(create_dashboard_app(config), config, config.dashboard_port),
        ]
        ready_file = config.state_dir / "ready"

        async def announce() -> None:
            while not all(s.started for s in servers):  # noqa: ASYNC110 (uvicorn exposes no event)
                await asyncio.sleep(0.05)
            if config.profile == "demo":  # the test profile's suites upload what they need themselves
                from sapa.local.seed.documents import seed_demo_documents_in_background

                seed_demo_documents_in_background()
            ready_file.write_text(str(os.getpid()))
            if on_ready:
                print(on_ready, flush=True)

        async def main() -> None:
            await asyncio.gather(_serve(servers), announce())

        try:
            asyncio.run(main())
        finally:
            jobs_stop.set()
            broadcasts_stop.set()
            ready_file.unlink(missing_ok=True)
    finally:
        if object_storage is not None:
            object_storage.stop()
        if postgrest is not None:
            postgrest.terminate()
            postgrest.wait(timeout=10)
        postgres.stop()
