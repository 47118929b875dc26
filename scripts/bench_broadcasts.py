"""Benchmark of segments and broadcasts on this machine. Run it against a local stack:

    .venv/bin/sapa exec --profile test --reset -- .venv/bin/python scripts/bench_broadcasts.py

A. Recipient list: a store with 100,000 customers (90% with marketing consent) and 100,000 paid orders;
   a segment "one paid order or more" of all 100,000; `create_broadcast` through PostgREST (the
   segment's rules evaluated in SQL, consent, opt-out, number and frequency cap checked, 100,000 rows
   written). Target: under 2 s. Baseline in the same run: counting the store's customers through an RPC.
B. Send throughput: the worker (`run_due`, in this process, through the real twilio SDK) against a fake
   Twilio that answers at once, at the configured rate (BROADCAST_MESSAGES_PER_SECOND, default here 100),
   for --messages recipients: the achieved rate as a ratio to the configured one (target: reaches it), and
   the most messages the fake received in any one-second window (target: never more than the rate).
"""

from __future__ import annotations

import argparse
import bisect
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import psycopg
from psycopg.rows import dict_row
from supabase import create_client

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.broadcasts.fake_twilio import FakeTwilioMessages

from sapa.broadcasts.worker import BroadcastDeps, run_due
from sapa.conversations.outbound import MessageSender
from sapa.settings import Settings

DB_URL, API_URL, SERVICE_KEY = os.environ["DB_URL"], os.environ["API_URL"], os.environ["SERVICE_ROLE_KEY"]


def seed_store(
    db: psycopg.Connection[Any], customers: int, consent: float, account: str | None
) -> dict[str, str]:
    """A store with its owner, `customers` customers (a `consent` share with consent), one paid order each,
    an approved template and a segment of everyone with a paid order."""
    store = db.execute(
        "insert into stores (name, whatsapp_number) values ('Bench broadcasts', %s) returning id::text",
        ("+62813" + "".join(secrets.choice("0123456789") for _ in range(7)),),
    ).fetchone()["id"]
    db.execute("insert into store_credentials (store_id, twilio_account_sid, twilio_auth_token)"
               " values (%s, %s, 'bench')",
               (store, account))  # fmt: skip
    owner = db.execute(
        "insert into auth.users (id, email, aud, role)"
        " values (gen_random_uuid(), %s, 'authenticated', 'authenticated')"
        " returning id::text",
        (f"bench-{secrets.token_hex(4)}@bench.sapa.local",),
    ).fetchone()["id"]
    db.execute("insert into store_members (store_id, user_id, role) values (%s, %s, 'owner')", (store, owner))
    prefix = "+6285" + "".join(secrets.choice("0123456789") for _ in range(2))
    with db.transaction():
        db.execute(
            "set local session_replication_role = replica"
        )  # bulk load: the KPI rollups are rebuilt below
        db.execute(
            "insert into customers (store_id, phone, name, marketing_opt_in)"
            " select %s, %s || lpad(i::text, 8, '0'), 'Pelanggan ' || i, random() < %s"
            " from generate_series(1, %s) i",
            (store, prefix, consent, customers),
        )
        db.execute(
            "insert into orders (store_id, external_id, number, status, total, currency, customer_id,"
            " created_at,"
            " date_modified) select store_id, row_number() over (), 'B' || row_number() over (), 'completed',"
            " 100000 + (random() * 900000)::int, 'IDR', id, now() - random() * interval '300 days', now()"
            " from customers where store_id = %s",
            (store,),
        )
    db.execute("select private.kpi_rebuild(%s)", (store,))
    template = db.execute(
        "insert into whatsapp_templates (store_id, name, content_sid, body) values (%s, 'bench_promo', %s,"
        " 'Halo {{1}}, promo untuk pesanan #{{2}}!') returning id::text",
        (store, "HX" + secrets.token_hex(16)),
    ).fetchone()["id"]
    db.execute("analyze customers")
    db.execute("analyze orders")
    rules = '{"all": [{"field": "paid_orders", "op": ">=", "value": 1}]}'
    segment = db.execute(
        "select (public.create_segment(%s, %s, 'Buyers', %s::jsonb) ->> 'id') as id", (store, owner, rules)
    ).fetchone()["id"]
    return {"store": store, "owner": owner, "template": template, "segment": segment}


def bench_recipient_list(runs: int) -> None:
    with psycopg.connect(DB_URL, autocommit=True, row_factory=dict_row) as db:
        t = time.perf_counter()
        store = seed_store(db, 100_000, 0.9, None)
        print(f"seeded 100,000 customers and orders in {time.perf_counter() - t:.1f} s")
    supabase = create_client(API_URL, SERVICE_KEY)
    baseline, timings, result = [], [], {}
    for i in range(runs):
        t = time.perf_counter()
        supabase.table("customers").select("id", count="exact", head=True).eq(
            "store_id", store["store"]
        ).execute()
        baseline.append(time.perf_counter() - t)
        params = {
            "p_store_id": store["store"], "p_actor_id": store["owner"], "p_name": f"Bench {i}",
            "p_template_id": store["template"], "p_segment_id": store["segment"],
            "p_variables": {"1": "{{first_name}}", "2": "{{last_order_number}}"}, "p_send_at": None,
        }  # fmt: skip
        t = time.perf_counter()
        result = supabase.rpc("create_broadcast", params).execute().data
        timings.append(time.perf_counter() - t)
    print(f"A. recipient list of a 100,000-customer segment (create_broadcast via PostgREST), {runs} runs:")
    print(f"   median {statistics.median(timings):.2f} s  (min {min(timings):.2f}, max {max(timings):.2f}); "
          f"target < 2 s: {'met' if statistics.median(timings) < 2 else 'NOT met'}")  # fmt: skip
    print(f"   recipients {result['recipients']}, skipped {result['skipped']} {result['skipped_by_reason']}")
    print(
        "   baseline: count of the store's customers via PostgREST,"
        f" median {statistics.median(baseline) * 1000:.0f} ms"
    )


def bench_throughput(messages: int, rate: float) -> None:
    account = "AC" + secrets.token_hex(16)
    with psycopg.connect(DB_URL, autocommit=True, row_factory=dict_row) as db:
        store = seed_store(db, messages, 1.0, account)
    supabase = create_client(API_URL, SERVICE_KEY)
    created = supabase.rpc("create_broadcast", {
        "p_store_id": store["store"], "p_actor_id": store["owner"], "p_name": "Throughput",
        "p_template_id": store["template"], "p_segment_id": store["segment"],
        "p_variables": {"1": "{{first_name}}", "2": "{{last_order_number}}"}, "p_send_at": None,
    }).execute().data  # fmt: skip
    supabase.rpc("send_broadcast", {"p_store_id": store["store"], "p_actor_id": store["owner"],
                                    "p_broadcast_id": created["id"]}).execute()  # fmt: skip
    with FakeTwilioMessages().running() as fake:
        settings = Settings(
            supabase_url=API_URL, supabase_service_role_key=SERVICE_KEY, supabase_jwt_secret="unused",  # noqa: S106 (not a secret: unused here)
            twilio_api_base_url=fake.url, broadcast_messages_per_second=rate,
        )  # fmt: skip
        deps = BroadcastDeps.from_settings(supabase, settings)
        started: list[float] = []
        real_send = deps.sender.send

        def send(**kwargs: Any) -> Any:  # the worker's own send starts, beside the fake's receipts
            started.append(time.monotonic())
            return real_send(**kwargs)

        deps = BroadcastDeps(
            deps.supabase, settings, cast(MessageSender, SimpleNamespace(send=send)), deps.lookup
        )
        t = time.perf_counter()
        report = run_due(deps)
        elapsed = time.perf_counter() - t
        times = sorted(fake.sent_times)
    achieved = (len(times) - 1) / (times[-1] - times[0])
    busiest = _busiest_second(times)
    busiest_start = _busiest_second(sorted(started))
    print(
        f"B. send throughput against an instant fake Twilio, configured rate {rate:g}/s,"
        f" {messages} recipients:"
    )
    print(f"   sent {len(times)} ({report.as_dict()}) in {elapsed:.1f} s; achieved {achieved:.1f}/s = "
          f"{achieved / rate:.3f} of the rate")  # fmt: skip
    print(f"   busiest one-second window: {busiest_start} send starts in the worker "
          f"({'never above' if busiest_start <= rate + 1 else 'ABOVE'} the rate;"
          " a closed window holds rate + 1 at most), "
          f"{busiest} arrivals at the fake Twilio (arrivals carry the HTTP path's jitter)")  # fmt: skip


def _busiest_second(times: list[float]) -> int:
    """The most events in any closed one-second window."""
    return max(bisect.bisect_right(times, start + 1.0) - i for i, start in enumerate(times))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument(
        "--rate", type=float, default=float(os.environ.get("BROADCAST_MESSAGES_PER_SECOND", "100"))
    )
    args = parser.parse_args()
    bench_recipient_list(args.runs)
    bench_throughput(args.messages, args.rate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
