"""Twilio as a `sapa.channels.base.Channel`: the existing TwilioSender, wrapped for one store."""

from __future__ import annotations

from dataclasses import dataclass

from sapa.channels.base import OutboundMedia
from sapa.channels.twilio.sender import SendResult, TwilioSender


@dataclass(frozen=True)
class TwilioChannel:
    sender: TwilioSender
    from_phone: str
    account_sid: str | None
    """None: the sandbox (nothing is sent; the message is stored as `sandbox`)."""
    auth_token: str | None
    status_callback: str | None = None

    def send_text(self, to_phone: str, body: str) -> SendResult:
        return self._send(to_phone, body=body)

    def send_template(self, to_phone: str, template_id: str, variables: dict[str, str]) -> SendResult:
        return self._send(to_phone, content_sid=template_id, content_variables=variables)

    def send_media(self, to_phone: str, media: OutboundMedia, caption: str | None = None) -> SendResult:
        if media.link is None:
            raise ValueError("Twilio sends media by its public URL, not by an uploaded media id")
        return self._send(to_phone, body=caption or "", media_url=media.link)

    def _send(self, to_phone: str, **content: object) -> SendResult:
        return self.sender.send(
            account_sid=self.account_sid,
            auth_token=self.auth_token,
            from_phone=self.from_phone,
            to_phone=to_phone,
            status_callback=self.status_callback,
            **content,  # type: ignore[arg-type]
        )
