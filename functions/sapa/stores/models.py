"""The store API's request and response bodies (WOO_CONTRACT: the WordPress plugin sends and reads them)."""

from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sapa.team.models import OwnerInvitation

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class WooCommerceKeys(_Body):
    consumer_key: str = Field(pattern=r"^ck_[A-Za-z0-9]{8,64}$", repr=False)
    consumer_secret: str = Field(pattern=r"^cs_[A-Za-z0-9]{8,64}$", repr=False)


class ProvisionedSender(_Body):
    mode: Literal["provision"]


class OwnSender(_Body):
    mode: Literal["own"]
    number: str = Field(min_length=7, max_length=32)
    twilio_account_sid: str = Field(pattern=r"^AC[0-9a-fA-F]{32}$")
    twilio_auth_token: str = Field(min_length=1, max_length=200, repr=False)


WhatsAppSender = Annotated[ProvisionedSender | OwnSender, Field(discriminator="mode")]


class StoreConnect(_Body):
    site_url: str = Field(max_length=500)
    name: str = Field(min_length=1, max_length=200)
    admin_email: str = Field(max_length=320)
    currency: str = Field(default="IDR", pattern=r"^[A-Za-z]{3}$")
    timezone: str = "Asia/Jakarta"
    country: str = Field(default="ID", pattern=r"^[A-Za-z]{2}$")
    woocommerce: WooCommerceKeys
    whatsapp: WhatsAppSender

    @field_validator("site_url")
    @classmethod
    def _site(cls, value: str) -> str:
        return normalise_site_url(value)

    @field_validator("admin_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value.lower()

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        if value not in _timezones():
            raise ValueError("not an IANA time zone such as Asia/Jakarta")
        return value

    @field_validator("currency", "country")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


def normalise_site_url(value: str) -> str:
    """The shop's base URL as Sapa stores and compares it: scheme and host lower-case, no trailing slash,
    no query, fragment or credentials (WordPress may live in a sub-folder)."""
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL of the shop")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("the shop URL has no credentials, query or fragment")
    netloc = parts.hostname.lower() + (f":{parts.port}" if parts.port else "")
    return f"{parts.scheme.lower()}://{netloc}{parts.path.rstrip('/')}"


@functools.cache
def _timezones() -> set[str]:
    return available_timezones()


class SyncResource(BaseModel):
    done: int
    total: int | None


class SyncStatus(BaseModel):
    status: Literal["pending", "running", "done", "failed"]
    error: str | None
    resources: dict[str, SyncResource]
    updated_at: datetime | None


class StoreConnected(BaseModel):
    store_id: str
    api_key: str
    """Shown once: Sapa keeps only its hash."""
    whatsapp_number: str | None
    """The store's WhatsApp number, also when it connects again (a reconnect keeps it)."""
    sync: SyncStatus
    reconnected: bool = False
    """True when the shop was connected already and this call replaced its keys, webhooks and API key
    (answered 200 instead of 201)."""
    owner: OwnerInvitation | None = None
    """The WordPress admin's e-mail as the store's owner: invited (an e-mail with a link to set a
    password), or accepted (a Sapa user already, or the invitation was accepted)."""
    dashboard_url: str | None = None
    """Where the owner opens Sapa (the plugin's "Open Sapa"); null when the server does not say."""


class WebhookHealth(BaseModel):
    topic: str
    status: Literal["active", "paused", "disabled", "missing"]
    """As WooCommerce reported it at the last check (after Sapa re-enabled a disabled one)."""
    failures: int
    """How many times Sapa found this webhook disabled by WooCommerce and re-enabled it."""
    checked_at: datetime


class StorePublic(BaseModel):
    store_id: str
    name: str
    site_url: str | None
    whatsapp_number: str | None
    whatsapp_mode: Literal["provision", "own"] | None
    sync: SyncStatus
    webhooks: list[WebhookHealth] = []
    """Sapa's webhooks in the shop as the last health check (or the connect) found them."""
    webhooks_checked_at: datetime | None = None
    owner: OwnerInvitation | None = None
    """Whether the owner's invitation was accepted (see StoreConnected.owner)."""
    dashboard_url: str | None = None
