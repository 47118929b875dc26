"""The assistant's only access to shop data, always scoped to one store and to the customer writing.

Orders come through the SQL function `customer_orders`, which matches the writing customer's phone in
the database: nothing a tool is asked can reach another customer's order (DESIGN.md section 7)."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from pydantic import TypeAdapter
from supabase import Client

from sapa.assistant.settings import AssistantSettings, current_settings
from sapa.assistant.types import Order, Policy, PolicyTopic, Product, StoreFacts
from sapa.db import rows
from sapa.knowledge.retrieve import Passage, search
from sapa.settings import Settings

_ORDERS = TypeAdapter(list[Order])
_PRODUCTS = TypeAdapter(list[Product])
_POLICIES = TypeAdapter(list[Policy])
_ORDER_NUMBER = re.compile(r"^#?\s*([A-Za-z0-9-]{1,32})$")
MAX_ROWS = 20


class StoreNotFoundError(LookupError):
    """The store the request names does not exist."""


class ShopData:
    def __init__(
        self,
        supabase: Client,
        store_id: str,
        customer_phone: str,
        assistant_settings: AssistantSettings | None = None,
    ) -> None:
        """`assistant_settings`: settings to answer with instead of the store's saved ones (the "try it"
        panel's draft)."""
        self._db = supabase
        self.store_id = store_id
        self.customer_phone = customer_phone
        self._draft = assistant_settings

    @cached_property
    def assistant(self) -> AssistantSettings:
        """The assistant settings the answer follows: the draft, else the store's current version."""
        if self._draft is not None:
            return self._draft
        saved = rows(
            self._db.table("assistant_settings_versions")
            .select("settings")
            .eq("store_id", self.store_id)
            .order("version", desc=True)
            .limit(1)
            .execute()
            .data
        )
        return current_settings(saved[0]["settings"] if saved else None, self._store_row)

    @cached_property
    def facts(self) -> StoreFacts:
        """The store's facts, with what the assistant settings decide (languages, the longest answer, the
        time zone, the persona text) taken from them."""
        settings = self.assistant
        return StoreFacts.model_validate(
            self._store_row
            | {
                "bot_languages": settings.languages,
                "bot_max_reply_chars": settings.max_answer_chars,
                "timezone": settings.timezone,
                "bot_persona": settings.persona_notes,
            }
        )

    @cached_property
    def _store_row(self) -> dict[str, Any]:
        found = rows(
            self._db.table("stores")
            .select("name, bot_persona, currency, timezone, site_url, bot_languages, bot_max_reply_chars")
            .eq("id", self.store_id)
            .limit(1)
            .execute()
            .data
        )
        if not found:
            raise StoreNotFoundError(f"no store {self.store_id}")
        return found[0]

    @property
    def name(self) -> str:
        return self.facts.name

    @property
    def persona(self) -> str | None:
        return self.facts.bot_persona

    @property
    def currency(self) -> str:
        return self.facts.currency

    @property
    def timezone(self) -> str:
        return self.facts.timezone

    def orders_of_customer(self, limit: int = 5) -> list[Order]:
        """The writing customer's orders in this store, newest first."""
        return self._customer_orders(None, limit)

    def order_by_number(self, number: str) -> Order | None:
        """The order with this number if it is the writing customer's; None otherwise, whether or not
        another customer has one with that number."""
        match = _ORDER_NUMBER.match(number.strip())
        if match is None:
            return None
        orders = self._customer_orders(match.group(1), 1)
        return orders[0] if orders else None

    def search_products(self, query: str, limit: int = 5) -> list[Product]:
        """Published products of the store matching words of the query, best first."""
        if not query.strip():
            return []
        params = {"p_store_id": self.store_id, "p_query": query[:200], "p_limit": _bounded(limit)}
        return _PRODUCTS.validate_python(self._rpc("search_products", params))

    def policies(self, topic: PolicyTopic | None = None) -> list[Policy]:
        """The store's policies, of one topic or all, in every language the store wrote them in."""
        request = (
            self._db.table("store_policies")
            .select("topic, title, body, language")
            .eq("store_id", self.store_id)
        )
        if topic is not None:
            request = request.eq("topic", topic)
        rows = request.order("topic").order("language").order("title").limit(100).execute().data
        return _POLICIES.validate_python(rows)

    def knowledge(self, question: str, settings: Settings, limit: int = 3) -> list[Passage]:
        """Passages of the store's uploaded documents that best answer the question, best first."""
        return search(self._db, settings, self.store_id, question, _bounded(limit), ignore_words=self.name)

    def _customer_orders(self, number: str | None, limit: int) -> list[Order]:
        params = {
            "p_store_id": self.store_id,
            "p_phone": self.customer_phone,
            "p_number": number,
            "p_limit": _bounded(limit),
        }
        return _ORDERS.validate_python(self._rpc("customer_orders", params))

    def _rpc(self, function: str, params: dict[str, Any]) -> Any:
        return self._db.rpc(function, params).execute().data


def _bounded(limit: int) -> int:
    return max(1, min(limit, MAX_ROWS))
