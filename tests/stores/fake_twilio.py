# ruff: noqa: E501  (Twilio resources laid out as its API documents them)
"""A local fake of the parts of Twilio's REST API (2010-04-01) that provisioning uses, over HTTP, so the
real `twilio` SDK runs: create a subaccount, list available numbers, buy one, fetch or close an account.
It checks Basic auth: the master account, or a subaccount it created."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MASTER_SID = "AC" + "a1" * 16
MASTER_TOKEN = "master-auth-token"
OWN_SID = "AC" + "c3" * 16
OWN_TOKEN = "own-auth-token"
AVAILABLE_NUMBER = "+6285574440001"


@dataclass
class FakeTwilioAccounts:
    url: str = ""
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    numbers: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)
    available: list[str] = field(default_factory=lambda: [AVAILABLE_NUMBER])

    def __post_init__(self) -> None:
        for sid, token in ((MASTER_SID, MASTER_TOKEN), (OWN_SID, OWN_TOKEN)):
            self.accounts[sid] = _account(sid, token, "Owner account")

    @contextmanager
    def running(self) -> Iterator[FakeTwilioAccounts]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()

    def answer(self, method: str, path: str, form: dict[str, list[str]], auth: str | None) -> tuple[int, Any]:
        self.requests.append((method, path, form))
        caller = self._caller(auth)
        if caller is None:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if method == "POST" and path == "/2010-04-01/Accounts.json":
            sid = "AC" + f"{len(self.accounts):032x}"
            self.accounts[sid] = _account(sid, f"sub-token-{len(self.accounts)}", form["FriendlyName"][0])
            return 201, self.accounts[sid]
        match = re.fullmatch(r"/2010-04-01/Accounts/(AC\w+)(\.json|/.*)", path)
        if match is None or match.group(1) not in self.accounts:
            return 404, {"code": 20404, "message": "Not found", "status": 404}
        sid, rest = match.groups()
        if caller not in (sid, MASTER_SID):
            return 403, {"code": 20003, "message": "Forbidden", "status": 403}
        if rest == ".json" and method == "GET":
            return 200, self.accounts[sid]
        if rest == ".json" and method == "POST":
            self.accounts[sid]["status"] = form["Status"][0]
            return 200, self.accounts[sid]
        if re.fullmatch(r"/AvailablePhoneNumbers/[A-Z]{2}/(Mobile|Local)\.json", rest):
            found = [{"phone_number": n, "friendly_name": n, "iso_country": "ID"} for n in self.available]
            return 200, {"available_phone_numbers": found, "uri": path, "end": 0, "page": 0, "page_size": 1,
                         "first_page_uri": path, "next_page_uri": None, "previous_page_uri": None, "start": 0}  # fmt: skip
        if rest == "/IncomingPhoneNumbers.json" and method == "POST":
            number = {"sid": "PN" + "0" * 32, "account_sid": sid, "phone_number": form["PhoneNumber"][0],
                      "sms_url": form.get("SmsUrl", [None])[0], "sms_method": form.get("SmsMethod", [None])[0]}  # fmt: skip
            self.numbers.append(number)
            return 201, number
        return 404, {"code": 20404, "message": "Not found", "status": 404}

    def _caller(self, auth: str | None) -> str | None:
        if not auth or not auth.startswith("Basic "):
            return None
        sid, _, token = base64.b64decode(auth[6:]).decode().partition(":")
        account = self.accounts.get(sid)
        return sid if account is not None and account["auth_token"] == token else None


def _account(sid: str, token: str, name: str) -> dict[str, Any]:
    return {"sid": sid, "auth_token": token, "friendly_name": name, "status": "active", "type": "Full",
            "owner_account_sid": MASTER_SID, "uri": f"/2010-04-01/Accounts/{sid}.json"}  # fmt: skip


def _handler(fake: FakeTwilioAccounts) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True) if length else {}
            status, payload = fake.answer(self.command, parts.path, form, self.headers.get("Authorization"))
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, *args: Any) -> None:
            pass

    return Handler
