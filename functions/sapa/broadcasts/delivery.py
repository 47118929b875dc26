"""Asking Twilio whether a broadcast message already went out, for a recipient whose worker died around
the send (its claim ran out with the message stored): Twilio's Messages API has no idempotency key, so
the message list of that sender and customer since the check is the evidence."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from sapa.channels.twilio.sender import RebasedHttpClient, SendResult, TwilioUnavailable, result_of
from sapa.settings import Settings

CLOCK_SKEW = timedelta(minutes=1)
"""Twilio's clock against the database's: a message created this long before the check still counts."""


class SentLookup(Protocol):
    def find_sent(
        self, *, account_sid: str, auth_token: str, from_phone: str, to_phone: str, since: datetime, body: str
    ) -> SendResult | None:
        """The provider's record of a message to `to_phone` created since `since`, or None."""


class TwilioSentLookup:
    def __init__(self, settings: Settings, *, timeout_seconds: float = 10.0) -> None:
        base_url = settings.twilio_api_base_url
        self._http: Any = (
            RebasedHttpClient(base_url, timeout_seconds)
            if base_url
            else TwilioHttpClient(timeout=timeout_seconds)
        )

    def find_sent(
        self, *, account_sid: str, auth_token: str, from_phone: str, to_phone: str, since: datetime, body: str
    ) -> SendResult | None:
        """A template's rendered text is Twilio's `body` of the message; an empty body (not rendered yet)
        matches too: the recipient is then taken as sent rather than risk a second message."""
        client = Client(account_sid, auth_token, http_client=self._http)
        earliest = since - CLOCK_SKEW
        try:
            found = client.messages.list(
                to=f"whatsapp:{to_phone}", from_=f"whatsapp:{from_phone}", date_sent_after=earliest, limit=50
            )
        except TwilioRestException as error:
            raise TwilioUnavailable(f"Twilio answered {error.status} to the message list") from error
        except requests.RequestException as error:
            raise TwilioUnavailable(f"Twilio could not be reached: {type(error).__name__}") from error
        for message in found:
            created = message.date_created
            if created is not None and created >= earliest and (not message.body or message.body == body):
                return result_of(message)
        return None
