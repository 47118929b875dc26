"""The Customers list's stored rows (private.customer_list_rows, migration 660) against their source of
truth, the view customer_overview, row by row, after every kind of write the product does: orders in every
status, refunds, deletions, an order moved to another customer, conversations and messages, labels,
consent, an erased and a deleted customer, the CSV import, the sync's order upserts, the retention purge
and a backup restore (import_store_rows); two writers of the same customer at once; and the page's read
through PostgREST (an agent of another store sees nothing)."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from sapa.commerce.woocommerce.parse import record
from tests.api.inbox import Db, Person, Shop, new_phone
from tests.commerce import payloads
from tests.conftest import Stack
from tests.customers.list_rows import assert_same, differences

NOW = datetime.now(UTC).replace(microsecond=0)
STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
    "trash",
)


def figures(db: Db, customer_id: str) -> dict[str, Any]:
    row = db.execute(
        "select orders, paid_orders, total_spent, conversations, labels, consent"
        " from private.customer_list_rows where id = %s",
        (customer_id,),
    ).fetchone()
    assert row is not None
    return dict(row)


def new_customer(db: Db, store_id: str, name: str, **columns: Any) -> str:
    values = {"store_id": store_id, "phone": new_phone(), "name": name} | columns
    row = db.execute(
        f"insert into customers ({', '.join(values)}) values ({', '.join(['%s'] * len(values))})"
        " returning id::text",
        list(values.values()),
    ).fetchone()
    assert row is not None
    return str(row["id"])


def new_order(db: Db, store_id: str, customer_id: str | None, status: str, total: int, days_ago: int) -> str:
    row = db.execute(
        "insert into orders (store_id, external_id, number, status, total, currency, customer_id, created_at,"
        " date_modified) values (%s, %s, 'n', %s, %s, 'IDR', %s, %s, now()) returning id::text",
        (store_id, uuid.uuid4().int % 10**12, status, total, customer_id, NOW - timedelta(days=days_ago)),
    ).fetchone()
    assert row is not None
    return str(row["id"])


def new_conversation(db: Db, store_id: str, customer_id: str, days_ago: int) -> str:
    at = NOW - timedelta(days=days_ago)
    row = db.execute(
        "insert into conversations (store_id, customer_id, status, last_message_at, created_at)"
        " values (%s, %s, 'bot', %s, %s) returning id::text",
        (store_id, customer_id, at, at),
    ).fetchone()
    assert row is not None
    return str(row["id"])


def add_message(db: Db, store_id: str, conversation_id: str, body: str = "Halo kak") -> None:
    db.execute(
        "insert into messages (store_id, conversation_id, direction, sender, body, status,"
        " provider_message_id) values (%s, %s, 'inbound', 'customer', %s, 'received', %s)",
        (store_id, conversation_id, body, "SM" + uuid.uuid4().hex),
    )


def page(
    stack: Stack, person: Person, store_id: str, query: dict[str, str], search: dict[str, str] | None = None
) -> httpx.Response:
    """The dashboard's read: customer_directory (or, for a search, rpc/customer_search) with PostgREST's
    filters, order and range, and the count."""
    headers = {"apikey": stack.anon_key, "Prefer": "count=exact"} | person.headers
    params = {"select": "*", "offset": "0", "limit": "25"} | query
    if search is None:
        url, params = f"{stack.api_url}/rest/v1/customer_directory", params | {"store_id": f"eq.{store_id}"}
        return httpx.get(url, params=params, headers=headers, timeout=30)
    url, body = f"{stack.api_url}/rest/v1/rpc/customer_search", {"p_store_id": store_id} | search
    return httpx.post(url, params=params, json=body, headers=headers, timeout=30)


def test_the_stored_rows_follow_every_kind_of_write(db: Db, shop: Shop, stack: Stack) -> None:
    ani = new_customer(
        db, shop.id, "Ani Lestari", email="ani@example.com", first_seen_at=NOW - timedelta(days=90)
    )
    budi = new_customer(
        db, shop.id, "Budi", marketing_opt_in=True, marketing_opt_in_at=NOW - timedelta(days=9)
    )
    citra = new_customer(db, shop.id, "Citra")
    orders = {
        status: new_order(db, shop.id, ani, status, 10000 * (i + 1), 30 - i)
        for i, status in enumerate(STATUSES)
    }
    guest = new_order(db, shop.id, None, "completed", 77000, 3)
    talk = new_conversation(db, shop.id, ani, 5)
    new_conversation(db, shop.id, budi, 1)
    assert_same(db, shop.id, 3)
    # Not equal by being empty: pending, processing, on-hold, completed, cancelled, refunded, failed are
    # orders; processing (20,000) and completed (40,000) are paid.
    assert figures(db, ani) | {"labels": None} == {
        "orders": 7, "paid_orders": 2, "total_spent": 60000, "conversations": 1, "labels": None,
        "consent": "none",
    }  # fmt: skip

    status, owner = (
        "update orders set status = %s where id = %s",
        "update orders set customer_id = %s where id = %s",
    )
    label = "insert into customer_labels (store_id, customer_id, label) values (%s, %s, %s)"
    changes: list[tuple[str, str, tuple[Any, ...]]] = [
        ("a pending order paid", status, ("processing", orders["pending"])),
        ("a completed order refunded", status, ("refunded", orders["completed"])),
        ("a draft checked out", status, ("completed", orders["checkout-draft"])),
        ("an order trashed", status, ("trash", orders["processing"])),
        ("a total corrected", "update orders set total = 45 where id = %s", (orders["checkout-draft"],)),
        ("an order moved to another customer", owner, (budi, orders["on-hold"])),
        ("a guest order given its customer", owner, (citra, guest)),
        ("the last order deleted", "delete from orders where id = %s", (orders["trash"],)),
        ("the first order deleted", "delete from orders where id = %s", (orders["pending"],)),
        ("a message", "", ()),
        ("a label", label, (shop.id, ani, "vip")),
        ("a second label", label, (shop.id, ani, "grosir")),
        ("a label removed", "delete from customer_labels where customer_id = %s and label = 'vip'", (ani,)),
        ("an opt-out", "update customers set opted_out_at = now() where id = %s", (budi,)),
        ("a name and email corrected", "update customers set name = 'Ani L.', email = null where id = %s",
         (ani,)),
        ("first seen earlier", "update customers set first_seen_at = '2024-01-01' where id = %s", (citra,)),
        ("a conversation moved", "update conversations set customer_id = %s where id = %s", (citra, talk)),
        ("a conversation deleted", "delete from conversations where id = %s", (talk,)),
    ]  # fmt: skip
    for what, statement, params in changes:
        if what == "a message":
            add_message(db, shop.id, talk)
        else:
            db.execute(statement, params)
        assert differences(db, shop.id) == [], what
    assert figures(db, citra)["total_spent"] == 77000 and figures(db, ani)["labels"] == ["grosir"]

    # A transaction that rolls back leaves the stored rows as they were, and nothing noted behind it.
    with pytest.raises(psycopg.errors.RaiseException), db.transaction():
        db.execute("update orders set total = 1 where customer_id = %s", (ani,))
        db.execute("do $$ begin raise exception 'changed my mind'; end $$")
    assert_same(db, shop.id, 3)
    assert db.execute("select count(*) as n from private.customer_list_pending").fetchone() == {"n": 0}

    # Erased (a tombstone, its orders kept), then another customer deleted (its orders kept, unlinked).
    db.execute("select erase_customer(%s, %s, %s)", (shop.id, budi, shop.owner.id))
    assert_same(db, shop.id, 3)
    db.execute("delete from customers where id = %s", (citra,))
    assert_same(db, shop.id, 2)

    # The page through PostgREST: the agent gets the view's rows; an agent of another store nothing.
    mine = page(stack, shop.agent, shop.id, {"order": "total_spent.desc.nullslast,id.asc"})
    assert mine.status_code == 200, mine.text
    assert [r["id"] for r in mine.json()] == [ani, budi] and mine.headers["content-range"] == "0-1/2"
    label = page(stack, shop.agent, shop.id, {"labels": "cs.{grosir}", "order": "name.asc.nullslast,id.asc"})
    assert [r["id"] for r in label.json()] == [ani]
    search = page(stack, shop.agent, shop.id, {"order": "id.asc"}, {"p_term": "ani l"})
    assert [r["id"] for r in search.json()] == [ani] and search.headers["content-range"] == "0-0/1"
    number = db.execute("select phone from customers where id = %s", (ani,)).fetchone()["phone"]  # type: ignore[index]
    local = "0" + number[3:]  # +62812… typed as 0812…: its digits without the leading 0
    by_number = page(stack, shop.agent, shop.id, {}, {"p_term": local, "p_digits": local[1:]})
    assert [r["id"] for r in by_number.json()] == [ani]
    for person in (shop.stranger,):  # an agent of another store: nothing, however asked
        assert page(stack, person, shop.id, {}).json() == []
        assert page(stack, person, shop.id, {}, {"p_term": "a"}).json() == []
        old_interface = httpx.post(
            f"{stack.api_url}/rest/v1/rpc/customer_list",
            json={"p_store_id": shop.id},
            headers={"apikey": stack.anon_key} | person.headers,
        )
        assert old_interface.status_code == 200 and old_interface.json() == []
    for path, body in (
        ("rpc/customer_list", {"p_store_id": shop.id}),
        ("rpc/customer_search", {"p_store_id": shop.id, "p_term": "a"}),
    ):
        anonymous = httpx.post(
            f"{stack.api_url}/rest/v1/{path}", json=body, headers={"apikey": stack.anon_key}
        )
        assert anonymous.status_code in (401, 403), anonymous.text
    anonymous = httpx.get(
        f"{stack.api_url}/rest/v1/customer_directory",
        params={"select": "id"},
        headers={"apikey": stack.anon_key},
    )
    assert anonymous.status_code in (401, 403), anonymous.text


def test_the_bulk_writers_keep_the_stored_rows(db: Db, shop: Shop) -> None:
    # The CSV import: new customers with labels and consent, an existing one merged.
    known = new_customer(db, shop.id, "Dewi")
    phone = db.execute("select phone from customers where id = %s", (known,)).fetchone()["phone"]  # type: ignore[index]
    rows = [
        {
            "phone": phone,
            "name": None,
            "email": "dewi@example.com",
            "marketing_opt_in": True,
            "labels": ["reseller"],
        },
        {
            "phone": new_phone(),
            "name": "Eko",
            "email": None,
            "marketing_opt_in": False,
            "labels": ["vip", "grosir"],
        },
    ]
    db.execute("select import_customers(%s, %s, %s)", (shop.id, Jsonb(rows), shop.owner.id))
    assert_same(db, shop.id, 2)
    assert figures(db, known)["labels"] == ["reseller"] and figures(db, known)["consent"] == "opted_in"

    # The sync: orders upserted by private.woocommerce_apply (what woocommerce_apply_page runs per item),
    # new, then paid, then refunded; one order for a number the store did not know (a new customer).
    numbers = [phone, phone, new_phone()]

    def apply(status: str, minutes: int) -> None:
        records = [
            record(
                "order",
                payloads.order(
                    8100 + i, status=status, phone=number, whatsapp=number, created=NOW - timedelta(days=2),
                    modified=NOW - timedelta(days=2) + timedelta(minutes=minutes),
                ),
                "ID",
            )
            for i, number in enumerate(numbers)
        ]  # fmt: skip
        with db.transaction():
            db.execute(
                "select private.woocommerce_apply(%s, 'orders', r) from jsonb_array_elements(%s) r",
                (shop.id, Jsonb(records)),
            )

    for status, minutes in (("pending", 0), ("processing", 1), ("refunded", 2), ("completed", 3)):
        apply(status, minutes)
        assert_same(db, shop.id, 3)
    assert figures(db, known)["paid_orders"] == 2

    # Conversations and messages, then the retention purge (conversations deleted in bulk).
    for customer in db.execute("select id::text from customers where store_id = %s", (shop.id,)).fetchall():
        talk = new_conversation(db, shop.id, customer["id"], 300)
        add_message(db, shop.id, talk)
    assert_same(db, shop.id, 3)
    for _ in range(20):  # one table a step, a thousand rows at a time, as the job runs it
        db.execute("select purge_expired(%s, 1000, now() + interval '400 days')", (shop.id,))
    assert db.execute(
        "select count(*) as n from conversations where store_id = %s", (shop.id,)
    ).fetchone() == {"n": 0}
    assert_same(db, shop.id, 3)


def test_a_restore_through_import_store_rows_fills_the_list(db: Db, shop: Shop) -> None:
    """import_store_rows (what `sapa store import` calls per table and chunk) with the rows of a store: the
    customer has a processing order (2,000) and a trashed one, the other a completed, a refunded and a
    draft."""
    customer, other = str(uuid.uuid4()), str(uuid.uuid4())
    tables: list[tuple[str, list[dict[str, Any]]]] = [
        ("customers", [
            {"id": customer, "store_id": shop.id, "phone": new_phone(), "name": "Fajar",
             "marketing_opt_in": True, "marketing_opt_in_at": "2026-01-01T00:00:00Z",
             "first_seen_at": "2025-12-01T00:00:00Z"},
            {"id": other, "store_id": shop.id, "phone": new_phone(), "name": "Gita",
             "marketing_opt_in": False, "marketing_opt_in_at": None, "first_seen_at": "2026-02-01T00:00:00Z"},
        ]),
        ("customer_labels", [{"store_id": shop.id, "customer_id": customer, "label": "vip"}]),
        ("orders", [
            {"id": str(uuid.uuid4()), "store_id": shop.id, "external_id": 9000 + i, "number": str(i),
             "status": status, "total": 1000 * (i + 1), "currency": "IDR",
             "customer_id": customer if i % 2 else other,
             "created_at": f"2026-03-0{i + 1}T00:00:00Z", "date_modified": "2026-03-10T00:00:00Z"}
            for i, status in enumerate(("completed", "processing", "refunded", "trash", "checkout-draft"))
        ]),
        ("conversations", [
            {"id": str(uuid.uuid4()), "store_id": shop.id, "customer_id": customer, "status": "bot",
             "last_message_at": "2026-03-20T00:00:00Z", "created_at": "2026-03-19T00:00:00Z"},
        ]),
    ]  # fmt: skip
    for table, rows in tables:
        db.execute("select import_store_rows(%s, %s, %s, true)", (shop.id, table, Jsonb(rows)))
    assert_same(db, shop.id, 2)
    assert figures(db, customer) == {
        "orders": 1, "paid_orders": 1, "total_spent": 2000, "conversations": 1, "labels": ["vip"],
        "consent": "opted_in",
    }  # fmt: skip


def test_a_writer_waiting_for_another_recomputes_with_its_committed_change(
    db: Db, shop: Shop, stack: Stack
) -> None:
    """The second writer of a customer waits for the first one's lock on the stored row, then recomputes
    from what the first committed: neither change is lost."""
    ani = new_customer(db, shop.id, "Ani")
    with (
        psycopg.connect(stack.db_url, row_factory=dict_row) as first,
        psycopg.connect(stack.db_url) as second,
    ):
        first.execute(
            "insert into customer_labels (store_id, customer_id, label) values (%s, %s, 'vip')",
            (shop.id, ani),
        )
        # Recompute now, as at commit: the first writer holds the stored row's lock until it commits.
        first.execute("set constraints private.customer_list_pending_refresh immediate")
        failure: list[BaseException] = []

        def write_second() -> None:
            try:
                second.execute(
                    "insert into customer_labels (store_id, customer_id, label) values (%s, %s, 'grosir')",
                    (shop.id, ani),
                )
                second.commit()
            except BaseException as error:
                failure.append(error)

        thread = threading.Thread(target=write_second)
        thread.start()
        for _ in range(100):  # until the second writer waits for the lock at its commit
            waiting = db.execute(
                "select wait_event_type from pg_stat_activity where pid = %s", (second.info.backend_pid,)
            ).fetchone()
            if waiting and waiting["wait_event_type"] == "Lock":
                break
            time.sleep(0.05)
        assert waiting == {"wait_event_type": "Lock"}
        first.commit()
        thread.join(10)
        assert not thread.is_alive() and failure == []
    assert figures(db, ani)["labels"] == ["grosir", "vip"]
    assert_same(db, shop.id, 1)


def test_concurrent_writers_of_the_same_customers_lose_nothing_and_never_deadlock(
    db: Db, shop: Shop, stack: Stack
) -> None:
    """Sessions at once on two customers: order updates (status and total, both customers in one
    transaction), messages into their conversations and labels on and off."""
    ani, budi = new_customer(db, shop.id, "Ani"), new_customer(db, shop.id, "Budi")
    orders = {c: [new_order(db, shop.id, c, "pending", 1000, d) for d in range(6)] for c in (ani, budi)}
    talks = {c: new_conversation(db, shop.id, c, 1) for c in (ani, budi)}
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def session(work: Any) -> None:
        try:
            with psycopg.connect(stack.db_url, autocommit=True) as conn:
                start.wait()
                for i in range(25):
                    with conn.transaction():
                        work(conn, i)
        except BaseException as error:
            failures.append(error)

    def orders_one_way(conn: psycopg.Connection[Any], i: int) -> None:
        for customer in (ani, budi):
            status = ("processing", "completed", "refunded", "trash")[i % 4]
            conn.execute(
                "update orders set status = %s, total = total + 1 where id = %s",
                (status, orders[customer][i % 3]),
            )

    def orders_other_way(conn: psycopg.Connection[Any], i: int) -> None:
        for customer in (ani, budi):
            conn.execute(
                "update orders set status = 'completed', total = total + 7 where id = %s",
                (orders[customer][3 + i % 3],),
            )

    def messages(conn: psycopg.Connection[Any], i: int) -> None:
        add_message(conn, shop.id, talks[(ani, budi)[i % 2]], f"pesan {i}")  # type: ignore[arg-type]

    def labels(conn: psycopg.Connection[Any], i: int) -> None:
        customer = (ani, budi)[i % 2]
        conn.execute(
            "insert into customer_labels (store_id, customer_id, label) values (%s, %s, %s)"
            " on conflict do nothing",
            (shop.id, customer, f"l{i % 3}"),
        )
        conn.execute(
            "delete from customer_labels where customer_id = %s and label = %s", (customer, f"l{(i + 1) % 3}")
        )

    threads = [
        threading.Thread(target=session, args=(w,))
        for w in (orders_one_way, orders_other_way, messages, labels)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    assert_same(db, shop.id, 2)
    total = db.execute("select sum(total) as t from orders where store_id = %s", (shop.id,)).fetchone()
    assert total == {"t": 12 * 1000 + 25 * 2 * 1 + 25 * 2 * 7}  # every update happened
