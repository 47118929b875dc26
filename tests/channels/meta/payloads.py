"""Webhook bodies as Meta documents them, one per message type a customer can send and per status.

Sources (Meta's WhatsApp Business Platform docs, "messages webhook reference" and its pages per type,
developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/…):
the envelope and `text` from the reference's main page; `image`, `reaction`, `location`, `contacts` from
its per-type pages (the same shapes as quoted by Meta partners' copies of them); `interactive`
(list_reply, button_reply) from …/messages/interactive; `unsupported` with its errors[] from
…/messages/unsupported; `statuses` (sent, delivered, read, failed with errors[]) from …/messages/status.
Only ids, numbers and texts are ours; every key and nesting is Meta's."""

from __future__ import annotations

import secrets
import time
from typing import Any

WABA_ID = "102290129340398"


def wamid() -> str:
    return "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQz" + secrets.token_hex(12).upper() + "AA=="


def envelope(
    phone_number_id: str, value: dict[str, Any], display_number: str = "15550783881"
) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA_ID,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": display_number,
                                "phone_number_id": phone_number_id,
                            },
                        }
                        | value,
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def inbound(
    phone_number_id: str, wa_id: str, message: dict[str, Any], name: str = "Sheena Nelson"
) -> dict[str, Any]:
    """A customer's message: contacts[] with the profile name, messages[] with one message."""
    # Meta's timestamp is when the customer sent it: now (an old one would close the 24-hour window).
    common = {"from": wa_id, "id": wamid(), "timestamp": str(int(time.time()))}
    return envelope(
        phone_number_id,
        {"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [common | message]},
    )


def status(
    phone_number_id: str, message_id: str, wa_id: str, state: str, error: dict[str, Any] | None = None
) -> dict[str, Any]:
    update: dict[str, Any] = {
        "id": message_id,
        "status": state,
        "timestamp": "1750857384",
        "recipient_id": wa_id,
    }
    if state != "failed":
        update["conversation"] = {"id": "a75d17ad06104c51166f948319b03c6a", "origin": {"type": "service"}}
        update["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "service"}
    if error is not None:
        update["errors"] = [error]
    return envelope(phone_number_id, {"statuses": [update]})


RE_ENGAGEMENT = {
    "code": 131047,
    "title": "Re-engagement message",
    "message": "Re-engagement message",
    "error_data": {
        "details": "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number."
    },
    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
}
UNDELIVERABLE = {
    "code": 131026,
    "title": "Message undeliverable",
    "message": "Message undeliverable",
    "error_data": {"details": "Message Undeliverable."},
}

# Each customer message type: the `messages[0]` part after from/id/timestamp.
TEXT = {"type": "text", "text": {"body": "Does it come in another color?"}}
IMAGE = {
    "type": "image",
    "image": {
        "caption": "Is this the batik I ordered?",
        "mime_type": "image/jpeg",
        "sha256": "81d3bd8a8db4868c9520ed47186e8b7c5789e61ff79f7f834be6950b808a90d3",
        "id": "2754859441498128",
    },
}
DOCUMENT = {
    "type": "document",
    "document": {
        "caption": "Receipt",
        "filename": "receipt.pdf",
        "mime_type": "application/pdf",
        "sha256": "d4f1c6c1b7f1b6e0c8c1b5e5d0a0f0a0e0c0b0a090807060504030201000fedc",
        "id": "1003383421387256",
    },
}
AUDIO = {
    "type": "audio",
    "audio": {
        "mime_type": "audio/ogg; codecs=opus",
        "sha256": "4zSdhXW1Fk3RHzhxMS4pEmLjnVM0XqC3MNg3e3YsE2o=",
        "id": "1003383421387257",
        "voice": True,
    },
}
VIDEO = {
    "type": "video",
    "video": {
        "caption": "unboxing",
        "mime_type": "video/mp4",
        "sha256": "e7b2b5b2e0e1f5f3a5d6c7b8a9f0e1d2c3b4a59687766554433221100ffeeddc",
        "id": "1003383421387258",
    },
}
STICKER = {
    "type": "sticker",
    "sticker": {
        "mime_type": "image/webp",
        "sha256": "aBcD1234kVR0ZWsdsbWzFFqGqEkAD9nM0XfuRSTDa3E=",
        "id": "1003383421387259",
        "animated": False,
    },
}
LOCATION = {
    "type": "location",
    "location": {
        "address": "1 Hacker Way, Menlo Park, CA 94025",
        "latitude": 37.483307,
        "longitude": -122.148981,
        "name": "Main Street Beach",
        "url": "https://www.facebook.com",
    },
}
CONTACTS = {
    "type": "contacts",
    "contacts": [
        {
            "addresses": [
                {"city": "Menlo Park", "country": "United States", "country_code": "us", "type": "HOME"}
            ],
            "name": {"first_name": "Barbara", "last_name": "Johnson", "formatted_name": "Barbara J. Johnson"},
            "phones": [{"phone": "+1 (940) 555-1234", "wa_id": "19405551234", "type": "MOBILE"}],
        }
    ],
}
LIST_REPLY = {
    "context": {
        "from": "15550783881",
        "id": "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=",
    },
    "type": "interactive",
    "interactive": {
        "type": "list_reply",
        "list_reply": {
            "id": "priority_express",
            "title": "Priority Mail Express",
            "description": "Next Day to 2 Days",
        },
    },
}
BUTTON_REPLY = {
    "context": {
        "from": "15550783881",
        "id": "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=",
    },
    "type": "interactive",
    "interactive": {"type": "button_reply", "button_reply": {"id": "cancel-button", "title": "Cancel"}},
}
TEMPLATE_BUTTON = {
    "context": {
        "from": "15550783881",
        "id": "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=",
    },
    "type": "button",
    "button": {"payload": "STOP_PROMOTIONS", "text": "Stop promotions"},
}
REACTION = {
    "type": "reaction",
    "reaction": {
        "message_id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
        "emoji": "\U0001f44d",
    },
}
UNSUPPORTED = {
    "errors": [
        {
            "code": 131051,
            "title": "Message type unknown",
            "message": "Message type unknown",
            "error_data": {"details": "Message type is currently not supported."},
        }
    ],
    "type": "unsupported",
    "unsupported": {"type": "poll_update"},
}
