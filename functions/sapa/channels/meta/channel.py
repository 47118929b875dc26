"""Meta's WhatsApp Cloud API as a `sapa.channels.base.Channel` for one store. Message shapes from Meta's
"Send messages" reference (text, media by link or id, template with body parameters):
https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sapa.channels.base import ChannelTemplate, OutboundMedia, SendResult
from sapa.channels.meta.graph import GraphApi, MetaCredentials

MAX_TEXT = 4096  # Cloud API's limit for a text message's body


@dataclass(frozen=True)
class MetaChannel:
    graph: GraphApi
    credentials: MetaCredentials
    find_template: Callable[[str], ChannelTemplate | None]
    """The store's synced template with this id (whatsapp_templates.content_sid)."""

    def send_text(self, to_phone: str, body: str) -> SendResult:
        if not 0 < len(body) <= MAX_TEXT:
            raise ValueError(f"a WhatsApp text has 1 to {MAX_TEXT} characters; split longer ones")
        return self._send(to_phone, "text", {"preview_url": False, "body": body})

    def send_media(self, to_phone: str, media: OutboundMedia, caption: str | None = None) -> SendResult:
        part: dict[str, Any] = {"link": media.link} if media.link else {"id": media.media_id}
        if caption and media.kind in {"image", "video", "document"}:
            part["caption"] = caption
        if media.filename and media.kind == "document":
            part["filename"] = media.filename
        return self._send(to_phone, media.kind, part)

    def send_template(self, to_phone: str, template_id: str, variables: dict[str, str]) -> SendResult:
        template = self.find_template(template_id)
        if template is None:
            raise ValueError(f"the store has no synced Meta template {template_id}")
        part: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
        if variables:
            part["components"] = [{"type": "body", "parameters": body_parameters(variables)}]
        return self._send(to_phone, "template", part)

    def list_templates(self) -> list[ChannelTemplate]:
        return self.graph.list_templates(self.credentials)

    def _send(self, to_phone: str, kind: str, part: dict[str, Any]) -> SendResult:
        message = {"to": to_phone.removeprefix("+"), "type": kind, kind: part}
        return self.graph.send(self.credentials, message)


def body_parameters(variables: dict[str, str]) -> list[dict[str, str]]:
    """{{1}}, {{2}}, … in their order; named placeholders ({{first_name}}) by their name."""
    if all(name.isdigit() for name in variables):
        return [{"type": "text", "text": variables[name]} for name in sorted(variables, key=int)]
    return [{"type": "text", "parameter_name": name, "text": value} for name, value in variables.items()]
