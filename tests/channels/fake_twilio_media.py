"""A fake Twilio for media, over HTTP on local ports, shaped like the real one: the API origin checks HTTP
basic auth (account SID : auth token) on GET …/Messages/{MM}/Media/{ME} and answers 307 to a CDN origin
(another port), which serves the bytes and records whether credentials reached it. POST …/Messages.json
accepts a message like the Messages API, so a store with an account can send its reply here too."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

ACCOUNT_SID = "AC" + "7e" * 16
AUTH_TOKEN = "media-test-token"


@dataclass
class StoredMedia:
    content_type: str
    data: bytes


@dataclass
class FakeTwilioMedia:
    api_url: str = ""
    cdn_url: str = ""
    media: dict[str, StoredMedia] = field(default_factory=dict)
    api_requests: list[dict[str, Any]] = field(default_factory=list)
    cdn_requests: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, list[str]]] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)
    """Status codes the API answers the next media requests with (e.g. 503), in order."""

    def add(self, content_type: str, data: bytes) -> str:
        """The media URL Twilio would put in MediaUrl0 for this content."""
        media_sid = "ME" + secrets.token_hex(16)
        self.media[media_sid] = StoredMedia(content_type, data)
        message_sid = "MM" + secrets.token_hex(16)
        return f"{self.api_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message_sid}/Media/{media_sid}"

    def downloads_of(self, url: str) -> int:
        path = url.removeprefix(self.api_url)
        return sum(1 for r in self.api_requests if r["path"] == path)


def _expected_auth() -> str:
    return "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()


@contextmanager
def running() -> Iterator[FakeTwilioMedia]:
    fake = FakeTwilioMedia()

    class Api(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.api_requests.append({"path": self.path, "authorization": self.headers.get("Authorization")})
            if fake.fail_next:
                self._answer(fake.fail_next.pop(0), b"{}")
                return
            if self.headers.get("Authorization") != _expected_auth():
                self._answer(401, b'{"code": 20003, "message": "Authenticate"}')
                return
            media_sid = self.path.rsplit("/", 1)[-1]
            if media_sid not in fake.media:
                self._answer(404, b'{"code": 20404, "message": "Not found"}')
                return
            self.send_response(307)
            self.send_header("Location", f"{fake.cdn_url}/cdn/{media_sid}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            fake.sent.append(form)
            resource = {
                "sid": "SM" + secrets.token_hex(16),
                "account_sid": ACCOUNT_SID,
                "status": "queued",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "error_code": None,
                "error_message": None,
            }
            self._answer(201, json.dumps(resource).encode())

        def _answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    class Cdn(Api):
        def do_GET(self) -> None:
            fake.cdn_requests.append({"path": self.path, "authorization": self.headers.get("Authorization")})
            stored = fake.media.get(self.path.rsplit("/", 1)[-1])
            if stored is None:
                self._answer(404, b"")
                return
            self._answer(200, stored.data, stored.content_type)

    servers = [ThreadingHTTPServer(("127.0.0.1", 0), handler) for handler in (Api, Cdn)]
    fake.api_url, fake.cdn_url = (f"http://127.0.0.1:{s.server_port}" for s in servers)
    threads = [
        threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True) for s in servers
    ]
    for thread in threads:
        thread.start()
    try:
        yield fake
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
