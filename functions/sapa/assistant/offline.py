"""The offline responder: grounded answers without an LLM, from the same shop tools, with templates.

It answers what it can answer for certain (order status, products, policies, greetings and thanks)
and hands off everything else: a template that guesses would be worse than a person a bit later."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sapa.assistant import templates, variations
from sapa.assistant.intent import Intent, detect_intent
from sapa.assistant.language import detect_language
from sapa.assistant.split import split_message
from sapa.assistant.templates import hello, text
from sapa.assistant.tools import ShopTools
from sapa.assistant.types import AssistantReply, AssistantRequest, Language, Order, Policy, Product

logger = logging.getLogger(__name__)

PRODUCTS_SHOWN = 3
KNOWLEDGE_THRESHOLD = 0.34
"""Passage.score (similarity, keywords and heading keywords combined, migration 17) from which the best
passage answers a question by itself; calibrated on tests/knowledge/eval/questions.json
(scripts/eval_knowledge.py prints the scores of right answers and of unanswerable questions, and the
threshold with the fewest mistakes when a wrong quote counts twice) and checked on heldout.json."""


@dataclass(frozen=True)
class _Answer:
    """A reply's text, and why it hands off (None: it does not)."""

    body: str
    handoff_reason: str | None = None


def answer_offline(
    request: AssistantRequest, tools: ShopTools, language: Language, fallback_reason: str | None = None
) -> AssistantReply:
    intent = detect_intent(request.text)
    answer = _respond(intent, request, tools, language)
    reason = answer.handoff_reason or tools.handoff_reason
    facts = {"intent": intent.kind, "language": language, "handoff": reason is not None}
    logger.info("offline answer", extra=facts)
    return AssistantReply(
        parts=split_message(answer.body),
        language=language,
        handoff=reason is not None,
        handoff_reason=reason,
        responder="offline",
        tool_calls=tools.calls,
        sources=tools.sources,
        fallback_reason=fallback_reason,
    )


def _respond(intent: Intent, request: AssistantRequest, tools: ShopTools, language: Language) -> _Answer:
    shop = tools.shop.name
    first_name = request.customer_name.split()[0] if request.customer_name else None
    match intent.kind:
        case "handoff":
            return _handoff(intent, request.text, tools, language)
        case "order_status":
            return _order_status(intent.order_number, tools, language)
        case "policy":
            return _from_documents(request.text, tools, language) or _policy(intent, tools, language)
        case "product":
            return _products_or_documents(intent, request.text, tools, language, explicit=True)
        case "greeting":
            intro = text(language, "greeting", assistant=tools.shop.assistant.name, shop=shop)
            return _Answer(f"{hello(language, first_name)} {intro}")
        case "thanks":
            return _Answer(text(language, "thanks", name=f" {first_name}" if first_name else ""))
    return _products_or_documents(intent, request.text, tools, language, explicit=False)


def _products_or_documents(
    intent: Intent, question: str, tools: ShopTools, language: Language, *, explicit: bool
) -> _Answer:
    """The catalogue's answer; when it finds nothing (and hands off), the shop's documents may answer."""
    found = _products(intent.product_query, question, tools, language, explicit=explicit)
    if found.handoff_reason is None:
        return found
    return _from_documents(question, tools, language) or found


def _handoff(intent: Intent, question: str, tools: ShopTools, language: Language) -> _Answer:
    reason = intent.reason or "handoff"
    key = "handoff_upset" if intent.upset else "handoff"
    lines: list[str] = []
    order = tools.order_status(intent.order_number) if intent.order_number else None
    if order is not None:  # the customer's own order, for them and for the person taking over
        lines.append(_order_text(order, tools.shop.timezone, language))
    if intent.topic is not None:  # what the shop wrote about it, while the customer waits for a person
        passage = _from_documents(question, tools, language, outro=False)
        if passage is not None:
            lines.append(passage.body)
        else:
            lines += [p.body for p in _in_language(tools.store_policies(intent.topic), language)]
    lines.append(text(language, key, shop=tools.shop.name))
    return _Answer("\n\n".join(lines), reason)


def _unsure(tools: ShopTools, language: Language, reason: str) -> _Answer:
    return _Answer(text(language, "handoff_unsure", shop=tools.shop.name), reason)


def _order_status(number: str | None, tools: ShopTools, language: Language) -> _Answer:
    timezone = tools.shop.timezone
    if number is not None:
        order = tools.order_status(number)
        if order is not None:
            return _Answer(_order_text(order, timezone, language))
        mine = tools.my_orders(3)
        lines = [text(language, "order_not_found", number=number)]
        if mine:
            lines.append(text(language, "orders_of_number", numbers=", ".join(f"#{o.number}" for o in mine)))
        lines.append(text(language, "ask_person"))
        return _Answer(" ".join(lines))
    orders = tools.my_orders(3)
    if not orders:
        return _Answer(text(language, "no_orders"))
    if len(orders) == 1:
        return _Answer(_order_text(orders[0], timezone, language))
    lines = [text(language, "orders_intro")]
    lines += [f"• {templates.order_sentence(o, timezone, language)}" for o in orders]
    return _Answer("\n".join(lines))


def _order_text(order: Order, timezone: str, language: Language) -> str:
    items = templates.order_items(order, language)
    return " ".join(part for part in (templates.order_sentence(order, timezone, language), items) if part)


def _from_documents(
    question: str, tools: ShopTools, language: Language, *, outro: bool = True
) -> _Answer | None:
    """The best passage of the shop's documents, quoted with its document's title, when it is sure
    enough to answer (score ≥ KNOWLEDGE_THRESHOLD); None otherwise. Of the two best passages, one in
    the customer's language is preferred when it is sure enough too."""
    try:
        passages = tools.knowledge(question, limit=2)
    except Exception:  # the documents are extra help here: without them the other answers still work
        logger.exception("knowledge search failed; answering without the shop's documents")
        return None
    sure = [p for p in passages if p.score >= KNOWLEDGE_THRESHOLD]
    if not sure:
        return None
    chosen = next((p for p in sure if detect_language(p.content, language) == language), sure[0])
    tools.cite(chosen)
    source = f"{chosen.title} — {chosen.heading}" if chosen.heading else chosen.title
    intro = text(language, "knowledge_intro", source=source)
    lines = [intro, chosen.content, *([text(language, "policy_outro")] if outro else [])]
    return _Answer("\n\n".join(lines))


def _policy(intent: Intent, tools: ShopTools, language: Language) -> _Answer:
    policies = _in_language(tools.store_policies(intent.topic), language)
    if not policies:
        return _unsure(tools, language, f"no {intent.topic} policy to answer from")
    return _Answer("\n\n".join([*(p.body for p in policies), text(language, "policy_outro")]))


def _products(query: str, question: str, tools: ShopTools, language: Language, *, explicit: bool) -> _Answer:
    found = tools.search_products(query) if query else []
    products = _best_named(found, query, tools.shop.name)
    if not products and explicit:
        products = found  # the words matched a category or description, not a name
    if not products:
        return _unsure(tools, language, "the offline responder could not answer this question")
    currency = tools.shop.currency
    for product in products[:PRODUCTS_SHOWN]:  # "in XL?", "yang biru?": that variation's stock
        chosen = variations.named(product, question)
        if chosen:
            return _Answer(variations.answer(product, chosen, currency, language))
    lines = [text(language, "products_intro", shop=tools.shop.name)]
    lines += [templates.product_line(p, currency, language) for p in products[:PRODUCTS_SHOWN]]
    lines.append(text(language, "products_outro"))
    return _Answer("\n".join(lines))


def _best_named(products: list[Product], query: str, shop_name: str) -> list[Product]:
    """The products whose names contain the most distinctive words of the query (words of the shop's own
    name, like 'batik' in a batik shop, do not count); none when no name contains any."""
    generic = set(re.findall(r"\w+", shop_name.lower()))
    words = [word for word in query.split() if word not in generic]

    def hits(product: Product) -> int:
        name_words = re.findall(r"\w+", product.name.lower())
        return sum(any(n.startswith(word) for n in name_words) for word in words)

    best = max((hits(p) for p in products), default=0)
    return [p for p in products if best > 0 and hits(p) == best]


def _in_language(policies: list[Policy], language: Language) -> list[Policy]:
    """The policies in the customer's language; those in the other language only if there are none."""
    mine = [p for p in policies if p.language == language]
    return mine or policies
