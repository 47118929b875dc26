"""Two claims of the proactive sender at the same time (migration 650): two overlapping runs of a queue (a
schedule can start a run while the last one is still going), or the two queues' claims in two processes.
A claim gives each row a slot on its store's sender, and that locks the store's pace row
(private.broadcast_pace). Claims used to lock them in the order of the rows they claimed: one that
reached store a then b and one that reached b then a each held one and waited for the other's (40P01),
and the victim's whole claim was rolled back (its run failed, its sends were late). Now a claim first
takes its rows, then locks their stores' pace rows in store id order, and only then hands out slots."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.api.inbox import Db, Shop, new_phone
from tests.broadcasts.factories import add_customers, add_template
from tests.conftest import Stack

RATE = 0.1  # a slot every 10 s: a claim that waited still gets the slot after the first claim's


def _gate_store(db: Db) -> str:
    row = db.execute(
        "insert into stores (name, whatsapp_number) values ('Gate Shop', %s) returning id::text",
        (new_phone("+62813"),),
    ).fetchone()
    assert row is not None
    return str(row["id"])


def _notifications_due(db: Db, stores: list[str]) -> list[str]:
    """One order update due per entry of `stores`, due in that order (long ago: before anyone else's),
    on stores with a Twilio account (the local stack's sandbox sender leaves them alone)."""
    for store in set(stores):
        db.execute(
            "insert into store_credentials (store_id, twilio_account_sid) values (%s, %s)"
            " on conflict (store_id) do update set twilio_account_sid = excluded.twilio_account_sid",
            (store, "AC" + secrets.token_hex(16)),
        )
    rows = db.execute(
        "with orders as (insert into orders (store_id, external_id, number, status, total, currency,"
        " created_at, date_modified)"
        " select s, 8000 + n, (8000 + n)::text, 'processing', 99000, 'IDR', now(), now()"
        " from unnest(%s::uuid[]) with ordinality as x (s, n) returning id, store_id, external_id)"
        " insert into order_notifications (store_id, order_id, event, due_at)"
        " select store_id, id, 'processing',"
        " timestamptz '2001-01-01' + make_interval(secs => external_id - 8000)"
        " from orders returning id::text, due_at",
        (stores,),
    ).fetchall()
    return [row["id"] for row in sorted(rows, key=lambda row: row["due_at"])]


def _broadcasts_due(db: Db, stores: list[str]) -> list[str]:
    """One broadcast recipient due per entry of `stores`, in that order (broadcasts created long ago: before
    anyone else's). The stores must have a Twilio account already (the sandbox sender would take them)."""
    ids = []
    for n, store in enumerate(stores):
        (customer,) = add_customers(db, store, 1)
        row = db.execute(
            "with b as (insert into broadcasts (store_id, name, template_id, status, started_at, created_at)"
            " values (%s, 'Race', %s, 'sending', now(), timestamptz '2001-01-01' + make_interval(secs => %s))"
            " returning id, store_id)"
            " insert into broadcast_recipients (store_id, broadcast_id, customer_id)"
            " select store_id, id, %s from b returning id::text",
            (store, add_template(db, store), n, customer),
        ).fetchone()
        assert row is not None
        ids.append(str(row["id"]))
    return ids


def _claim(
    session: psycopg.Connection[dict[str, Any]], limit: int, queue: str = "order_notifications"
) -> list[dict[str, Any]]:
    """The worker's claim of a queue (the order updates' unless told), as it calls it."""
    function = {
        "order_notifications": "claim_order_notifications",
        "broadcasts": "claim_broadcast_recipients",
    }
    query = f"select recipient_id::text, store_id::text, slot_at from {function[queue]}(%s, %s, 60)"
    return session.execute(query, (limit, RATE)).fetchall()


def _waiting_for_a_lock(db: Db, pids: list[int]) -> bool:
    row = db.execute(
        "select count(*) as n from pg_stat_activity where pid = any(%s) and wait_event_type = 'Lock'", (pids,)
    ).fetchone()
    return row is not None and row["n"] == len(pids)


def _wait_until_waiting(db: Db, pids: list[int]) -> None:
    deadline = time.monotonic() + 10
    while not _waiting_for_a_lock(db, pids):
        assert time.monotonic() < deadline, f"sessions {pids} wait for a lock"
        time.sleep(0.05)


Claim = Callable[[psycopg.Connection[dict[str, Any]]], list[dict[str, Any]]]


def _race(stack: Stack, db: Db, gate_store: str, first: Claim, second: Claim) -> list[list[dict[str, Any]]]:
    """`first` and `second` in two sessions while a third holds the gate store's pace row: `first` stops
    there, then `second`; then the gate lets go. Their claimed rows, or the error of one that failed."""
    connect = partial(psycopg.connect, stack.db_url, autocommit=True, row_factory=dict_row)
    with connect() as gate, connect() as one, connect() as two, ThreadPoolExecutor(2) as pool:
        with gate.transaction():
            gate.execute("select from private.broadcast_pace where store_id = %s for update", (gate_store,))
            claims: list[Future[list[dict[str, Any]]]] = [pool.submit(first, one)]
            _wait_until_waiting(db, [one.info.backend_pid])
            claims.append(pool.submit(second, two))
            _wait_until_waiting(db, [one.info.backend_pid, two.info.backend_pid])
        return [done.result(timeout=30) for done in claims]


def _assert_slots_one_apart(db: Db, claimed: list[list[dict[str, Any]]]) -> None:
    """Each store got one slot from each claim, the second 1/RATE after the first, and its pace is next."""
    slots: dict[str, list[Any]] = {}
    for claim in claimed:
        for row in claim:
            slots.setdefault(row["store_id"], []).append(row["slot_at"])
    for store, (earlier, later) in slots.items():
        assert later - earlier == timedelta(seconds=1 / RATE), store
        pace = db.execute("select next_slot_at from private.broadcast_pace where store_id = %s", (store,))
        assert pace.fetchone() == {"next_slot_at": later + timedelta(seconds=1 / RATE)}


@pytest.mark.parametrize("paced", [False, True], ids=["first slots", "stores sent before"])
def test_two_claims_reaching_two_stores_in_opposite_orders_both_get_their_slots(
    db: Db, shop: Shop, stack: Stack, paced: bool
) -> None:
    """Claim 1 takes the first three due order updates (stores a, gate, b), claim 2 the next three (b, gate,
    a). A third session holds the gate store's pace row: claim 1 stops there holding a's, then claim 2
    holding b's; when the gate lets go, each went on to the store the other one holds. `paced`: a and b
    have pace rows already (a claim updates them; else it inserts them)."""
    a, b, gate_store = shop.id, shop.other_store_id, _gate_store(db)
    try:
        due = _notifications_due(db, [a, gate_store, b, b, gate_store, a])
        if paced:
            db.execute(
                "insert into private.broadcast_pace (store_id, next_slot_at)"
                " select s, now() - interval '1 hour' from unnest(%s::uuid[]) s",
                ([a, b],),
            )
        db.execute(
            "insert into private.broadcast_pace (store_id, next_slot_at) values (%s, now())", (gate_store,)
        )
        claim_updates = partial(_claim, limit=3)
        claimed = _race(stack, db, gate_store, claim_updates, claim_updates)

        assert [[row["recipient_id"] for row in claim] for claim in claimed] == [due[:3], due[3:]]
        _assert_slots_one_apart(db, claimed)
    finally:
        db.execute("delete from stores where id = %s", (gate_store,))


def test_a_broadcasts_claim_and_an_order_updates_claim_in_opposite_store_orders_share_the_slots(
    db: Db, shop: Shop, stack: Stack
) -> None:
    """The two queues' claims in two processes: the broadcasts' takes recipients of stores a, gate, b; the
    order updates' takes updates of b, gate, a. Gated as above, neither is rolled back, and each store's two
    slots (one per queue) are 1/RATE apart on its one sender."""
    a, b, gate_store = shop.id, shop.other_store_id, _gate_store(db)
    try:
        updates = _notifications_due(db, [b, gate_store, a])
        recipients = _broadcasts_due(db, [a, gate_store, b])
        db.execute(
            "insert into private.broadcast_pace (store_id, next_slot_at) values (%s, now())", (gate_store,)
        )
        claimed = _race(
            stack, db, gate_store, partial(_claim, limit=3, queue="broadcasts"), partial(_claim, limit=3)
        )

        assert [[row["recipient_id"] for row in claim] for claim in claimed] == [recipients, updates]
        _assert_slots_one_apart(db, claimed)
    finally:
        db.execute("delete from stores where id = %s", (gate_store,))
