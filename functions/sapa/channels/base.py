"""What the pipeline after the channel needs from a WhatsApp provider, whichever it is (Twilio or Meta's
WhatsApp Cloud API). Storage, the assistant, the classifier and the inbox see only stored messages; the
providers meet them here:

- inbound: a provider's webhook is verified over the raw request, then parsed into `ChannelMessage`s
  and `ChannelStatus`es, which are stored the same way (sapa.channels.storage: ingest_whatsapp_message,
  record_message_status in SQL);
- outbound: a `Channel` sends text, media and templates for one store with that store's credentials,
  and lists the store's templates where the provider has them. `sapa.channels.router` picks the
  implementation from the store's `whatsapp_provider`.

Failures mean the same everywhere: a refusal is a failed `SendResult` with the provider's error; the
provider being unreachable, rate-limiting or failing raises `ChannelUnavailable` (retry later)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sapa.channels.twilio.sender import SendResult, TwilioUnavailable

ChannelUnavailable = TwilioUnavailable
"""The provider cannot take the message now (unreachable, 429, 5xx): retry later. The Twilio name is kept
as the one class so every caller's retry handling applies to both providers."""

__all__ = [
    "Channel",
    "ChannelMessage",
    "ChannelStatus",
    "ChannelTemplate",
    "ChannelUnavailable",
    "OutboundMedia",
    "SendResult",
    "TemplateSource",
]


@dataclass(frozen=True)
class ChannelMessage:
    """A customer's message as every provider's webhook gives it to storage."""

    provider_message_id: str
    from_phone: str
    """The customer, E.164."""
    body: str
    profile_name: str | None = None
    media: list[dict[str, Any]] = field(default_factory=list)
    """Items of messages.media: at least `url` and `content_type` (read later by the reply job)."""
    details: dict[str, Any] = field(default_factory=dict)
    """What the message was besides its text (type, button tapped, location, …); empty for plain text."""
    received_at: datetime | None = None
    answer: bool = True
    """Whether the bot should answer it (a reaction is not a question)."""


@dataclass(frozen=True)
class ChannelStatus:
    """The provider's report on a message the shop sent."""

    provider_message_id: str
    status: str
    error_code: str | None = None
    error_title: str | None = None


@dataclass(frozen=True)
class ChannelTemplate:
    """An approved (or pending, …) template as the provider lists it."""

    provider_template_id: str
    name: str
    language: str
    status: str
    body: str
    category: str | None = None
    components: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class OutboundMedia:
    """A photo, document, audio or video to send: a public `link`, or a media id uploaded before."""

    kind: str
    """image, document, audio, video or sticker."""
    link: str | None = None
    media_id: str | None = None
    filename: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in {"image", "document", "audio", "video", "sticker"}:
            raise ValueError(f"cannot send media of kind {self.kind!r}")
        if (self.link is None) == (self.media_id is None):
            raise ValueError("media is sent by a link or by an uploaded media id, one of the two")


class Channel(Protocol):
    """One store's sender on one provider."""

    def send_text(self, to_phone: str, body: str) -> SendResult: ...

    def send_template(self, to_phone: str, template_id: str, variables: dict[str, str]) -> SendResult: ...

    def send_media(self, to_phone: str, media: OutboundMedia, caption: str | None = None) -> SendResult: ...


class TemplateSource(Protocol):
    """A provider whose templates Sapa reads from it (Meta: the WABA's message templates)."""

    def list_templates(self) -> list[ChannelTemplate]: ...
