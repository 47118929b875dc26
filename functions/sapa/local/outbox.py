"""DEV-ONLY e-mail outbox: where the local Auth stand-in "sends" its e-mails (invites, password
recovery), as the Supabase CLI's local stack catches them in Inbucket/Mailpit.

Each message is one JSON file in `<state dir>/outbox/`, written whole (temporary file + rename), and a
log line on the stack's output with the link. The gateway serves them without an API key (as Inbucket
is open locally): `GET /outbox` a page, `GET /outbox/api/messages[?to=<e-mail>]` the list (newest
first), `GET /outbox/api/messages/<id>` one message. Never deployed: production sends real e-mail."""

from __future__ import annotations

import html
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from sapa.local.config import StackConfig


class OutboxMessage(BaseModel):
    id: str
    to: str
    subject: str
    kind: str
    """What GoTrue would have sent: `invite`, `recovery`."""
    text: str
    link: str
    """The link the e-mail asks the reader to open (GoTrue's ConfirmationURL)."""
    code: str
    """The 6-digit one-time code the e-mail also carries (GoTrue's `{{ .Token }}`)."""
    created_at: datetime


class Outbox:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def deliver(self, *, to: str, subject: str, kind: str, text: str, link: str, code: str) -> OutboxMessage:
        now = datetime.now(UTC)
        message = OutboxMessage(
            id=f"{now.strftime('%Y%m%dT%H%M%S%f')}-{secrets.token_hex(4)}",
            to=to,
            subject=subject,
            kind=kind,
            text=text,
            link=link,
            code=code,
            created_at=now,
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = self.directory / f".{message.id}.tmp"
        temporary.write_text(message.model_dump_json())
        os.replace(temporary, self.directory / f"{message.id}.json")
        # The demo's console shows where the e-mail went: the link is the whole point of a dev outbox.
        print(f"outbox: {kind} e-mail to {to}: {link}", flush=True)
        return message

    def clear(self) -> None:
        for path in self.directory.glob("*.json"):
            path.unlink(missing_ok=True)

    def messages(self, to: str | None = None) -> list[OutboxMessage]:
        if not self.directory.is_dir():
            return []
        found = [
            OutboxMessage.model_validate(json.loads(path.read_text()))
            for path in sorted(self.directory.glob("*.json"), reverse=True)
        ]
        wanted = (to or "").strip().lower()
        return [m for m in found if not wanted or m.to == wanted]

    def message(self, message_id: str) -> OutboxMessage | None:
        if not message_id.replace("-", "").isalnum():
            return None
        path = self.directory / f"{message_id}.json"
        return OutboxMessage.model_validate(json.loads(path.read_text())) if path.is_file() else None


def local_outbox(config: StackConfig) -> Outbox:
    """The stack's outbox, beside its database; emptied with it (`--reset`, `make clean`)."""
    return Outbox(config.state_dir / "outbox")


def create_outbox_router(outbox: Outbox) -> APIRouter:
    router = APIRouter(prefix="/outbox")

    @router.get("/api/messages", response_model=list[OutboxMessage])
    def list_messages(to: str | None = None) -> list[OutboxMessage]:
        return outbox.messages(to)

    @router.get("/api/messages/{message_id}", response_model=OutboxMessage)
    def get_message(message_id: str) -> OutboxMessage:
        found = outbox.message(message_id)
        if found is None:
            raise HTTPException(404, "no such message in the outbox")
        return found

    @router.get("", response_class=HTMLResponse)
    def page() -> HTMLResponse:
        return HTMLResponse(_page(outbox.messages()))

    return router


def _page(messages: list[OutboxMessage]) -> str:
    items = "".join(
        f"""<article class="mail" data-testid="outbox-message" data-to="{html.escape(m.to)}">
  <header><strong>{html.escape(m.subject)}</strong> to <span class="to">{html.escape(m.to)}</span>
  <time>{m.created_at:%Y-%m-%d %H:%M:%S} UTC</time></header>
  <pre>{html.escape(m.text)}</pre>
  <p><a data-testid="outbox-link" href="{html.escape(m.link)}">{html.escape(m.link)}</a></p>
</article>"""
        for m in messages
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sapa local outbox</title><link rel="icon" href="data:,">
<meta http-equiv="refresh" content="10">
<style>
body{{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b2430}}
.mail{{border:1px solid #d5dbe3;border-radius:8px;padding:.8rem 1rem;margin:1rem 0}}
.mail header{{display:flex;gap:.5rem;flex-wrap:wrap}} time{{margin-left:auto;color:#5b6675}}
pre{{white-space:pre-wrap;overflow-wrap:anywhere;font:inherit}} a{{word-break:break-all}}
</style></head>
<body><h1>Local outbox</h1>
<p>E-mails the local Auth stand-in would have sent (dev only; nothing leaves this machine).</p>
{items or '<p data-testid="outbox-empty">No e-mail yet.</p>'}
</body></html>"""
