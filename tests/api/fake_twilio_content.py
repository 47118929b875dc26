"""A fake of Twilio's Content API list of templates with their WhatsApp approval (`GET
/v1/ContentAndApprovals`, paged with PageSize/Page/PageToken and `meta.next_page_url`, as Twilio answers),
on a local port, for the real `twilio` SDK (TWILIO_API_BASE_URL points every Twilio host at it)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


def content(
    sid: str,
    name: str,
    body: str,
    status: str = "approved",
    *,
    language: str = "id",
    kind: str = "twilio/text",
) -> dict[str, Any]:
    """One content resource as the ContentAndApprovals list shows it."""
    return {
        "sid": sid,
        "account_sid": "AC" + "1f" * 16,
        "friendly_name": name,
        "language": language,
        "variables": {"1": "Budi"},
        "types": {kind: {"body": body}},
        "approval_requests": {
            "name": name,
            "category": "UTILITY",
            "content_type": kind,
            "status": status,
            "rejection_reason": "" if status != "rejected" else "Template looks like marketing",
            "allow_category_change": True,
            "type": "whatsapp",
            "flows": None,
        },
        "date_created": "2026-11-01T10:00:00Z",
        "date_updated": "2026-11-02T10:00:00Z",
        "url": f"https://content.twilio.com/v1/Content/{sid}",
    }


@dataclass
class FakeContentApi:
    account_sid: str
    auth_token: str
    contents: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    """Twilio pages the list; a small page makes the SDK follow next_page_url."""
    requests: list[str] = field(default_factory=list)
    url: str = ""

    @contextmanager
    def running(self) -> Iterator[FakeContentApi]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()

    def _page(self, query: dict[str, list[str]]) -> dict[str, Any]:
        page = int(query.get("Page", ["0"])[0])
        start = page * self.page_size
        items = self.contents[start : start + self.page_size]
        more = start + self.page_size < len(self.contents)
        base = "https://content.twilio.com/v1/ContentAndApprovals"
        return {
            "contents": items,
            "meta": {
                "page": page,
                "page_size": self.page_size,
                "first_page_url": f"{base}?PageSize={self.page_size}&Page=0",
                "previous_page_url": None,
                "url": f"{base}?PageSize={self.page_size}&Page={page}",
                "next_page_url": f"{base}?PageSize={self.page_size}&Page={page + 1}&PageToken=PT{page + 1}"
                if more
                else None,
                "key": "contents",
            },
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                fake.requests.append(self.path)
                if self.headers.get("Authorization") != expected:
                    self._send(401, {"code": 20003, "message": "Authenticate", "status": 401})
                elif parts.path != "/v1/ContentAndApprovals":
                    self._send(
                        404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
                    )
                else:
                    self._send(200, fake._page(parse_qs(parts.query)))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
