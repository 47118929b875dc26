"""A shop's WhatsApp sender through the official `twilio` SDK: either provisioned by Sapa (a Twilio
subaccount of the operator's account and a number in it, its incoming-message webhook pointing at Sapa's
/webhooks/twilio), or the shop's own Twilio account, checked before it is stored.

Not automated, because Twilio does not allow it: a number only sends WhatsApp messages once it is
registered as a WhatsApp sender (Twilio console → Messaging → Senders → WhatsApp senders), which needs
the shop's Meta Business Manager and Meta's business verification. Until then the number receives and
sends SMS only; the README says so."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from sapa.channels.twilio.sender import RebasedHttpClient
from sapa.settings import Settings

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 20.0


class ProvisioningUnavailable(RuntimeError):
    """This Sapa server has no operator Twilio account to provision from."""


class TwilioAccountRefused(ValueError):
    """The Twilio account SID and auth token given do not work."""


class ProvisioningFailed(RuntimeError):
    """Twilio did not give a subaccount or a number (none available, or Twilio failing)."""


@dataclass(frozen=True)
class Sender:
    number: str
    """E.164."""
    account_sid: str
    auth_token: str
    provisioned: bool


def provisioning_available(settings: Settings) -> bool:
    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else ""
    return bool(settings.twilio_account_sid and token)


def provision_sender(settings: Settings, *, store_name: str, country: str, webhook_url: str) -> Sender:
    """A new subaccount named after the store, with one number (mobile if the country has them, else
    local) whose incoming messages go to `webhook_url`."""
    if not provisioning_available(settings) or settings.twilio_auth_token is None:
        raise ProvisioningUnavailable(
            "this Sapa server has no Twilio account to provision WhatsApp numbers from"
        )
    master_sid = str(settings.twilio_account_sid)
    master = _client(settings, master_sid, settings.twilio_auth_token.get_secret_value())
    try:
        account = master.api.v2010.accounts.create(friendly_name=f"Sapa: {store_name}"[:64])
    except (TwilioException, requests.RequestException) as error:
        raise ProvisioningFailed(f"Twilio did not create a subaccount: {_reason(error)}") from error
    sub = _client(settings, str(account.sid), str(account.auth_token))
    try:
        number = _buy_number(sub, (settings.twilio_number_country or country).upper(), webhook_url)
    except (TwilioException, requests.RequestException, ProvisioningFailed) as error:
        close_subaccount(settings, str(account.sid))
        if isinstance(error, ProvisioningFailed):
            raise
        raise ProvisioningFailed(f"Twilio did not give a number: {_reason(error)}") from error
    return Sender(number, str(account.sid), str(account.auth_token), provisioned=True)


def _buy_number(client: Client, country: str, webhook_url: str) -> str:
    available = client.available_phone_numbers(country)
    candidates = available.mobile.list(sms_enabled=True, limit=1) or available.local.list(
        sms_enabled=True, limit=1
    )
    if not candidates:
        raise ProvisioningFailed(f"Twilio has no number with SMS available in {country}")
    bought = client.incoming_phone_numbers.create(
        phone_number=candidates[0].phone_number, sms_url=webhook_url, sms_method="POST"
    )
    return str(bought.phone_number)


def close_subaccount(settings: Settings, account_sid: str) -> None:
    """Undo a provisioning that could not be completed: a closed subaccount releases its numbers."""
    if settings.twilio_account_sid is None or settings.twilio_auth_token is None:
        return
    master = _client(settings, settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value())
    try:
        master.api.v2010.accounts(account_sid).update(status="closed")
    except (TwilioException, requests.RequestException) as error:
        logger.error("could not close Twilio subaccount %s: %s", account_sid, _reason(error))


def check_own_account(settings: Settings, account_sid: str, auth_token: str) -> None:
    """Raise TwilioAccountRefused unless the SID and token open the account."""
    client = _client(settings, account_sid, auth_token)
    try:
        account = client.api.v2010.accounts(account_sid).fetch()
    except TwilioRestException as error:
        raise TwilioAccountRefused(
            f"Twilio refused the account SID and auth token ({error.status})"
        ) from error
    except (TwilioException, requests.RequestException) as error:
        raise ProvisioningFailed(f"Twilio could not be reached: {_reason(error)}") from error
    if str(account.status) != "active":
        raise TwilioAccountRefused(f"the Twilio account is {account.status}, not active")


def own_sender(settings: Settings, number: str, account_sid: str, auth_token: str) -> Sender:
    check_own_account(settings, account_sid, auth_token)
    return Sender(number, account_sid, auth_token, provisioned=False)


def _client(settings: Settings, account_sid: str, auth_token: str) -> Client:
    http: Any = (
        RebasedHttpClient(settings.twilio_api_base_url, TIMEOUT_SECONDS)
        if settings.twilio_api_base_url
        else TwilioHttpClient(timeout=TIMEOUT_SECONDS)
    )
    return Client(account_sid, auth_token, http_client=http)


def _reason(error: Exception) -> str:
    if isinstance(error, TwilioRestException):
        return f"{error.status} (error {error.code}): {error.msg}"
    return type(error).__name__
