"""What Twilio posts to the WhatsApp webhook, as typed models: an incoming message, or a status callback
for a message the shop sent. Only ever called on a form whose signature has been verified.
https://www.twilio.com/docs/messaging/guides/webhook-request
https://www.twilio.com/docs/messaging/guides/track-outbound-message-status"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

WHATSAPP_PREFIX = "whatsapp:"
MAX_MEDIA = 10  # Twilio's limit per message
E164 = r"^\+[1-9][0-9]{6,14}$"

Phone = Annotated[str, StringConstraints(pattern=E164)]
MessageSid = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}[0-9a-fA-F]{32}$")]
AccountSid = Annotated[str, StringConstraints(pattern=r"^AC[0-9a-fA-F]{32}$")]


class MalformedTwilioRequest(ValueError):
    """The form is not a WhatsApp message or status callback as Twilio sends them."""


class Media(BaseModel):
    model_config = ConfigDict(frozen=True)

    url: str = Field(pattern=r"^https?://\S+$", max_length=2048)
    content_type: str = Field(pattern=r"^[\w.+-]+/[\w.+-]+", max_length=255)


class InboundMessage(BaseModel):
    """A customer's WhatsApp message to a shop's number."""

    model_config = ConfigDict(frozen=True)

    message_sid: MessageSid
    account_sid: AccountSid
    from_phone: Phone
    """The customer, E.164 (Twilio's `whatsapp:` prefix removed)."""
    to_phone: Phone
    """The shop's WhatsApp number, E.164."""
    body: str = Field(default="", max_length=65536)
    profile_name: str | None = None
    wa_id: str | None = Field(default=None, pattern=r"^[0-9]{6,15}$")
    media: list[Media] = Field(default_factory=list, max_length=MAX_MEDIA)


class StatusCallback(BaseModel):
    """Twilio's report on a message the shop sent: From is the shop's number, To the customer."""

    model_config = ConfigDict(frozen=True)

    message_sid: MessageSid
    account_sid: AccountSid
    from_phone: Phone
    to_phone: Phone
    status: str = Field(pattern=r"^[a-z_]{1,32}$")
    """Twilio's MessageStatus as sent (queued, sent, delivered, read, failed, undelivered, …)."""
    error_code: str | None = Field(default=None, pattern=r"^[0-9]{1,10}$")


def is_status_callback(form: Mapping[str, str]) -> bool:
    # Inbound messages may carry their own status ("received"); status callbacks report outbound ones.
    return form.get("MessageStatus", "received").lower() not in {"received", "receiving"}


def store_number(form: Mapping[str, str]) -> str:
    """The shop's WhatsApp number the form is about: To of an inbound message, From of a status callback."""
    return whatsapp_phone(form, "From" if is_status_callback(form) else "To")


def parse_message(form: Mapping[str, str]) -> InboundMessage:
    media = [
        {"url": form.get(f"MediaUrl{i}"), "content_type": form.get(f"MediaContentType{i}")}
        for i in range(_media_count(form))
    ]
    return _validated(
        InboundMessage,
        message_sid=form.get("MessageSid"),
        account_sid=form.get("AccountSid"),
        from_phone=whatsapp_phone(form, "From"),
        to_phone=whatsapp_phone(form, "To"),
        body=form.get("Body", ""),
        profile_name=form.get("ProfileName", "").strip() or None,
        wa_id=form.get("WaId") or None,
        media=media,
    )


def parse_status(form: Mapping[str, str]) -> StatusCallback:
    return _validated(
        StatusCallback,
        message_sid=form.get("MessageSid"),
        account_sid=form.get("AccountSid"),
        from_phone=whatsapp_phone(form, "From"),
        to_phone=whatsapp_phone(form, "To"),
        status=form.get("MessageStatus", "").lower(),
        error_code=form.get("ErrorCode") or None,
    )


def whatsapp_phone(form: Mapping[str, str], field: str) -> str:
    """The E.164 phone of a `whatsapp:+…` address field."""
    value = form.get(field, "")
    if not value.startswith(WHATSAPP_PREFIX):
        raise MalformedTwilioRequest(f"{field} is not a WhatsApp address (whatsapp:+<E.164>)")
    return value.removeprefix(WHATSAPP_PREFIX)


def _media_count(form: Mapping[str, str]) -> int:
    value = form.get("NumMedia", "0")
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_MEDIA:
        raise MalformedTwilioRequest(f"NumMedia must be a number from 0 to {MAX_MEDIA}")
    return int(value)


_Model = TypeVar("_Model", bound=BaseModel)


def _validated(model: type[_Model], **fields: Any) -> _Model:
    try:
        return model(**fields)
    except ValidationError as error:
        # Name the fields only: the values (a customer's message, say) stay out of errors and logs.
        names = sorted({".".join(str(part) for part in detail["loc"]) for detail in error.errors()})
        raise MalformedTwilioRequest(f"invalid {model.__name__}: {', '.join(names)}") from None
