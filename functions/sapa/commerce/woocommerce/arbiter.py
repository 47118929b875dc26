"""The shop's REST API as arbiter. WooCommerce's dates have whole seconds, so two different states of one
order (created `pending`, paid 0.3 s later) arrive with the same date_modified, and the newer-wins rule
alone cannot tell which is current; deliveries also arrive out of order. When a delivery is not newer
than the mirror but brings content never applied, the `woocommerce_refetch` job asks the shop for the
resource and mirrors what it says now (woocommerce_apply_from_shop: the shop's answer wins over a row of
the same date_modified, or over a trash Sapa stamped); a resource the shop no longer has (404) goes to
the trash."""

from __future__ import annotations

import logging

from sapa.commerce.woocommerce import storage
from sapa.commerce.woocommerce.parse import Resource, record
from sapa.commerce.woocommerce.shop import ShopDeps, open_shop

logger = logging.getLogger(__name__)

LISTING: dict[Resource, str] = {"order": "orders", "customer": "customers", "product": "products"}


def refetch(deps: ShopDeps, store_id: str, resource: Resource, external_id: int) -> str:
    """Mirror the resource as the shop has it now: created, updated, unchanged, stale or deleted."""
    shop = open_shop(deps, store_id)
    with shop.client as client:
        item = client.get(LISTING[resource], external_id)
    if item is None:
        outcome = storage.apply_deletion(deps.supabase, store_id, resource, external_id)
    else:
        mirrored = record(resource, item, shop.country)
        outcome = storage.apply_from_shop(deps.supabase, store_id, resource, mirrored)
    logger.info("woocommerce %s %s of store %s refetched: %s", resource, external_id, store_id, outcome)
    return outcome
