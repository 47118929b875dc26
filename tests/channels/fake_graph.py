"""A local stand-in of Meta's Graph API (WhatsApp Cloud API) over HTTP, shaped like the real one, so the
functions' real httpx code runs against it:

- POST /{version}/{phone-number-id}/messages: records the JSON and the Authorization header; answers
  {"messaging_product", "contacts", "messages": [{"id": "wamid…"}]} or a scripted (status, error body);
- GET /{version}/{waba-id}/message_templates: the configured templates, `page_size` a page, with
  Meta's paging {"cursors": {"before", "after"}, "next": <absolute URL>} while more remain;
- GET /{version}/{media-id}: {"url", "mime_type", "sha256", "file_size", "id"}; the URL serves the bytes.
  Both need the store's bearer token (401 with a Graph error otherwise);
- `signed(payload, app_secret)`: a webhook body and its X-Hub-Signature-256, signed the way Meta signs.

Shapes from Meta's Cloud API reference (messages, message templates, media) and webhook reference."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

VERSION = "v23.0"


@dataclass
class FakeGraph:
    access_token: str
    url: str = ""
    sent: list[dict[str, Any]] = field(default_factory=list)
    """Each POSTed message: {"path", "authorization", "json"}."""
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    templates: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    template_requests: list[str] = field(default_factory=list)
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def answer(self, status: int, payload: dict[str, Any]) -> None:
        """Answer the next POSTed message with this (status, JSON)."""
        self.answers.append((status, payload))

    def add_media(self, mime_type: str, data: bytes) -> str:
        media_id = str(secrets.randbelow(10**15) + 10**15)
        self.media[media_id] = (mime_type, data)
        return media_id


def graph_error(
    status: int, code: int, message: str, details: str | None = None
) -> tuple[int, dict[str, Any]]:
    """Meta's error body (https://developers.facebook.com/docs/graph-api/guides/error-handling)."""
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "Afake",
    }
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return status, {"error": error}


def signed(payload: dict[str, Any], app_secret: str) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"Content-Type": "application/json", "X-Hub-Signature-256": signature}


@contextmanager
def running(access_token: str) -> Iterator[FakeGraph]:
    fake = FakeGraph(access_token)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            fake.sent.append(
                {"path": self.path, "authorization": self.headers.get("Authorization"), "json": body}
            )
            if fake.answers:
                self._json(*fake.answers.pop(0))
                return
            to = str(body.get("to", ""))
            wamid = "wamid." + secrets.token_urlsafe(24)
            self._json(
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": to, "wa_id": to}],
                    "messages": [{"id": wamid}],
                },
            )

        def do_GET(self) -> None:
            if self.headers.get("Authorization") != f"Bearer {fake.access_token}":
                self._json(*graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token"))
                return
            parts = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(parts.query).items()}
            segments = parts.path.strip("/").split("/")
            if segments[:1] == ["files"] and segments[1] in fake.media:
                mime_type, data = fake.media[segments[1]]
                self._bytes(mime_type, data)
            elif len(segments) == 3 and segments[2] == "message_templates":
                fake.template_requests.append(self.path)
                self._json(200, self._templates_page(int(query.get("after", "0"))))
            elif len(segments) == 2 and segments[1] in fake.media:
                mime_type, data = fake.media[segments[1]]
                self._json(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "url": f"{fake.url}/files/{segments[1]}",
                        "mime_type": mime_type,
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "file_size": len(data),
                        "id": segments[1],
                    },
                )
            else:
                self._json(*graph_error(400, 100, "Unsupported get request."))

        def _templates_page(self, start: int) -> dict[str, Any]:
            page = fake.templates[start : start + fake.page_size]
            end = start + len(page)
            paging: dict[str, Any] = {"cursors": {"before": str(start), "after": str(end)}}
            if end < len(fake.templates):
                path = urlsplit(self.path).path
                paging["next"] = f"{fake.url}{path}?limit={fake.page_size}&after={end}"
            return {"data": page, "paging": paging}

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            self._bytes("application/json", json.dumps(payload).encode(), status)

        def _bytes(self, content_type: str, data: bytes, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
