"""The store's WhatsApp templates from Twilio's Content API (`GET https://content.twilio.com/v1/
ContentAndApprovals`, through the official SDK's `content.v1.content_and_approvals`), with WhatsApp's
approval of each, synced into `whatsapp_templates` (SQL `sync_whatsapp_templates`, migration 251)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import requests
from pydantic import BaseModel
from supabase import Client
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client as TwilioClient

from sapa.channels.twilio.sender import RebasedHttpClient, TwilioUnavailable
from sapa.db import rows
from sapa.settings import Settings

PAGE_SIZE = 100
CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")
_LANGUAGE = re.compile(r"^([a-z]{2})(?:[_-]([A-Za-z]{2}))?$")
# Twilio's approval states → whatsapp_templates.status
_STATUS = {
    "approved": "approved", "pending": "pending", "received": "pending", "rejected": "rejected",
    "paused": "paused", "disabled": "disabled", "unsubmitted": "unsubmitted",
}  # fmt: skip
_BODY_TYPES = ("twilio/text", "twilio/media", "twilio/quick-reply", "twilio/call-to-action", "twilio/card",
               "twilio/list-picker", "whatsapp/card", "whatsapp/authentication")  # fmt: skip


class TwilioRefused(RuntimeError):
    """Twilio refused the request (wrong credentials, no access to the Content API)."""


class SyncedTemplate(BaseModel):
    content_sid: str
    name: str
    language: str
    body: str
    status: str
    category: str | None = None
    rejection_reason: str | None = None


@dataclass(frozen=True)
class SyncResult:
    added: int
    updated: int
    removed: int
    unchanged: int
    skipped: list[str]
    """Twilio contents that cannot be a WhatsApp template here (no text), by SID and why."""


def fetch_templates(
    settings: Settings, account_sid: str, auth_token: str, timeout: float = 15.0
) -> tuple[list[SyncedTemplate], list[str]]:
    """The account's contents as templates, and the SIDs skipped with the reason."""
    base = settings.twilio_api_base_url
    http = RebasedHttpClient(base, timeout) if base else TwilioHttpClient(timeout=timeout)
    client = TwilioClient(account_sid, auth_token, http_client=http)
    try:
        contents = client.content.v1.content_and_approvals.list(page_size=PAGE_SIZE)
    except TwilioException as error:  # a list page that is not 200: the SDK raises the base class
        status = _status_of(error)
        if status is None or status == 429 or status >= 500:
            raise TwilioUnavailable(f"Twilio answered {status} to the Content API request") from error
        raise TwilioRefused(f"Twilio refused the Content API request: {status} {_detail(error)}") from error
    except requests.RequestException as error:
        raise TwilioUnavailable(f"Twilio could not be reached: {type(error).__name__}") from error
    templates: dict[str, SyncedTemplate] = {}
    skipped: list[str] = []
    for content in contents:
        template, why = template_of(content)
        if template is None:
            skipped.append(f"{content.sid}: {why}")
            continue
        same = next(
            (t for t in templates.values() if (t.name, t.language) == (template.name, template.language)),
            None,
        )
        if same is not None:  # WhatsApp allows one template per name and language: the first listed stays
            skipped.append(f"{content.sid}: another template is named {template.name} ({template.language})")
            continue
        templates[template.content_sid] = template
    return list(templates.values()), skipped


def _status_of(error: TwilioException) -> int | None:
    if isinstance(error, TwilioRestException):
        return int(error.status)
    response = error.args[1] if len(error.args) > 1 else None
    status = getattr(response, "status_code", None)
    return int(status) if isinstance(status, int) else None


def _detail(error: TwilioException) -> str:
    if isinstance(error, TwilioRestException):
        return str(error.msg)
    response = error.args[1] if len(error.args) > 1 else None
    text = str(getattr(response, "text", "") or "")
    try:
        return str(json.loads(text).get("message") or text)[:200]
    except (ValueError, AttributeError):
        return text[:200]


def template_of(content: Any) -> tuple[SyncedTemplate | None, str]:
    sid = str(content.sid or "")
    if not CONTENT_SID.match(sid):
        return None, "not a Content SID"
    body = _body(content.types or {})
    if body is None:
        return None, "no text a WhatsApp message could carry"
    approval = (content.approval_requests or {}) if isinstance(content.approval_requests, dict) else {}
    status = _STATUS.get(str(approval.get("status") or "unsubmitted").lower(), "pending")
    return (
        SyncedTemplate(
            content_sid=sid,
            name=_name(str(approval.get("name") or content.friendly_name or sid)),
            language=_language(str(content.language or "en")),
            body=body[:1024],
            status=status,
            category=str(approval["category"]).lower()[:40] if approval.get("category") else None,
            rejection_reason=str(approval.get("rejection_reason") or "")[:500] or None,
        ),
        "",
    )


def _body(types: dict[str, Any]) -> str | None:
    for kind in _BODY_TYPES:
        content = types.get(kind)
        if isinstance(content, dict):
            text = content.get("body") or content.get("title")
            if isinstance(text, str) and text.strip():
                return text.strip()
    return None


def _name(raw: str) -> str:
    name = re.sub(r"[^a-z0-9_]+", "_", raw.lower()).strip("_")
    return name[:100] or "template"


def _language(raw: str) -> str:
    match = _LANGUAGE.match(raw.strip())
    if match is None:
        return "en"
    language, region = match.groups()
    return f"{language}_{region.upper()}" if region else language


def sync_templates(
    supabase: Client, settings: Settings, store_id: str, account_sid: str, auth_token: str
) -> SyncResult:
    templates, skipped = fetch_templates(settings, account_sid, auth_token)
    params = {"p_store_id": store_id, "p_templates": [t.model_dump() for t in templates]}
    (counts,) = rows(supabase.rpc("sync_whatsapp_templates", params).execute().data)
    return SyncResult(**counts, skipped=skipped)
