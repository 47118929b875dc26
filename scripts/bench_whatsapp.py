"""Benchmark of the WhatsApp path on this machine. Run it against a local stack:

    .venv/bin/sapa exec --profile test --reset -- .venv/bin/python scripts/bench_whatsapp.py

A. Webhook latency under a burst: 200 signed Twilio webhooks with distinct MessageSids, fired at once
   (and again with 20 in flight), against the functions API run as on AWS: its own process, jobs sent to
   SQS (moto server). Baseline in the same run: GET /health at the same concurrency. Then 50 redeliveries:
   nothing lost, nothing duplicated.
B. Receipt → Twilio send: the same API with the in-process worker, an instant fake LLM and a fake Twilio;
   from the moment the webhook request leaves the client to the moment the fake Twilio receives the send.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import boto3
import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.assistant.fake_openai import FakeOpenAI, reply

from sapa.channels.twilio.signature import sign

DB_URL, API_URL = os.environ["DB_URL"], os.environ["API_URL"]
TOKEN = "bench-" + secrets.token_hex(8)
ACCOUNT = "AC" + secrets.token_hex(16)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def summary(name: str, ms: list[float]) -> str:
    return (
        f"{name:<44} n={len(ms):<4} p50={percentile(ms, 50):7.1f} ms  p95={percentile(ms, 95):7.1f} ms"
        f"  p99={percentile(ms, 99):7.1f} ms  max={max(ms):7.1f} ms"
    )


def bench_store() -> str:
    """A store of its own with Twilio credentials (so replies are really sent), removed afterwards."""
    number = "+62811" + str(secrets.randbelow(10**8)).zfill(8)
    with psycopg.connect(DB_URL, autocommit=True) as conn:
        (store_id,) = conn.execute(
            "insert into stores (name, whatsapp_number) values ('Bench', %s) returning id", (number,)
        ).fetchone()  # type: ignore[misc]
        conn.execute(
            "insert into store_credentials (store_id, twilio_account_sid, twilio_auth_token)"
            " values (%s, %s, %s)",
            (store_id, ACCOUNT, TOKEN),
        )
    return number


def drop_store(number: str) -> None:
    with psycopg.connect(DB_URL, autocommit=True) as conn:
        conn.execute("delete from stores where whatsapp_number = %s", (number,))


@contextmanager
def functions_server(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "sapa.api.app:create_app", "--port", str(port),
               "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{url}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def base_env() -> dict[str, str]:
    return {
        "SUPABASE_URL": API_URL,
        "SUPABASE_SERVICE_ROLE_KEY": os.environ["SERVICE_ROLE_KEY"],
        "SUPABASE_JWT_SECRET": os.environ["JWT_SECRET"],
        "ENVIRONMENT": "bench",
    }


def webhook(url: str, store_number: str, body: str, sid: str) -> tuple[dict[str, str], dict[str, str]]:
    phone = "+62812" + str(int(sid[2:10], 16) % 10**8).zfill(8)
    form = {"MessageSid": sid, "AccountSid": ACCOUNT, "From": f"whatsapp:{phone}", "Body": body}
    form |= {"To": f"whatsapp:{store_number}", "NumMedia": "0", "ProfileName": "Bench"}
    return form, {"X-Twilio-Signature": sign(f"{url}/webhooks/twilio", form, TOKEN)}


async def burst(
    requests: list[tuple[str, dict[str, str] | None, dict[str, str]]], in_flight: int
) -> list[float]:
    """Send all requests with at most `in_flight` at once; each one's latency in ms (all must be 200)."""
    gate = asyncio.Semaphore(in_flight)
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def one(url: str, form: dict[str, str] | None, headers: dict[str, str]) -> float:
            async with gate:
                start = time.perf_counter()
                response = await (client.post(url, data=form, headers=headers) if form else client.get(url))
                elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200, response.text
            return elapsed

        return list(await asyncio.gather(*(one(*request) for request in requests)))


def part_a(store_number: str) -> None:
    moto_port = free_port()
    moto = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-p", str(moto_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    aws = {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "ap-southeast-3",
    }
    os.environ.update(aws)
    endpoint = f"http://127.0.0.1:{moto_port}"
    time.sleep(1.0)
    sqs = boto3.client("sqs", endpoint_url=endpoint)
    queue_url = sqs.create_queue(QueueName="sapa-jobs")["QueueUrl"]
    env = base_env() | aws | {"QUEUE_BACKEND": "sqs", "QUEUE_URL": queue_url, "AWS_ENDPOINT_URL": endpoint}
    try:
        with functions_server(env) as url:
            for in_flight in (1, 20, 200):
                health = asyncio.run(burst([(f"{url}/health", None, {})] * 200, in_flight))
                sids = ["SM" + secrets.token_hex(16) for _ in range(200)]
                signed = [webhook(url, store_number, "Where is my order?", sid) for sid in sids]
                hooks = asyncio.run(burst([(f"{url}/webhooks/twilio", f, h) for f, h in signed], in_flight))
                print(summary(f"A. GET /health, {in_flight} in flight (baseline)", health))
                print(summary(f"A. POST /webhooks/twilio, {in_flight} in flight", hooks))
                print(f"   webhook p99 / health p99 = {percentile(hooks, 99) / percentile(health, 99):.1f}x")
            asyncio.run(burst([(f"{url}/webhooks/twilio", f, h) for f, h in signed[:50]], 20))  # redeliveries
        with psycopg.connect(DB_URL) as conn:
            (stored,) = conn.execute(
                "select count(*) from messages where provider_message_id = any(%s)", (sids,)
            ).fetchone()  # type: ignore[misc]
        depth = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
        queued = depth["Attributes"]["ApproximateNumberOfMessages"]
        print(f"   last burst: {stored} of 200 stored after 50 redeliveries (expected 200)")
        print(f"   jobs queued in total: {queued} (3 bursts of 200 + 50 redeliveries: expected 650)")
    finally:
        moto.terminate()


class TwilioRecorder(ThreadingHTTPServer):
    """Answers messages.create like Twilio and notes when each send arrived, by the message body."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                recorder.arrivals[form["To"][0]] = time.perf_counter()
                resource = {"sid": "SM" + uuid.uuid4().hex, "status": "queued", "account_sid": ACCOUNT}
                body = json.dumps(resource).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


SUMMARY = {"summary": "Asks whether the order has shipped.", "want": "Delivery status", "order_number": None,
           "sentiment": "neutral", "next_step": "Check the order's shipment."}  # fmt: skip


def instant_llm(request: dict[str, object]) -> dict[str, object]:
    """Answers at once, each request in the shape it asks for: a summary (structured output) or a reply."""
    if "response_format" in request:
        return reply(json.dumps(SUMMARY))
    return reply("Baik kak, pesanan sedang kami proses.")


def part_b(store_number: str, messages: int = 60) -> None:
    twilio = TwilioRecorder()
    threading.Thread(target=twilio.serve_forever, daemon=True).start()
    llm = FakeOpenAI()
    llm.script(*[instant_llm] * (messages * 4))
    with llm.running():
        env = base_env() | {
            "QUEUE_BACKEND": "inprocess",
            "OPENAI_API_KEY": "bench",
            "OPENAI_BASE_URL": llm.base_url,
            "TWILIO_API_BASE_URL": f"http://127.0.0.1:{twilio.server_address[1]}",
        }
        with functions_server(env) as url, httpx.Client(timeout=30) as client:

            def send(text: str) -> str:
                form, headers = webhook(url, store_number, text, "SM" + secrets.token_hex(16))
                sent[form["From"]] = time.perf_counter()
                assert client.post(f"{url}/webhooks/twilio", data=form, headers=headers).status_code == 200
                return form["From"]

            def wait_for(count: int) -> None:
                deadline = time.monotonic() + 30
                while len(twilio.arrivals) < count and time.monotonic() < deadline:
                    time.sleep(0.05)

            sent: dict[str, float] = {}
            # One message first, not counted: the server has just started and may still be loading the
            # classifier model (it warms up at start); its time is printed on its own.
            first = send("Halo")
            wait_for(1)
            first_ms = (twilio.arrivals[first] - sent.pop(first)) * 1000 if first in twilio.arrivals else None
            for _ in range(messages):
                send("Halo, pesanan saya sudah dikirim?")
                time.sleep(0.2)  # a steady stream, five customers a second
            wait_for(messages + 1)
    twilio.shutdown()
    latencies = [(twilio.arrivals[to] - sent[to]) * 1000 for to in sent if to in twilio.arrivals]
    print(summary("B. webhook receipt -> Twilio send (instant LLM)", latencies))
    print(f"   {len(latencies)} of {messages} replies sent; the first message after start (not counted): "
          + (f"{first_ms:.0f} ms" if first_ms is not None else "no reply"))  # fmt: skip


def main() -> None:
    # A store of its own for each part: A leaves 650 unanswered jobs in SQS, which part B's API (with the
    # in-process worker, which re-enqueues unanswered messages at start) must not find.
    for part in (part_a, part_b):
        store_number = bench_store()
        try:
            part(store_number)
        finally:
            drop_store(store_number)


if __name__ == "__main__":
    main()
