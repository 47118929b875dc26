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
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.api.inbox import Db, Shop, new_phone
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


def _claim(session: psycopg.Connection[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The worker's claim of the order updates' queue, as it calls it."""
    query = "select recipient_id::text, store_id::text, slot_at from claim_order_notifications(%s, %s, 60)"
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
        connect = partial(psycopg.connect, stack.db_url, autocommit=True, row_factory=dict_row)
        with connect() as gate, connect() as first, connect() as second, ThreadPoolExecutor(2) as pool:
            with gate.transaction():
                gate.execute(
                    "select from private.broadcast_pace where store_id = %s for update", (gate_store,)
                )
                claims: list[Future[list[dict[str, Any]]]] = [pool.submit(_claim, first, 3)]
                _wait_until_waiting(db, [first.info.backend_pid])
                claims.append(pool.submit(_claim, second, 3))
                _wait_until_waiting(db, [first.info.backend_pid, second.info.backend_pid])
            claimed = [done.result(timeout=30) for done in claims]

        assert [[row["recipient_id"] for row in claim] for claim in claimed] == [due[:3], due[3:]]
        slots: dict[str, list[Any]] = {}
        for claim in claimed:
            for row in claim:
                slots.setdefault(row["store_id"], []).append(row["slot_at"])
        for store, (earlier, later) in slots.items():
            assert later - earlier == timedelta(seconds=1 / RATE), store
            pace = db.execute("select next_slot_at from private.broadcast_pace where store_id = %s", (store,))
            assert pace.fetchone() == {"next_slot_at": later + timedelta(seconds=1 / RATE)}
    finally:
        db.execute("delete from stores where id = %s", (gate_store,))
