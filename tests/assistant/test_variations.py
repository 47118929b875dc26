"""Both responders answer per variation ("is it in XL / in blue / how many left"), in Indonesian and
English, from a catalogue mirrored from the recorded deliveries of a real WooCommerce (a variable product
with Size S/M/L/XL, XL sold out) and a bag in two colours."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from supabase import Client

from sapa.assistant import AssistantReply, answer
from sapa.assistant.shop import ShopData
from sapa.assistant.types import AssistantRequest
from sapa.commerce.woocommerce.parse import record
from sapa.settings import Settings
from tests.assistant.fake_openai import FakeOpenAI, Json, reply, tool_call
from tests.commerce.corpus import scenario
from tests.conftest import Stack

PHONE = "+6285700001818"
KAOS = "Kaos Batik Kawung"


def _bag(recorded: dict[str, Any]) -> list[dict[str, Any]]:
    """A bag in blue (2 left) and red (sold out), shaped like the recorded variable product."""
    parent = recorded | {"id": 901, "name": "Tas Batik Parang", "sku": "TAS-PARANG", "variations": [902, 903],
                         "description": "<p>Tas motif parang.</p>",
                         "permalink": "https://toko.example/produk/tas-batik-parang/"}  # fmt: skip
    colour = {"parent_id": 901, "type": "variation", "date_modified_gmt": recorded["date_modified_gmt"]}
    blue = {"id": 902, "sku": "TAS-BIRU", "stock_status": "instock", "stock_quantity": 2, "option": "Biru"}
    red = {
        "id": 903,
        "sku": "TAS-MERAH",
        "stock_status": "outofstock",
        "stock_quantity": 0,
        "option": "Merah",
    }
    return [parent] + [
        colour
        | {k: v for k, v in one.items() if k != "option"}
        | {
            "price": "210000",
            "attributes": [{"id": 0, "name": "Warna", "slug": "warna", "option": one["option"]}],
        }
        for one in (blue, red)
    ]


@pytest.fixture(scope="module")
def store_id(stack: Stack, service_client: Client) -> Iterator[str]:
    with psycopg.connect(stack.db_url, autocommit=True) as conn:
        row = conn.execute(
            "insert into stores (name) values ('Toko Uji Variasi') returning id::text"
        ).fetchone()
        assert row is not None
        store = row[0]
        try:
            deliveries = [d.payload for d in scenario("hpos-on", "04-variable-product-created")]
            for payload in [*deliveries, *_bag(deliveries[0])]:
                params = {"p_store_id": store, "p_product": record("product", payload, "ID")}
                service_client.rpc("woocommerce_apply_product_or_variation", params).execute()
            yield store
        finally:
            conn.execute("delete from stores where id = %s", (store,))


@pytest.fixture
def ask_shop(store_id: str, service_client: Client) -> Callable[[str, Settings], AssistantReply]:
    def run(text: str, settings: Settings) -> AssistantReply:
        request = AssistantRequest(
            store_id=store_id,
            customer_phone=PHONE,
            conversation_id="00000000-0000-4000-8000-0000000018aa",
            text=text,
        )
        return answer(request, ShopData(service_client, store_id, PHONE), settings)

    return run


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        (
            f"Ada ukuran XL untuk {KAOS}?",
            "id",
            f"Maaf kak, {KAOS} — Size: XL sedang habis 🙏\n"
            "Yang masih ready: S (stok 5), M (stok 8), L (stok 3).\n"
            "http://127.0.0.1:8892/product/kaos-batik-kawung/",
        ),
        (
            f"Do you have the {KAOS} in XL?",
            "en",
            f"Sorry, {KAOS} — Size: XL is out of stock.\n"
            "Still available: S (5 left), M (8 left), L (3 left).\n"
            "http://127.0.0.1:8892/product/kaos-batik-kawung/",
        ),
        (
            f"{KAOS} ukuran M sisa berapa kak?",
            "id",
            f"Ada kak: {KAOS} — Size: M (Rp 120.000, stok 8).\nhttp://127.0.0.1:8892/product/kaos-batik-kawung/",
        ),
        (
            f"How many {KAOS} in size L are left?",
            "en",
            f"Yes: {KAOS} — Size: L (Rp 125.000, 3 left).\nhttp://127.0.0.1:8892/product/kaos-batik-kawung/",
        ),
        (
            "Is the Tas Batik Parang available in blue?",
            "en",
            "Yes: Tas Batik Parang — Warna: Biru (Rp 210.000, 2 left).\nhttps://toko.example/produk/tas-batik-parang/",
        ),
        (
            "Tas Batik Parang warna merah masih ada stok?",
            "id",
            "Maaf kak, Tas Batik Parang — Warna: Merah sedang habis 🙏\nYang masih ready: Biru (stok 2).\n"
            "https://toko.example/produk/tas-batik-parang/",
        ),
    ],
)
def test_the_offline_responder_answers_for_the_variation_named(
    ask_shop: Callable[[str, Settings], AssistantReply],
    offline_settings: Settings,
    question: str,
    language: str,
    expected: str,
) -> None:
    result = ask_shop(question, offline_settings)

    assert (result.responder, result.language, result.handoff) == ("offline", language, False)
    assert "\n".join(result.parts) == expected


def test_without_a_variation_named_the_offline_responder_lists_each_ones_stock(
    ask_shop: Callable[[str, Settings], AssistantReply], offline_settings: Settings
) -> None:
    result = ask_shop(f"Kak, {KAOS} masih ready?", offline_settings)

    body = "\n".join(result.parts)
    assert (
        f"• {KAOS} (Rp 120.000, ready)\n  Size: S (stok 5) · M (stok 8) · L (stok 3) · XL (habis)\n" in body
    )
    assert "Tas Batik Parang" not in body  # only the product the question names


def _answer_from_the_product_tool(request: Json) -> Json:
    [result] = [m for m in request["messages"] if m["role"] == "tool"]
    [product] = [p for p in json.loads(result["content"])["products"] if p["name"] == KAOS]
    sold_out = [v["variation"] for v in product["variations"] if v["stock_status"] == "outofstock"]
    return reply(f"{product['name']}: {', '.join(sold_out)} habis.")


def test_the_llms_product_tool_returns_each_variation_with_its_stock(
    ask_shop: Callable[[str, Settings], AssistantReply], llm_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(tool_call("search_products", query="kaos kawung"), _answer_from_the_product_tool)

    result = ask_shop(f"Ada ukuran XL untuk {KAOS}?", llm_settings)

    assert result.parts == [f"{KAOS}: Size: XL habis."]
    [tool_result] = [m for m in fake_openai.requests[1]["messages"] if m["role"] == "tool"]
    [product] = [p for p in json.loads(tool_result["content"])["products"] if p["name"] == KAOS]
    assert product["variations"] == [
        {"variation": "Size: S", "sku": "WCS-KAOS-S", "price": "Rp 120.000", "stock_status": "instock",
         "stock_quantity": 5},
        {"variation": "Size: M", "sku": "WCS-KAOS-M", "price": "Rp 120.000", "stock_status": "instock",
         "stock_quantity": 8},
        {"variation": "Size: L", "sku": "WCS-KAOS-L", "price": "Rp 125.000", "stock_status": "instock",
         "stock_quantity": 3},
        {"variation": "Size: XL", "sku": "WCS-KAOS-XL", "price": "Rp 130.000", "stock_status": "outofstock",
         "stock_quantity": 0},
    ]  # fmt: skip
