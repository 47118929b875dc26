"""What Meta posts to the WhatsApp Cloud API webhook, as channel messages and statuses. Only ever called on
a body whose signature has been verified (except `phone_number_ids`, which reads the routing key that
says whose app secret verifies it).

Shapes from Meta's "messages webhook reference" (developers.facebook.com/documentation/business-messaging/
whatsapp/webhooks/reference/messages and its pages per type: text, image, audio, video, document,
sticker, location, contacts, interactive, button, reaction, unsupported, status): one envelope
{"object": "whatsapp_business_account", "entry": [{"id": WABA, "changes": [{"field": "messages",
"value": {"metadata": {"phone_number_id"}, "contacts", "messages" | "statuses" | "errors"}}]}]}."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sapa.channels.base import ChannelMessage, ChannelStatus

MEDIA_TYPES = frozenset({"image", "audio", "video", "document", "sticker"})
_WA_ID = re.compile(r"^[1-9][0-9]{6,14}$")
_PHONE_NUMBER_ID = re.compile(r"^[0-9]{1,30}$")
_MAX_TEXT = 65536


class MalformedMetaRequest(ValueError):
    """The body is not a WhatsApp Cloud API webhook as Meta sends them."""


@dataclass
class WebhookBatch:
    """Everything one POST says about one of the shop's phone numbers."""

    phone_number_id: str
    messages: list[ChannelMessage] = field(default_factory=list)
    statuses: list[ChannelStatus] = field(default_factory=list)


def load(raw: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(raw)
    except ValueError as error:  # UnicodeDecodeError included
        raise MalformedMetaRequest("the body is not JSON") from error
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise MalformedMetaRequest("not a WhatsApp Business Account webhook")
    return payload


def phone_number_ids(payload: dict[str, Any]) -> set[str]:
    """The shop phone numbers the body is about: the key that finds the store (and its app secret)."""
    ids = {_text(value.get("metadata"), "phone_number_id") for value in _values(payload)}
    if not ids or not all(_PHONE_NUMBER_ID.match(each) for each in ids):
        raise MalformedMetaRequest("metadata.phone_number_id is missing or not a number id")
    return ids


def parse(payload: dict[str, Any], media_url: Callable[[str], str]) -> list[WebhookBatch]:
    """Messages and statuses per phone number id. `media_url` makes the Graph API URL of a media id
    (where the reply job fetches it with the store's token)."""
    batches: dict[str, WebhookBatch] = {}
    for value in _values(payload):
        number_id = _text(value.get("metadata"), "phone_number_id")
        batch = batches.setdefault(number_id, WebhookBatch(number_id))
        names = _profile_names(value.get("contacts"))
        for message in _list(value, "messages"):
            batch.messages.append(_message(message, names, media_url))
        for status in _list(value, "statuses"):
            batch.statuses.append(_status(status))
    return list(batches.values())


def _values(payload: dict[str, Any]) -> list[dict[str, Any]]:
    values = []
    for entry in _list(payload, "entry"):
        for change in _list(entry, "changes"):
            value = change.get("value")
            if change.get("field") == "messages" and isinstance(value, dict):
                values.append(value)
    return values


def _message(
    message: dict[str, Any], names: dict[str, str], media_url: Callable[[str], str]
) -> ChannelMessage:
    wa_id = _text(message, "from")
    if not _WA_ID.match(wa_id):
        raise MalformedMetaRequest("a message's `from` is not a WhatsApp number")
    kind = _text(message, "type") or "unknown"
    body, media, details, answer = _content(kind, message, media_url)
    context = message.get("context")
    if isinstance(context, dict) and isinstance(context.get("id"), str):
        details["context_id"] = context["id"]  # the shop's message the customer replied to
    return ChannelMessage(
        provider_message_id=_required(message, "id"),
        from_phone=f"+{wa_id}",
        body=body[:_MAX_TEXT],
        profile_name=names.get(wa_id),
        media=media,
        details=details,
        received_at=_timestamp(message.get("timestamp")),
        answer=answer,
    )


def _content(
    kind: str, message: dict[str, Any], media_url: Callable[[str], str]
) -> tuple[str, list[dict[str, Any]], dict[str, Any], bool]:
    """(body, media, details, answer) of one message by its type."""
    part = _object(message, kind)
    if kind == "text":
        return _text(part, "body"), [], {}, True
    if kind in MEDIA_TYPES:
        item = {"url": media_url(_required(part, "id")), "content_type": _text(part, "mime_type") or None}
        item = {key: value for key, value in item.items() if value}
        details = {"type": kind} | {
            key: part[key] for key in ("filename", "voice", "animated") if key in part
        }
        return _text(part, "caption"), [item], details, True
    if kind == "location":
        return _location_text(part), [], {"type": kind, "location": part}, True
    if kind == "contacts":
        cards = _list(message, "contacts")
        return _contacts_text(cards), [], {"type": kind, "contacts": cards}, True
    if kind == "interactive":
        reply_type = _text(part, "type")
        reply = _object(part, reply_type)
        details = {"type": kind, "reply_type": reply_type} | {
            key: reply[key] for key in ("id", "title", "description") if isinstance(reply.get(key), str)
        }
        return _text(reply, "title") or _text(reply, "body"), [], details, True
    if kind == "button":  # a template's quick-reply button
        return _text(part, "text"), [], {"type": kind, "payload": _text(part, "payload")}, True
    if kind == "reaction":
        details = {"type": kind, "reacted_to": _text(part, "message_id"), "emoji": _text(part, "emoji")}
        return _text(part, "emoji"), [], details, False
    return "", [], _unsupported(kind, message), False


def _unsupported(kind: str, message: dict[str, Any]) -> dict[str, Any]:
    """A type Cloud API does not support (or that Sapa does not know), with Meta's error as given."""
    details: dict[str, Any] = {"type": kind}
    unsupported = message.get("unsupported")
    if isinstance(unsupported, dict) and isinstance(unsupported.get("type"), str):
        details["unsupported_type"] = unsupported["type"]
    errors = _list(message, "errors")
    if errors:
        error = errors[0]
        details["error_code"] = str(error.get("code", ""))
        details["error_title"] = _text(error, "title") or _text(error, "message")
        details["error_details"] = _text(error.get("error_data"), "details") or None
    return {key: value for key, value in details.items() if value not in (None, "")}


def _status(status: dict[str, Any]) -> ChannelStatus:
    errors = _list(status, "errors")
    error = errors[0] if errors else {}
    code = error.get("code")
    return ChannelStatus(
        provider_message_id=_required(status, "id"),
        status=_required(status, "status").lower(),
        error_code=str(code) if isinstance(code, int | str) and str(code).isdigit() else None,
        error_title=(_text(error, "title") or _text(error, "message") or None) if error else None,
    )


def _location_text(location: dict[str, Any]) -> str:
    where = ", ".join(text for text in (_text(location, "name"), _text(location, "address")) if text)
    point = f"{location.get('latitude')}, {location.get('longitude')}"
    return f"📍 {where} ({point})" if where else f"📍 {point}"


def _contacts_text(cards: list[dict[str, Any]]) -> str:
    shared = []
    for card in cards:
        name = _text(card.get("name"), "formatted_name")
        phones = [_text(phone, "phone") for phone in _list(card, "phones")]
        shared.append(" ".join(text for text in [name, *phones] if text))
    return "👤 " + "; ".join(shared) if shared else ""


def _profile_names(contacts: Any) -> dict[str, str]:
    names = {}
    for contact in contacts if isinstance(contacts, list) else []:
        if isinstance(contact, dict):
            name = _text(contact.get("profile"), "name").strip()
            if name:
                names[_text(contact, "wa_id")] = name
    return names


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, str) and value.isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    return None


def _list(container: Any, key: str) -> list[dict[str, Any]]:
    value = container.get(key) if isinstance(container, dict) else None
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(each, dict) for each in value):
        raise MalformedMetaRequest(f"{key} is not a list of objects")
    return value


def _object(container: dict[str, Any], key: str) -> dict[str, Any]:
    value = container.get(key)
    return value if isinstance(value, dict) else {}


def _text(container: Any, key: str) -> str:
    value = container.get(key) if isinstance(container, dict) else None
    return value if isinstance(value, str) else ""


def _required(container: dict[str, Any], key: str) -> str:
    value = _text(container, key)
    if not value or len(value) > 255:
        raise MalformedMetaRequest(f"a message or status has no valid `{key}`")
    return value
