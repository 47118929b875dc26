"""The proactive sender: claims due messages in SQL, sends each at its slot, records the answer. Two
queues share it: order updates and abandoned-checkout recoveries (order_notifications, migration 610;
first, they are about an order happening now) and broadcast recipients (migration 420).

Nobody gets a broadcast twice, whatever crashes: a recipient is claimed with a lease (`for update skip
locked`), its message is stored by `broadcast_send_check` right before the provider call, and the
provider's answer is recorded on that message. A worker that dies leaves claims that run out; the next
worker takes them back, and for one whose message was stored it first asks Twilio whether that message
went out (TwilioSentLookup) before it sends; Meta's API has no such list, so a Meta store's message that
may have gone out is recorded as failed rather than risk a second one. Messages go through the store's
provider (sapa.channels.router: Twilio or Meta's Cloud API). The rate is kept in SQL too: each claim
gets a send slot on its store's sender, `broadcast_messages_per_second` apart, shared by every worker.

`run_due` is the job: the local stack runs it every few seconds, `sapa jobs run broadcasts` once, and
on AWS a schedule of the background function (sapa.jobs.scheduled.run_broadcasts)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from supabase import Client

from sapa.broadcasts.delivery import SentLookup, TwilioSentLookup
from sapa.channels.router import ChannelSender
from sapa.channels.twilio.sender import SendResult, TwilioUnavailable
from sapa.conversations.outbound import MessageSender
from sapa.db import rows
from sapa.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BroadcastDeps:
    supabase: Client
    settings: Settings
    sender: MessageSender
    lookup: SentLookup

    @classmethod
    def from_settings(cls, supabase: Client, settings: Settings) -> BroadcastDeps:
        return cls(supabase, settings, ChannelSender(settings, supabase), TwilioSentLookup(settings))


@dataclass(frozen=True)
class SendQueue:
    """A table of messages to send, through its SQL functions: claim (with leases and slots), check and
    store right before the call, record the answers. The functions of both queues speak the same shapes."""

    name: str
    claim: str
    checks: str
    record: str


ORDER_NOTIFICATIONS = SendQueue(
    "order notification",
    "claim_order_notifications",
    "order_notification_send_checks",
    "record_order_notification_sends",
)
BROADCASTS = SendQueue(
    "broadcast", "claim_broadcast_recipients", "broadcast_send_checks", "record_broadcast_sends"
)
QUEUES = (ORDER_NOTIFICATIONS, BROADCASTS)


class Claim(BaseModel):
    recipient_id: uuid.UUID
    store_id: uuid.UUID
    slot_at: datetime
    resumed: bool
    db_now: datetime


class SendPlan(BaseModel):
    """What broadcast_send_check answered 'send' with."""

    recipient_id: uuid.UUID
    message_id: uuid.UUID
    resumed: bool
    checked_at: datetime
    body: str
    content_sid: str
    variables: dict[str, str]
    provider: str
    from_phone: str | None
    to_phone: str
    account_sid: str | None
    auth_token: str | None


@dataclass
class RunReport:
    """What one run did, by outcome: sent, sandbox, queued, failed, skipped, released, recovered, gone."""

    outcomes: Counter[str] = field(default_factory=Counter)
    claimed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"claimed": self.claimed, **dict(self.outcomes)}


def run_due(
    deps: BroadcastDeps,
    *,
    budget_seconds: float | None = None,
    stop: threading.Event | None = None,
    sandbox_only: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> RunReport:
    """Send what is due until nothing is (or the budget is spent, or `stop` is set); `sandbox_only`:
    only for stores without a Twilio account."""
    settings = deps.settings
    report = RunReport()
    started = time.monotonic()
    callback = _status_callback_url(settings)
    threads = max(1, settings.broadcast_send_threads)
    pacer = Pacer(1 / settings.broadcast_messages_per_second)
    with (
        ThreadPoolExecutor(threads, thread_name_prefix="broadcast-send") as sends,
        ThreadPoolExecutor(PIPELINE, thread_name_prefix="broadcast-group") as groups,
    ):
        in_flight: list[Future[Counter[str]]] = []
        while not (stop and stop.is_set()):
            if budget_seconds is not None and time.monotonic() - started >= budget_seconds:
                break
            batch = [(queue, _claim(deps, queue, sandbox_only)) for queue in QUEUES]
            if not any(claims for _, (claims, _) in batch):
                break
            last_due = time.monotonic()
            claimed: list[Future[Counter[str]]] = []
            for queue, (claims, now) in batch:
                report.claimed += len(claims)
                received = time.monotonic()

                def due(claim: Claim, received: float = received, now: datetime = now) -> float:
                    return received + (claim.slot_at - now).total_seconds()

                work = Group(deps, queue, due, callback, sends, sleep, pacer)
                claimed += [groups.submit(work.deliver, group) for group in _groups(claims)]
                last_due = max([last_due, *(due(claim) for claim in claims)])
            for done in in_flight:
                report.outcomes.update(done.result())
            in_flight = claimed
            # The next claim is made shortly before this one's last slot, so that the sender never waits
            # for a claim between two batches (its slots follow on from these in SQL).
            wait = last_due - PREFETCH_SECONDS - time.monotonic()
            if wait > 0:
                if stop is not None:
                    stop.wait(wait)
                else:
                    sleep(wait)
        for done in in_flight:
            report.outcomes.update(done.result())
    logger.info("proactive send run: %s", report.as_dict())
    return report


GROUP_SECONDS = 0.5
"""Recipients whose slots fall within this long are checked together (one round trip), LOOKAHEAD_SECONDS
before the first of them is due: consent and opt-out are checked less than a second before a message
goes out."""
LOOKAHEAD_SECONDS = 0.3
GROUP_SIZE = 50
PIPELINE = 3
"""Groups in flight at once: one is checked while the one before is sent and the one before that recorded."""
PREFETCH_SECONDS = 1.0
"""How long before a batch's last slot the next batch is claimed."""


def _groups(claims: list[Claim]) -> list[list[Claim]]:
    groups: list[list[Claim]] = []
    for claim in sorted(claims, key=lambda c: c.slot_at):
        if (
            groups
            and len(groups[-1]) < GROUP_SIZE
            and (claim.slot_at - groups[-1][0].slot_at).total_seconds() < GROUP_SECONDS
        ):
            groups[-1].append(claim)
        else:
            groups.append([claim])
    return groups


def _claim(deps: BroadcastDeps, queue: SendQueue, sandbox_only: bool) -> tuple[list[Claim], datetime]:
    settings = deps.settings
    params: dict[str, Any] = {
        "p_sandbox_only": sandbox_only,
        "p_limit": settings.broadcast_batch_size,
        "p_rate": settings.broadcast_messages_per_second,
        "p_lease_seconds": settings.broadcast_lease_seconds,
    }
    claimed = [
        Claim.model_validate(row) for row in rows(deps.supabase.rpc(queue.claim, params).execute().data)
    ]
    # Slots are on the database's clock, not on this machine's.
    now = claimed[0].db_now if claimed else datetime.now().astimezone()
    return claimed, now


class Pacer:
    """Sends of this process at least `interval` apart per store, whatever the delays before them (a check
    that took long must not release its sends in a burst); the slots in SQL keep the rate across workers."""

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._next: dict[uuid.UUID, float] = {}
        self._started: dict[uuid.UUID, float] = {}
        self._gates: dict[uuid.UUID, threading.Lock] = {}
        self._lock = threading.Lock()

    def turn(self, store_id: uuid.UUID, due: float) -> float:
        """When this send may go: not before `due`, nor within `interval` of the store's previous one."""
        with self._lock:
            at = max(due, time.monotonic(), self._next.get(store_id, 0.0))
            self._next[store_id] = at + self._interval
            return at

    def start(self, store_id: uuid.UUID, sleep: Callable[[float], None]) -> None:
        """Right before a send: at least `interval` after the store's previous send really started. A thread
        that woke late from its turn (a busy CPU) must not start together with the ones after it."""
        with self._lock:
            gate = self._gates.setdefault(store_id, threading.Lock())
        with gate:
            wait = self._started.get(store_id, float("-inf")) + self._interval - time.monotonic()
            if wait > 0:
                sleep(wait)
            self._started[store_id] = time.monotonic()


@dataclass(frozen=True)
class Group:
    """Checks a group of claimed recipients in SQL, sends each at its slot, records the answers."""

    deps: BroadcastDeps
    queue: SendQueue
    due: Callable[[Claim], float]
    status_callback: str | None
    sends: ThreadPoolExecutor
    sleep: Callable[[float], None]
    pacer: Pacer

    def deliver(self, group: list[Claim]) -> Counter[str]:
        outcomes: Counter[str] = Counter()
        self._wait(self.due(group[0]) - LOOKAHEAD_SECONDS)
        try:
            ids = [str(claim.recipient_id) for claim in group]
            decisions = rows(
                self.deps.supabase.rpc(self.queue.checks, {"p_recipient_ids": ids}).execute().data
            )
        except Exception:
            # Their claims run out and they are taken again.
            logger.exception("%s: checking %d recipients failed", self.queue.name, len(group))
            outcomes["error"] += len(group)
            return outcomes
        slots = {str(claim.recipient_id): (claim.store_id, self.due(claim)) for claim in group}
        plans = []
        for decision in decisions:
            if decision["decision"] == "send":
                plans.append(SendPlan.model_validate(decision))
            else:
                outcomes[str(decision["decision"])] += 1
        futures = [self.sends.submit(self._send, plan, slots[str(plan.recipient_id)]) for plan in plans]
        answers = []
        for plan, future in zip(plans, futures, strict=True):
            try:
                outcome, answer = future.result()
            except Exception:
                # Unrecorded: the claim runs out and the message is looked for at Twilio before a resend.
                logger.exception("%s %s: send failed", self.queue.name, plan.recipient_id)
                outcomes["error"] += 1
                continue
            outcomes[outcome] += 1
            answers.append({**answer, "recipient_id": str(plan.recipient_id)})
        if answers:
            self.deps.supabase.rpc(self.queue.record, {"p_results": answers}).execute()
        return outcomes

    def _send(self, plan: SendPlan, slot: tuple[uuid.UUID, float]) -> tuple[str, dict[str, str | None]]:
        """One message at its slot: (outcome, what to record). A resumed recipient's message may have gone
        out before its worker died: Twilio is asked first."""
        self._wait(self.pacer.turn(*slot))
        self.pacer.start(slot[0], self.sleep)
        if plan.resumed and plan.provider == "meta":
            return "failed", {"status": "failed", "provider_message_id": None, "error": UNKNOWN_AT_META}
        if plan.resumed and plan.account_sid and plan.auth_token and plan.from_phone:
            found = self.deps.lookup.find_sent(
                account_sid=plan.account_sid,
                auth_token=plan.auth_token,
                from_phone=plan.from_phone,
                to_phone=plan.to_phone,
                since=plan.checked_at,
                body=plan.body,
            )
            if found is not None:
                return "recovered", _answer(found)
        try:
            result = self.deps.sender.send(
                account_sid=plan.account_sid,
                auth_token=plan.auth_token,
                from_phone=plan.from_phone or "",
                to_phone=plan.to_phone,
                content_sid=plan.content_sid,
                content_variables=plan.variables,
                status_callback=self.status_callback,
            )
        except TwilioUnavailable as error:  # released: pending again, tried in a later claim
            return "released", {"status": None, "provider_message_id": None, "error": str(error)}
        except ValueError as error:  # a message Twilio would refuse anyway (e.g. the store has no number)
            result = SendResult("failed", error=str(error))
        return result.status, _answer(result)

    def _wait(self, at: float) -> None:
        wait = at - time.monotonic()
        if wait > 0:
            self.sleep(wait)


UNKNOWN_AT_META = (
    "not sent again: the sender stopped while sending this message, and Meta's API cannot be asked whether"
    " it went out"
)


def _answer(result: SendResult) -> dict[str, str | None]:
    return {"status": result.status, "provider_message_id": result.provider_message_id, "error": result.error}


def _status_callback_url(settings: Settings) -> str | None:
    return f"{settings.public_base_url.rstrip('/')}/webhooks/twilio" if settings.public_base_url else None


def run_periodically(
    deps: BroadcastDeps, interval_seconds: float, stop: threading.Event, *, sandbox_only: bool = False
) -> None:
    """The local stack's schedule: a run every `interval_seconds` until `stop` (errors logged, retried)."""
    while not stop.wait(interval_seconds):
        try:
            run_due(deps, stop=stop, sandbox_only=sandbox_only)
        except Exception:
            logger.exception("broadcast run failed")
