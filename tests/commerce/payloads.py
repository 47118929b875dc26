# ruff: noqa: E501  (payloads laid out one JSON line per group of fields, as the REST docs show them)
"""WooCommerce REST API v3 resources shaped as its documentation shows them ("Retrieve an order",
"Retrieve a customer", "Retrieve a product": the same JSON a webhook delivers), with Indonesian shop data.
Dates come twice, as WooCommerce sends them: in the shop's time zone (Asia/Jakarta, no offset) and in UTC
(_gmt)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

JAKARTA = timedelta(hours=7)


def _dates(name: str, moment: datetime | None) -> dict[str, str | None]:
    if moment is None:
        return {name: None, f"{name}_gmt": None}
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return {
        name: (utc + JAKARTA).strftime("%Y-%m-%dT%H:%M:%S"),
        f"{name}_gmt": utc.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _address(first: str, last: str, email: str, phone: str) -> dict[str, str]:
    return {
        "first_name": first, "last_name": last, "company": "", "address_1": "Jl. Malioboro 12", "address_2": "",
        "city": "Yogyakarta", "state": "YO", "postcode": "55271", "country": "ID", "email": email, "phone": phone,
    }  # fmt: skip


def line_item(item_id: int, product_id: int, name: str, quantity: int, price: int) -> dict[str, Any]:
    total = f"{price * quantity:.2f}"
    return {
        "id": item_id, "name": name, "product_id": product_id, "variation_id": 0, "quantity": quantity,
        "tax_class": "", "subtotal": total, "subtotal_tax": "0.00", "total": total, "total_tax": "0.00",
        "taxes": [], "meta_data": [], "sku": f"SKU-{product_id}", "price": price,
    }  # fmt: skip


def order(
    order_id: int,
    *,
    status: str = "processing",
    phone: str = "0812-3456-7890",
    whatsapp: str | None = None,
    opt_in: str | None = None,
    created: datetime | None = None,
    modified: datetime | None = None,
    customer_id: int = 0,
    items: list[dict[str, Any]] | None = None,
    first_name: str = "Budi",
    last_name: str = "Santoso",
    extra_meta: tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    created = created or datetime.now(UTC) - timedelta(minutes=5)
    modified = modified or created
    items = (
        items if items is not None else [line_item(order_id * 10 + 1, 93, "Kemeja Batik Tulis", 2, 150000)]
    )
    subtotal = sum(int(float(item["total"])) for item in items)
    meta: list[dict[str, Any]] = [
        {"id": order_id * 100 + 1, "key": "_download_permissions_granted", "value": "yes"}
    ]
    if whatsapp is not None:
        meta.append({"id": order_id * 100 + 2, "key": "sapa_whatsapp", "value": whatsapp})
    if opt_in is not None:
        meta.append({"id": order_id * 100 + 3, "key": "sapa_whatsapp_opt_in", "value": opt_in})
    paid = status in ("processing", "completed")
    email = f"{first_name.lower()}@example.com"
    return (
        {
            "id": order_id, "parent_id": 0, "number": str(order_id), "order_key": f"wc_order_{order_id:x}",
            "created_via": "checkout", "version": "9.4.0", "status": status, "currency": "IDR",
        }
        | _dates("date_created", created)
        | _dates("date_modified", modified)
        | {
            "discount_total": "0.00", "discount_tax": "0.00", "shipping_total": "25000.00", "shipping_tax": "0.00",
            "cart_tax": "0.00", "total": f"{subtotal + 25000:.2f}", "total_tax": "0.00", "prices_include_tax": False,
            "customer_id": customer_id, "customer_ip_address": "", "customer_user_agent": "", "customer_note": "",
            "billing": _address(first_name, last_name, email, phone),
            "shipping": _address(first_name, last_name, "", "") | {"phone": ""},
            "payment_method": "bacs", "payment_method_title": "Transfer Bank BCA", "transaction_id": "",
        }
        | _dates("date_paid", created if paid else None)
        | _dates("date_completed", modified if status == "completed" else None)
        | {
            "cart_hash": "", "meta_data": meta + list(extra_meta), "line_items": items, "tax_lines": [],
            "shipping_lines": [{"id": order_id * 10 + 9, "method_title": "JNE REG", "method_id": "flat_rate",
                                "total": "25000.00", "total_tax": "0.00", "taxes": [], "meta_data": []}],
            "fee_lines": [], "coupon_lines": [], "refunds": [],
            "payment_url": f"https://toko.example/checkout/order-pay/{order_id}/?pay_for_order=true&key=wc_order_{order_id:x}",
            "_links": {"self": [{"href": f"https://toko.example/wp-json/wc/v3/orders/{order_id}"}]},
        }
    )  # fmt: skip


def customer(
    customer_id: int,
    *,
    phone: str = "0812-3456-7890",
    whatsapp: str | None = None,
    created: datetime | None = None,
    modified: datetime | None = None,
    first_name: str = "Siti",
    last_name: str = "Aminah",
) -> dict[str, Any]:
    created = created or datetime.now(UTC) - timedelta(days=30)
    meta = [{"id": customer_id * 100, "key": "sapa_whatsapp", "value": whatsapp}] if whatsapp else []
    email = f"{first_name.lower()}.{customer_id}@example.com"
    return (
        {"id": customer_id}
        | _dates("date_created", created)
        | _dates("date_modified", modified)
        | {
            "email": email, "first_name": first_name, "last_name": last_name, "role": "customer",
            "username": f"{first_name.lower()}{customer_id}", "billing": _address(first_name, last_name, email, phone),
            "shipping": _address(first_name, last_name, "", ""), "is_paying_customer": True,
            "avatar_url": "https://secure.gravatar.com/avatar/0?s=96", "meta_data": meta,
            "_links": {"self": [{"href": f"https://toko.example/wp-json/wc/v3/customers/{customer_id}"}]},
        }
    )  # fmt: skip


def product(
    product_id: int,
    *,
    name: str = "Kemeja Batik Tulis",
    price: str = "150000",
    status: str = "publish",
    modified: datetime | None = None,
) -> dict[str, Any]:
    modified = modified or datetime.now(UTC) - timedelta(days=60)
    slug = name.lower().replace(" ", "-")
    return (
        {"id": product_id, "name": name, "slug": slug, "permalink": f"https://toko.example/produk/{slug}/"}
        | _dates("date_created", modified - timedelta(days=10))
        | _dates("date_modified", modified)
        | {
            "type": "simple", "status": status, "featured": False, "catalog_visibility": "visible",
            "description": f"<p>{name} dari <strong>Yogyakarta</strong>, katun primisima.</p>\n",
            "short_description": "<p>Batik tulis asli.</p>\n", "sku": f"SKU-{product_id}", "price": price,
            "regular_price": price, "sale_price": "", "on_sale": False, "purchasable": True, "total_sales": 3,
            "virtual": False, "downloadable": False, "manage_stock": True, "stock_quantity": 12,
            "stock_status": "instock", "categories": [{"id": 9, "name": "Kemeja", "slug": "kemeja"}],
            "tags": [], "images": [], "attributes": [], "meta_data": [],
            "_links": {"self": [{"href": f"https://toko.example/wp-json/wc/v3/products/{product_id}"}]},
        }
    )  # fmt: skip


def shipment_tracking(order_id: int, number: str, link: str = "") -> dict[str, Any]:
    """WooCommerce Shipment Tracking's order meta after the shop added one shipment (a custom carrier,
    whose link the shop typed; a known carrier's link is built by the extension and not stored)."""
    return {
        "id": order_id * 100 + 7, "key": "_wc_shipment_tracking_items",
        "value": [{"tracking_provider": "", "custom_tracking_provider": "JNE", "custom_tracking_link": link,
                   "tracking_number": number, "date_shipped": "1764720000", "tracking_id": f"{order_id:032x}"}],
    }  # fmt: skip


def note_tracking(order_id: int, number: str) -> dict[str, Any]:
    """The Sapa plugin's order meta after the shop wrote the customer a note with a tracking number in it
    (wp-plugin Sapa_Tracking_Note; no link)."""
    return {"id": order_id * 100 + 8, "key": "_sapa_tracking_number", "value": number}
