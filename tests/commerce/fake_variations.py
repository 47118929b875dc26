"""Variations in the fake WooCommerce: `/products/<id>/variations` served with WooCommerce's paging.

Kept apart from fake_woocommerce.py (which is being grown into a faithful stand-in): the fake serves any
listing it holds under `resources` by its path, so a product's variations are one more listing."""

from __future__ import annotations

from typing import Any

from tests.commerce.fake_woocommerce import FakeWooCommerce


def listing(product_id: int) -> str:
    return f"products/{product_id}/variations"


def offer_variations(fake: FakeWooCommerce, product_id: int, variations: list[dict[str, Any]]) -> None:
    """The fake answers GET /products/<product_id>/variations with these (oldest id first, paged)."""
    fake.resources[listing(product_id)] = variations
