"""Reading the local stack's e-mail outbox (what the Auth stand-in "sent"), as a person reads their mail."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from tests.conftest import Stack


def mails_to(stack: Stack, email: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{stack.api_url}/outbox/api/messages", params={"to": email.lower()}, timeout=10)
    response.raise_for_status()
    mails: list[dict[str, Any]] = response.json()
    return mails


def latest_link(stack: Stack, email: str, kind: str) -> str:
    mails = [m for m in mails_to(stack, email) if m["kind"] == kind]
    assert mails, f"no {kind} e-mail to {email} in the outbox"
    link: str = mails[0]["link"]
    return link


def open_link(link: str) -> dict[str, str]:
    """Open an e-mailed link as a browser would, up to the redirect to the dashboard; its fragment."""
    response = httpx.get(link, follow_redirects=False, timeout=10)
    assert response.status_code == 303, response.text
    return dict(parse_qsl(urlsplit(response.headers["location"]).fragment))
