"""The assistant: answers a customer's WhatsApp message from the shop's own data.

`answer` is pure with respect to side effects: it reads through `ShopData` and returns the reply; the
worker stores it, sends it and performs the handoff. With an OpenAI key the LLM answers (LangChain,
shop tools); without one, or when the LLM call fails, the offline responder does, and says so in
`AssistantReply.responder`. Every LLM answer passes the output guard (guard.py) first; what it decided
is in `AssistantReply.guard`."""

from __future__ import annotations

import logging

from sapa.assistant.behaviour import after_answer, before_answer, context, reply_language
from sapa.assistant.guard import GuardRecord
from sapa.assistant.language import conversation_language, detect_language
from sapa.assistant.offline import answer_offline
from sapa.assistant.shop import ShopData, StoreNotFoundError
from sapa.assistant.split import split_message
from sapa.assistant.tools import ShopTools
from sapa.assistant.types import AssistantReply, AssistantRequest, Language, Turn
from sapa.settings import Settings

logger = logging.getLogger(__name__)


def llm_failures() -> tuple[type[Exception], ...]:
    """What makes the LLM path give way to the offline responder. Database errors are not among them:
    without the shop's data neither responder can answer, and the reply job retries. A function, so
    that OpenAI's client and LangChain load only where an LLM runs (not in the api's cold start)."""
    from langchain_core.exceptions import LangChainException
    from openai import OpenAIError

    from sapa.assistant.llm import GuardRefusedError

    return (OpenAIError, LangChainException, GuardRefusedError)


def answer(request: AssistantRequest, shop: ShopData, settings: Settings) -> AssistantReply:
    """The reply under the shop's assistant settings (behaviour.py): some messages go to the team before
    any responder answers; every reply gets the greeting, hours and style the settings ask for."""
    earlier = [turn.text for turn in request.history if turn.role == "customer"]
    language = reply_language(conversation_language(request.text, earlier), shop.assistant)
    situation = context(request, shop.assistant, shop.name, language)
    decided = before_answer(request, situation)
    if decided is not None:
        return decided
    return after_answer(_respond(request, shop, settings, language), situation)


def _respond(
    request: AssistantRequest, shop: ShopData, settings: Settings, language: Language
) -> AssistantReply:
    if settings.openai_api_key is None or not settings.openai_api_key.get_secret_value():
        return answer_offline(request, ShopTools(shop, settings), language)
    from sapa.assistant.llm import GuardRefusedError, answer_with_llm

    try:
        return answer_with_llm(request, ShopTools(shop, settings), language, settings)
    except llm_failures() as error:
        logger.warning("the LLM failed; the offline responder answers", extra={"error": type(error).__name__})
        tools = ShopTools(shop, settings)
        reply = answer_offline(request, tools, language, fallback_reason=type(error).__name__)
        if isinstance(error, GuardRefusedError):  # the refused text is never sent: the grounded one is
            return reply.model_copy(update={"guard": GuardRecord("replaced", error.refusals).as_json()})
        return reply


__all__ = [
    "AssistantReply",
    "AssistantRequest",
    "ShopData",
    "StoreNotFoundError",
    "Turn",
    "answer",
    "detect_language",
    "split_message",
]
