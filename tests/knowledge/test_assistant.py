"""The assistant answers from the shop's documents: the LLM through its `knowledge` tool (a local fake
OpenAI-compatible server, the real openai/LangChain client), the offline responder by quoting the best
passage when it is sure enough and handing off when not; the answer cites the document it rests on."""

from __future__ import annotations

import io
import json
import uuid

from fastapi.testclient import TestClient

from sapa.assistant import AssistantRequest, ShopData, answer
from sapa.db import get_supabase
from sapa.knowledge.retrieve import search
from sapa.settings import Settings
from tests.api.inbox import Shop
from tests.assistant.fake_openai import FakeOpenAI, Json, reply, tool_call
from tests.conftest import Stack, make_settings
from tests.knowledge.files import pdf_with_text

POLICY = [
    "Return policy",
    "Items can be returned within 7 days of delivery if unworn and with the label attached.",
    "Refunds are transferred to your bank account within 1-3 working days after we receive the item.",
]


def _document(api: TestClient, shop: Shop) -> str:
    files = {"file": ("returns.pdf", io.BytesIO(pdf_with_text([POLICY])), "application/pdf")}
    created = api.post(
        shop.url("knowledge"), files=files, data={"title": "Return policy"}, headers=shop.owner.headers
    )
    assert created.status_code == 201
    return str(created.json()["id"])


def _ask(shop: Shop, text: str) -> AssistantRequest:
    return AssistantRequest(
        store_id=shop.id, customer_phone="+6281200001111", conversation_id=str(uuid.uuid4()), text=text
    )


def _answer_from_passages(request: Json) -> Json:
    """Like a model would: words made from what the knowledge tool returned."""
    [result] = [m for m in request["messages"] if m["role"] == "tool"]
    passage = json.loads(result["content"])["passages"][0]
    return reply(f"Menurut {passage['document']}: {passage['text']}")


def test_the_llm_calls_the_knowledge_tool_and_its_passage_reaches_the_answer(
    api: TestClient, shop: Shop, stack: Stack, fake_openai: FakeOpenAI, knowledge_settings: Settings
) -> None:
    document_id = _document(api, shop)
    settings = make_settings(
        stack,
        openai_api_key="sk-test-key",
        openai_base_url=fake_openai.base_url,
        openai_model="gpt-test-mini",
        embedding_provider="local",  # the fake server does chat, not embeddings
        aws_endpoint_url=knowledge_settings.aws_endpoint_url,
    )
    fake_openai.script(tool_call("knowledge", question="how long do refunds take"), _answer_from_passages)

    result = answer(
        _ask(shop, "How long until I get my refund?"), ShopData(get_supabase(), shop.id, "+62812"), settings
    )

    assert result.responder == "llm" and not result.handoff
    [words] = result.parts
    assert words.startswith("Menurut Return policy: ") and POLICY[2] in words
    assert result.tool_calls == [{"name": "knowledge", "args": {"question": "how long do refunds take"}}]
    assert result.sources == [f"document:{document_id}"]
    first = fake_openai.requests[0]
    assert "knowledge" in {tool["function"]["name"] for tool in first["tools"]}


def test_the_offline_responder_quotes_the_passage_and_cites_the_document(
    api: TestClient, shop: Shop, knowledge_settings: Settings
) -> None:
    document_id = _document(api, shop)

    result = answer(
        _ask(shop, "When will my refund be transferred?"),
        ShopData(get_supabase(), shop.id, "+62812"),
        knowledge_settings,
    )

    assert (result.responder, result.handoff, result.language) == ("offline", False, "en")
    text = "\n".join(result.parts)
    assert "According to our document *Return policy" in text and POLICY[2] in text
    assert result.sources == [f"document:{document_id}"]


def test_the_offline_responder_hands_off_when_no_passage_fits(
    api: TestClient, shop: Shop, knowledge_settings: Settings
) -> None:
    _document(api, shop)
    question = "Can you recommend a good hotel near the airport?"
    passages = search(get_supabase(), knowledge_settings, shop.id, question)
    assert passages  # something comes back, but not close enough to answer with

    result = answer(_ask(shop, question), ShopData(get_supabase(), shop.id, "+62812"), knowledge_settings)

    assert result.handoff and result.responder == "offline"
    assert not any(source.startswith("document:") for source in result.sources)
