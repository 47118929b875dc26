"""The Customers list's stored rows (private.customer_list_rows) compared with their source of truth, the
view customer_overview."""

from __future__ import annotations

from typing import Any

from tests.api.inbox import Db


def differences(db: Db, store_id: str) -> list[dict[str, Any]]:
    """Every customer of the store whose stored row is not the view's row (missing, extra or different)."""
    return list(
        db.execute(
            "select coalesce(v.id, r.id) as id, v.row as expected, r.row as stored"
            " from (select o.id, to_jsonb(o) as row from customer_overview o where o.store_id = %(s)s) v"
            " full join (select l.id, to_jsonb(l) as row from private.customer_list_rows l"
            "            where l.store_id = %(s)s) r on r.id = v.id"
            " where v.row is distinct from r.row",
            {"s": store_id},
        )
    )


def assert_same(db: Db, store_id: str, customers: int) -> None:
    assert differences(db, store_id) == []
    count = db.execute(
        "select count(*) as n from private.customer_list_rows where store_id = %s", (store_id,)
    )
    assert count.fetchone() == {"n": customers}
