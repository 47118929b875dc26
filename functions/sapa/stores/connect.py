"""Connecting a shop (WOO_CONTRACT): check its WooCommerce keys (and the WhatsApp sender) against the
real services before anything is stored, create the WooCommerce webhooks with a per-store secret, get
the WhatsApp sender, then store it all in one SQL call and start the backfill. Each outside step that
succeeded is undone when a later one fails (webhooks deleted, a provisioned subaccount closed), so a
refused connect leaves nothing behind. A store that had a WhatsApp number keeps it: connecting again
never provisions a second one.

Reconnecting: a shop that is connected already (its plugin lost its settings: a database restore, a
reinstall) connects again with a new WooCommerce REST key. That key working against the shop proves
ownership; through it Sapa deletes its old webhooks (those it recorded, and any other of the shop's
webhooks delivering to this store), creates fresh ones, replaces the stored keys, revokes the plugin's
old Sapa API key and issues a new one. Same store, same data, same WhatsApp sender.

Disconnecting deletes the webhooks Sapa created in the shop, forgets the WooCommerce keys, revokes the
plugin's key; the store's data stays for the owner's records."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from postgrest.exceptions import APIError
from supabase import Client

from sapa.channels.twilio import provisioning
from sapa.commerce.phones import to_e164
from sapa.commerce.woocommerce import storage as commerce_storage
from sapa.commerce.woocommerce.backfill import orders_after
from sapa.commerce.woocommerce.client import (
    WooCommerceClient,
    WooCommerceError,
    WooCommerceUnauthorized,
)
from sapa.commerce.woocommerce.parse import WEBHOOK_TOPICS
from sapa.jobs.queue import backfill_job
from sapa.settings import Settings
from sapa.stores import storage
from sapa.stores.crypto import CredentialsCipher, CredentialsKeyMissing, CredentialsUnreadable
from sapa.stores.keys import key_hash, key_prefix, new_api_key
from sapa.stores.models import OwnSender, StoreConnect, StoreConnected, StorePublic, WhatsAppSender
from sapa.team import service as team
from sapa.team.models import OwnerInvitation

logger = logging.getLogger(__name__)


class StoreApiError(Exception):
    """A refusal the API answers with `status_code` and `detail` (plain words for the shop owner)."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


@dataclass
class StoreDeps:
    supabase: Client
    settings: Settings
    enqueue: Callable[[Any], None]
    base_url: str
    """Sapa's public base URL: WooCommerce and Twilio deliver webhooks under it."""

    def shop(self, site_url: str, key: str, secret: str) -> WooCommerceClient:
        return WooCommerceClient.from_settings(self.settings, site_url, key, secret)


def connect_store(deps: StoreDeps, body: StoreConnect) -> StoreConnected:
    settings = deps.settings
    if body.site_url.startswith("http://") and not settings.woocommerce_allow_http:
        raise StoreApiError(
            422, "this Sapa server accepts only shops reached over https:// (WOOCOMMERCE_ALLOW_HTTP is off)"
        )
    existing = storage.store_for_site(deps.supabase, body.site_url)
    if existing is not None and existing.connected:
        return reconnect_store(deps, body, existing.id)
    keeps_number = existing is not None and existing.whatsapp_number is not None
    provision = body.whatsapp.mode == "provision" and not keeps_number
    sandbox = provision and _sandbox_sender(settings)
    if provision and not sandbox and not provisioning.provisioning_available(settings):
        raise StoreApiError(
            409,
            "this Sapa server cannot provision WhatsApp numbers (no Twilio account configured): "
            "bring your own Twilio sender (mode own)",
        )
    own = body.whatsapp if isinstance(body.whatsapp, OwnSender) else None
    own_number = _own_number(own, body.country) if own else None
    cipher = _cipher(settings)
    store_id = existing.id if existing is not None else str(uuid.uuid4())
    keys = body.woocommerce

    with deps.shop(body.site_url, keys.consumer_key, keys.consumer_secret) as shop:
        _check_shop(shop)
        sender = _own_sender(settings, own, own_number) if own and own_number else None
        webhook_secret = secrets.token_urlsafe(32)
        webhook_ids = _create_webhooks(shop, deps.base_url, store_id, webhook_secret)
        try:
            if sender is None and provision and not sandbox:
                sender = _provision(settings, body.name, body.country, deps.base_url)
            api_key = new_api_key()
            storage.connect(
                deps.supabase,
                {
                    "p_store_id": store_id,
                    "p_site_url": body.site_url,
                    "p_name": body.name,
                    "p_admin_email": body.admin_email,
                    "p_currency": body.currency,
                    "p_timezone": body.timezone,
                    "p_country": body.country,
                    "p_whatsapp_mode": body.whatsapp.mode,
                    "p_whatsapp_number": sender.number if sender else None,
                    "p_credentials": {
                        "twilio_account_sid": sender.account_sid if sender else None,
                        "twilio_auth_token": sender.auth_token if sender else None,
                        "woocommerce_webhook_secret": webhook_secret,
                        "woocommerce_consumer_key_encrypted": cipher.encrypt(keys.consumer_key),
                        "woocommerce_consumer_secret_encrypted": cipher.encrypt(keys.consumer_secret),
                        "woocommerce_webhook_ids": webhook_ids,
                    },
                    "p_api_key_hash": key_hash(api_key),
                    "p_api_key_prefix": key_prefix(api_key),
                    "p_orders_after": orders_after().isoformat(),
                },
            )
        except BaseException as error:
            _undo(deps, shop, webhook_ids, sender)
            if isinstance(error, APIError) and error.code == "23505":
                raise StoreApiError(409, error.message or "already in use") from error
            raise
    _record_created_webhooks(deps, store_id, webhook_ids)
    deps.enqueue(backfill_job(store_id))
    logger.info("store %s connected for %s (whatsapp %s)", store_id, body.site_url, body.whatsapp.mode)
    return StoreConnected(
        store_id=store_id,
        api_key=api_key,
        whatsapp_number=storage.store_public(deps.supabase, store_id).whatsapp_number,
        sync=storage.sync_status(deps.supabase, store_id),
        owner=team.invite_shop_owner(deps.supabase, store_id, body.admin_email, deps.settings.dashboard_url),
        dashboard_url=deps.settings.dashboard_url,
    )


def reconnect_store(deps: StoreDeps, body: StoreConnect, store_id: str) -> StoreConnected:
    """The connected store of this site, connected again through the new key (see the module's doc).
    The WhatsApp sender in the body is not used: the store keeps its own (PUT /stores/me/whatsapp
    changes it)."""
    cipher = _cipher(deps.settings)
    keys = body.woocommerce
    webhook_secret = secrets.token_urlsafe(32)
    with deps.shop(body.site_url, keys.consumer_key, keys.consumer_secret) as shop:
        _check_shop(shop)
        old = storage.shop_credentials(deps.supabase, store_id)
        deleted = _delete_old_webhooks(shop, store_id, old.webhook_ids if old else [])
        webhook_ids = _create_webhooks(shop, deps.base_url, store_id, webhook_secret)
        api_key = new_api_key()
        try:
            storage.reconnect(
                deps.supabase,
                {
                    "p_store_id": store_id,
                    "p_name": body.name,
                    "p_currency": body.currency,
                    "p_timezone": body.timezone,
                    "p_country": body.country,
                    "p_credentials": {
                        "woocommerce_webhook_secret": webhook_secret,
                        "woocommerce_consumer_key_encrypted": cipher.encrypt(keys.consumer_key),
                        "woocommerce_consumer_secret_encrypted": cipher.encrypt(keys.consumer_secret),
                        "woocommerce_webhook_ids": webhook_ids,
                        "webhooks_deleted": deleted,
                    },
                    "p_api_key_hash": key_hash(api_key),
                    "p_api_key_prefix": key_prefix(api_key),
                    "p_orders_after": orders_after().isoformat(),
                },
            )
        except BaseException:
            _delete_webhooks(shop, webhook_ids)
            raise
    _record_created_webhooks(deps, store_id, webhook_ids)
    deps.enqueue(backfill_job(store_id))
    logger.info("store %s reconnected for %s (%d old webhooks deleted)", store_id, body.site_url, deleted)
    return StoreConnected(
        store_id=store_id,
        api_key=api_key,
        whatsapp_number=storage.store_public(deps.supabase, store_id).whatsapp_number,
        sync=storage.sync_status(deps.supabase, store_id),
        reconnected=True,
        owner=_owner_after_reconnect(deps, store_id, body.admin_email),
        dashboard_url=deps.settings.dashboard_url,
    )


def _owner_after_reconnect(deps: StoreDeps, store_id: str, admin_email: str) -> OwnerInvitation:
    """An owner who never accepted (or whose invitation expired) is invited again; else nothing is sent."""
    owner = team.owner_invitation(deps.supabase, store_id)
    if owner.status == "accepted":
        return owner
    return team.invite_shop_owner(deps.supabase, store_id, admin_email, deps.settings.dashboard_url)


def disconnect_store(deps: StoreDeps, store_id: str) -> None:
    shop = storage.shop_credentials(deps.supabase, store_id)
    deleted, failed = 0, 0
    if shop is not None and shop.site_url and shop.consumer_key_encrypted and shop.consumer_secret_encrypted:
        try:
            cipher = _cipher(deps.settings)
            key = cipher.decrypt(shop.consumer_key_encrypted)
            secret = cipher.decrypt(shop.consumer_secret_encrypted)
        except (StoreApiError, CredentialsUnreadable) as error:
            logger.warning("store %s: webhooks left in the shop, keys unreadable: %s", store_id, error)
            failed = len(shop.webhook_ids)
        else:
            with deps.shop(shop.site_url, key, secret) as client:
                for webhook_id in shop.webhook_ids:
                    try:
                        client.delete_webhook(webhook_id)
                        deleted += 1
                    except WooCommerceError as error:
                        logger.warning("store %s: webhook %s not deleted: %s", store_id, webhook_id, error)
                        failed += 1
    storage.disconnect(deps.supabase, store_id, {"webhooks_deleted": deleted, "webhooks_not_deleted": failed})
    logger.info("store %s disconnected (%d webhooks deleted, %d not)", store_id, deleted, failed)


def change_whatsapp(deps: StoreDeps, store_id: str, sender_body: WhatsAppSender) -> StorePublic:
    shop = storage.shop_credentials(deps.supabase, store_id)
    country = shop.default_country if shop else "ID"
    if isinstance(sender_body, OwnSender):
        sender = _own_sender(deps.settings, sender_body, _own_number(sender_body, country))
    else:
        if not provisioning.provisioning_available(deps.settings):
            raise StoreApiError(
                409,
                "this Sapa server cannot provision WhatsApp numbers: bring your own Twilio sender (mode own)",
            )
        name = storage.store_public(deps.supabase, store_id).name
        sender = _provision(deps.settings, name, country, deps.base_url)
    try:
        storage.set_whatsapp(
            deps.supabase,
            store_id,
            mode=sender_body.mode,
            number=sender.number,
            account_sid=sender.account_sid,
            auth_token=sender.auth_token,
        )
    except APIError as error:
        if sender.provisioned:
            provisioning.close_subaccount(deps.settings, sender.account_sid)
        if error.code == "23505":
            raise StoreApiError(409, error.message or "already in use") from error
        raise
    return storage.store_public(deps.supabase, store_id)


# Steps ---------------------------------------------------------------------------------------------
def _sandbox_sender(settings: Settings) -> bool:
    """A local stack without an operator Twilio account: "provision" leaves the shop without a number
    and a Twilio account (sandbox: replies are stored, not sent) instead of refusing the connection."""
    return settings.whatsapp_sandbox_senders and not provisioning.provisioning_available(settings)


def _cipher(settings: Settings) -> CredentialsCipher:
    try:
        return CredentialsCipher.from_settings(settings)
    except CredentialsKeyMissing as error:
        raise StoreApiError(
            503, "this Sapa server cannot keep shop credentials (no encryption key set)"
        ) from error


def _own_number(sender: OwnSender, country: str) -> str:
    number = to_e164(sender.number, country)
    if number is None:
        raise StoreApiError(422, f"{sender.number!r} is not a phone number")
    return number


def _check_shop(shop: WooCommerceClient) -> None:
    try:
        shop.check_access()
    except WooCommerceUnauthorized as error:
        raise StoreApiError(422, f"WooCommerce refused the REST API keys: {error}") from error
    except WooCommerceError as error:
        raise StoreApiError(422, f"the shop's WooCommerce REST API could not be used: {error}") from error


def _own_sender(settings: Settings, sender: OwnSender, number: str) -> provisioning.Sender:
    """The owner's own Twilio account as the sender, once Twilio has opened it with the SID and token."""
    try:
        return provisioning.own_sender(settings, number, sender.twilio_account_sid, sender.twilio_auth_token)
    except provisioning.TwilioAccountRefused as error:
        raise StoreApiError(422, str(error)) from error
    except provisioning.ProvisioningFailed as error:
        raise StoreApiError(502, str(error)) from error


def _provision(settings: Settings, name: str, country: str, base_url: str) -> provisioning.Sender:
    try:
        return provisioning.provision_sender(
            settings, store_name=name, country=country, webhook_url=f"{base_url}/webhooks/twilio"
        )
    except provisioning.ProvisioningUnavailable as error:
        raise StoreApiError(409, str(error)) from error
    except provisioning.ProvisioningFailed as error:
        raise StoreApiError(502, str(error)) from error


def _create_webhooks(shop: WooCommerceClient, base_url: str, store_id: str, secret: str) -> list[int]:
    delivery_url = f"{base_url}/webhooks/woocommerce/{store_id}"
    created: list[int] = []
    try:
        for topic in WEBHOOK_TOPICS:
            created.append(shop.create_webhook(f"Sapa {topic}", topic, delivery_url, secret))
    except WooCommerceError as error:
        _delete_webhooks(shop, created)
        if isinstance(error, WooCommerceUnauthorized):
            raise StoreApiError(
                422, "the WooCommerce keys cannot create webhooks: they need Read/Write permission"
            ) from error
        raise StoreApiError(422, f"the shop did not create Sapa's webhooks: {error}") from error
    return created


def _delete_old_webhooks(shop: WooCommerceClient, store_id: str, recorded: list[int]) -> int:
    """Sapa's earlier webhooks in the shop: those recorded, and any other delivering to this store."""
    path = f"/webhooks/woocommerce/{store_id}"
    try:
        listed = shop.list_webhooks()
    except WooCommerceError as error:
        raise StoreApiError(422, f"the shop's webhooks could not be read: {error}") from error
    old = {
        w["id"] for w in listed if w.get("id") in recorded or str(w.get("delivery_url", "")).endswith(path)
    }
    deleted = 0
    for webhook_id in sorted(old):
        try:
            deleted += shop.delete_webhook(webhook_id)
        except WooCommerceError as error:
            raise StoreApiError(422, f"the old webhook {webhook_id} could not be deleted: {error}") from error
    return deleted


def _record_created_webhooks(deps: StoreDeps, store_id: str, webhook_ids: list[int]) -> None:
    """The webhooks just created are active (their health is checked from then on)."""
    states = [
        {"webhook_id": webhook_id, "topic": topic, "status": "active", "reenabled": False}
        for webhook_id, topic in zip(webhook_ids, WEBHOOK_TOPICS, strict=True)
    ]
    commerce_storage.record_webhooks(deps.supabase, store_id, states)


def _delete_webhooks(shop: WooCommerceClient, webhook_ids: list[int]) -> None:
    for webhook_id in webhook_ids:
        try:
            shop.delete_webhook(webhook_id)
        except WooCommerceError as error:
            logger.warning("webhook %s left in the shop: %s", webhook_id, error)


def _undo(
    deps: StoreDeps, shop: WooCommerceClient, webhook_ids: list[int], sender: provisioning.Sender | None
) -> None:
    _delete_webhooks(shop, webhook_ids)
    if sender is not None and sender.provisioned:
        provisioning.close_subaccount(deps.settings, sender.account_sid)
