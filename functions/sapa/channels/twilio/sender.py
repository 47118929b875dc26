"""Sending WhatsApp messages with the official `twilio` SDK (Messages API, `messages.create`).

A store without a Twilio account is in sandbox mode: nothing is sent, and the caller stores the message
as `sandbox` (the local WhatsApp simulator shows it)."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import (
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from sapa.settings import Settings

MAX_BODY = 1600  # Twilio's limit for one message; longer replies are split by the caller
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
SendStatus = Literal["queued", "sent", "sandbox", "failed"]
AMBIGUOUS_STATUSES = frozenset({502, 504})
"""A gateway's answer: Twilio behind it may have created the message."""
CLOCK_SKEW = timedelta(minutes=2)
"""Tolerance between this machine's clock and Twilio's when matching a message after a timeout."""

# Twilio's status of a message it has just accepted, as far as the sender is concerned.
_STATUS: dict[str, SendStatus] = {
    "accepted": "queued", "scheduled": "queued", "queued": "queued", "sending": "queued",
    "sent": "sent", "delivered": "sent", "read": "sent",
    "failed": "failed", "undelivered": "failed", "canceled": "failed",
}  # fmt: skip


class TwilioUnavailable(RuntimeError):
    """Twilio did not take the message (unreachable, rate-limited, or failing): retry later.

    `ambiguous`: the request may have reached Twilio and created the message (a read timeout, a dropped
    connection, a gateway's 502/504): look for it in Twilio's message list before sending it again."""

    def __init__(self, message: str, *, ambiguous: bool = False) -> None:
        super().__init__(message)
        self.ambiguous = ambiguous


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    provider_message_id: str | None = None
    """Twilio's MessageSid; status callbacks for the message carry it."""
    error: str | None = None
    """Twilio's error code and message when the send failed."""
    delayed: bool = False
    """Not sent yet: Twilio could not take it now (or an earlier message of the conversation waits), so
    it waits for the stale-sends job (status stays queued)."""


class RebasedHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """The SDK's HTTP client with every request sent to another base URL than https://api.twilio.com:
    a Twilio-compatible proxy, or a test double."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base = urlsplit(base_url.rstrip("/"))

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(url)
        rebased = parts._replace(
            scheme=self._base.scheme, netloc=self._base.netloc, path=self._base.path + parts.path
        )
        return super().request(method, urlunsplit(rebased), *args, **kwargs)


class TwilioSender:
    """Sends one WhatsApp message per call. One HTTP connection pool per thread (requests sessions are
    not thread-safe); clients are cheap and made per send, since each store has its own account."""

    def __init__(self, settings: Settings, *, timeout_seconds: float | None = None) -> None:
        self._base_url = settings.twilio_api_base_url
        self._timeout = settings.twilio_timeout_seconds if timeout_seconds is None else timeout_seconds
        self._local = threading.local()

    def send(
        self,
        *,
        account_sid: str | None,
        auth_token: str | None,
        from_phone: str,
        to_phone: str,
        body: str | None = None,
        content_sid: str | None = None,
        content_variables: dict[str, str] | None = None,
        status_callback: str | None = None,
        media_url: str | None = None,
    ) -> SendResult:
        """Send free text (`body`) or an approved template (`content_sid` + `content_variables`).

        Twilio's refusals come back as a failed SendResult with its error code and message. Raises
        TwilioUnavailable when Twilio cannot take the message now (unreachable, 429, 5xx: retry later),
        and ValueError for a message Twilio would refuse anyway (no content or too long, phones not
        E.164, an account without its token)."""
        caption = body or " " if media_url is not None else body  # a photo's caption may be empty
        _check_message(from_phone, to_phone, caption, content_sid, content_variables)
        if account_sid is None:
            return SendResult("sandbox")
        if not auth_token:
            raise ValueError("a Twilio account needs its auth token to send")
        client = Client(account_sid, auth_token, http_client=self._http_client())
        params = _create_params(from_phone, to_phone, body, content_sid, content_variables, status_callback)
        if media_url is not None:  # a photo or file by its public URL; body is then its caption
            params["media_url"] = [media_url]  # type: ignore[assignment]
        try:
            message = client.messages.create(**params)
        except (TwilioRestException, TwilioServiceException) as error:
            return _refused(error)
        except requests.RequestException as error:
            raise TwilioUnavailable(
                f"Twilio could not be reached: {type(error).__name__}", ambiguous=_may_have_arrived(error)
            ) from error
        return result_of(message)

    def find_sent(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_phone: str,
        to_phone: str,
        body: str,
        since: datetime,
    ) -> SendResult | None:
        """The message with this text that Twilio created from `from_phone` to `to_phone` at or after
        `since`, if any: after an ambiguous failure, what tells "Twilio has it" from "send it again".
        Raises TwilioUnavailable when the list cannot be read now."""
        client = Client(account_sid, auth_token, http_client=self._http_client())
        try:
            listed = client.messages.list(
                from_=f"whatsapp:{from_phone}", to=f"whatsapp:{to_phone}", limit=50, page_size=50
            )
        except (TwilioRestException, TwilioServiceException) as error:
            raise TwilioUnavailable(f"Twilio's message list answered {error.status}") from error
        except requests.RequestException as error:
            raise TwilioUnavailable(f"Twilio could not be reached: {type(error).__name__}") from error
        earliest = since - CLOCK_SKEW
        for message in listed:
            created = message.date_created
            if message.body == body and (created is None or created >= earliest):
                return result_of(message)
        return None

    def _http_client(self) -> Any:
        client = getattr(self._local, "http_client", None)
        if client is None:
            client = self._local.http_client = (
                RebasedHttpClient(self._base_url, self._timeout)
                if self._base_url
                else TwilioHttpClient(timeout=self._timeout)
            )
        return client


def _check_message(
    from_phone: str,
    to_phone: str,
    body: str | None,
    content_sid: str | None,
    content_variables: dict[str, str] | None,
) -> None:
    for phone in (from_phone, to_phone):
        if not E164.match(phone):
            raise ValueError(f"not an E.164 phone number: {phone!r}")
    if (body is None) == (content_sid is None):
        raise ValueError("send either a body (free text) or a content_sid (template)")
    if body is not None and not 0 < len(body) <= MAX_BODY:
        raise ValueError(f"a WhatsApp message body has 1 to {MAX_BODY} characters; split longer ones")
    if content_variables is not None and content_sid is None:
        raise ValueError("content_variables fill a template: they need a content_sid")


def _create_params(
    from_phone: str,
    to_phone: str,
    body: str | None,
    content_sid: str | None,
    content_variables: dict[str, str] | None,
    status_callback: str | None,
) -> dict[str, str]:
    params = {"from_": f"whatsapp:{from_phone}", "to": f"whatsapp:{to_phone}"}
    optional = {
        "body": body,
        "content_sid": content_sid,
        "content_variables": json.dumps(content_variables) if content_variables is not None else None,
        "status_callback": status_callback,
    }
    return params | {name: value for name, value in optional.items() if value is not None}


def _may_have_arrived(error: requests.RequestException) -> bool:
    """False only when the request surely never reached Twilio (no connection was made)."""
    if isinstance(error, requests.ConnectTimeout):
        return False
    return not (isinstance(error, requests.ConnectionError) and "NewConnectionError" in repr(error))


def _refused(error: TwilioRestException | TwilioServiceException) -> SendResult:
    if error.status == 429 or error.status >= 500:
        raise TwilioUnavailable(
            f"Twilio answered {error.status} (error {error.code})",
            ambiguous=error.status in AMBIGUOUS_STATUSES,
        ) from error
    detail = error.msg if isinstance(error, TwilioRestException) else error.detail or error.title
    return SendResult("failed", error=f"Twilio error {error.code}: {detail}")


def result_of(message: Any) -> SendResult:
    """A message resource of Twilio as the sender's result."""
    status = _STATUS.get(str(message.status), "queued")
    if status == "failed":
        error = f"Twilio error {message.error_code}: {message.error_message}"
        return SendResult("failed", message.sid, error)
    return SendResult(status, message.sid)
