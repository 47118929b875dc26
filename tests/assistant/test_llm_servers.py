"""What real OpenAI-compatible servers and small models did to Sapa, replayed through the real openai
client and LangChain against the fake server: tool calls written as text, a call repeated until a forced
round writes it as text, empty answers, HTTP 500 on "content": null and on json_schema, tool_choice "auto"
ignored, an invented order number, a hallucinated status, another customer's total. Each must end in a
grounded reply, never the model's debris, with the guard's decision in the reply."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from sapa.assistant import AssistantReply, answer
from sapa.assistant.language import detect_language
from sapa.assistant.llm import answer_with_llm
from sapa.assistant.money import format_money
from sapa.assistant.shop import ShopData
from sapa.assistant.tools import ShopTools
from sapa.assistant.types import AssistantRequest, Turn
from sapa.settings import Settings
from tests.assistant.conftest import DemoOrder
from tests.assistant.fake_openai import (
    FakeOpenAI,
    Json,
    Quirks,
    repeating_call,
    reply,
    tool_call,
    tool_call_as_text,
)
from tests.conftest import Stack, make_settings

Ask = Callable[..., AssistantRequest]
ShopFor = Callable[..., ShopData]
Run = Callable[..., AssistantReply]


@pytest.fixture
def run(ask: Ask, shop_for: ShopFor, llm_settings: Settings) -> Run:
    def go(text: str, order: DemoOrder, settings: Settings | None = None) -> AssistantReply:
        request = ask(text, order.phone, order.customer_name)
        return answer(request, shop_for(order.phone), settings or llm_settings)

    return go


def _order_result(request: Json) -> Json | None:
    results = [json.loads(m["content"]) for m in request["messages"] if m["role"] == "tool"]
    return next((r["order"] for r in results if "order" in r), None)


def _words_from_the_tool(request: Json) -> Json:
    order = _order_result(request)
    assert order is not None, "the tool's result never reached the model"
    return reply(f"Pesanan #{order['number']} kakak {order['status']}, total {order['total']} 😊")


def _said(result: AssistantReply) -> str:
    return "\n".join(result.parts)


@pytest.mark.parametrize("style", ["json", "tags"])
def test_a_tool_call_written_as_text_is_run(
    fake_openai: FakeOpenAI, run: Run, shipped_order: DemoOrder, style: str
) -> None:
    fake_openai.script(
        tool_call_as_text("order_status", style, order_number=shipped_order.number), _words_from_the_tool
    )

    result = run(f"Pesanan {shipped_order.number} sampai mana kak?", shipped_order)

    assert result.tool_calls == [{"name": "order_status", "args": {"order_number": shipped_order.number}}]
    assert result.responder == "llm" and result.guard == {"decision": "passed", "reasons": [], "refusals": []}
    assert f"#{shipped_order.number}" in _said(result) and "order_status" not in _said(result)
    # The call goes back to the server as a structured call with its result, as if the server had parsed it.
    second = fake_openai.requests[1]["messages"]
    assert (
        second[-2]["role"] == "assistant"
        and second[-2]["tool_calls"][0]["function"]["name"] == "order_status"
    )
    assert second[-1]["role"] == "tool" and second[-1]["tool_call_id"] == second[-2]["tool_calls"][0]["id"]


def test_assistant_tool_call_messages_carry_empty_content_not_null(
    fake_openai: FakeOpenAI, run: Run, shipped_order: DemoOrder
) -> None:
    fake_openai.behave_like(Quirks(reject_null_content=True))
    fake_openai.script(tool_call("order_status", order_number=shipped_order.number), _words_from_the_tool)

    result = run(f"Status pesanan #{shipped_order.number}?", shipped_order)

    assert result.responder == "llm" and result.guard is not None
    assert fake_openai.requests[1]["messages"][-2]["content"] == ""


def test_a_repeated_call_that_a_forced_round_writes_as_text_never_reaches_the_customer(
    fake_openai: FakeOpenAI, run: Run, shipped_order: DemoOrder
) -> None:
    fake_openai.script(repeating_call("search_products", query="kemeja"))

    result = run("Ada kemeja apa saja kak?", shipped_order)

    assert result.responder == "offline" and result.fallback_reason == "GuardRefusedError"
    assert result.guard is not None and result.guard["decision"] == "replaced"
    assert "tool_syntax" in result.guard["reasons"]
    assert '"name"' not in _said(result) and "search_products" not in _said(result)
    # The repeat is answered from the first result, not run again; then a round without tools, a
    # correction, and the same once more: five requests, one search.
    assert [r.get("tool_choice") for r in fake_openai.requests] == ["auto", "auto", "none", "auto", "none"]
    corrected = fake_openai.requests[3]["messages"][-1]
    assert corrected["role"] == "user" and "not sent because" in corrected["content"]


def test_a_hand_off_ends_the_turn(fake_openai: FakeOpenAI, run: Run, shipped_order: DemoOrder) -> None:
    fake_openai.script(repeating_call("hand_off", reason="customer wants a person"))

    result = run("Saya mau bicara dengan admin", shipped_order)

    assert len(fake_openai.requests) == 1
    assert (result.handoff, result.responder, result.handoff_reason) == (
        True,
        "llm",
        "customer wants a person",
    )
    assert "sambungkan dengan tim Batik Sapa Demo" in _said(result)


def test_an_empty_answer_gets_one_correction(
    fake_openai: FakeOpenAI, run: Run, shipped_order: DemoOrder
) -> None:
    fake_openai.script(reply(""), reply("Halo kak! Ada yang bisa saya bantu? 😊"))

    # Not a bare "Halo": a new conversation's greeting is the shop's (assistant settings), not the model's.
    result = run("Oke kak, makasih", shipped_order)

    assert result.parts == ["Halo kak! Ada yang bisa saya bantu? 😊"] and result.responder == "llm"
    assert result.guard is not None and (result.guard["decision"], result.guard["reasons"]) == (
        "retried",
        ["empty"],
    )


def test_empty_twice_is_answered_by_the_offline_responder(
    fake_openai: FakeOpenAI, run: Run, shipped_order: DemoOrder
) -> None:
    fake_openai.script(reply(""), reply(""), reply(""))  # auto, the order tool by name, the correction

    result = run(f"Pesanan #{shipped_order.number} sudah dikirim belum?", shipped_order)

    assert (result.responder, result.fallback_reason) == ("offline", "GuardRefusedError")
    assert f"#{shipped_order.number}" in _said(result) and result.sources == [f"order:{shipped_order.number}"]
    assert fake_openai.unused_steps == 0


def test_a_server_that_ignores_tool_choice_auto_is_asked_for_the_order_tool(
    fake_openai: FakeOpenAI, run: Run, shipped_order: DemoOrder
) -> None:
    fake_openai.behave_like(Quirks(empty_on_auto=True, reject_null_content=True))
    fake_openai.script(tool_call("order_status", order_number=shipped_order.number), _words_from_the_tool)

    result = run(f"Kak pesanan #{shipped_order.number} gimana?", shipped_order)

    choices = [r.get("tool_choice") for r in fake_openai.requests]
    assert choices == ["auto", {"type": "function", "function": {"name": "order_status"}}, "none"]
    assert result.responder == "llm" and result.guard is not None and result.guard["decision"] == "passed"
    assert f"#{shipped_order.number}" in _said(result)


def test_a_server_without_tools_gets_sapas_look_up(
    fake_openai: FakeOpenAI, run: Run, shipped_order: DemoOrder, llm_settings: Settings
) -> None:
    settings = llm_settings.model_copy(update={"openai_tool_support": "none"})
    fake_openai.script(reply(f"Pesanan #{shipped_order.number} sudah dikirim ya kak."))

    result = run(f"Pesanan #{shipped_order.number} sudah dikirim?", shipped_order, settings)

    [request] = fake_openai.requests
    assert "tools" not in request and "tool_choice" not in request
    note = request["messages"][-1]["content"]
    assert note.startswith("[Sapa looked this up for the message (order_status)")
    assert f'"number": "{shipped_order.number}"' in note and shipped_order.status in note
    assert result.responder == "llm" and result.guard is not None and result.guard["decision"] == "passed"


def test_an_invented_order_number_is_refused(
    fake_openai: FakeOpenAI, run: Run, shipped_order: DemoOrder, other_order: DemoOrder
) -> None:
    # The model takes a number from nowhere (once: the tool description's example), gets not_found and
    # states a status anyway; corrected, it looks up the customer's own orders.
    fake_openai.script(
        tool_call("order_status", order_number=other_order.number),
        reply(f"Pesanan #{other_order.number} kakak sudah dikirim ya kak."),
        tool_call("my_orders"),
        reply("Ini pesanan terakhir kakak, silakan dicek ya 😊"),
    )

    result = run("Paket saya udah dikirim belum ya?", shipped_order)

    assert result.guard is not None and result.guard["decision"] == "retried"
    assert result.guard["reasons"] == ["foreign_order"]
    assert other_order.number not in _said(result)


@pytest.mark.parametrize("lie", ["status", "total", "tracking"])
def test_a_hallucinated_fact_about_the_senders_order_is_replaced(
    fake_openai: FakeOpenAI, run: Run, shipped_order: DemoOrder, other_order: DemoOrder, lie: str
) -> None:
    assert other_order.tracking_number
    said = {
        "status": f"Pesanan #{shipped_order.number} sudah dibatalkan kak.",
        "total": f"Total pesanan kakak {format_money(other_order.total + 1000, 'IDR')} ya kak.",
        "tracking": f"Resi pesanan #{shipped_order.number}: {other_order.tracking_number}.",
    }[lie]
    fake_openai.script(tool_call("order_status", order_number=shipped_order.number), reply(said), reply(said))

    result = run(f"Pesanan #{shipped_order.number} gimana kak?", shipped_order)

    assert result.responder == "offline" and result.guard is not None
    assert result.guard["decision"] == "replaced"
    assert {"status": "order_status", "total": "order_total", "tracking": "tracking_number"}[
        lie
    ] in result.guard["reasons"]
    assert said not in _said(result)
    assert other_order.tracking_number not in _said(result)
    assert f"#{shipped_order.number}" in _said(result)  # the grounded answer about the sender's order


def test_the_stable_prompt_is_byte_identical_across_customers_and_minutes(
    fake_openai: FakeOpenAI,
    ask: Ask,
    shop_for: ShopFor,
    llm_settings: Settings,
    shipped_order: DemoOrder,
    other_order: DemoOrder,
) -> None:
    moments = [datetime(2026, 12, 3, 1, 5, tzinfo=UTC), datetime(2026, 12, 3, 9, 47, tzinfo=UTC)]
    cases = [
        (shipped_order, "Ongkir ke Bandung berapa?", moments[0]),
        (other_order, "Do you ship to Bali?", moments[1]),
    ]
    for order, text, now in cases:
        fake_openai.script(reply("Ongkir mulai Rp 18.000 kak."))
        request = ask(text, order.phone, order.customer_name)
        tools = ShopTools(shop_for(order.phone), llm_settings)
        answer_with_llm(request, tools, detect_language(text), llm_settings, now=now)

    first, second = fake_openai.requests
    assert first["messages"][0] == second["messages"][0] and first["tools"] == second["tools"]
    assert json.dumps(first["tools"]) == json.dumps(second["tools"])
    assert shipped_order.customer_name not in first["messages"][0]["content"]
    # What changes is at the end: the note in front of the customer's message.
    assert first["messages"][-1]["content"].startswith("[Sapa: local time Thursday 03 December 2026 08:05")
    assert shipped_order.customer_name in first["messages"][-1]["content"]
    assert "reply in English" in second["messages"][-1]["content"]


def test_tool_descriptions_carry_no_example_values(
    fake_openai: FakeOpenAI, run: Run, shipped_order: DemoOrder
) -> None:
    fake_openai.script(reply("Halo kak!"))

    run("Mau tanya dong", shipped_order)

    descriptions = list(_descriptions(fake_openai.requests[0]["tools"]))
    assert len(descriptions) >= 12  # each tool's and each argument's
    assert not [d for d in descriptions if "e.g." in d or any(ch.isdigit() for ch in d)]


def _descriptions(value: object) -> list[str]:
    if isinstance(value, dict):
        own = [value["description"]] if isinstance(value.get("description"), str) else []
        return own + [d for v in value.values() for d in _descriptions(v)]
    if isinstance(value, list):
        return [d for v in value for d in _descriptions(v)]
    return []


def test_the_context_size_bounds_history_and_policies(
    stack: Stack, fake_openai: FakeOpenAI, ask: Ask, shop_for: ShopFor, shipped_order: DemoOrder
) -> None:
    small = make_settings(
        stack, openai_api_key="sk-test-key", openai_base_url=fake_openai.base_url, openai_context_tokens=1024
    )
    fake_openai.script(reply("Halo kak!"))
    history = [Turn(role="customer", text="Halo " + "kak " * 200), Turn(role="bot", text="Halo! " * 200)]

    answer(ask("Halo", shipped_order.phone, None, history), shop_for(shipped_order.phone), small)

    [request] = fake_openai.requests
    assert len(request["messages"]) == 2  # the history does not fit in a quarter of 1024 tokens
    assert "More policies: ask the store_policies tool." in request["messages"][0]["content"]


def test_the_refused_answer_is_shown_to_the_model_once_before_the_correction(
    fake_openai: FakeOpenAI, run: Run, shipped_order: DemoOrder
) -> None:
    # What Qwen2.5-Coder-0.5B-Instruct wrote on llama-server --jinja: calls as JSON lines, without the
    # <tool_call> tags the server parses; not calls Sapa runs either, so the guard refuses them. The
    # correction request carried that answer twice, as two assistant turns in a row.
    lines = "\n".join(
        json.dumps({"name": name, "arguments": args})
        for name, args in [("my_orders", {"limit": 3}), ("hand_off", {"reason": "customer is upset"})]
    )
    fake_openai.script(reply(lines), reply("Halo kak! Ada yang bisa saya bantu? 😊"))

    result = run("Mau tanya dong", shipped_order)

    assert result.guard is not None and result.guard["decision"] == "retried"
    assert result.parts == ["Halo kak! Ada yang bisa saya bantu? 😊"] and not result.handoff
    corrected = fake_openai.requests[1]["messages"]
    assert corrected[-1]["role"] == "user" and "not sent because" in corrected[-1]["content"]
    assert [m["content"] for m in corrected if m["role"] == "assistant"] == [lines]
    assert corrected[-2]["role"] == "assistant"


def test_the_answer_length_is_capped_when_set(
    fake_openai: FakeOpenAI, run: Run, shipped_order: DemoOrder, llm_settings: Settings
) -> None:
    # Qwen2.5-Coder-0.5B-Instruct on llama-server wrote 727 tokens of digits until the client's timeout:
    # without a cap the server lets a model write until its context is full.
    fake_openai.script(reply("Halo kak!"), reply("Halo kak!"))

    run("Mau tanya dong", shipped_order)
    run("Mau tanya dong", shipped_order, llm_settings.model_copy(update={"openai_max_output_tokens": 600}))

    assert "max_completion_tokens" not in fake_openai.requests[0]
    assert fake_openai.requests[1]["max_completion_tokens"] == 600
