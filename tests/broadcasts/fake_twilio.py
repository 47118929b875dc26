"""A fake Twilio Messages API on a local port, for broadcasts: it answers every send at once (201,
queued) and lists the messages it took (GET …/Messages.json with To, From and DateSent>), as Twilio
does, so the real SDK code runs. Each accepted message is recorded before its answer is written, as at
Twilio: a caller that dies before reading the answer has still sent it. `hold_after` makes the n-th
send wait (holding its answer) until `release` is set, so a test can kill a worker mid-call."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeTwilioMessages:
    url: str = ""
    sent: list[dict[str, Any]] = field(default_factory=list)
    sent_times: list[float] = field(default_factory=list)
    hold_after: int | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to_numbers(self) -> list[str]:
        with self.lock:
            return [message["to"].removeprefix("whatsapp:") for message in self.sent]

    def create(self, account_sid: str, form: dict[str, str]) -> tuple[dict[str, Any], bool]:
        import time

        now = datetime.now(UTC)
        message = {
            "sid": "SM" + secrets.token_hex(16),
            "account_sid": account_sid,
            "from": form.get("From"),
            "to": form.get("To"),
            "body": "",  # a template's text is rendered by Twilio later; the list shows it empty here
            "status": "queued",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": format_datetime(now, usegmt=True),
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "_created": now,
        }
        with self.lock:
            self.sent.append(message)
            self.sent_times.append(time.monotonic())
            hold = self.hold_after is not None and len(self.sent) == self.hold_after
        return message, hold

    def listing(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        to, sender = query.get("To", [None])[0], query.get("From", [None])[0]
        after = query.get("DateSent>", [None])[0]
        since = datetime.fromisoformat(after.replace("Z", "+00:00")) if after else None
        with self.lock:
            return [
                m for m in self.sent
                if (to is None or m["to"] == to) and (sender is None or m["from"] == sender)
                and (since is None or m["_created"] >= since)
            ]  # fmt: skip

    @contextmanager
    def running(self) -> Iterator[FakeTwilioMessages]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        self.url = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.release.set()
            server.shutdown()
            server.server_close()


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if not key.startswith("_")}


def _handler(fake: FakeTwilioMessages) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            parts = urlsplit(self.path).path.split("/")  # /2010-04-01/Accounts/{sid}/Messages.json
            length = int(self.headers.get("Content-Length", "0"))
            try:
                body = self.rfile.read(length)
            except ConnectionResetError:
                body = b""
            if len(body) < length:
                # The sender died while writing the request (a killed worker): like any HTTP server, Twilio
                # never sees a request whose body was cut short, so nothing is created.
                self.close_connection = True
                return
            form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
            message, hold = fake.create(parts[3], form)
            if hold:
                fake.holding.set()
                fake.release.wait(30)
            self._answer(201, _public(message))

        def do_GET(self) -> None:
            split = urlsplit(self.path)
            found = fake.listing(parse_qs(split.query))
            self._answer(200, {
                "messages": [_public(m) for m in found], "first_page_uri": split.path, "next_page_uri": None,
                "previous_page_uri": None, "page": 0, "page_size": 50, "uri": split.path,
                "start": 0, "end": len(found),
            })  # fmt: skip

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the caller died waiting (a killed worker): Twilio has the message all the same

        def log_message(self, *args: Any) -> None:
            pass

    return Handler
