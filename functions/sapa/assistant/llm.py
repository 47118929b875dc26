"""The LLM responder: LangChain's ChatOpenAI with the shop tools bound, in a bounded tool-calling loop,
and the output guard between the model and the customer.

Chat Completions on purpose (not the Responses API), so that any OpenAI-compatible endpoint works
(settings.openai_base_url), including the ones people run themselves, with their quirks: tool calls
written as text, "content": null refused, tool_choice "auto" ignored (see README, "Run with a local
model")."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolCall, ToolMessage
from langchain_core.tools import BaseTool
from langchain_openai import ChatOpenAI

from sapa.assistant.behaviour import context
from sapa.assistant.guard import Grounding, GuardRecord, Refusal, check, correction
from sapa.assistant.intent import Intent, detect_intent
from sapa.assistant.prompt import (
    POLICY_CHARS,
    RULES,
    history_messages,
    persona_lines,
    system_prompt,
    turn_note,
)
from sapa.assistant.split import split_message
from sapa.assistant.templates import text
from sapa.assistant.textcalls import calls_in_text
from sapa.assistant.tools import ShopTools
from sapa.assistant.types import AssistantReply, AssistantRequest, Language, Turn
from sapa.settings import Settings

logger = logging.getLogger(__name__)

MAX_TOOL_ROUNDS = 4
"""Model calls that may ask for tools; one more call then has to answer in words."""
RETRY_TOOL_ROUNDS = 2
"""The same after the guard refused an answer and the model was told why."""
MAX_RETRIES = 1
"""The openai client retries a timeout, 429 or 5xx once; the reply job retries the rest."""
CHARS_PER_TOKEN = 3
"""A cautious average for Indonesian and English chat text, to fit the context window."""

Choice = Literal["auto", "named", "none"]


class GuardRefusedError(RuntimeError):
    """The guard refused the model's answer, and the answer after the correction as well."""

    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__("; ".join(f"{r.code}: {r.detail}" for r in refusals))
        self.refusals = refusals


class CompatibleChatOpenAI(ChatOpenAI):
    """ChatOpenAI sending what strict OpenAI-compatible servers accept: an assistant message that calls
    tools carries "content": "" rather than null (llama-cpp-python's server answers null with HTTP 500;
    OpenAI, vLLM, Ollama and llama-server accept both)."""

    def _get_request_payload(
        self, input_: Any, *, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        payload: dict[str, Any] = super()._get_request_payload(input_, stop=stop, **kwargs)
        for message in payload.get("messages", []):
            if message.get("role") == "assistant" and message.get("content") is None:
                message["content"] = ""
        return payload


def chat_model(settings: Settings) -> ChatOpenAI:
    return CompatibleChatOpenAI(
        model=settings.openai_model,
        temperature=settings.openai_temperature,
        base_url=settings.openai_base_url,
        api_key=settings.openai_api_key,
        timeout=settings.openai_timeout_seconds,
        max_tokens=settings.openai_max_output_tokens,
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
    """The model's answer once the guard lets it through (after at most one correction); the handoff
    sentence when the model handed off; GuardRefusedError when the guard refused both answers."""
    started = time.monotonic()
    facts = tools.shop.facts
    budget = settings.openai_context_tokens * CHARS_PER_TOKEN
    assistant = tools.shop.assistant
    stable = system_prompt(facts, tools.shop.policies(), min(POLICY_CHARS, budget // 4), assistant)
    situation = context(request, assistant, facts.name, language)
    note = turn_note(
        facts,
        language,
        request.customer_name,
        now or datetime.now(UTC),
        team_back=None if situation.open_now else situation.opens,
        new_conversation=situation.new_conversation and situation.greeted,
    )
    messages: list[BaseMessage] = [
        SystemMessage(content=stable),
        *history_messages(request.history, budget // 4),
        HumanMessage(content=f"{note}\n{request.text}"),
    ]
    grounding = _grounding(request, stable, tools)
    intent = detect_intent(request.text)
    loop = _ToolLoop(chat_model(settings), tools, messages, grounding, settings.openai_tool_support, intent)

    words = loop.run(MAX_TOOL_ROUNDS)
    refusals = [] if tools.handoff_reason is not None and not words else check(words, grounding)
    record = GuardRecord("passed")
    if refusals and tools.handoff_reason is None:
        logger.info("the guard refused an answer; the model is told why", extra={"reasons": _codes(refusals)})
        # The refused answer is already the last message (the loop keeps what the model said).
        messages.append(HumanMessage(content=correction(refusals, language, grounding.max_chars)))
        words = loop.run(RETRY_TOOL_ROUNDS)
        again = [] if tools.handoff_reason is not None and not words else check(words, grounding)
        if again and tools.handoff_reason is None:
            raise GuardRefusedError(refusals + again)
        record = GuardRecord("retried" if not again else "replaced", refusals + again)
        refusals = again
    elif refusals:
        record = GuardRecord("replaced", refusals)  # the handoff sentence instead of the refused text
    handoff = tools.handoff_reason is not None
    body = words if words and not refusals else text(language, "handoff", shop=tools.shop.name)
    logger.info(
        "llm answer",
        extra={
            "tools": [call["name"] for call in tools.calls],
            "handoff": handoff,
            "guard": record.decision,
            "ms": int((time.monotonic() - started) * 1000),
        },
    )
    return AssistantReply(
        parts=split_message(body),
        language=language,
        handoff=handoff,
        handoff_reason=tools.handoff_reason,
        responder="llm",
        tool_calls=tools.calls,
        sources=tools.sources,
        guard=record.as_json(),
    )


def _grounding(request: AssistantRequest, stable: str, tools: ShopTools) -> Grounding:
    facts = tools.shop.facts
    grounding = Grounding(
        languages=facts.bot_languages,
        max_chars=facts.bot_max_reply_chars,
        timezone=facts.timezone,
        texts=[stable],
        private_texts=[RULES, "\n".join(persona_lines(tools.shop.assistant))],
    )
    for turn in [*request.history, Turn(role="customer", text=request.text)]:
        if turn.role == "customer":
            grounding.add_customer_text(turn.text)
    return grounding


def _codes(refusals: list[Refusal]) -> list[str]:
    return sorted({r.code for r in refusals})


def fallback_tool(intent: Intent) -> str | None:
    """The one tool a message needs, for servers that cannot choose one themselves."""
    match intent.kind:
        case "order_status":
            return "order_status" if intent.order_number else "my_orders"
        case "policy":
            return "store_policies"
        case "product":
            return "search_products"
        case "handoff":
            return "hand_off"
        case "unknown":
            return "knowledge"
    return None


class _ToolLoop:
    """One customer message's conversation with the model: tool rounds, then words."""

    def __init__(
        self,
        model: ChatOpenAI,
        shop_tools: ShopTools,
        messages: list[BaseMessage],
        grounding: Grounding,
        support: Choice,
        intent: Intent,
    ) -> None:
        self.model = model
        self.shop_tools = shop_tools
        self.tools = shop_tools.as_langchain_tools()
        self.by_name = {tool.name: tool for tool in self.tools}
        self.messages = messages
        self.grounding = grounding
        self.support = support
        self.intent = intent
        self.needed = fallback_tool(intent)
        self.named_tried = False
        self.results: dict[str, str] = {}
        """Each call made (name and arguments) → what it returned: a repeated call is not run again."""
        if support == "none":
            self._look_up_for_the_model()

    def run(self, rounds: int) -> str:
        """The model's words for the customer ("" for none), after up to `rounds` rounds of tool calls;
        a hand-off ends the turn."""
        if self.shop_tools.handoff_reason is not None:
            return ""
        choice: Choice = "named" if self.support == "named" and self.needed else "auto"
        for _ in range(rounds if self.support != "none" else 0):
            reply = self._ask(choice)
            words = _words(reply)
            calls = list(reply.tool_calls) or calls_in_text(words, set(self.by_name))
            if not calls:
                if not words and choice == "auto" and self.needed and not self.named_tried:
                    # The server answered tool_choice "auto" with nothing: ask for the tool by name (once).
                    logger.info("empty answer to tool_choice auto; asking for a named tool")
                    choice, self.named_tried = "named", True
                    continue
                self.messages.append(reply)
                return words
            said = words if reply.tool_calls else ""
            self.messages.append(AIMessage(content=said, tool_calls=calls))
            fresh = self._run(calls)
            if self.shop_tools.handoff_reason is not None:
                return said  # the hand-off ends the model's turn
            if not fresh or choice == "named":
                break  # a repeated call, or a server that needs naming: words now
        final = self._ask("none")
        self.messages.append(final)
        return _words(final)

    def _ask(self, choice: Choice) -> AIMessage:
        if self.support == "none":
            answer = self.model.invoke(self.messages)
        else:
            tool_choice = self.needed if choice == "named" else choice
            answer = self.model.bind_tools(self.tools, tool_choice=tool_choice).invoke(self.messages)
        if not isinstance(answer, AIMessage):
            raise TypeError(f"the model answered with {type(answer).__name__}")
        return answer

    def _run(self, calls: Sequence[ToolCall]) -> bool:
        """Run the calls (a hand-off last) and give their results to the model; True if any was new."""
        fresh = False
        for call in sorted(calls, key=lambda c: c["name"] == "hand_off"):
            key = f"{call['name']} {json.dumps(call['args'], sort_keys=True, default=str)}"
            if key in self.results:
                content = json.dumps({"note": "You called this already; its result is above. Answer now."})
                self.messages.append(ToolMessage(content=content, tool_call_id=call["id"] or ""))
                continue
            result = _run_tool(call, self.by_name)
            self.results[key] = str(result.content)
            self.grounding.add_tool_result(str(result.content))
            self.messages.append(result)
            fresh = True
        return fresh

    def _look_up_for_the_model(self) -> None:
        """For servers without tools: the look-up the message needs, made by Sapa, as a note to the model."""
        if self.needed is None:
            return
        intent = self.intent
        arguments: dict[str, dict[str, Any]] = {
            "order_status": {"order_number": intent.order_number},
            "my_orders": {},
            "store_policies": {"topic": intent.topic},
            "search_products": {"query": intent.product_query},
            "hand_off": {"reason": intent.reason or "the customer needs a person"},
            "knowledge": {"question": _customer_text(self.messages[-1])},
        }
        args = arguments[self.needed]
        call = ToolCall(name=self.needed, args=args, id="call_sapa_lookup", type="tool_call")
        result = str(_run_tool(call, self.by_name).content)
        self.grounding.add_tool_result(result)
        note = f"[Sapa looked this up for the message ({self.needed}): {result}]"
        last = self.messages[-1]
        self.messages[-1] = HumanMessage(content=f"{note}\n{last.content}")


def _customer_text(message: BaseMessage) -> str:
    return str(message.content).split("\n", 1)[-1]


def _words(message: AIMessage) -> str:
    return str(message.text).strip()


def _run_tool(call: ToolCall, by_name: dict[str, BaseTool]) -> ToolMessage:
    tool = by_name.get(call["name"])
    if tool is None:
        content = f'{{"error": "there is no tool named {call["name"]!r}"}}'
        return ToolMessage(content=content, tool_call_id=call["id"] or "", status="error")
    result = tool.invoke(call)
    if not isinstance(result, ToolMessage):  # invoked with a ToolCall, a tool answers with a ToolMessage
        raise TypeError(f"tool {call['name']} returned {type(result).__name__}")
    return result
