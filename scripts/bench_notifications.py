"""Benchmark of order updates on this machine: a shop bulk-marks its orders completed. Run it against a
local stack:

    .venv/bin/sapa exec --profile test --reset -- .venv/bin/python scripts/bench_notifications.py

A store with --orders paid orders (processing), each customer having given their WhatsApp number at
checkout, the "completed" update turned on, a Twilio account on a fake Twilio that answers at once.
The functions API runs in its own process, as on AWS.

1. Idle: --idle signed order.updated deliveries that change nothing a customer is told about (a newer
   date_modified, still processing), --in-flight at a time, nothing sending: the webhook's ack latency.
2. Bulk completion: every order's order.updated "completed" delivery, --in-flight at a time. The first
   half arrives with the sender stopped (a backlog, as when a shop marks thousands at once); then the
   proactive sender (sapa.broadcasts.worker, in this process, the real twilio SDK) starts at --rate
   messages a second while the second half arrives. Printed: the second half's ack latency (acks while
   the sender drains) as a ratio to the idle p99 (target: within 3x); the send rate over the first half's
   messages (all due when the sender started) as a ratio to --rate (target: reaches it); the most sends
   the worker started, and the fake received, in one second (target: never above --rate; the fake's
   count also has the HTTP requests' jitter); each order's update sent
   exactly once (target: --orders messages, no number twice).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import secrets
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import httpx
import psycopg
from supabase import create_client

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.bench_whatsapp import base_env, functions_server, percentile, summary
from tests.broadcasts.fake_twilio import FakeTwilioMessages
from tests.commerce import payloads

from sapa.broadcasts.worker import BroadcastDeps, run_due
from sapa.commerce.woocommerce.signature import sign
from sapa.conversations.outbound import MessageSender
from sapa.settings import Settings

DB_URL, API_URL, SERVICE_KEY = os.environ["DB_URL"], os.environ["API_URL"], os.environ["SERVICE_ROLE_KEY"]
BODY = "Halo {{1}}, pesanan #{{2}} sudah selesai. Terima kasih!"


def seed_store(conn: psycopg.Connection, orders: int, account: str) -> tuple[str, str, dict[int, str]]:
    """The store, its secret, and order number → the customer's WhatsApp number."""
    secret = secrets.token_urlsafe(24)
    (store,) = conn.execute(
        "insert into stores (name, whatsapp_number, default_country) values ('Bench notifications', %s, 'ID')"
        " returning id::text",
        ("+62813" + str(secrets.randbelow(10**7)).zfill(7),),
    ).fetchone()  # type: ignore[misc]
    conn.execute(
        "insert into store_credentials (store_id, twilio_account_sid, twilio_auth_token,"
        " woocommerce_webhook_secret) values (%s, %s, 'bench', %s)",
        (store, account, secret),
    )
    (template,) = conn.execute(
        "insert into whatsapp_templates (store_id, name, content_sid, language, body)"
        " values (%s, 'order_completed', %s, 'id', %s) returning id::text",
        (store, "HX" + secrets.token_hex(16), BODY),
    ).fetchone()  # type: ignore[misc]
    settings = {"events": {"completed": {
        "enabled": True, "template_id": template,
        "variables": {"1": "{{first_name}}", "2": "{{order_number}}"},
        "enabled_at": (datetime.now(UTC) - timedelta(days=1)).isoformat()}}}  # fmt: skip
    conn.execute("select set_notification_settings(%s, %s)", (store, json.dumps(settings)))
    prefix = "+62857" + str(secrets.randbelow(10**2)).zfill(2)
    conn.execute(
        "with c as (insert into customers (store_id, phone, name)"
        "  select %(s)s, %(p)s || lpad(i::text, 6, '0'), 'Pelanggan ' || i from generate_series(1, %(n)s) i"
        "  returning id, phone)"
        " insert into orders (store_id, external_id, number, status, total, currency, customer_id,"
        "  billing_phone, whatsapp_number_given, created_at, date_modified)"
        " select %(s)s, right(c.phone, 6)::bigint, right(c.phone, 6)::bigint::text, 'processing', 325000,"
        "  'IDR', c.id, c.phone, true, now() - interval '2 hours', now() - interval '1 hour' from c",
        {"s": store, "p": prefix, "n": orders},
    )
    phones = {i: f"{prefix}{i:06d}" for i in range(1, orders + 1)}
    return store, secret, phones


def delivery(store: str, secret: str, order_id: int, phone: str, status: str, modified: datetime) -> dict:
    created = modified - timedelta(hours=2)
    body = json.dumps(
        payloads.order(
            order_id, status=status, phone=phone, whatsapp=phone, created=created, modified=modified
        ),
        separators=(",", ":"),
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "X-WC-Webhook-Topic": "order.updated",
        "X-WC-Webhook-Resource": "order",
        "X-WC-Webhook-Event": "updated",
        "X-WC-Webhook-ID": "17",
        "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
        "X-WC-Webhook-Signature": sign(body, secret),
    }
    return {"path": f"/webhooks/woocommerce/{store}", "content": body, "headers": headers}


async def post_all(url: str, requests: list[dict], in_flight: int) -> list[float]:
    """Each request's ack latency in ms (all must be 200)."""
    gate = asyncio.Semaphore(in_flight)
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def one(request: dict) -> float:
            async with gate:
                start = time.perf_counter()
                response = await client.post(
                    request["path"], content=request["content"], headers=request["headers"]
                )
                elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200, response.text
            return elapsed

        return list(await asyncio.gather(*(one(request) for request in requests)))


def most_in_one_second(times: list[float]) -> int:
    ordered = sorted(times)
    return max((bisect.bisect_left(ordered, t + 1.0) - i for i, t in enumerate(ordered)), default=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--idle", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50.0, help="the sender's messages a second")
    parser.add_argument("--in-flight", type=int, default=4)
    args = parser.parse_args()

    account = "AC" + secrets.token_hex(16)
    with psycopg.connect(DB_URL, autocommit=True) as conn:
        store, secret, phones = seed_store(conn, args.orders, account)
    print(
        f"store with {args.orders} paid orders; sender rate {args.rate:g}/s;"
        f" {args.in_flight} deliveries in flight"
    )
    try:
        with FakeTwilioMessages().running() as fake, functions_server(base_env()) as url:
            now = datetime.now(UTC).replace(microsecond=0)
            idle_requests = [
                delivery(store, secret, i, phones[i], "processing", now - timedelta(minutes=30))
                for i in range(1, min(args.idle, args.orders) + 1)
            ]
            idle = asyncio.run(post_all(url, idle_requests, args.in_flight))
            print(summary("1. idle: order.updated acks", idle))

            settings = Settings(
                supabase_url=API_URL, supabase_service_role_key=SERVICE_KEY, supabase_jwt_secret="unused",  # noqa: S106 (not a secret: unused here)
                twilio_api_base_url=fake.url, broadcast_messages_per_second=args.rate,
            )  # fmt: skip
            deps = BroadcastDeps.from_settings(create_client(API_URL, SERVICE_KEY), settings)
            starts: list[float] = []
            real_send = deps.sender.send

            def send(**kwargs: Any) -> Any:  # the worker's own send starts, beside the fake's receipts
                starts.append(time.monotonic())
                return real_send(**kwargs)

            deps = BroadcastDeps(
                deps.supabase, settings, cast(MessageSender, SimpleNamespace(send=send)), deps.lookup
            )
            stop = threading.Event()

            def drain() -> None:
                while not stop.is_set():
                    if run_due(deps).claimed == 0:
                        stop.wait(0.2)

            bulk_requests = [
                delivery(store, secret, i, phones[i], "completed", now - timedelta(minutes=10))
                for i in range(1, args.orders + 1)
            ]
            half = args.orders // 2
            asyncio.run(post_all(url, bulk_requests[:half], args.in_flight))
            sender = threading.Thread(target=drain, name="bench-sender")
            sender.start()
            started = time.perf_counter()
            acks = asyncio.run(post_all(url, bulk_requests[half:], args.in_flight))
            posted = time.perf_counter() - started
            print(summary("2. bulk completion: acks while the sender drains", acks))
            ratio = percentile(acks, 99) / percentile(idle, 99)
            print(f"   ack p99 / idle p99 = {ratio:.2f}x (target <= 3x); {half} deliveries before the sender"
                  f" started, {args.orders - half} in {posted:.1f} s after")  # fmt: skip
            deadline = time.monotonic() + args.orders / args.rate * 3 + 60
            while len(fake.sent) < args.orders and time.monotonic() < deadline:
                time.sleep(0.5)
            time.sleep(2.0)  # anything sent twice would arrive now
            stop.set()
            sender.join()

        times = sorted(fake.sent_times)
        with psycopg.connect(DB_URL) as conn:
            statuses = dict(conn.execute(
                "select status::text, count(*) from order_notifications where store_id = %s group by 1",
                (store,),
            ).fetchall())  # fmt: skip
        per_number = Counter(message["to"] for message in fake.sent)
        backlog = times[:half]
        achieved = (len(backlog) - 1) / (backlog[-1] - backlog[0]) if len(backlog) > 1 else float("nan")
        print(f"   sent {len(fake.sent)} messages to {len(per_number)} numbers (most to one number:"
              f" {max(per_number.values(), default=0)}); notifications by status: {statuses}")  # fmt: skip
        print(f"   send rate over the backlog's {len(backlog)} messages {achieved:.1f}/s"
              f" = {achieved / args.rate:.3f} of the configured rate (target: 1)")  # fmt: skip
        print(f"   most sends started by the worker in any one second: {most_in_one_second(starts)}; most"
              f" arriving at the fake Twilio: {most_in_one_second(times)} (limit {args.rate:g}; a closed"
              " one-second window holds rate + 1 evenly spaced sends)")  # fmt: skip
    finally:
        with psycopg.connect(DB_URL, autocommit=True) as conn:
            conn.execute("delete from stores where id = %s", (store,))


if __name__ == "__main__":
    main()
