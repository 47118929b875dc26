"""Twilio as a `Channel` (the existing TwilioSender wrapped for one store), through the real `twilio`
SDK against the fake Twilio Messages API."""

from __future__ import annotations

import pytest

from sapa.channels.base import OutboundMedia
from sapa.channels.twilio.channel import TwilioChannel
from sapa.channels.twilio.sender import SendResult
from tests.channels.test_twilio_sender import (
    ACCOUNT,
    CREATED_SID,
    CUSTOMER,
    SHOP,
    TOKEN,
    FakeTwilio,
    sender_for,
)
from tests.channels.test_twilio_sender import twilio as twilio


def channel(twilio: FakeTwilio, account_sid: str | None = ACCOUNT) -> TwilioChannel:
    return TwilioChannel(sender_for(twilio.url), SHOP, account_sid, TOKEN)


def test_text_template_and_media_go_through_the_messages_api(twilio: FakeTwilio) -> None:
    store = channel(twilio)
    content_sid = "HX" + "0c" * 16
    assert store.send_text(CUSTOMER, "Halo kak") == SendResult("queued", CREATED_SID, None)
    store.send_template(CUSTOMER, content_sid, {"1": "Budi"})
    store.send_media(CUSTOMER, OutboundMedia("image", link="https://shop.example/batik.jpg"), "Batik biru")
    store.send_media(CUSTOMER, OutboundMedia("document", link="https://shop.example/invoice.pdf"))
    text, template, photo, document = (request["form"] for request in twilio.requests)
    assert text["Body"] == ["Halo kak"]
    assert (template["ContentSid"], template["ContentVariables"]) == ([content_sid], ['{"1": "Budi"}'])
    assert (photo["Body"], photo["MediaUrl"]) == (["Batik biru"], ["https://shop.example/batik.jpg"])
    assert document["MediaUrl"] == ["https://shop.example/invoice.pdf"]
    assert all(form["From"] == [f"whatsapp:{SHOP}"] for form in (text, template, photo, document))


def test_the_sandbox_sends_nothing_and_an_uploaded_media_id_is_refused(twilio: FakeTwilio) -> None:
    assert channel(twilio, account_sid=None).send_text(CUSTOMER, "Halo") == SendResult("sandbox")
    with pytest.raises(ValueError, match="public URL"):
        channel(twilio).send_media(CUSTOMER, OutboundMedia("image", media_id="1234"))
    with pytest.raises(ValueError, match="link or by an uploaded media id"):
        OutboundMedia("image")
    assert twilio.requests == []
