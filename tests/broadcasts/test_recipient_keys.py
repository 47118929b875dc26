"""The recipients' keys under races (since migration 0550 they are checked per statement, not by foreign
keys): a recipient list written while its customer or broadcast is deleted in another transaction never
leaves a recipient without them, whichever commits first, under read committed and repeatable read.
The single-transaction cases are in supabase/tests/43_broadcast_recipient_keys.sql."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg import errors

from tests.api.inbox import Db, Shop
from tests.broadcasts.factories import add_customers, add_template
from tests.conftest import Stack


@pytest.fixture
def other(stack: Stack) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(stack.db_url) as conn:
        yield conn


@pytest.fixture
def mine(stack: Stack) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(stack.db_url) as conn:
        yield conn


def _broadcast(db: Db, shop: Shop) -> str:
    template = add_template(db, shop.id)
    row = db.execute(
        "insert into broadcasts (store_id, name, template_id, variables) values (%s, 'Race', %s, '{}')"
        " returning id::text",
        (shop.id, template),
    ).fetchone()
    assert row is not None
    return str(row["id"])


def _orphans(db: Db, shop: Shop) -> int:
    row = db.execute(
        "select count(*) as n from broadcast_recipients r where r.store_id = %s and ("
        " not exists (select 1 from customers c where c.store_id = r.store_id and c.id = r.customer_id)"
        " or not exists (select 1 from broadcasts b"
        " where b.store_id = r.store_id and b.id = r.broadcast_id))",
        (shop.id,),
    ).fetchone()
    assert row is not None
    return int(row["n"])


def _in_thread(work: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    failures: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # handed to the test
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures


def _waiting(thread: threading.Thread) -> bool:
    thread.join(0.5)
    return thread.is_alive()


INSERT = (
    "insert into broadcast_recipients (store_id, broadcast_id, customer_id) select %s, %s, unnest(%s::uuid[])"
)


@pytest.mark.parametrize("parent", ["customer", "broadcast"])
def test_a_delete_waits_for_the_list_and_takes_it_along(
    db: Db, shop: Shop, mine: psycopg.Connection[Any], other: psycopg.Connection[Any], parent: str
) -> None:
    customers = add_customers(db, shop.id, 50)
    broadcast = _broadcast(db, shop)
    mine.execute(INSERT, (shop.id, broadcast, customers))  # written, not committed
    if parent == "customer":
        delete = ("delete from customers where id = %s", (customers[0],))
    else:
        delete = ("delete from broadcasts where id = %s", (broadcast,))

    def deleting() -> None:
        other.execute(*delete)
        other.commit()

    thread, failures = _in_thread(deleting)
    assert _waiting(thread), "the delete waits for the list being written"
    mine.commit()
    thread.join(10)
    assert not failures
    assert _orphans(db, shop) == 0
    remaining = db.execute(
        "select count(*) as n from broadcast_recipients where broadcast_id = %s", (broadcast,)
    ).fetchone()
    assert remaining == {"n": 49 if parent == "customer" else 0}


@pytest.mark.parametrize("parent", ["customer", "broadcast"])
def test_a_list_written_while_its_customer_or_broadcast_is_deleted_is_refused(
    db: Db, shop: Shop, mine: psycopg.Connection[Any], other: psycopg.Connection[Any], parent: str
) -> None:
    customers = add_customers(db, shop.id, 50)
    broadcast = _broadcast(db, shop)
    if parent == "customer":
        other.execute("delete from customers where id = %s", (customers[0],))  # deleted, not committed
    else:
        other.execute("delete from broadcasts where id = %s", (broadcast,))

    def writing() -> None:
        mine.execute(INSERT, (shop.id, broadcast, customers))
        mine.commit()

    thread, failures = _in_thread(writing)
    assert _waiting(thread), "the list waits for the delete"
    other.commit()
    thread.join(10)
    assert len(failures) == 1
    assert isinstance(failures[0], errors.ForeignKeyViolation)
    assert _orphans(db, shop) == 0


def test_under_repeatable_read_a_delete_that_missed_the_list_fails_to_serialize(
    db: Db, shop: Shop, mine: psycopg.Connection[Any], other: psycopg.Connection[Any]
) -> None:
    customers = add_customers(db, shop.id, 10)
    broadcast = _broadcast(db, shop)
    other.execute("set transaction isolation level repeatable read")
    other.execute("select 1 from customers limit 1")  # its snapshot: before the list
    time.sleep(0.01)
    mine.execute(INSERT, (shop.id, broadcast, customers))
    mine.commit()
    with pytest.raises(errors.SerializationFailure):
        other.execute("delete from customers where id = %s", (customers[0],))
    other.rollback()
    assert _orphans(db, shop) == 0


def test_under_repeatable_read_a_list_that_missed_a_delete_fails_to_serialize(
    db: Db, shop: Shop, mine: psycopg.Connection[Any], other: psycopg.Connection[Any]
) -> None:
    customers = add_customers(db, shop.id, 10)
    broadcast = _broadcast(db, shop)
    mine.execute("set transaction isolation level repeatable read")
    mine.execute("select 1 from customers limit 1")  # its snapshot: the customer is still there
    other.execute("delete from customers where id = %s", (customers[0],))
    other.commit()
    with pytest.raises((errors.SerializationFailure, errors.ForeignKeyViolation)):
        mine.execute(INSERT, (shop.id, broadcast, customers))
    mine.rollback()
    assert _orphans(db, shop) == 0
