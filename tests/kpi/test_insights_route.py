"""POST /api/stores/{store_id}/insights on the local stack: figures from the real KPI functions (as the
caller, under RLS), the paragraph from a local fake OpenAI server through the real LangChain client, and
the offline paragraph whenever the LLM's answer is not grounded in the figures or the LLM fails."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.rows import dict_row
from supabase import Client

from sapa.api.app import create_app
from sapa.db import get_supabase, rows
from sapa.kpi.figures import KpiFigures
from sapa.kpi.insights.figures_text import figures_text
from sapa.kpi.insights.offline import offline_paragraph
from sapa.settings import get_settings
from tests.api.inbox import Db, Shop, add_message, create_shop, delete_shop, new_phone
from tests.assistant.fake_openai import Failure, FakeOpenAI, Json, reply
from tests.conftest import Stack

NOW = datetime.now(UTC).replace(microsecond=0)
PERIOD = {"from": (NOW - timedelta(days=2)).isoformat(), "to": (NOW + timedelta(minutes=1)).isoformat()}
"""Two days and a minute: the comparison period is the three days before (moved back whole days)."""

# What the store holds that the LLM must never see.
PRIVATE = {
    "names": ["Siti Rahmawati", "Budi Santoso", "Dewi Lestari"],
    "bodies": [
        "Kak, paket saya belum sampai, resi JNE8812345",
        "Mohon maaf kak, kami cek dulu ya",
        "Saya mau refund, bajunya sobek",
        "Terima kasih, sudah sampai",
    ],
    "emails": ["siti.rahmawati@example.com"],
}


@dataclass(frozen=True)
class Shop7:
    shop: Shop
    phones: list[str]


@pytest.fixture
def db(stack: Stack) -> Iterator[Db]:
    with psycopg.connect(stack.db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


def _customer(db: Db, store_id: str, name: str, email: str | None = None) -> tuple[str, str]:
    phone = new_phone()
    row = db.execute(
        "insert into customers (store_id, phone, name, email, first_seen_at) values (%s, %s, %s, %s, %s)"
        " returning id::text",
        (store_id, phone, name, email, NOW - timedelta(days=30)),
    ).fetchone()
    assert row is not None
    return row["id"], phone


def _conversation(db: Db, store_id: str, customer_id: str, at: datetime, **columns: Any) -> str:
    names = ["store_id", "customer_id", "created_at", *columns]
    row = db.execute(
        f"insert into conversations ({', '.join(names)}) values ({', '.join(['%s'] * len(names))})"
        " returning id::text",
        (store_id, customer_id, at, *columns.values()),
    ).fetchone()
    assert row is not None
    return str(row["id"])


def _order(
    db: Db, store_id: str, customer_id: str, external_id: int, status: str, total: int, at: datetime
) -> None:
    db.execute(
        "insert into orders (store_id, external_id, number, status, total, currency, customer_id, created_at,"
        " date_modified) values (%s, %s, %s, %s, %s, 'IDR', %s, %s, %s)",
        (store_id, external_id, str(external_id), status, total, customer_id, at, at),
    )


@pytest.fixture
def shop(db: Db, stack: Stack) -> Iterator[Shop7]:
    """A store of its own with a small, known history: this period and the one before it."""
    shop = create_shop(db, stack.db_url, stack.jwt_secret)
    store = shop.id
    siti, siti_phone = _customer(db, store, PRIVATE["names"][0], PRIVATE["emails"][0])
    budi, budi_phone = _customer(db, store, PRIVATE["names"][1])
    dewi, dewi_phone = _customer(db, store, PRIVATE["names"][2])
    today = NOW - timedelta(hours=20)
    # This period: Siti's delivery question, answered by the bot in 30 s, handed off, answered by an agent.
    c1 = _conversation(db, store, siti, today, status="human", handed_off_at=today + timedelta(minutes=2))
    add_message(db, store, c1, PRIVATE["bodies"][0], at=today, category="delivery", urgency="high")
    add_message(db, store, c1, "Sebentar ya kak", sender="bot", at=today + timedelta(seconds=30))
    add_message(db, store, c1, PRIVATE["bodies"][1], sender="agent", at=today + timedelta(minutes=7))
    # Budi wants a refund; the bot answers in 10 s; he paid for an order the same day (a cancelled one too).
    c2 = _conversation(db, store, budi, today + timedelta(hours=1))
    add_message(
        db,
        store,
        c2,
        PRIVATE["bodies"][2],
        at=today + timedelta(hours=1),
        category="refund",
        urgency="medium",
    )
    add_message(db, store, c2, "Baik kak", sender="bot", at=today + timedelta(hours=1, seconds=10))
    _order(db, store, budi, 9001, "processing", 250000, today + timedelta(hours=2))
    _order(db, store, budi, 9002, "cancelled", 999000, today + timedelta(hours=3))
    # The previous period: Dewi thanked the bot, which had answered in 20 s; she paid 200,000.
    before = NOW - timedelta(days=4)
    c3 = _conversation(
        db,
        store,
        dewi,
        before,
        status="resolved",
        resolved_at=before + timedelta(minutes=5),
        resolution="bot_confirmed",
    )
    add_message(db, store, c3, PRIVATE["bodies"][3], at=before, category="delivery", urgency="low")
    add_message(db, store, c3, "Sama-sama kak", sender="bot", at=before + timedelta(seconds=20))
    _order(db, store, dewi, 9003, "completed", 200000, before + timedelta(hours=1))
    yield Shop7(shop, [siti_phone, budi_phone, dewi_phone])
    delete_shop(db, shop)


def _client(stack: Stack, monkeypatch: pytest.MonkeyPatch, **llm: str) -> Iterator[TestClient]:
    environment = {
        "SUPABASE_URL": stack.api_url,
        "SUPABASE_SERVICE_ROLE_KEY": stack.service_role_key,
        "SUPABASE_JWT_SECRET": stack.jwt_secret,
        "ENVIRONMENT": "test",
        **{name.upper(): value for name, value in llm.items()},
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    if "openai_api_key" not in llm:
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    for cache in (get_settings, get_supabase):
        cache.cache_clear()
    with TestClient(create_app()) as client:
        yield client
    for cache in (get_settings, get_supabase):
        cache.cache_clear()


@pytest.fixture
def api(stack: Stack, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The functions app with an LLM: the fake OpenAI server."""
    yield from _client(
        stack,
        monkeypatch,
        openai_api_key="sk-test-key",
        openai_base_url=fake_openai.base_url,
        openai_model="gpt-test-mini",
        openai_timeout_seconds="5",
    )


@pytest.fixture
def offline_api(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    yield from _client(stack, monkeypatch)


def _insights(api: TestClient, shop: Shop, body: dict[str, str] | None = None) -> dict[str, Any]:
    response = api.post(shop.url("insights"), headers=shop.owner.headers, json=body or PERIOD)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _prompt(fake_openai: FakeOpenAI) -> tuple[str, str]:
    [request] = fake_openai.requests
    system, user = request["messages"]
    assert (system["role"], user["role"]) == ("system", "user")
    return system["content"], user["content"]


def _sql_figures(service_client: Client, store_id: str, start: str, end: str) -> dict[str, Any]:
    """What an analyst gets from the same functions for the same period (service role: no RLS)."""
    params = {"p_store_id": store_id, "p_from": start, "p_to": end}
    one = {
        name: rows(service_client.rpc(f"kpi_{name}", params).execute().data)[0]
        for name in [
            "bot_first_response",
            "human_first_response",
            "bot_resolution",
            "escalation",
            "conversion",
            "retention",
            "aov",
            "acquisition",
        ]
    }
    volume = rows(service_client.rpc("kpi_message_volume", params | {"p_bucket": "hour"}).execute().data)
    mix = rows(service_client.rpc("kpi_label_mix", params).execute().data)
    return one | {
        "messages": {
            "inbound": sum(r["inbound"] for r in volume),
            "outbound": sum(r["outbound"] for r in volume),
        },
        "label_mix": mix,
    }


def test_the_llm_sees_the_figures_and_nothing_else_from_the_store(
    api: TestClient, shop: Shop7, fake_openai: FakeOpenAI, service_client: Client
) -> None:
    fake_openai.script(reply("Refund questions appeared this period; answer them in the bot's knowledge."))

    insights = _insights(api, shop.shop)

    assert insights["source"] == "llm"
    assert (
        insights["paragraph"] == "Refund questions appeared this period; answer them in the bot's knowledge."
    )
    figures = KpiFigures.model_validate(insights["figures"])
    system, user = _prompt(fake_openai)
    assert user == figures_text(figures)  # the figures, written out, are the whole of the user message
    everything = json.dumps(fake_openai.requests)
    for secret in [
        *PRIVATE["names"],
        *PRIVATE["bodies"],
        *PRIVATE["emails"],
        *shop.phones,
        "Inbox Test Shop",
    ]:
        assert secret not in everything
    assert "no customer data" not in system and "Use only the figures given" in system
    # The figures are the SQL functions' own, for the period asked and the one before it.
    for which in ("current", "previous"):
        period = insights["figures"][which]["period"]
        expected = _sql_figures(service_client, shop.shop.id, period["from"], period["to"])
        got = insights["figures"][which]
        for name, value in expected.items():
            if name == "label_mix":
                assert [(r["kind"], r["label"], r["n"]) for r in got[name]] == [
                    (r["kind"], r["label"], r["n"]) for r in value
                ]
            else:
                assert got[name] == pytest.approx(value), name
    # …and the hand-counted ones: this period has two conversations, one handed off, one paid order.
    now = insights["figures"]["current"]
    assert now["messages"] == {"inbound": 2, "outbound": 3}
    assert now["aov"] == {"value": 250000.0, "revenue": 250000.0, "orders": 1}  # the cancelled one left out
    assert now["bot_first_response"] == {"p50_seconds": 20.0, "p90_seconds": 28.0, "n": 2}  # 10 s and 30 s
    assert now["human_first_response"] == {"p50_seconds": 300.0, "p90_seconds": 300.0, "n": 1}  # 2 → 7 min
    assert (now["escalation"]["numerator"], now["escalation"]["denominator"]) == (1, 2)
    assert insights["figures"]["previous"]["aov"]["value"] == 200000.0
    previous_end = datetime.fromisoformat(insights["figures"]["previous"]["period"]["to"])
    assert previous_end == NOW + timedelta(minutes=1) - timedelta(days=3)


def test_a_paragraph_quoting_the_figures_rounded_is_kept(
    api: TestClient, shop: Shop7, fake_openai: FakeOpenAI
) -> None:
    def quote(request: Json) -> Json:
        figures = request["messages"][1]["content"]
        aov = re.search(r"Average order value: IDR ([\d,]+)", figures)
        assert aov is not None
        thousands = int(aov.group(1).replace(",", "")) // 1000
        return reply(f"Average order value was Rp {thousands}k; escalation was 50%, so staff the inbox.")

    fake_openai.script(quote)

    insights = _insights(api, shop.shop)

    assert (insights["source"], insights["paragraph"]) == (
        "llm",
        "Average order value was Rp 250k; escalation was 50%, so staff the inbox.",
    )


@pytest.mark.parametrize(
    "answer",
    [
        "Refund questions rose 40% since Tuesday; reply within 15 minutes.",  # 40 and 15: invented
        "Average order value reached IDR 275,000 over 1 paid order.",  # 275,000 is no figure
    ],
)
def test_a_paragraph_with_an_invented_number_falls_back_to_offline(
    api: TestClient, shop: Shop7, fake_openai: FakeOpenAI, answer: str
) -> None:
    fake_openai.script(reply(answer))

    insights = _insights(api, shop.shop)

    assert insights["source"] == "offline"
    assert insights["paragraph"] == offline_paragraph(KpiFigures.model_validate(insights["figures"]))
    assert answer not in insights["paragraph"]
    assert len(fake_openai.requests) == 1


def test_when_the_llm_fails_the_offline_paragraph_answers(
    api: TestClient, shop: Shop7, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Failure(500), Failure(500))  # the client retries once

    insights = _insights(api, shop.shop)

    assert insights["source"] == "offline"
    assert insights["paragraph"].startswith("Inbound messages rose 100.0% to 2 (from 1).")
    assert len(fake_openai.requests) == 2


def test_without_an_llm_key_the_offline_paragraph_answers(offline_api: TestClient, shop: Shop7) -> None:
    insights = _insights(offline_api, shop.shop)

    figures = KpiFigures.model_validate(insights["figures"])
    # Inbound 2 vs 1. Rates: bot resolution 0 of 2 vs 1 of 1 (-100 points), escalation 1 of 2 vs 0 of 1
    # (+50), conversion 1 of 2 vs 1 of 1 (-50): bot resolution moved most. AOV 250,000 vs 200,000. Delivery
    # and refund have one message each (delivery first by name). The human p90 is 5 minutes (not slow),
    # so the first rule that applies is the rise in escalations.
    assert insights == {
        "paragraph": offline_paragraph(figures),
        "source": "offline",
        "figures": insights["figures"],
        "generated_at": insights["generated_at"],
    }
    assert insights["paragraph"] == (
        "Inbound messages rose 100.0% to 2 (from 1). The bot resolution rate fell from 100.0% to 0.0%. "
        "Average order value was IDR 250,000 over 1 paid order (+25.0% on the previous period). "
        "The most common topic was delivery (50.0% of inbound messages). "
        "To do: read the conversations handed to people and add what the assistant lacked to its knowledge "
        "and policies."
    )
    assert datetime.fromisoformat(insights["generated_at"]) >= NOW


def test_only_the_stores_owners_and_admins_get_insights(
    api: TestClient, shop: Shop7, fake_openai: FakeOpenAI
) -> None:
    s = shop.shop
    fake_openai.script(reply("Fine."))

    anonymous = api.post(s.url("insights"), json=PERIOD)
    stranger = api.post(s.url("insights"), headers=s.stranger.headers, json=PERIOD)
    agent = api.post(s.url("insights"), headers=s.agent.headers, json=PERIOD)
    elsewhere = api.post(s.url("insights", s.other_store_id), headers=s.owner.headers, json=PERIOD)
    admin = api.post(s.url("insights"), headers=s.admin.headers, json=PERIOD)

    assert (anonymous.status_code, stranger.status_code, agent.status_code, elsewhere.status_code) == (
        401,
        403,
        403,
        403,
    )
    assert admin.status_code == 200, admin.text
    assert len(fake_openai.requests) == 1  # only the admin's request reached the LLM


@pytest.mark.parametrize(
    "body",
    [
        {"from": PERIOD["to"], "to": PERIOD["from"]},
        {"from": "2026-11-01T00:00:00", "to": "2026-11-02T00:00:00"},
        {"from": PERIOD["from"]},
        {"from": "2020-01-01T00:00:00Z", "to": PERIOD["to"]},
    ],
)
def test_a_bad_period_is_a_422_before_anything_is_read(
    api: TestClient, shop: Shop7, fake_openai: FakeOpenAI, body: dict[str, str]
) -> None:
    response = api.post(shop.shop.url("insights"), headers=shop.shop.owner.headers, json=body)

    assert response.status_code == 422
    assert fake_openai.requests == []
