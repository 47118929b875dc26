"""The shop's assistant settings around both responders: what goes to a person before any responder
answers (assistant off, hand-off topics, the confidence rule, "away" outside hours), and what every reply
gets after it (the greeting of a new conversation, the follow-up or away message outside hours, the form
of address, emoji or not). The same code for the LLM and the offline responder."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sapa.assistant.chat import standard_spelling
from sapa.assistant.hours import is_open, next_opening, opening_phrase
from sapa.assistant.intent import detect_intent
from sapa.assistant.settings import AssistantSettings
from sapa.assistant.split import split_message
from sapa.assistant.templates import hello, text
from sapa.assistant.types import AssistantReply, AssistantRequest, Language

# Words that say a message is about a topic shops commonly send to a person, for topics named in either
# language; a topic's own words count too.
_TOPIC_FAMILIES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("complain", "komplain", "keluhan", "aduan"),
     ("komplain", "keluhan", "kecewa", "complain", "complaint", "rusak", "cacat", "damaged", "broken",
      "salah kirim", "wrong item", "disappointed")),
    (("wholesale", "grosir", "reseller", "bulk", "partai"),
     ("grosir", "reseller", "wholesale", "bulk", "partai", "dropship", "agen", "lusin", "kodi")),
    (("custom", "kustom", "khusus", "made"),
     ("custom", "kustom", "pesanan khusus", "desain sendiri", "made to order", "bordir", "sablon")),
    (("refund", "uang"),
     ("refund", "uang kembali", "pengembalian dana", "money back")),
)  # fmt: skip
_GENERIC = frozenset(
    {
        "order", "orders", "pesanan", "produk", "product", "products", "barang", "item", "items",
        "question", "questions", "pertanyaan", "dan", "and", "the", "yang", "untuk", "for", "of", "about",
        "tentang",
    }
)  # fmt: skip
_WORDS = re.compile(r"\w+")
_OPENS_WITH_GREETING = re.compile(
    r"^\W*(halo|hallo|hai|hi|hello|hey|helo|permisi|assalamu'?alaikum|selamat (pagi|siang|sore|malam)|"
    r"good (morning|afternoon|evening))\b",
    re.IGNORECASE,
)
_KAK = re.compile(r"\b([Kk])ak\b")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d]")


@dataclass(frozen=True)
class Context:
    """One message's situation under the settings."""

    settings: AssistantSettings
    shop: str
    language: Language
    first_name: str | None
    at: datetime
    open_now: bool
    new_conversation: bool
    greeted: bool
    """The customer's message opens with a greeting ("Halo kak, …")."""

    @property
    def opens(self) -> str:
        opens = next_opening(self.settings, self.at)
        return opening_phrase(opens, self.language) if opens else text(self.language, "soon")


def context(request: AssistantRequest, settings: AssistantSettings, shop: str, language: Language) -> Context:
    at = request.received_at or datetime.now(UTC)
    return Context(
        settings=settings,
        shop=shop,
        language=language,
        first_name=request.customer_name.split()[0] if request.customer_name else None,
        at=at,
        open_now=is_open(settings, at),
        new_conversation=not any(turn.role in ("bot", "agent") for turn in request.history),
        greeted=_OPENS_WITH_GREETING.match(request.text) is not None,
    )


def reply_language(detected: Language, settings: AssistantSettings) -> Language:
    """The customer's language when the shop answers in it, else the shop's first language."""
    return detected if detected in settings.languages else settings.languages[0]


def before_answer(request: AssistantRequest, ctx: Context) -> AssistantReply | None:
    """The reply when the settings decide without a responder; None when a responder answers."""
    settings = ctx.settings
    if not settings.enabled:
        return _to_team(ctx, "assistant off: every message goes to the team")
    topic = handoff_topic(request.text, settings.handoff_topics)
    if topic is not None:
        return _to_team(ctx, f"hand-off topic: {topic}", text(ctx.language, "handoff", shop=ctx.shop))
    confidence = request.label_confidence
    if (
        settings.handoff_min_confidence > 0
        and confidence is not None
        and confidence < settings.handoff_min_confidence
    ):
        reason = f"the classifier is unsure ({confidence:.2f} < {settings.handoff_min_confidence:.2f})"
        return _to_team(ctx, reason, text(ctx.language, "handoff_unsure", shop=ctx.shop))
    if not ctx.open_now and settings.outside_hours == "away":
        return _to_team(ctx, "outside business hours")
    if ctx.new_conversation and detect_intent(request.text).kind == "greeting":
        return _reply(ctx, greeting(ctx), handoff_reason=None)
    return None


def after_answer(reply: AssistantReply, ctx: Context) -> AssistantReply:
    """The responder's reply with the greeting in front when a new conversation opens with one, the away
    or follow-up message outside hours, and the shop's form of address and emoji choice."""
    body = "\n\n".join(reply.parts)
    if not ctx.open_now:
        if reply.handoff:
            body = _without_handoff_sentence(body, ctx) + "\n\n" + away_message(ctx)
        else:
            body += "\n\n" + text(ctx.language, "follow_up", opens=ctx.opens)
    if ctx.new_conversation and ctx.greeted:  # a conversation opened with "Halo kak, …": greet back first
        body = greeting(ctx) + "\n\n" + body
    parts = split_message(styled(body.strip(), ctx, offline=reply.responder == "offline"))
    return reply.model_copy(update={"parts": parts})


def greeting(ctx: Context) -> str:
    settings = ctx.settings
    if settings.greeting:
        return settings.greeting.replace("{name}", settings.name).replace("{shop}", ctx.shop)
    intro = text(ctx.language, "greeting", assistant=settings.name, shop=ctx.shop)
    return f"{hello(ctx.language, ctx.first_name)} {intro}"


def away_message(ctx: Context) -> str:
    custom = ctx.settings.away_message
    if custom:
        return (
            custom.replace("{name}", ctx.settings.name)
            .replace("{shop}", ctx.shop)
            .replace("{opens}", ctx.opens)
        )
    return text(ctx.language, "away", shop=ctx.shop, opens=ctx.opens)


def handoff_topic(message: str, topics: list[str]) -> str | None:
    """The first of the shop's hand-off topics the message is about, by its words."""
    plain = standard_spelling(message).lower()
    words = _WORDS.findall(plain)
    for topic in topics:
        for keyword in topic_keywords(topic):
            if " " in keyword and keyword in plain:
                return topic
            if " " not in keyword and any(
                w == keyword or (len(keyword) >= 5 and w.startswith(keyword)) for w in words
            ):
                return topic
    return None


def topic_keywords(topic: str) -> set[str]:
    words = [w for w in _WORDS.findall(topic.lower()) if w not in _GENERIC]
    keywords = {topic.lower().strip()}
    for triggers, family in _TOPIC_FAMILIES:
        if any(w.startswith(t) for w in words for t in triggers):
            keywords.update(family)
    return keywords | {w for w in words if len(w) >= 4}


def styled(body: str, ctx: Context, *, offline: bool) -> str:
    """The shop's form of address on the offline responder's sentences ("kak" in them; the model is told
    in its prompt), and emoji taken out when the shop does not want them (from both)."""
    if offline and ctx.language == "id":
        body = _address(body, ctx)
    if not ctx.settings.emoji:  # an emoji that ended a sentence leaves a full stop
        body = re.sub(rf"(\w)\s*(?:{_EMOJI.pattern})+\s+(?=[A-Z])", r"\1. ", body)
        body = re.sub(r"[ \t]{2,}", " ", _EMOJI.sub("", body))
        body = re.sub(r" +([.,!?])", r"\1", body).strip()
    return body


def _address(body: str, ctx: Context) -> str:
    first = ctx.first_name
    match ctx.settings.address:
        case "first_name" if first:
            return _KAK.sub(first, body)
        case "kak_first_name" if first:
            return _KAK.sub(lambda m: f"{m.group(1)}ak {first}", body)
        case "formal":
            return _KAK.sub("Bapak/Ibu", body)
        case "none":
            return re.sub(r"\s*\b[Kk]ak\b(?!\w)", "", body)
    return body


def _to_team(ctx: Context, reason: str, in_hours: str | None = None) -> AssistantReply:
    if not ctx.open_now:
        body = away_message(ctx)
    else:
        body = in_hours or text(ctx.language, "assistant_off", shop=ctx.shop)
    return _reply(ctx, body, handoff_reason=reason)


def _reply(ctx: Context, body: str, *, handoff_reason: str | None) -> AssistantReply:
    return AssistantReply(
        parts=split_message(styled(body, ctx, offline=True)),
        language=ctx.language,
        handoff=handoff_reason is not None,
        handoff_reason=handoff_reason,
        responder="offline",
    )


def _without_handoff_sentence(body: str, ctx: Context) -> str:
    for key in ("handoff", "handoff_upset", "handoff_unsure"):
        sentence = text(ctx.language, key, shop=ctx.shop)
        if body.rstrip().endswith(sentence):
            return body.rstrip().removesuffix(sentence).rstrip()
    return body
