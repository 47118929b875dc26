"""One conversation played message by message: customer, bot, maybe a person, and how it ended."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sapa.local.seed.catalogue import JAKARTA
from sapa.local.seed.model import Conversation, Message, random_uuid
from sapa.local.seed.texts import MESSAGES

if TYPE_CHECKING:
    from sapa.local.seed.generate import StoreBuilder

SEED_RESPONDER = "seed"  # messages.metadata.responder of the seeded bot replies


class Script:
    """Plays one conversation: customer, bot, maybe a person, and how it ended; cut off at `now`."""

    def __init__(self, store: StoreBuilder, conversation: Conversation, begin: datetime) -> None:
        self.store, self.rng, self.conv, self.clock = store, store.rng, conversation, begin
        self.lang = conversation.customer.lang

    def say(self, key: str) -> str:
        return self.rng.choice(MESSAGES[key][self.lang])

    def play(self) -> None:
        conv, topic, rng = self.conv, self.conv.topic, self.rng
        urgency = rng.choice(topic.urgency)
        self.customer(self.say(f"{topic.key}.opening"), topic.category, urgency, wait=0)
        self.bot(self.say(f"{topic.key}.bot"))
        if rng.random() < topic.follow_up:
            photo = {
                "content_type": "image/jpeg",
                "url": f"https://demo.sapa.local/media/{rng.getrandbits(64):016x}.jpg",
            }
            media = [photo] if topic.key == "refund_request" else []
            self.customer(self.say(f"{topic.key}.more"), topic.category, urgency, media=media)
            self.bot(self.say(f"{topic.key}.bot_more"))
        if conv.outcome in ("human", "open_human"):
            self.handoff(urgency)
        elif conv.outcome == "bot_confirmed":
            self.customer(self.say("thanks"), "other", "low")
            self.bot(self.say("bot_closing"))
            conv.resolved_at = self.clock
        elif conv.outcome == "bot_assumed":  # the scheduled job runs hourly
            conv.resolved_at = self.clock + timedelta(hours=24, minutes=rng.randint(1, 59))
        self.cut_at(self.store.now)

    def handoff(self, urgency: str) -> None:
        conv, rng = self.conv, self.rng
        asked = rng.random() < 0.5
        if asked:
            self.customer(
                self.say("ask_human"), conv.topic.category, "high" if urgency == "high" else "medium"
            )
        self.bot(self.say("bot_handoff"))
        conv.handed_off_at = self.clock
        reason = "customer_request" if asked else "assistant"
        self.add("system", "Handed off to the team", wait=1, metadata={"event": "handoff", "reason": reason})
        if conv.outcome == "open_human" and rng.random() < 0.5:
            return  # nobody has picked it up yet
        conv.agent = rng.choices(
            self.store.agents, [1 if a.role == "owner" else 3 for a in self.store.agents]
        )[0]
        self.agent(self.say(f"{conv.topic.key}.agent"), wait=_agent_delay(self.clock, rng))
        if rng.random() < 0.7:
            self.customer(self.say("acknowledge"), "other", "low")
            if conv.outcome == "human":
                self.agent(self.say("agent_closing"), wait=rng.uniform(30, 600))
        if conv.outcome == "human":  # the agent marks it resolved a little later
            conv.resolved_at = self.clock + timedelta(minutes=rng.uniform(1, 30))

    def customer(
        self,
        template: str,
        category: str,
        urgency: str,
        *,
        wait: float | None = None,
        media: list[dict[str, str]] | None = None,
    ) -> None:
        rng = self.rng
        confidence = round(min(0.99, max(0.42, rng.betavariate(9, 1.6 if category != "other" else 3))), 3)
        self.add(
            "customer",
            template,
            wait=rng.uniform(40, 1200) if wait is None else wait,
            category=category,
            urgency=urgency,
            confidence=confidence,
            media=media or [],
        )

    def bot(self, template: str) -> None:
        wait = min(60.0, 3 + self.rng.expovariate(1 / 7))
        self.add("bot", template, wait=wait, metadata={"responder": SEED_RESPONDER})

    def agent(self, template: str, *, wait: float) -> None:
        assert self.conv.agent is not None
        self.add("agent", template, wait=wait, metadata={"agent_id": str(self.conv.agent.id)})

    def add(
        self,
        sender: str,
        template: str,
        *,
        wait: float,
        category: str | None = None,
        urgency: str | None = None,
        confidence: float | None = None,
        media: list[dict[str, str]] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.clock += timedelta(seconds=max(1, round(wait)))
        if sender == "customer":
            status = "received"
        elif sender == "system" or self.store.now - self.clock < timedelta(minutes=1):
            status = "sent"  # system notes never leave Sapa; fresh replies have no receipt yet
        else:
            status = self.rng.choices(["read", "delivered"], [80, 20])[0]
        sid = None if sender == "system" else self.store.provider_message_id()
        self.conv.messages.append(
            Message(
                random_uuid(self.rng),
                self.clock,
                sender,
                template,
                status,
                sid,
                category,
                urgency,
                confidence,
                media or [],
                metadata or {},
            )
        )

    def cut_at(self, now: datetime) -> None:
        conv = self.conv
        conv.messages = [m for m in conv.messages if m.at <= now]
        if conv.handed_off_at is not None and conv.handed_off_at > now:
            conv.handed_off_at = None
        if conv.resolved_at is not None and conv.resolved_at > now:
            conv.resolved_at = None
        if conv.agent is not None and not any(m.sender == "agent" for m in conv.messages):
            conv.agent = None


def _agent_delay(handoff: datetime, rng: random.Random) -> float:
    """Seconds until a person answers: minutes in working hours (08-21 WIB), next morning otherwise."""
    local = handoff.astimezone(JAKARTA)
    if 8 <= local.hour < 21:
        return 45 + min(rng.expovariate(1 / 600), 5400)
    morning = local.replace(hour=8, minute=0, second=0) + timedelta(days=1 if local.hour >= 21 else 0)
    return (morning - local).total_seconds() + rng.uniform(60, 3000)
