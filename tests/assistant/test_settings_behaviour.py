"""The shop's assistant settings reach both responders: the persona's name in the greeting, the away
message with the next opening time in the store's time zone (with and without daylight saving), hand-off
topics, "assistant off", the confidence rule, the form of address, and the guard's length limit. Each
test has a store of its own (the settings saved through the real SQL function)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from supabase import Client

from sapa.assistant import answer
from sapa.assistant.settings import AssistantSettings
from sapa.assistant.shop import ShopData
from sapa.assistant.types import AssistantReply, AssistantRequest, Turn
from sapa.settings import Settings
from tests.api.inbox import Shop, create_shop, delete_shop, new_phone
from tests.assistant.fake_openai import FakeOpenAI, reply, tool_call
from tests.conftest import Stack

WEEKDAYS_9_TO_5 = {day: [{"open": "09:00", "close": "17:00"}] for day in ("mon", "tue", "wed", "thu", "fri")}
Save = Callable[..., None]
Ask = Callable[..., AssistantReply]


@pytest.fixture
def shop(stack: Stack) -> Iterator[Shop]:
    with psycopg.connect(stack.db_url, autocommit=True, row_factory=dict_row) as db:
        created = create_shop(db, stack.db_url, stack.jwt_secret)
        db.execute("update stores set name = 'Batik Lestari' where id = %s", (created.id,))
        yield created
        delete_shop(db, created)


@pytest.fixture
def save(service_client: Client, shop: Shop) -> Save:
    """Save settings for the shop as its owner, through save_assistant_settings."""

    def run(**changes: Any) -> None:
        settings = AssistantSettings.model_validate(changes).as_json()
        params = {"p_store_id": shop.id, "p_settings": settings, "p_actor_id": shop.owner.id}
        service_client.rpc("save_assistant_settings", params).execute()

    return run


@pytest.fixture
def ask(service_client: Client, shop: Shop) -> Callable[[Settings], Ask]:
    def with_settings(settings: Settings) -> Ask:
        def run(
            text: str, *, at: datetime | None = None, history: list[Turn] | None = None, **extra: Any
        ) -> AssistantReply:
            phone = new_phone()
            request = AssistantRequest(
                store_id=shop.id,
                customer_phone=phone,
                customer_name="Rina Wijaya",
                conversation_id="00000000-0000-4000-8000-00000000beef",
                history=history or [],
                text=text,
                received_at=at,
                **extra,
            )
            return answer(request, ShopData(service_client, shop.id, phone), settings)

        return run

    return with_settings


def _text(result: AssistantReply) -> str:
    return "\n".join(result.parts)


EARLIER = [Turn(role="customer", text="Halo"), Turn(role="bot", text="Halo kak, ada yang bisa dibantu?")]


def test_the_greeting_of_a_new_conversation_names_the_assistant_offline(
    save: Save, ask: Callable[[Settings], Ask], offline_settings: Settings
) -> None:
    before = ask(offline_settings)("Halo kak")
    assert "Saya Sapa, asisten virtual Batik Lestari" in _text(before), "unsaved: the default name"

    save(name="Dewi")
    result = ask(offline_settings)("Halo kak")

    assert result.responder == "offline" and not result.handoff
    assert _text(result).startswith("Halo kak Rina 👋 Saya Dewi, asisten virtual Batik Lestari.")
    english = ask(offline_settings)("Hello there, good morning")
    assert "I'm Dewi, the virtual assistant of Batik Lestari" in _text(english)


def test_the_greeting_of_a_new_conversation_names_the_assistant_with_the_llm(
    save: Save, ask: Callable[[Settings], Ask], llm_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    save(name="Dewi", greeting="Halo! Saya {name} dari {shop}, siap membantu 😊")
    fake_openai.script(reply("Untuk ongkir ke Bandung biasanya 2-3 hari ya kak."))

    result = ask(llm_settings)("Halo, berapa lama pengiriman ke Bandung?")

    assert result.responder == "llm"
    assert result.parts[0].startswith("Halo! Saya Dewi dari Batik Lestari, siap membantu 😊\n\nUntuk ongkir")
    system = fake_openai.requests[0]["messages"][0]["content"]
    assert system.startswith("You are Dewi, the WhatsApp assistant of Batik Lestari")
    assert "do not greet again" in fake_openai.requests[0]["messages"][-1]["content"]
    # A conversation under way gets no second greeting.
    fake_openai.script(reply("Sama-sama kak."))
    later = ask(llm_settings)("Oke makasih infonya", history=EARLIER)
    assert "Dewi" not in _text(later)


@pytest.mark.parametrize(
    ("zone", "at", "opens"),
    [
        # Saturday 28 March 2026 20:00 in Amsterdam (CET); clocks go forward on Sunday: Monday 09:00 is CEST.
        ("Europe/Amsterdam", datetime(2026, 3, 28, 19, 0, tzinfo=UTC), "Senin, 30 Mar 09:00 CEST"),
        # Friday 18:30 in Jakarta (WIB, no daylight saving): Monday 09:00 WIB.
        ("Asia/Jakarta", datetime(2026, 3, 27, 11, 30, tzinfo=UTC), "Senin, 30 Mar 09:00 WIB"),
    ],
)
def test_a_handoff_outside_hours_gets_the_away_message_with_the_next_opening_time(
    save: Save,
    ask: Callable[[Settings], Ask],
    offline_settings: Settings,
    zone: str,
    at: datetime,
    opens: str,
) -> None:
    save(name="Dewi", timezone=zone, business_hours=WEEKDAYS_9_TO_5)

    result = ask(offline_settings)("Saya mau bicara dengan admin", at=at, history=EARLIER)

    assert result.handoff
    text = _text(result)
    assert "di luar jam kerja" in text and f"mulai {opens}." in text
    assert "akan membalas di chat ini mulai" in text
    assert "Mohon ditunggu sebentar" not in text, "the in-hours hand-off sentence is replaced"


def test_outside_hours_the_assistant_answers_and_says_the_team_follows_up(
    save: Save,
    ask: Callable[[Settings], Ask],
    offline_settings: Settings,
    llm_settings: Settings,
    fake_openai: FakeOpenAI,
) -> None:
    save(timezone="Asia/Jakarta", business_hours=WEEKDAYS_9_TO_5)
    sunday = datetime(2026, 3, 29, 3, 0, tzinfo=UTC)  # Sunday 10:00 WIB
    follow_up = "mereka akan menindaklanjuti mulai Senin, 30 Mar 09:00 WIB"

    offline = ask(offline_settings)("Terima kasih banyak", at=sunday, history=EARLIER)
    fake_openai.script(reply("Bisa kak, kami kirim ke seluruh Indonesia."))
    llm = ask(llm_settings)("Bisa kirim ke Medan?", at=sunday, history=EARLIER)

    for result in (offline, llm):
        assert not result.handoff and follow_up in _text(result)
    assert (
        "the team is outside business hours until Senin, 30 Mar 09:00 WIB"
        in fake_openai.requests[0]["messages"][-1]["content"]
    )
    in_hours = datetime(2026, 3, 30, 3, 0, tzinfo=UTC)  # Monday 10:00 WIB
    assert "menindaklanjuti" not in _text(
        ask(offline_settings)("Terima kasih banyak", at=in_hours, history=EARLIER)
    )


def test_away_mode_sends_every_message_outside_hours_to_the_team(
    save: Save, ask: Callable[[Settings], Ask], llm_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    save(timezone="Asia/Jakarta", business_hours=WEEKDAYS_9_TO_5, outside_hours="away")

    result = ask(llm_settings)("Ada batik tulis ukuran L?", at=datetime(2026, 3, 28, 15, 0, tzinfo=UTC))

    assert result.handoff and result.handoff_reason == "outside business hours"
    assert "Senin, 30 Mar 09:00 WIB" in _text(result)
    assert fake_openai.requests == [], "no model was asked"


def test_handoff_topics_always_go_to_a_person(
    save: Save,
    ask: Callable[[Settings], Ask],
    offline_settings: Settings,
    llm_settings: Settings,
    fake_openai: FakeOpenAI,
) -> None:
    save(handoff_topics=["wholesale", "custom orders"])

    for settings in (offline_settings, llm_settings):
        grosir = ask(settings)("Kak, kalau beli grosir 100 pcs harganya berapa?", history=EARLIER)
        custom = ask(settings)("Can I get a custom design with my logo?", history=EARLIER)
        assert (grosir.handoff, grosir.handoff_reason) == (True, "hand-off topic: wholesale")
        assert (custom.handoff, custom.handoff_reason) == (True, "hand-off topic: custom orders")
    assert fake_openai.requests == []
    fake_openai.script(reply("Stok ready kak."))
    assert not ask(llm_settings)("Batik tulis masih ada?", history=EARLIER).handoff
    assert "wholesale, custom orders" in fake_openai.requests[0]["messages"][0]["content"]


def test_assistant_off_sends_everything_to_the_team(
    save: Save, ask: Callable[[Settings], Ask], llm_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    save(enabled=False)

    result = ask(llm_settings)("Halo, ada batik tulis?")

    assert result.handoff and result.handoff_reason == "assistant off: every message goes to the team"
    assert (
        _text(result)
        == "Terima kasih sudah menghubungi Batik Lestari 🙏 Tim kami akan membalas di chat ini secepatnya."
    )
    assert fake_openai.requests == []


def test_the_confidence_rule_hands_off_what_the_classifier_is_unsure_of(
    save: Save, ask: Callable[[Settings], Ask], offline_settings: Settings
) -> None:
    save(handoff_min_confidence=0.6)

    unsure = ask(offline_settings)("Terima kasih", history=EARLIER, label_confidence=0.41)
    sure = ask(offline_settings)("Terima kasih", history=EARLIER, label_confidence=0.93)

    assert unsure.handoff and unsure.handoff_reason == "the classifier is unsure (0.41 < 0.60)"
    assert not sure.handoff


def test_form_of_address_and_emoji(
    save: Save, ask: Callable[[Settings], Ask], offline_settings: Settings
) -> None:
    save(address="formal", emoji=False)

    result = _text(ask(offline_settings)("Terima kasih", history=EARLIER))

    assert result == "Sama-sama Bapak/Ibu Rina. Senang bisa membantu!"


def test_the_guard_length_limit_follows_the_settings(
    save: Save, ask: Callable[[Settings], Ask], llm_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    save(max_answer_chars=200)
    long = "Batik tulis kami dibuat dengan tangan oleh pengrajin di Solo dan Pekalongan. " * 4
    fake_openai.script(reply(long), reply(long))

    result = ask(llm_settings)("Ceritakan tentang batik tulis kalian", history=EARLIER)

    assert result.guard is not None and "too_long" in result.guard["reasons"]
    assert long.strip() not in _text(result), "the refused text is never sent"
    assert "at most 200 characters" in fake_openai.requests[1]["messages"][-1]["content"]
    assert "Keep every answer under 200 characters." in fake_openai.requests[0]["messages"][0]["content"]


def test_settings_questions_the_store_data_answer_keep_working(
    save: Save, ask: Callable[[Settings], Ask], llm_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    """Tools still run under saved settings (here: a product search the model asks for)."""
    save(name="Dewi", languages=["en"])
    fake_openai.script(
        tool_call("search_products", query="batik"), reply("We have no batik listed right now.")
    )

    result = ask(llm_settings)("Apakah ada batik?", history=EARLIER)

    assert result.language == "en" and result.tool_calls == [
        {"name": "search_products", "args": {"query": "batik"}}
    ]
    assert "Answer only in English." in fake_openai.requests[0]["messages"][0]["content"]
