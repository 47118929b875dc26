"""Running a scheduled job: store by store, each store's run recorded in `job_runs` (started, finished,
rows touched, error), which is also its lease — a second runner started at the same time skips a store
whose run is going on, and a run whose runner died is taken over once its lease ran out. A run stops at
its time budget (settings.scheduled_job_budget_seconds) and leaves the rest to the next one: stores the
longest unvisited go first, and every handler works in small idempotent batches, so stopping anywhere
(a timeout, a kill) loses nothing."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from supabase import Client

from sapa.db import rows
from sapa.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobDeps:
    supabase: Client
    settings: Settings


class LeaseLost(RuntimeError):
    """The run was closed as abandoned by another runner (no heartbeat for its lease): stop at once."""


class UnknownStore(LookupError):
    """`--store` names no store."""


@dataclass
class RunContext:
    """What a handler gets for one store's run: the clients, its budget, and `add` to count the rows it
    changed (which is also the run's heartbeat)."""

    deps: JobDeps
    run_id: int
    deadline: float
    rows: int = 0
    detail: dict[str, Any] = field(default_factory=dict)
    """Anything the handler reports besides the rows (printed by `sapa jobs run`)."""

    @property
    def supabase(self) -> Client:
        return self.deps.supabase

    @property
    def settings(self) -> Settings:
        return self.deps.settings

    def out_of_time(self) -> bool:
        return time.monotonic() >= self.deadline

    def add(self, changed: int) -> None:
        """Count rows changed by a batch and prove the run alive; raises LeaseLost when it is not ours."""
        self.rows += changed
        params = {"p_run_id": self.run_id, "p_rows": self.rows}
        if not self.supabase.rpc("touch_job_run", params).execute().data:
            raise LeaseLost(f"run {self.run_id} was taken over")


Handler = Callable[[RunContext, str], bool]
"""Works on one store until done or out of time; True when work is left for the next run."""


@dataclass(frozen=True)
class StoreRun:
    """What one store's run did, for `sapa jobs run` and the logs."""

    job: str
    store_id: str
    run_id: int | None
    rows_touched: int = 0
    more: bool = False
    error: str | None = None
    skipped: bool = False
    """Another run of this job over this store was going on (its lease): nothing done here."""
    detail: dict[str, Any] = field(default_factory=dict)


def run_job(
    name: str,
    handler: Handler,
    deps: JobDeps,
    *,
    store_id: str | None = None,
    candidates: list[str] | None = None,
) -> list[StoreRun]:
    """One run of job `name`: over `store_id`, else over `candidates` (all stores when None), the
    longest unvisited first, until the budget is spent. A store that fails does not stop the others."""
    settings = deps.settings
    deadline = time.monotonic() + settings.scheduled_job_budget_seconds
    only = [store_id] if store_id else candidates
    if only == []:
        return []
    stores = [
        str(s)
        for s in _scalars(deps.supabase.rpc("job_stores", {"p_job": name, "p_only": only}).execute().data)
    ]
    if store_id and store_id not in stores:
        raise UnknownStore(f"no store {store_id}")
    runs = []
    for store in stores:
        if time.monotonic() >= deadline:
            break  # the stores not reached go first next time
        runs.append(_run_store(name, handler, deps, store, deadline))
    return runs


def _run_store(name: str, handler: Handler, deps: JobDeps, store: str, deadline: float) -> StoreRun:
    params = {
        "p_job": name,
        "p_store_id": store,
        "p_lease_seconds": deps.settings.scheduled_job_lease_seconds,
    }
    run_id = deps.supabase.rpc("start_job_run", params).execute().data
    if run_id is None:
        logger.info("%s: store %s is being worked on by another run", name, store)
        return StoreRun(name, store, None, skipped=True)
    context = RunContext(deps, integer(run_id), deadline)
    try:
        more = handler(context, store)
    except LeaseLost as error:
        logger.warning("%s: store %s: %s", name, store, error)
        return StoreRun(name, store, context.run_id, context.rows, True, str(error), detail=context.detail)
    except Exception as error:
        logger.exception("%s: store %s failed", name, store)
        message = f"{type(error).__name__}: {error}"
        _finish(deps, context, more=True, error=message)
        return StoreRun(name, store, context.run_id, context.rows, True, message, detail=context.detail)
    _finish(deps, context, more=more)
    logger.info("%s: store %s: %d rows%s", name, store, context.rows, " (more next run)" if more else "")
    return StoreRun(name, store, context.run_id, context.rows, more, detail=context.detail)


def _finish(deps: JobDeps, context: RunContext, *, more: bool, error: str | None = None) -> None:
    params = {"p_run_id": context.run_id, "p_rows": context.rows, "p_more": more, "p_error": error}
    deps.supabase.rpc("finish_job_run", params).execute()


def integer(data: object) -> int:
    """An SQL function's integer answer as PostgREST gives it."""
    if isinstance(data, bool) or not isinstance(data, int | str):
        raise TypeError(f"expected an integer from the database, got {data!r}")
    return int(data)


def _scalars(data: Any) -> list[Any]:
    """A set-returning SQL function's values as PostgREST gives them (bare values, or one-key rows)."""
    if not isinstance(data, list):
        return []
    return [next(iter(item.values())) if isinstance(item, dict) else item for item in data]


def last_runs(supabase: Client) -> dict[str, dict[str, Any]]:
    """The last run of each job that has run, by name."""
    return {str(row["job"]): row for row in rows(supabase.rpc("job_last_runs", {}).execute().data)}
