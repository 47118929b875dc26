"""The pure parts: WooCommerce's signature, phone numbers made E.164 with the shop's country, and the REST
v3 shapes read into the records the SQL functions take."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from sapa.commerce.phones import to_e164
from sapa.commerce.woocommerce.parse import Address, Customer, Order, Product, parse_topic
from sapa.commerce.woocommerce.signature import sign, verify
from tests.commerce.payloads import customer, line_item, note_tracking, order, product, shipment_tracking

BODY = b'{"id":727,"status":"processing"}'


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    expected = base64.b64encode(hmac.new(b"s3cret", BODY, hashlib.sha256).digest()).decode()
    assert sign(BODY, "s3cret") == expected
    assert verify(BODY, {"X-WC-Webhook-Signature": expected}, "s3cret")


@pytest.mark.parametrize(
    ("headers", "secret"),
    [
        ({"X-WC-Webhook-Signature": sign(BODY, "other")}, "s3cret"),  # another secret
        ({"X-WC-Webhook-Signature": sign(BODY + b" ", "s3cret")}, "s3cret"),  # another body
        ({}, "s3cret"),  # unsigned
        ({"X-WC-Webhook-Signature": sign(BODY, "s3cret")}, None),  # the store has no secret
    ],
)
def test_anything_else_does_not_verify(headers: dict[str, str], secret: str | None) -> None:
    assert not verify(BODY, headers, secret)


@pytest.mark.parametrize(
    ("raw", "country", "e164"),
    [
        ("0812-3456-7890", "ID", "+6281234567890"),
        ("+62 812 3456 7890", "ID", "+6281234567890"),
        ("6281234567890", "ID", "+6281234567890"),
        ("0062 812 3456 7890", "ID", "+6281234567890"),
        ("(555) 555-5555", "US", "+15555555555"),
        ("+44 20 7946 0958", "ID", "+442079460958"),
        ("", "ID", None),
        ("n/a", "ID", None),
        ("12", "ID", None),
    ],
)
def test_phones_become_e164_with_the_shops_country(raw: str, country: str, e164: str | None) -> None:
    assert to_e164(raw, country) == e164


def test_an_order_reads_as_its_record() -> None:
    created = datetime(2030, 3, 1, 2, 30, tzinfo=UTC)
    payload = order(
        727,
        phone="0812-3456-7890",
        whatsapp="+62 857 1111 2222",
        opt_in="yes",
        created=created,
        customer_id=25,
        items=[line_item(315, 93, "Kemeja Batik", 2, 150000), line_item(316, 94, "Tas", 1, 75000)],
    )
    record = Order.model_validate(payload).record("ID")
    assert record["external_id"] == 727
    assert record["number"] == "727"
    assert record["total"] == "400000.00"
    assert record["created_at"] == "2030-03-01T02:30:00+00:00"  # date_created_gmt, read as UTC
    assert record["billing_phone"] == "+6281234567890"
    assert record["whatsapp_phone"] == "+6285711112222"  # the checkout's WhatsApp field wins
    assert record["marketing_opt_in"] is True
    assert record["customer_external_id"] == 25
    assert record["billing_name"] == "Budi Santoso"
    assert record["shipping_method"] == "JNE REG"
    assert [
        (i["external_id"], i["product_external_id"], i["quantity"], i["unit_price"]) for i in record["items"]
    ] == [
        (315, 93, 2, "150000"),
        (316, 94, 1, "75000"),
    ]


def test_without_the_whatsapp_field_the_billing_phone_identifies_the_customer() -> None:
    record = Order.model_validate(order(728, phone="081234567890", opt_in="no")).record("ID")
    assert record["whatsapp_phone"] == record["billing_phone"] == "+6281234567890"
    assert record["marketing_opt_in"] is False
    assert Order.model_validate(order(729)).record("ID")["marketing_opt_in"] is None


def test_the_tracking_number_comes_from_shipment_tracking_else_from_a_note_to_the_customer() -> None:
    def tracking(*meta: dict[str, object]) -> tuple[str | None, str | None]:
        record = Order.model_validate(order(730, extra_meta=meta)).record("ID")
        return record["tracking_number"], record["tracking_url"]

    link = "https://jne.example/track?awb=JNE0123456789"
    assert tracking() == (None, None)
    assert tracking(note_tracking(730, "CGK1234567890")) == ("CGK1234567890", None)
    assert tracking(shipment_tracking(730, "JNE0123456789", link)) == ("JNE0123456789", link)
    both = (note_tracking(730, "CGK1234567890"), shipment_tracking(730, "JNE0123456789", link))
    assert tracking(*both) == ("JNE0123456789", link)
    assert tracking(note_tracking(730, "  ")) == (None, None)


def test_a_customer_and_a_product_read_as_their_records() -> None:
    never_edited = customer(25, phone="0857-1111-2222", modified=None)
    record = Customer.model_validate(never_edited).record("ID")
    assert record["phone"] == "+6285711112222"
    assert record["date_modified"] == record["date_created"]  # never edited: its creation date stands in
    assert record["name"] == "Siti Aminah"
    item = Product.model_validate(product(93, name="Kemeja Batik", price="")).record()
    assert item["price"] is None  # a variable product has no price of its own
    assert item["description"] == "Kemeja Batik dari Yogyakarta , katun primisima."
    assert item["categories"] == ["Kemeja"]


def test_a_resource_without_its_required_fields_is_refused() -> None:
    with pytest.raises(ValidationError):
        Order.model_validate({"id": 1, "status": "processing"})  # no currency, no total


def test_topics_sapa_does_not_subscribe_to_are_told_apart() -> None:
    topic = parse_topic("order.created")
    assert topic is not None and (topic.resource, topic.event) == ("order", "created")
    assert parse_topic("coupon.created") is None
    assert parse_topic("action.woocommerce_add_to_cart") is None


def test_state_codes_are_read_as_province_names() -> None:
    assert Address(city=" Semarang ", state="JT", country="ID").place() == {
        "city": "Semarang",
        "province": "Jawa Tengah",
    }
    assert Address(city="Yogyakarta", state="YO").place()["province"] == "Daerah Istimewa Yogyakarta"
    assert (
        Address(city="Jayapura", state="PT", country="ID").place()["province"] == "PT"
    )  # not in the list: kept
    assert Address(city="Penang", state="PNG", country="MY").place() == {"city": "Penang", "province": "PNG"}
    assert Address().place() == {"city": None, "province": None}
