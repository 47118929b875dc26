"""The scheduled jobs: one registry, run the same way everywhere — by EventBridge on AWS (serverless.yml
invokes the background function with {"scheduled": NAME}), by the local stack's schedule thread, and by
hand with `sapa jobs run NAME [--store ID]`. Adding a job is one entry in JOBS (and its schedule line in
serverless.yml, which tests/test_serverless.py checks against JOBS)."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sapa.jobs.runs import Handler, JobDeps, RunContext, StoreRun, run_job

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    schedule: str
    """An EventBridge rate expression, e.g. rate(15 minutes): serverless.yml and the local stack use it."""
    handler: Handler
    description: str
    stores: Callable[[JobDeps], list[str]] | None = None
    """The stores the job visits (default: every store)."""

    @property
    def interval_seconds(self) -> int:
        match = _RATE.match(self.schedule)
        if match is None:
            raise ValueError(f"{self.name}: not a rate expression: {self.schedule}")
        return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]

    def run(self, deps: JobDeps, store_id: str | None = None) -> list[StoreRun]:
        candidates = None if store_id or self.stores is None else self.stores(deps)
        return run_job(self.name, self.handler, deps, store_id=store_id, candidates=candidates)


def _resolve_assumed(context: RunContext, store_id: str) -> bool:
    from sapa.jobs.resolutions import resolve_assumed

    return resolve_assumed(context, store_id)


def _retention(context: RunContext, store_id: str) -> bool:
    from sapa.jobs.retention import purge_expired

    return purge_expired(context, store_id)


def _stale_sends(context: RunContext, store_id: str) -> bool:
    from sapa.conversations.redelivery import send_waiting

    return send_waiting(context, store_id)


def _stores_with_waiting_sends(deps: JobDeps) -> list[str]:
    from sapa.conversations.redelivery import waiting_stores

    return waiting_stores(deps.supabase)


def _woocommerce_health(context: RunContext, store_id: str) -> bool:
    from dataclasses import asdict

    from sapa.commerce.woocommerce.health import check_store
    from sapa.commerce.woocommerce.shop import ShopDeps

    report = check_store(ShopDeps(context.supabase, context.settings), store_id)
    context.detail.update({k: v for k, v in asdict(report).items() if k != "store_id"})
    healed = sum(1 for webhook in report.webhooks if webhook.reenabled or webhook.created)
    context.add(healed + sum(report.resynced.values()))
    return False


def _connected_stores(deps: JobDeps) -> list[str]:
    from sapa.commerce.woocommerce.health import connected_stores
    from sapa.commerce.woocommerce.shop import ShopDeps

    return connected_stores(ShopDeps(deps.supabase, deps.settings))


JOBS: dict[str, ScheduledJob] = {
    job.name: job
    for job in (
        ScheduledJob(
            "assumed-resolutions",
            "rate(15 minutes)",
            _resolve_assumed,
            "resolve as bot_assumed the conversations whose customer was silent 24 h after the bot's answer",
        ),
        ScheduledJob(
            "retention",
            "rate(1 hour)",
            _retention,
            "delete what is older than each store's retention_months; drop old orders' personal fields",
        ),
        ScheduledJob(
            "stale-sends",
            "rate(1 minute)",
            _stale_sends,
            "send again, in order, the messages Twilio could not take (5xx, 429, timeout); 24 h at most",
            stores=_stores_with_waiting_sends,
        ),
        ScheduledJob(
            "woocommerce-health",
            "rate(15 minutes)",
            _woocommerce_health,
            "re-enable the shop webhooks WooCommerce disabled and re-sync what they missed",
            stores=_connected_stores,
        ),
    )
}


BROADCASTS = "broadcasts"
BROADCASTS_SCHEDULE = "rate(1 minute)"
"""The proactive sender (broadcasts, and order updates and abandoned-checkout recoveries) is scheduled
beside JOBS but not through job_runs: it leases each message and paces each store's sender in SQL
(sapa.broadcasts.worker), so several runs at once share the work."""


def run_broadcasts(deps: JobDeps, *, budget_seconds: float | None = None) -> dict[str, int]:
    """Send what is due (order notifications, then broadcasts), across stores, until nothing is or the
    budget is spent: what the run did."""
    from sapa.broadcasts.worker import BroadcastDeps, run_due

    return run_due(
        BroadcastDeps.from_settings(deps.supabase, deps.settings), budget_seconds=budget_seconds
    ).as_dict()


def run_scheduled(name: str, deps: JobDeps, store_id: str | None = None) -> list[StoreRun]:
    """Run job `name` once; KeyError for a name not in JOBS."""
    return JOBS[name].run(deps, store_id)


def run_on_schedule(deps: JobDeps, stop: threading.Event, tick_seconds: float) -> None:
    """The local stack's EventBridge: every `tick_seconds`, each job whose interval has passed runs (one
    after the other, in this thread) until `stop`. The first round waits one interval, as a new
    EventBridge rule does."""
    started = time.monotonic()
    last = dict.fromkeys(JOBS, started)
    while not stop.wait(tick_seconds):
        for name, job in JOBS.items():
            if stop.is_set() or time.monotonic() - last[name] < job.interval_seconds:
                continue
            last[name] = time.monotonic()
            try:
                job.run(deps)
            except Exception:  # the next round tries again; the stack must not lose its thread
                logger.exception("scheduled job %s failed", name)
