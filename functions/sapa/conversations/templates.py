"""Approved WhatsApp templates (Twilio Content API, or Meta's): the only messages WhatsApp lets a business
send outside the 24-hour window. A template's body has numbered placeholders ({{1}}, {{2}}, ...) that the
agent fills; the rendered text is what the thread shows. Only the templates of the provider the store
sends through are offered and sent (a Twilio ContentSid means nothing to Meta, and the reverse)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

from supabase import Client

from sapa.conversations.records import TemplatePublic
from sapa.db import Row, rows

PLACEHOLDER = re.compile(r"\{\{\s*(\d{1,2})\s*\}\}")
MAX_VARIABLE = 1024


class TemplateError(ValueError):
    """No such approved template, or its variables do not fit it."""


def placeholders(body: str) -> list[str]:
    """The placeholder names in order of their number, each once: "{{2}} {{1}} {{2}}" → ["1", "2"]."""
    return sorted(set(PLACEHOLDER.findall(body)), key=int)


def render(body: str, variables: Mapping[str, str]) -> str:
    """The body with every placeholder filled; TemplateError when a variable is missing, unknown or empty."""
    names = placeholders(body)
    missing = [name for name in names if not variables.get(name, "").strip()]
    unknown = sorted(set(variables) - set(names))
    if missing:
        raise TemplateError(f"fill the template's variables: {', '.join('{{' + n + '}}' for n in missing)}")
    if unknown:
        raise TemplateError(f"the template has no variables {', '.join(unknown)}")
    if any(len(value) > MAX_VARIABLE for value in variables.values()):
        raise TemplateError(f"a template variable has at most {MAX_VARIABLE} characters")
    return PLACEHOLDER.sub(lambda match: variables[match.group(1)], body)


def _public(row: Row) -> TemplatePublic:
    return TemplatePublic.model_validate(row | {"variables": placeholders(str(row["body"]))})


_COLUMNS = "id, name, content_sid, language, body"


def _provider(supabase: Client, store_id: uuid.UUID) -> str:
    found = rows(supabase.table("stores").select("whatsapp_provider").eq("id", str(store_id)).execute().data)
    return str(found[0]["whatsapp_provider"]) if found else "twilio"


def approved_templates(supabase: Client, store_id: uuid.UUID) -> list[TemplatePublic]:
    found = rows(
        supabase.table("whatsapp_templates")
        .select(_COLUMNS)
        .eq("store_id", str(store_id))
        .eq("provider", _provider(supabase, store_id))
        .eq("status", "approved")
        .order("language")
        .order("name")
        .execute()
        .data
    )
    return [_public(row) for row in found]


def approved_template(supabase: Client, store_id: uuid.UUID, content_sid: str) -> TemplatePublic:
    found = rows(
        supabase.table("whatsapp_templates")
        .select(_COLUMNS)
        .eq("store_id", str(store_id))
        .eq("provider", _provider(supabase, store_id))
        .eq("content_sid", content_sid)
        .eq("status", "approved")
        .limit(1)
        .execute()
        .data
    )
    if not found:
        raise TemplateError(f"this store has no approved template {content_sid}")
    return _public(found[0])
