"""The LLM responder: LangChain's ChatOpenAI with the shop tools bound, in a bounded tool-calling loop.

Chat Completions on purpose (not the Responses API), so that any OpenAI-compatible endpoint works
(settings.openai_base_url)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolCall, ToolMessage
from langchain_core.tools import BaseTool
from langchain_openai import ChatOpenAI

from sapa.assistant.prompt import history_messages, system_prompt
from sapa.assistant.split import split_message
from sapa.assistant.templates import text
from sapa.assistant.tools import ShopTools
from sapa.assistant.types import AssistantReply, AssistantRequest, Language
from sapa.settings import Settings

logger = logging.getLogger(__name__)

MAX_TOOL_ROUNDS = 4
"""Model calls that may ask for tools; one more call then has to answer in words."""
MAX_RETRIES = 1
"""The openai client retries a timeout, 429 or 5xx once; the reply job retries the rest."""


class EmptyAnswerError(RuntimeError):
    """The model answered with neither text nor a handoff."""


def chat_model(settings: Settings) -> ChatOpenAI:
    return ChatOpenAI(
        model=settings.openai_model,
        temperature=settings.openai_temperature,
        base_url=settings.openai_base_url,
        api_key=settings.openai_api_key,
        timeout=settings.openai_timeout_seconds,
        max_retries=MAX_RETRIES,
        use_responses_api=False,
    )


def answer_with_llm(
    request: AssistantRequest,
    tools: ShopTools,
    language: Language,
    settings: Settings,
    now: datetime | None = None,
) -> AssistantReply:
    started = time.monotonic()
    shop = tools.shop
    prompt = system_prompt(
        shop.facts, shop.policies(), language, request.customer_name, now or datetime.now(UTC)
    )
    messages: list[BaseMessage] = [
        SystemMessage(content=prompt),
        *history_messages(request.history),
        HumanMessage(content=request.text),
    ]
    final = _converse(chat_model(settings), tools.as_langchain_tools(), messages)
    words = str(final.text).strip()
    if not words and tools.handoff_reason is None:
        raise EmptyAnswerError("the model gave no answer")
    body = words or text(language, "handoff", shop=shop.name)
    logger.info(
        "llm answer",
        extra={
            "tools": [call["name"] for call in tools.calls],
            "handoff": tools.handoff_reason is not None,
            "ms": int((time.monotonic() - started) * 1000),
        },
    )
    return AssistantReply(
        parts=split_message(body),
        language=language,
        handoff=tools.handoff_reason is not None,
        handoff_reason=tools.handoff_reason,
        responder="llm",
        tool_calls=tools.calls,
        sources=tools.sources,
    )


def _converse(model: ChatOpenAI, tools: list[BaseTool], messages: list[BaseMessage]) -> AIMessage:
    """Let the model call tools until it answers; after MAX_TOOL_ROUNDS it must answer without them."""
    with_tools = model.bind_tools(tools)
    by_name = {tool.name: tool for tool in tools}
    for _ in range(MAX_TOOL_ROUNDS):
        reply = with_tools.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            return reply
        messages.extend(_run_tool(call, by_name) for call in reply.tool_calls)
    return model.bind_tools(tools, tool_choice="none").invoke(messages)


def _run_tool(call: ToolCall, by_name: dict[str, BaseTool]) -> ToolMessage:
    tool = by_name.get(call["name"])
    if tool is None:
        content = f'{{"error": "there is no tool named {call["name"]!r}"}}'
        return ToolMessage(content=content, tool_call_id=call["id"] or "", status="error")
    result = tool.invoke(call)
    if not isinstance(result, ToolMessage):  # invoked with a ToolCall, a tool answers with a ToolMessage
        raise TypeError(f"tool {call['name']} returned {type(result).__name__}")
    return result
