"""The summary without an LLM: deterministic, from the classifier's labels (category, urgency), the
conversation's status and the customer's last messages (read with the offline responder's intent rules).
Same context, same summary."""

from __future__ import annotations

from sapa.assistant.intent import Intent, detect_intent, order_number_in
from sapa.conversations.records import Sentiment, SummaryData
from sapa.conversations.summary.context import ContextMessage, ConversationSummary, SummaryContext

EXCERPT = 160
RECENT = 5
"""How many of the customer's last messages count for the mood."""

_TOPICS = {
    "shipping": "shipping",
    "returns": "returns and refunds",
    "payment": "payment methods",
    "hours": "opening hours",
    "orders": "changing an order",
    "general": "the shop",
}
_HANDOFF_WANTS = {
    "the customer asked for a person": "to talk to a person",
    "the customer reports a damaged or wrong item": "help with a damaged or wrong item",
    "the customer is upset": "help with a problem",
    "wholesale enquiry": "a wholesale offer",
    "the customer wants to change or cancel an order": "to change or cancel an order",
}


def summarize_offline(context: SummaryContext) -> ConversationSummary:
    customer = context.customer_messages
    intent = _main_intent(customer)
    number = _order_number(context, customer)
    want = _want(context, intent, number)
    sentiment = _sentiment(context, customer)
    data = SummaryData(
        want=_capitalised(want),
        order_number=number,
        sentiment=sentiment,
        next_step=_next_step(context, number, sentiment),
        responder="offline",
    )
    return ConversationSummary(text=_text(context, want, customer), data=data)


def _main_intent(customer: list[ContextMessage]) -> Intent | None:
    """What the customer's latest message with substance asks (greetings and thanks say little)."""
    for message in reversed(customer):
        intent = detect_intent(message.body)
        if intent.kind not in ("greeting", "thanks"):
            return intent
    return None


def _order_number(context: SummaryContext, customer: list[ContextMessage]) -> str | None:
    """The order the customer names, newest mention first; one of theirs wins over any other number."""
    mentioned = [n for m in reversed(customer) if (n := order_number_in(m.body)) is not None]
    theirs = {order.number for order in context.orders}
    return next((n for n in mentioned if n in theirs), mentioned[0] if mentioned else None)


def _want(context: SummaryContext, intent: Intent | None, number: str | None) -> str:
    order = f"order #{number}" if number else None
    match context.category:
        case "delivery":
            return f"news on the delivery of {order}" if order else "news on their delivery"
        case "order":
            return f"help with {order}" if order else "help with an order"
        case "payment":
            return f"help with the payment of {order}" if order else "help with a payment"
        case "refund":
            return f"a refund or return for {order}" if order else "a refund or return"
    if intent is None:
        return "an answer to a question"
    match intent.kind:
        case "handoff":
            return _HANDOFF_WANTS.get(intent.reason or "", "help from the team")
        case "order_status":
            return f"the status of {order}" if order else "the status of an order"
        case "policy":
            return f"information on {_TOPICS[intent.topic or 'general']}"
        case "product":
            return "product information"
    return "an answer to a question"


def _sentiment(context: SummaryContext, customer: list[ContextMessage]) -> Sentiment:
    recent = [detect_intent(m.body) for m in customer[-RECENT:]]
    if context.urgency == "high" or any(intent.upset for intent in recent):
        return "negative"
    if recent and recent[-1].kind == "thanks":
        return "positive"
    return "neutral"


def _next_step(context: SummaryContext, number: str | None, sentiment: Sentiment) -> str:
    if context.status == "resolved":
        return "Nothing: the conversation is resolved."
    if context.status == "bot":
        if sentiment == "negative":
            return "Take over: the customer is unhappy and only the assistant is answering."
        return "Nothing for now: the assistant is answering; take over if it cannot help."
    action = _action(context, number)
    if not context.assigned:
        return f"Take over, then {action[0].lower()}{action[1:]}"
    return action


def _action(context: SummaryContext, number: str | None) -> str:
    order = f" order #{number}" if number else " the customer's order"
    match context.category:
        case "delivery":
            return f"Check the courier's tracking for{order} and tell the customer when it arrives."
        case "order":
            return f"Check{order} and answer the customer."
        case "payment":
            return f"Verify the payment for{order} and confirm it to the customer."
        case "refund":
            return f"Review the return or refund request for{order} and agree on the next step."
    return "Read the conversation and answer the customer."


def _text(context: SummaryContext, want: str, customer: list[ContextMessage]) -> str:
    who = context.customer_name or context.customer_phone or "The customer"
    labels = ", ".join(
        label
        for label in (context.category, f"{context.urgency} urgency" if context.urgency else None)
        if label
    )
    first = f"{who} wants {want}" + (f" ({labels})." if labels else ".")
    last = f" Last message: “{_excerpt(customer[-1])}”." if customer else ""
    where = {
        "bot": " The assistant is answering.",
        "human": " With an agent." if context.assigned else " Waiting for the team.",
        "resolved": " Resolved.",
    }[context.status]
    return first + last + where


def _excerpt(message: ContextMessage) -> str:
    text = " ".join(message.body.split())
    if not text:
        return f"[{message.media} attachment{'s' if message.media != 1 else ''}]"
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
