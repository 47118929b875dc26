"""Benchmark of the retention purge on this machine. Run it against a fresh local stack:

    .venv/bin/sapa exec --profile test --reset -- .venv/bin/python scripts/bench_retention.py

1. Seeds a store with six months of data as scripts/bench_kpis.py does (1,000,000 messages in 200,000
   conversations, 50,000 customers, 100,000 orders; the KPI rollups rebuilt), then sets its retention to
   1 month.
2. Runs the `retention` job as the scheduler does (sapa.jobs.scheduled, through PostgREST with the
   service role, batches of settings.retention_batch_size), until nothing older than the window is left,
   while
   - a probe writes and reads `messages` of the same store the way the inbox does (insert a message into
     an open conversation, read the conversation's thread), each in its own transaction with
     lock_timeout = 1 s, and records how long each took;
   - a sampler reads pg_locks every 5 ms and records, per transaction of another backend, how long it has
     held a lock on `messages` (now - xact_start while seen holding one).
3. Prints rows per second, the longest lock held on `messages`, the probe's worst and p99 latency (and its
   p99 before the purge, the baseline), and checks that the KPI rollups of the purged months are kept.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_kpis import seed
from supabase import create_client

from sapa.jobs.runs import JobDeps
from sapa.jobs.scheduled import JOBS
from sapa.settings import Settings

DB_URL = os.environ["DB_URL"]
TARGET_LOCK_MS = 100.0


class Probe(threading.Thread):
    """The inbox's traffic on the purged table: a write and a read of one conversation, timed."""

    def __init__(self, store_id: str, conversation_id: str) -> None:
        super().__init__(daemon=True)
        self.store_id, self.conversation_id = store_id, conversation_id
        self.samples: list[float] = []
        self.failures = 0
        self.stop = threading.Event()

    def run(self) -> None:
        with psycopg.connect(DB_URL, autocommit=True) as conn:
            conn.execute("set lock_timeout = '1s'")
            while not self.stop.wait(0.02):
                began = time.perf_counter()
                try:
                    with conn.transaction():
                        conn.execute(
                            "insert into public.messages (store_id, conversation_id, direction, sender,"
                            " body, provider_message_id, status)"
                            " values (%s, %s, 'inbound', 'customer', 'probe', %s, 'received')",
                            (self.store_id, self.conversation_id, "SMprobe" + uuid.uuid4().hex),
                        )
                    conn.execute(
                        "select id, body from public.messages where conversation_id = %s"
                        " order by created_at desc limit 50",
                        (self.conversation_id,),
                    ).fetchall()
                except psycopg.errors.LockNotAvailable:
                    self.failures += 1
                self.samples.append((time.perf_counter() - began) * 1000)


class LockSampler(threading.Thread):
    """How long other backends' transactions hold a lock on public.messages (sampled every 5 ms)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.held: dict[tuple[int, datetime], float] = {}
        self.longest_wait_ms = 0.0
        """The longest any backend was seen waiting for a lock (the inbox's writes and reads included)."""
        self.stop = threading.Event()

    def run(self) -> None:
        with psycopg.connect(DB_URL, autocommit=True) as conn:
            while not self.stop.wait(0.005):
                for pid, xact_start, held_ms in conn.execute(
                    "select l.pid, a.xact_start, extract(epoch from clock_timestamp() - a.xact_start) * 1000"
                    " from pg_locks l join pg_stat_activity a on a.pid = l.pid"
                    " where l.relation = 'public.messages'::regclass and l.granted"
                    "   and l.pid <> pg_backend_pid() and a.xact_start is not null"
                    "   and a.query not like '%%probe%%'"
                ).fetchall():
                    key = (pid, xact_start)
                    self.held[key] = max(self.held.get(key, 0.0), float(held_ms))
                (waiting,) = conn.execute(  # type: ignore[misc]
                    "select coalesce(max(extract(epoch from clock_timestamp() - state_change) * 1000), 0)"
                    " from pg_stat_activity where wait_event_type = 'Lock' and pid <> pg_backend_pid()"
                ).fetchone()
                self.longest_wait_ms = max(self.longest_wait_ms, float(waiting))


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def rollups(conn: psycopg.Connection[Any], store_id: str, cutoff: datetime) -> tuple[Any, ...]:
    """The rollups of the purged months (the probe adds messages after the cutoff meanwhile)."""
    row = conn.execute(
        "select (select sum(inbound + outbound) from private.kpi_message_slots"
        "         where store_id = %(s)s and slot < %(c)s),"
        " (select sum(conversations) from private.kpi_conversation_hours"
        "         where store_id = %(s)s and hour < %(c)s),"
        " (select count(*) from private.kpi_conversations where store_id = %(s)s and created_at < %(c)s),"
        " (select sum(orders) from private.kpi_order_hours where store_id = %(s)s and hour < %(c)s)",
        {"s": store_id, "c": cutoff},
    ).fetchone()
    assert row is not None
    return tuple(row)


def main() -> int:
    settings = Settings(
        supabase_url=os.environ["API_URL"],
        supabase_service_role_key=os.environ["SERVICE_ROLE_KEY"],
        supabase_jwt_secret=os.environ["JWT_SECRET"],
        scheduled_job_budget_seconds=3600,
    )
    with psycopg.connect(DB_URL, autocommit=True) as conn:
        store_id, _, _ = seed(conn, datetime.now(UTC))
        conn.execute("update public.stores set retention_months = 1 where id = %s", (store_id,))
        (cutoff,) = conn.execute("select public.retention_cutoff(%s)", (store_id,)).fetchone()  # type: ignore[misc]
        (expired,) = conn.execute(  # type: ignore[misc]
            "select count(*) from public.messages where store_id = %s and created_at < %s", (store_id, cutoff)
        ).fetchone()
        (conversation_id,) = conn.execute(  # type: ignore[misc]
            "select id from public.conversations where store_id = %s and status <> 'resolved'"
            " order by created_at desc limit 1",
            (store_id,),
        ).fetchone()
        before = rollups(conn, store_id, cutoff)
        print(f"\nRetention 1 month: {expired:,} messages older than {cutoff:%Y-%m-%d %H:%M %Z} to purge")

        baseline = Probe(store_id, str(conversation_id))
        baseline.start()
        time.sleep(5)
        baseline.stop.set()
        baseline.join()

        probe, sampler = Probe(store_id, str(conversation_id)), LockSampler()
        probe.start()
        sampler.start()
        client = create_client(settings.supabase_url, settings.supabase_service_role_key.get_secret_value())
        deps = JobDeps(client, settings)
        began = time.perf_counter()
        total = 0
        purged: dict[str, int] = {}
        while True:
            [run] = JOBS["retention"].run(deps, store_id)
            assert run.error is None, run.error
            total += run.rows_touched
            for table, n in run.detail.get("purged", {}).items():
                purged[table] = purged.get(table, 0) + n
            if not run.more:
                break
        elapsed = time.perf_counter() - began
        probe.stop.set()
        sampler.stop.set()
        probe.join()
        sampler.join()

        (left,) = conn.execute(  # type: ignore[misc]
            "select count(*) from public.messages where store_id = %s and created_at < %s", (store_id, cutoff)
        ).fetchone()
        after = rollups(conn, store_id, cutoff)

    longest_lock = max(sampler.held.values(), default=0.0)
    print(f"Purged in {elapsed:.1f} s (batches of {settings.retention_batch_size}):")
    for table, n in purged.items():
        print(f"  {table:<24} {n:>10,}")
    print(
        f"  {'rows, total':<24} {total:>10,}   {total / elapsed:,.0f} rows/s"
        f" ({purged.get('messages', 0) / elapsed:,.0f} messages/s)"
    )
    print(f"Older messages left: {left:,}; KPI rollups kept: {before == after} ({before} → {after})")
    print(
        f"Longest lock held on messages by a purge transaction (pg_locks every 5 ms): {longest_lock:.1f} ms"
        f" over {len(sampler.held):,} transactions seen; longest wait of any backend for a lock:"
        f" {sampler.longest_wait_ms:.1f} ms"
    )
    print(
        "Inbox probe (insert + read of one conversation, every 20 ms):"
        f" p99 {percentile(probe.samples, 99):.1f} ms, worst {max(probe.samples):.1f} ms"
        f" over {len(probe.samples):,} rounds, {probe.failures} lock timeouts;"
        f" baseline before the purge: p99 {percentile(baseline.samples, 99):.1f} ms,"
        f" worst {max(baseline.samples):.1f} ms"
    )
    met = longest_lock <= TARGET_LOCK_MS and left == 0 and before == after and probe.failures == 0
    print(f"Target: no lock on messages over {TARGET_LOCK_MS:.0f} ms: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
