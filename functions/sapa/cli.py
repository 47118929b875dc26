"""`sapa`: run the local stack and tell other tools where it is.

sapa start [--profile demo|test] [--reset]   run everything until Ctrl-C
sapa status [-o text|env] [--profile …]      URLs, keys and demo logins of the stack
sapa exec [--profile test] [--reset] -- CMD  start the stack, run CMD with its env, stop it
sapa db migrate [--profile …]                apply new migrations to the local database
sapa classify [--json] [--model DIR] TEXT | --file F   label messages with the exported classifier
sapa jobs list                               the scheduled jobs, their schedules and last runs
sapa jobs run NAME [--store ID]              run a scheduled job once (assumed-resolutions, retention,
                                             stale-sends, woocommerce-health, broadcasts)
sapa store export ARCHIVE --store ID         write the whole store as a backup archive (as the Data button)
sapa store import ARCHIVE --store ID         restore a backup archive into an empty store
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

import httpx

from sapa.local.config import StackConfig


def stack_env(config: StackConfig) -> dict[str, str]:
    from sapa.local.seed import DEMO

    return {
        "API_URL": config.api_url,
        "DB_URL": config.db_url,
        "ANON_KEY": config.anon_key,
        "SERVICE_ROLE_KEY": config.service_role_key,
        "JWT_SECRET": config.jwt_secret,
        "FUNCTIONS_URL": config.functions_url,
        "DASHBOARD_URL": config.dashboard_url,
        "DEMO_STORE_ID": DEMO.store_id,
        "DEMO_WHATSAPP_NUMBER": DEMO.whatsapp_number,
        "TWILIO_AUTH_TOKEN": DEMO.twilio_auth_token,
        "WOOCOMMERCE_WEBHOOK_SECRET": DEMO.woocommerce_webhook_secret,
        "DEMO_ADMIN_EMAIL": DEMO.admin_email,
        "DEMO_ADMIN_PASSWORD": DEMO.admin_password,
        "DEMO_AGENT_EMAIL": DEMO.agent_email,
        "DEMO_AGENT_PASSWORD": DEMO.agent_password,
        # Object storage (moto's S3, any credentials): knowledge documents and WhatsApp media.
        "S3_ENDPOINT_URL": config.s3_url,
        "KNOWLEDGE_BUCKET": config.knowledge_bucket,
        # As supabase_admin, the cluster's superuser (DB_URL's `postgres` is not one, as on Supabase):
        # for platform set-up only, e.g. pgTAP's extension.
        "ADMIN_DB_URL": config.admin_db_url,
    }


def is_running(config: StackConfig) -> bool:
    try:
        response = httpx.get(f"{config.functions_url}/health", timeout=1.0)
    except httpx.TransportError:
        return False
    return response.status_code == 200 and (config.state_dir / "ready").exists()


def banner(config: StackConfig) -> str:
    env = stack_env(config)
    return "\n".join(
        [
            f"Sapa is running (profile {config.profile}). Ctrl-C stops everything.",
            f"  Dashboard        {env['DASHBOARD_URL']}",
            f"  Supabase API     {env['API_URL']}   (/rest/v1, /auth/v1, /realtime/v1)",
            f"  Functions API    {env['FUNCTIONS_URL']}   (docs at /docs)",
            f"  WhatsApp chat    {env['FUNCTIONS_URL']}/simulator   (a customer's side, dev only)",
            f"  E-mail outbox    {env['API_URL']}/outbox   (invites and password links, dev only)",
            f"  Postgres         {env['DB_URL']}",
            f"  Owner login      {env['DEMO_ADMIN_EMAIL']} / {env['DEMO_ADMIN_PASSWORD']}",
            f"  Agent login      {env['DEMO_AGENT_EMAIL']} / {env['DEMO_AGENT_PASSWORD']}",
            "  All keys:        sapa status -o env",
        ]
    )


def cmd_start(args: argparse.Namespace) -> int:
    from sapa.local.stack import run_stack

    config = StackConfig.for_profile(args.profile)
    if is_running(config):
        print(f"the {config.profile} stack is already running", file=sys.stderr)
        return 1
    run_stack(config, reset=args.reset, on_ready=banner(config))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    config = StackConfig.for_profile(args.profile)
    running = is_running(config)
    if args.output == "env":
        for key, value in stack_env(config).items():
            print(f"{key}={value}")
    else:
        print(banner(config) if running else f"the {config.profile} stack is not running")
    return 0 if running else 1


def cmd_exec(args: argparse.Namespace) -> int:
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        print("sapa exec: give a command after --", file=sys.stderr)
        return 2
    config = StackConfig.for_profile(args.profile)
    if is_running(config):
        print(f"sapa exec: a {config.profile} stack is already running; stop it first", file=sys.stderr)
        return 1
    start = [sys.executable, "-m", "sapa.cli", "start", "--profile", config.profile]
    stack = subprocess.Popen([*start, *(["--reset"] if args.reset else [])], start_new_session=True)
    try:
        deadline = time.monotonic() + args.timeout
        while not is_running(config):
            if stack.poll() is not None:
                print(f"sapa exec: the stack exited with {stack.returncode}", file=sys.stderr)
                return 1
            if time.monotonic() > deadline:
                print(f"sapa exec: the stack was not ready after {args.timeout} s", file=sys.stderr)
                return 1
            time.sleep(0.2)
        return subprocess.call(command, env={**os.environ, **stack_env(config)})
    finally:
        stack.send_signal(signal.SIGTERM)
        try:
            stack.wait(timeout=60)
        except subprocess.TimeoutExpired:
            stack.kill()


def cmd_db_migrate(args: argparse.Namespace) -> int:
    from sapa.local.migrate import apply_migrations
    from sapa.local.postgres import LocalPostgres

    config = StackConfig.for_profile(args.profile)
    LocalPostgres(config).start()
    for migration in apply_migrations(config.db_url):
        print(f"applied {migration.version}_{migration.name}")
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    import json
    from dataclasses import asdict
    from pathlib import Path

    from sapa.classify.client import DEFAULT_MODEL_DIR
    from sapa.classify.labels import ClassifierNotFoundError
    from sapa.classify.predict import predict

    if (args.text is None) == (args.file is None):
        print("sapa classify: give one TEXT or --file F", file=sys.stderr)
        return 2
    texts = [args.text] if args.file is None else Path(args.file).read_text(encoding="utf-8").splitlines()
    try:
        labels = predict(texts, model_dir=args.model or DEFAULT_MODEL_DIR)
    except ClassifierNotFoundError as error:
        print(f"sapa classify: {error}", file=sys.stderr)
        return 1
    for label in labels:
        if args.json:
            print(json.dumps(asdict(label)))
        else:
            print(f"{label.category}\t{label.urgency}\t{label.confidence:.2f}")
    return 0


def cmd_jobs(args: argparse.Namespace) -> int:
    """The scheduled jobs: list them, or run one once, now. Settings come from the environment (as on
    AWS); without SUPABASE_URL there, from the running local stack of --profile."""
    import json
    from dataclasses import asdict

    from sapa.jobs.scheduled import BROADCASTS, BROADCASTS_SCHEDULE, JOBS, run_broadcasts

    if args.action == "run" and args.job not in (*JOBS, BROADCASTS):
        print(
            f"sapa jobs run: give one of {', '.join(JOBS)}, {BROADCASTS} (got {args.job!r})", file=sys.stderr
        )
        return 2
    if args.store is not None and not _is_uuid(args.store):
        print(f"sapa jobs: --store takes a store's id (a UUID), not {args.store!r}", file=sys.stderr)
        return 2
    if "SUPABASE_URL" not in os.environ:
        from sapa.local.stack import functions_environment

        config = StackConfig.for_profile(args.profile)
        if not is_running(config):
            print(
                f"sapa jobs: no SUPABASE_URL set and the {config.profile} stack is not running",
                file=sys.stderr,
            )
            return 1
        os.environ.update(functions_environment(config))
    from sapa.db import get_supabase
    from sapa.jobs.runs import JobDeps, UnknownStore, last_runs
    from sapa.settings import get_settings

    deps = JobDeps(get_supabase(), get_settings())
    if args.action == "run" and args.job == BROADCASTS:
        print(json.dumps(run_broadcasts(deps)))
        return 0
    if args.action == "list":
        last = last_runs(deps.supabase)
        print(f"{'job':<22}{'schedule':<20}last run")
        for name, job in JOBS.items():
            run = last.get(name)
            summary = "never" if run is None else _run_summary(run)
            print(f"{name:<22}{job.schedule:<20}{summary}")
        print(f"{BROADCASTS:<22}{BROADCASTS_SCHEDULE:<20}(leases per recipient: see the Broadcasts page)")
        return 0
    try:
        runs = JOBS[args.job].run(deps, args.store)
    except UnknownStore as error:
        print(f"sapa jobs run: {error}", file=sys.stderr)
        return 1
    for store_run in runs:
        fields = asdict(store_run)
        detail = fields.pop("detail")
        print(json.dumps(fields | detail, default=str))
    return 1 if any(store_run.error for store_run in runs) else 0


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _run_summary(run: dict[str, object]) -> str:
    state = "running" if run["finished_at"] is None else f"finished {run['finished_at']}"
    more = ", more next run" if run["more"] else ""
    error = f", error: {run['error']}" if run["error"] else ""
    return f"started {run['started_at']} ({state}, {run['rows_touched']} rows{more}{error})"


def cmd_store(args: argparse.Namespace) -> int:
    """A store's backup archive, written or restored. Settings as for `sapa jobs`."""
    import json

    if "SUPABASE_URL" not in os.environ:
        from sapa.local.stack import functions_environment

        config = StackConfig.for_profile(args.profile)
        if not is_running(config):
            print(
                f"sapa store: no SUPABASE_URL set and the {config.profile} stack is not running",
                file=sys.stderr,
            )
            return 1
        os.environ.update(functions_environment(config))
    from sapa.db import get_supabase
    from sapa.knowledge.storage import object_store
    from sapa.privacy import backup
    from sapa.settings import get_settings

    objects = object_store(get_settings())
    if args.action == "export":
        with open(args.archive, "wb") as out:
            manifest = backup.write_archive(get_supabase(), objects, args.store, out)
        print(json.dumps({table: facts["rows"] for table, facts in manifest["tables"].items()}))
        return 0
    try:
        archive = backup.read_archive(args.archive)
        counts = backup.import_archive(
            get_supabase(),
            objects,
            archive,
            args.store,
            notice=lambda text: print(f"sapa store import: {text}", file=sys.stderr),
        )
    except (backup.ImportRefused, OSError) as error:
        print(f"sapa store import: {error}", file=sys.stderr)
        return 1
    print(json.dumps(counts))
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="sapa", description="Sapa's local stack")
    commands = root.add_subparsers(dest="command_name", required=True)

    def add(name: str, help_text: str, default_profile: str = "demo") -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--profile", choices=["demo", "test"], default=default_profile)
        return sub

    start = add("start", "run the local stack until Ctrl-C")
    start.add_argument("--reset", action="store_true", help="delete the local database first")
    start.set_defaults(handler=cmd_start)

    status = add("status", "where the running stack is")
    status.add_argument("-o", "--output", choices=["text", "env"], default="text")
    status.set_defaults(handler=cmd_status)

    run = add("exec", "run a command against a freshly started stack", default_profile="test")
    run.add_argument("--reset", action="store_true", help="delete the local database first")
    run.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the stack")
    run.add_argument("command", nargs=argparse.REMAINDER)
    run.set_defaults(handler=cmd_exec)

    db = add("db", "local database")
    db.add_argument("action", choices=["migrate"])
    db.set_defaults(handler=cmd_db_migrate)

    jobs = add("jobs", "list the scheduled jobs, or run one once")
    jobs.add_argument("action", choices=["list", "run"])
    jobs.add_argument("job", nargs="?", help="the job to run (sapa jobs list names them)")
    jobs.add_argument("--store", help="one store's id (default: every store the job visits)")
    jobs.set_defaults(handler=cmd_jobs)

    store = add("store", "a store's backup archive: export it, or import one into an empty store")
    store.add_argument("action", choices=["export", "import"])
    store.add_argument("archive", help="the archive (.zip) to write or to read")
    store.add_argument("--store", required=True, help="the store's id")
    store.set_defaults(handler=cmd_store)

    classify = commands.add_parser("classify", help="category, urgency and confidence of messages")
    classify.add_argument("text", nargs="?", help="one message")
    classify.add_argument("--file", help="one message per line; one result per line, in order")
    classify.add_argument("--json", action="store_true", help="one JSON object per message")
    classify.add_argument("--model", help="exported model folder (default: model/artifacts/current)")
    classify.set_defaults(handler=cmd_classify)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
