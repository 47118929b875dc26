"""What a customer's attachments mean for the reply: the text read from them is part of what the assistant
reads; an attachment nothing could be read from (a voice message, a video, a file too large, a photo
without text) gets a polite reply in the customer's language and goes to a person.

Why a handoff and not only a note: the assistant cannot see what the customer sent, and they usually send
it because it matters (a damaged parcel, a voice message explaining a problem). Answering around it would
read as ignoring them; the conversation moves to the team (status human, a ticket) with the item kept."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sapa.assistant.types import AssistantReply, Language
from sapa.channels.twilio.media import MediaItem

MAX_ATTACHMENT_TEXT = 3_000
"""Characters of one attachment's text given to the assistant (the whole text stays on the message)."""

# fmt: off
_KINDS: dict[Language, dict[str, str]] = {
    "id": {"audio": "pesan suara", "video": "video", "image": "foto", "document": "dokumen",
           "file": "file"},
    "en": {"audio": "voice message", "video": "video", "image": "photo", "document": "document",
           "file": "file"},
}
_NOTICE: dict[Language, str] = {
    "id": "Terima kasih kak, {kind} dari kakak sudah kami terima 🙏 Saya belum bisa membukanya sendiri, "
          "jadi tim kami akan melihatnya dan membalas di chat ini secepatnya.",
    "en": "Thank you, we've received your {kind} 🙏 I can't open it myself, so a person from our team will "
          "look at it and reply in this chat shortly.",
}
# fmt: on
HANDOFF_REASON = "The customer sent {kinds} that the assistant cannot read"


def kind_of(content_type: str) -> str:
    main = content_type.split("/", 1)[0].lower()
    if main in ("audio", "video", "image"):
        return main
    if content_type.startswith(("application/pdf", "application/msword", "application/vnd.", "text/")):
        return "document"
    return "file"


def needs_person(items: Sequence[MediaItem]) -> bool:
    return any(item.needs_person for item in items)


def media_notice(items: Sequence[MediaItem], language: Language) -> AssistantReply:
    """The polite reply to attachments nothing could be read from; it hands the conversation off."""
    unread = [item for item in items if item.needs_person]
    kinds = sorted({kind_of(item.content_type) for item in unread})
    kind = _KINDS[language][kinds[0]] if len(kinds) == 1 else _KINDS[language]["file"]
    return AssistantReply(
        parts=[_NOTICE[language].format(kind=kind)],
        language=language,
        handoff=True,
        handoff_reason=HANDOFF_REASON.format(kinds=" and ".join(_KINDS["en"][k] for k in kinds)),
        responder="offline",
        sources=[f"media:{item.status}" for item in unread],
    )


def with_attachments(body: str, items: Iterable[MediaItem]) -> str:
    """The message as the assistant reads it: its text, then what was read from each attachment."""
    parts = [body.strip()] if body.strip() else []
    for item in items:
        if item.status == "extracted" and item.text:
            kind = _KINDS["en"][kind_of(item.content_type)]
            text = item.text[:MAX_ATTACHMENT_TEXT]
            parts.append(
                f"[The customer attached a {kind} ({item.content_type}). Text read from it:]\n{text}"
            )
    return "\n\n".join(parts)
