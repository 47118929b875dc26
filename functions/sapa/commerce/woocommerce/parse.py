"""WooCommerce's REST API v3 shapes (as webhooks and the REST API send them) and the records Sapa's SQL
functions mirror them as. Webhook payloads are the REST v3 representation of the resource; a deleted
resource is only `{"id": N}`.

Dates: WooCommerce sends each date twice, in the shop's time zone without an offset (date_created) and in
UTC (date_created_gmt); the _gmt ones are used, read as UTC."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sapa.commerce.phones import to_e164
from sapa.commerce.places import province_name

Resource = Literal["order", "customer", "product"]
Event = Literal["created", "updated", "deleted", "restored"]
RESOURCES: tuple[Resource, ...] = ("order", "customer", "product")
EVENTS: tuple[Event, ...] = ("created", "updated", "deleted", "restored")
WEBHOOK_TOPICS: tuple[str, ...] = (
    *(f"{resource}.{event}" for resource in RESOURCES for event in ("created", "updated", "deleted")),
    "order.restored",
    "product.restored",
)
"""The 11 webhooks Sapa creates in a shop. A restore from the trash sends order.restored (alone in most
restores) or product.restored; customers cannot be trashed."""
WHATSAPP_META = "sapa_whatsapp"
OPT_IN_META = "sapa_whatsapp_opt_in"
TRACKING_META = "_wc_shipment_tracking_items"
"""WooCommerce Shipment Tracking's order meta: a list of shipments, newest last, each with
tracking_number and (for a custom carrier) custom_tracking_link."""
NOTE_TRACKING_META = "_sapa_tracking_number"
"""The Sapa plugin's order meta: the tracking number of the newest order note to the customer that
announces one ("no resi: CGK1234567890"; wp-plugin Sapa_Tracking_Note). Read when Shipment Tracking has
none."""
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


class MalformedDelivery(ValueError):
    """The request is not a WooCommerce delivery Sapa can read (its topic or body)."""


class Topic(BaseModel):
    resource: Resource
    event: Event

    @property
    def name(self) -> str:
        return f"{self.resource}.{self.event}"


def parse_topic(header: str | None) -> Topic | None:
    """`order.created` → Topic; None for a topic Sapa does not subscribe to (coupon.*, action.*)."""
    resource, _, event = (header or "").strip().partition(".")
    if resource not in RESOURCES or event not in EVENTS:
        return None
    return Topic.model_validate({"resource": resource, "event": event})


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class MetaData(_Model):
    key: str
    value: Any = None


class Address(_Model):
    first_name: str = ""
    last_name: str = ""
    email: str | None = ""
    phone: str | None = ""
    city: str | None = ""
    state: str | None = ""
    country: str | None = ""

    @property
    def name(self) -> str | None:
        return _text(f"{self.first_name} {self.last_name}", 200)

    def place(self) -> dict[str, str | None]:
        """City and province as the segment rules read them ("JT" in Indonesia → "Jawa Tengah")."""
        province = province_name(self.state or "", self.country or "")
        return {"city": _text(self.city or "", 200), "province": _text(province, 200)}


class LineMeta(_Model):
    """A line's meta entry; WooCommerce shows those without a leading underscore under the line."""

    key: str = ""
    display_key: str | None = None
    display_value: Any = None


class LineItem(_Model):
    id: int
    name: str = ""
    product_id: int = 0
    variation_id: int | None = 0
    quantity: int
    price: Decimal | None = None
    total: Decimal = Decimal(0)
    meta_data: list[LineMeta] = []

    @field_validator("price", mode="before")
    @classmethod
    def _empty_price(cls, value: Any) -> Any:
        return None if value in ("", None) else value


class ShippingLine(_Model):
    method_title: str = ""


class Shipment(_Model):
    """One item of TRACKING_META."""

    tracking_number: str | None = ""
    custom_tracking_link: str | None = ""


class Order(_Model):
    """GET /wp-json/wc/v3/orders/<id>."""

    id: int
    number: str | None = None
    status: str
    currency: str
    total: Decimal
    customer_id: int = 0
    date_created_gmt: datetime | None = None
    date_modified_gmt: datetime | None = None
    date_paid_gmt: datetime | None = None
    date_completed_gmt: datetime | None = None
    billing: Address = Field(default_factory=Address)
    payment_method_title: str = ""
    shipping_lines: list[ShippingLine] = []
    line_items: list[LineItem] = []
    meta_data: list[MetaData] = []
    payment_url: str | None = None

    @field_validator("number", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        return None if value is None else str(value)

    def meta(self, key: str) -> str | None:
        return _meta(self.meta_data, key)

    def shipment(self) -> Shipment | None:
        """The newest shipment with a tracking number (Shipment Tracking), if any."""
        for meta in reversed(self.meta_data):
            if meta.key == TRACKING_META and isinstance(meta.value, list):
                shipments = [Shipment.model_validate(item) for item in meta.value if isinstance(item, dict)]
                numbered = [item for item in shipments if (item.tracking_number or "").strip()]
                return numbered[-1] if numbered else None
        return None

    def record(self, country: str) -> dict[str, Any]:
        """The order as woocommerce_apply_order_and_variations takes it."""
        modified = self.date_modified_gmt or self.date_created_gmt
        created = self.date_created_gmt or modified
        if modified is None or created is None:
            raise MalformedDelivery(f"order {self.id} has no date_created_gmt or date_modified_gmt")
        billing_phone = to_e164(self.billing.phone, country)
        consent = (self.meta(OPT_IN_META) or "").strip().lower()
        whatsapp = to_e164(self.meta(WHATSAPP_META), country)
        shipment = self.shipment()
        return {
            "external_id": self.id,
            "number": self.number or str(self.id),
            "status": self.status,
            "total": str(self.total),
            "currency": self.currency.upper(),
            "customer_external_id": self.customer_id or None,
            "created_at": _utc(created),
            "date_modified": _utc(modified),
            "date_paid": _utc(self.date_paid_gmt),
            "date_completed": _utc(self.date_completed_gmt),
            "billing_name": self.billing.name,
            "billing_email": _text(self.billing.email, 320),
            "billing_phone": billing_phone,
            "whatsapp_phone": whatsapp or billing_phone,
            "whatsapp_number_given": whatsapp is not None,
            "marketing_opt_in": {"yes": True, "no": False}.get(consent),
            "payment_method": _text(self.payment_method_title, 200),
            "shipping_method": _text(self.shipping_lines[0].method_title, 200)
            if self.shipping_lines
            else None,
            "tracking_number": _text(shipment.tracking_number, 200)
            if shipment
            else _text(self.meta(NOTE_TRACKING_META), 200),
            "tracking_url": _link(shipment.custom_tracking_link) if shipment else None,
            "pay_url": _link(self.payment_url),
            "address": self.billing.place(),
            "items": [_line(item) for item in self.line_items if item.quantity > 0],
        }


class Customer(_Model):
    """GET /wp-json/wc/v3/customers/<id>."""

    id: int
    email: str | None = ""
    first_name: str = ""
    last_name: str = ""
    date_created_gmt: datetime | None = None
    date_modified_gmt: datetime | None = None
    billing: Address = Field(default_factory=Address)
    meta_data: list[MetaData] = []

    def record(self, country: str) -> dict[str, Any]:
        """The customer as woocommerce_apply_customer takes it. A customer never edited has no
        date_modified: its creation date stands in."""
        modified = self.date_modified_gmt or self.date_created_gmt
        if modified is None:
            raise MalformedDelivery(f"customer {self.id} has no date_created_gmt or date_modified_gmt")
        name = _text(f"{self.first_name} {self.last_name}", 200) or self.billing.name
        phone = to_e164(_meta(self.meta_data, WHATSAPP_META), country) or to_e164(self.billing.phone, country)
        return {
            "external_id": self.id,
            "name": name,
            "email": _text(self.email, 320) or _text(self.billing.email, 320),
            "phone": phone,
            "address": self.billing.place(),
            "date_created": _utc(self.date_created_gmt),
            "date_modified": _utc(modified),
        }


class Category(_Model):
    name: str


class Attribute(_Model):
    """A variation's attribute value ({"name": "Size", "option": "XL"}); a parent's attributes list their
    `options` instead and are not kept (its variations say what is on sale)."""

    name: str = ""
    option: str | None = None


class Product(_Model):
    """GET /wp-json/wc/v3/products/<id>, which is also how a variation is delivered (`type` variation,
    `parent_id` set), and GET /products/<id>/variations/<id> (the backfill's variations)."""

    id: int
    type: str | None = None
    parent_id: int | None = 0
    variations: list[int] | None = None
    attributes: list[Attribute] = []
    name: str = ""
    permalink: str | None = None
    status: str = "publish"
    sku: str | None = ""
    description: str | None = ""
    short_description: str | None = ""
    price: str | None = ""
    stock_status: str | None = None
    stock_quantity: int | None = None
    categories: list[Category] = []
    date_created_gmt: datetime | None = None
    date_modified_gmt: datetime | None = None

    @property
    def is_variation(self) -> bool:
        return self.type == "variation"

    def record(self) -> dict[str, Any]:
        """The product as woocommerce_apply_product_or_variation takes it (descriptions as plain text): a
        variation with its parent's id and attributes; a product with its type and the ids of its
        variations."""
        modified = self.date_modified_gmt or self.date_created_gmt
        if modified is None:
            raise MalformedDelivery(f"product {self.id} has no date_created_gmt or date_modified_gmt")
        if self.is_variation:
            return self._variation_record(modified)
        return {
            "external_id": self.id,
            "name": _text(self.name, 500) or f"#{self.id}",
            "sku": _text(self.sku, 200),
            "description": _plain(self.description) or _plain(self.short_description),
            "price": _price(self.price),
            "stock_status": self.stock_status,
            "stock_quantity": self.stock_quantity,
            "categories": [category.name for category in self.categories],
            "permalink": self.permalink,
            "status": self.status,
            "date_modified": _utc(modified),
            "type": self.type,
        } | ({} if self.variations is None else {"variation_ids": self.variations})

    def _variation_record(self, modified: datetime) -> dict[str, Any]:
        if not self.parent_id:
            raise MalformedDelivery(f"variation {self.id} has no parent_id")
        return {
            "external_id": self.id,
            "parent_external_id": self.parent_id,
            "attributes": _attributes((a.name, a.option) for a in self.attributes),
            "sku": _text(self.sku, 200),
            "description": _plain(self.description),
            "price": _price(self.price),
            "stock_status": self.stock_status,
            "stock_quantity": self.stock_quantity,
            "permalink": self.permalink,
            "status": self.status,
            "date_modified": _utc(modified),
        }


class Deleted(_Model):
    """What WooCommerce sends for a deleted (or trashed) resource."""

    id: int


def record(resource: Resource, payload: object, country: str) -> dict[str, Any]:
    """A delivered or fetched resource as its SQL function (storage.APPLY_FUNCTIONS) takes it; raises
    ValidationError or MalformedDelivery when it cannot be read."""
    match resource:
        case "order":
            return Order.model_validate(payload).record(country)
        case "customer":
            return Customer.model_validate(payload).record(country)
        case "product":
            return Product.model_validate(payload).record()


def resource_id(payload: object) -> int:
    """The resource's id: every delivery has one, whatever else it holds."""
    if not isinstance(payload, dict):
        raise MalformedDelivery("the body is not a JSON object")
    value = payload.get("id")
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise MalformedDelivery("the body has no resource id")
    return value


def _meta(meta_data: list[MetaData], key: str) -> str | None:
    """The last value saved under `key` (WooCommerce lists meta oldest first)."""
    for meta in reversed(meta_data):
        if meta.key == key and isinstance(meta.value, str | int):
            return str(meta.value)
    return None


def _line(item: LineItem) -> dict[str, Any]:
    unit_price = item.price if item.price is not None else item.total / item.quantity
    line: dict[str, Any] = {
        "external_id": item.id,
        "product_external_id": item.product_id or None,
        "name": _text(item.name, 500) or f"#{item.product_id}",
        "quantity": item.quantity,
        "unit_price": str(max(unit_price, Decimal(0))),
        "total": str(max(item.total, Decimal(0))),
    }
    if item.variation_id:
        # What the shop shows under the line ("Size: M"): its meta without a leading underscore.
        shown = (
            (meta.display_key, meta.display_value)
            for meta in item.meta_data
            if meta.key and not meta.key.startswith("_") and isinstance(meta.display_value, str | int)
        )
        line |= {"variation_external_id": item.variation_id, "variation_attributes": _attributes(shown)}
    return line


def _attributes(pairs: Iterable[tuple[str | None, object]]) -> list[dict[str, str]]:
    """[{"name": "Size", "option": "XL"}, …] from (name, value) pairs, values as plain text, empty ones out
    (a variation open to any size has no size of its own)."""
    attributes = []
    for name, value in pairs:
        label, option = _plain(name), _plain(str(value) if value is not None else None)
        if label and option:
            attributes.append({"name": label[:200], "option": option[:200]})
    return attributes


def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return moment.isoformat()


def _link(value: str | None) -> str | None:
    """An http(s) link as sent, else None."""
    link = (value or "").strip()
    return link[:2000] if re.match(r"https?://\S+$", link) else None


def _text(value: str | None, limit: int) -> str | None:
    text = _SPACE.sub(" ", value or "").strip()
    return text[:limit] or None


def _plain(value: str | None) -> str | None:
    """Product descriptions are HTML; the assistant reads and searches their text."""
    return _text(html.unescape(_TAG.sub(" ", value or "")), 10_000)


def _price(value: str | None) -> str | None:
    """WooCommerce's price is a string, empty for a product without one (e.g. a variable product)."""
    try:
        price = Decimal((value or "").strip())
    except InvalidOperation:
        return None
    return str(price) if price.is_finite() and price >= 0 else None
