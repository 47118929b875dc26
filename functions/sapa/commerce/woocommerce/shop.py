"""A connected shop's REST API, for the jobs that call it (the arbiter's refetch, webhook health): its
site URL and WooCommerce keys, decrypted from store_credentials."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from supabase import Client

from sapa.commerce.woocommerce.client import WooCommerceClient
from sapa.settings import Settings
from sapa.stores import storage
from sapa.stores.crypto import CredentialsCipher

ClientFactory = Callable[[str, str, str], WooCommerceClient]


class ShopNotConnected(LookupError):
    """The store has no WooCommerce keys (never connected, or disconnected)."""


@dataclass
class ShopDeps:
    supabase: Client
    settings: Settings
    client_factory: ClientFactory | None = None
    """Tests pass one; otherwise WooCommerceClient.from_settings."""

    def client(self, site_url: str, key: str, secret: str) -> WooCommerceClient:
        if self.client_factory is not None:
            return self.client_factory(site_url, key, secret)
        return WooCommerceClient.from_settings(self.settings, site_url, key, secret)


@dataclass(frozen=True)
class Shop:
    client: WooCommerceClient
    country: str
    """The store's default country: completes phone numbers typed without a country code."""


def open_shop(deps: ShopDeps, store_id: str) -> Shop:
    """The store's shop client (close it after use); raises ShopNotConnected, CredentialsKeyMissing or
    CredentialsUnreadable when Sapa cannot call the shop."""
    found = storage.shop_credentials(deps.supabase, store_id)
    if found is None or not (
        found.site_url and found.consumer_key_encrypted and found.consumer_secret_encrypted
    ):
        raise ShopNotConnected(f"store {store_id} has no WooCommerce keys (not connected)")
    cipher = CredentialsCipher.from_settings(deps.settings)
    client = deps.client(
        found.site_url,
        cipher.decrypt(found.consumer_key_encrypted),
        cipher.decrypt(found.consumer_secret_encrypted),
    )
    return Shop(client, found.default_country)
