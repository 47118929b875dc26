"""The assistant's tools over one store and one customer, shared by both responders.

`ShopTools` records every look-up (for the message metadata) and what the answer rests on; its
LangChain tools serialise the same results as JSON for the model. None of them takes a phone or a
store: those are fixed by the ShopData they were made with, so a prompt cannot point them elsewhere."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from sapa.assistant.money import format_money
from sapa.assistant.shop import ShopData
from sapa.assistant.types import Order, Policy, PolicyTopic, Product, Variation
from sapa.knowledge.retrieve import Passage
from sapa.settings import Settings

if TYPE_CHECKING:  # LangChain loads only where the LLM answers: the api's cold start never pays for it
    from langchain_core.tools import BaseTool

NOT_FOUND = "not_found"
LLM_MIN_SIMILARITY = 0.2
"""Passages less similar to the question than this are not shown to the model (they only tempt it)."""


class ShopTools:
    def __init__(self, shop: ShopData, settings: Settings | None = None) -> None:
        self.shop = shop
        self.settings = settings
        """Without settings there is no knowledge search (no embedder to ask)."""
        self.calls: list[dict[str, Any]] = []
        self.sources: list[str] = []
        self.handoff_reason: str | None = None

    # Look-ups ------------------------------------------------------------------------------------
    def my_orders(self, limit: int = 3) -> list[Order]:
        orders = self.shop.orders_of_customer(limit)
        self._record("my_orders", {"limit": limit}, [f"order:{o.number}" for o in orders])
        return orders

    def order_status(self, order_number: str) -> Order | None:
        order = self.shop.order_by_number(order_number)
        sources = [f"order:{order.number}"] if order else []
        self._record("order_status", {"order_number": order_number}, sources)
        return order

    def search_products(self, query: str, limit: int = 5) -> list[Product]:
        products = self.shop.search_products(query, limit)
        self._record("search_products", {"query": query}, [f"product:{p.sku or p.name}" for p in products])
        return products

    def store_policies(self, topic: PolicyTopic | None = None) -> list[Policy]:
        policies = self.shop.policies(topic)
        self._record("store_policies", {"topic": topic}, sorted({f"policy:{p.topic}" for p in policies}))
        return policies

    def knowledge(self, question: str, limit: int = 3) -> list[Passage]:
        """Passages of the shop's documents for the question. Not yet sources: the responder cites
        (`cite`) the passages it answers from."""
        passages = self.shop.knowledge(question, self.settings, limit) if self.settings else []
        self._record("knowledge", {"question": question}, [])
        return passages

    def cite(self, passage: Passage) -> None:
        """The answer rests on this passage: its document becomes a source ("document:<id>")."""
        source = f"document:{passage.document_id}"
        if source not in self.sources:
            self.sources.append(source)

    def hand_off(self, reason: str) -> None:
        self.handoff_reason = reason.strip()[:300] or "handoff requested"
        self._record("hand_off", {"reason": self.handoff_reason}, [])

    def _record(self, name: str, args: dict[str, Any], sources: list[str]) -> None:
        self.calls.append({"name": name, "args": args})
        self.sources.extend(s for s in sources if s not in self.sources)

    # For the model -------------------------------------------------------------------------------
    def as_langchain_tools(self) -> list[BaseTool]:
        currency = self.shop.currency

        def my_orders(limit: int = 3) -> str:
            return _json({"orders": [order_json(o, currency) for o in self.my_orders(limit)]})

        def order_status(order_number: str) -> str:
            order = self.order_status(order_number)
            if order is None:
                note = "No order with this number for the customer's WhatsApp number."
                return _json({"result": NOT_FOUND, "order_number": order_number, "note": note})
            return _json({"order": order_json(order, currency)})

        def search_products(query: str) -> str:
            return _json({"products": [product_json(p, currency) for p in self.search_products(query)]})

        def store_policies(topic: PolicyTopic | None = None) -> str:
            return _json({"policies": [p.model_dump() for p in self.store_policies(topic)]})

        def knowledge(question: str) -> str:
            passages = [p for p in self.knowledge(question) if p.similarity >= LLM_MIN_SIMILARITY]
            if not passages:
                note = "Nothing in the shop's documents answers this: say you do not know, or hand off."
                return _json({"result": NOT_FOUND, "note": note})
            for passage in passages:  # what the model is shown is what its answer may rest on
                self.cite(passage)
            return _json({"passages": [passage_json(p) for p in passages]})

        def hand_off(reason: str) -> str:
            self.hand_off(reason)
            return _json({"result": "handed_off", "note": "A person from the team will reply in this chat."})

        return [
            _tool(my_orders, _MyOrders, "The recent orders of the customer who is writing (newest first)."),
            _tool(order_status, _OrderStatus,
                  "One order of the customer who is writing, by the order number the customer gave. Returns "
                  "not_found when this customer has no order with that number. Never guess a number: "
                  "without one, call my_orders."),
            _tool(search_products, _SearchProducts,
                  "Search the store's catalogue: names, prices, stock and links of matching products."),
            _tool(store_policies, _StorePolicies,
                  "The store's policies and FAQ: shipping, returns (refunds), payment, hours (opening hours, "
                  "showroom), orders (changing, cancelling), general."),
            _tool(knowledge, _Knowledge,
                  "Search the documents the shop uploaded (return policy, shipping tables, FAQ, price "
                  "lists, ...) for passages that answer a question. Answer from the passages only, and "
                  "mention the document's title when you rely on it."),
            _tool(hand_off, _HandOff,
                  "Hand the conversation to a person from the team: when the customer asks for a person, "
                  "is upset or complaining, or you cannot help with the tools you have."),
        ]  # fmt: skip


# Tool arguments: what the model may choose. Never a phone number or a store.
class _MyOrders(BaseModel):
    limit: int = Field(default=3, ge=1, le=10, description="How many orders, newest first.")


class _OrderStatus(BaseModel):
    order_number: str = Field(description="The order number exactly as the customer wrote it in this chat.")


class _SearchProducts(BaseModel):
    query: str = Field(description="The product words the customer used.")


class _StorePolicies(BaseModel):
    topic: PolicyTopic | None = Field(default=None, description="One topic, or none for all policies.")


class _Knowledge(BaseModel):
    question: str = Field(description="The customer's question in their own words.")


class _HandOff(BaseModel):
    reason: str = Field(description="Why a person should take over, in a few words (for the team).")


def _tool(function: Callable[..., str], schema: type[BaseModel], description: str) -> BaseTool:
    from langchain_core.tools import StructuredTool

    return StructuredTool.from_function(
        function, name=function.__name__, description=description, args_schema=schema,
        handle_validation_error=_invalid_arguments,
    )  # fmt: skip


def _invalid_arguments(error: Any) -> str:
    """Tells the model which of its arguments were wrong, so that it can call again."""
    problems = [{"argument": ".".join(map(str, e["loc"])), "problem": e["msg"]} for e in error.errors()]
    return _json({"error": "invalid arguments", "details": problems})


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def order_json(order: Order, currency: str) -> dict[str, Any]:
    return {
        "number": order.number,
        "status": order.status,
        "total": format_money(order.total, order.currency or currency),
        "ordered_at": order.created_at.isoformat(),
        "paid_at": order.date_paid.isoformat() if order.date_paid else None,
        "completed_at": order.date_completed.isoformat() if order.date_completed else None,
        "payment_method": order.payment_method,
        "shipping_method": order.shipping_method,
        "tracking_number": order.tracking_number,
        "items": [{"name": i.name, "quantity": i.quantity} for i in order.items],
    }


def passage_json(passage: Passage) -> dict[str, Any]:
    return {
        "document": passage.title,
        "document_id": str(passage.document_id),
        "section": passage.heading,
        "page": passage.page,
        "text": passage.content,
    }


def product_json(product: Product, currency: str) -> dict[str, Any]:
    return {
        "name": product.name,
        "sku": product.sku,
        "price": format_money(product.price, currency) if product.price is not None else None,
        "stock_status": product.stock_status,
        "stock_quantity": product.stock_quantity,
        "link": product.permalink,
    } | (
        {"variations": [variation_json(v, currency) for v in product.variations]}
        if product.variations
        else {}
    )


def variation_json(variation: Variation, currency: str) -> dict[str, Any]:
    return {
        "variation": variation.label,
        "sku": variation.sku,
        "price": format_money(variation.price, currency) if variation.price is not None else None,
        "stock_status": variation.stock_status,
        "stock_quantity": variation.stock_quantity,
    }
