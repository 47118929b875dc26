"""Segments through the functions API against the local stack: saved with their count, bad rules refused
with where and why (nothing stored), members and preview, roles."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.inbox import Db, Shop
from tests.broadcasts.factories import add_customers

BIG_BUYERS = {
    "all": [{"field": "paid_orders", "op": ">=", "value": 2}, {"field": "opted_in", "op": "=", "value": True}]
}


def _orders(db: Db, store_id: str, customer_ids: list[str], count: int) -> None:
    db.execute(
        "insert into orders (store_id, external_id, number, status, total, currency, customer_id, created_at,"
        " date_modified) select %s, (random() * 1e12)::bigint, 'T' || n, 'completed', 100000, 'IDR', c,"
        " now(), now()"
        " from unnest(%s::uuid[]) c, generate_series(1, %s) n",
        (store_id, customer_ids, count),
    )


def test_an_admin_saves_a_segment_and_reads_its_members(api: TestClient, shop: Shop, db: Db) -> None:
    buyers = add_customers(db, shop.id, 3)
    once = add_customers(db, shop.id, 2)
    _orders(db, shop.id, buyers, 2)
    _orders(db, shop.id, once, 1)

    created = api.post(
        shop.url("segments"), json={"name": "Big buyers", "rules": BIG_BUYERS}, headers=shop.admin.headers
    )

    assert created.status_code == 201, created.text
    assert set(created.json()) == {"id", "count"} and created.json()["count"] == 3
    members = api.get(shop.url(f"segments/{created.json()['id']}/members"), headers=shop.agent.headers)
    assert members.status_code == 200
    assert members.json()["count"] == 3
    assert sorted(m["id"] for m in members.json()["members"]) == sorted(buyers)


def test_bad_rules_are_refused_with_where_and_why_and_nothing_is_stored(
    api: TestClient, shop: Shop, db: Db
) -> None:
    bad = [
        {"all": [{"field": "shoe_size", "op": "=", "value": 42}]},
        {
            "all": [
                {"field": "paid_orders", "op": "=", "value": 1},
                {"field": "paid_orders", "op": "~", "value": 1},
            ]
        },
        {"all": [{"field": "total_spent", "op": ">", "value": "a lot"}]},
        {"every": []},
    ]
    for rules in bad:
        response = api.post(
            shop.url("segments"), json={"name": "Bad", "rules": rules}, headers=shop.owner.headers
        )
        assert response.status_code == 422, (rules, response.text)
        assert response.json()["detail"].startswith("rules"), response.text
    second = api.post(shop.url("segments/preview"), json={"rules": bad[1]}, headers=shop.owner.headers)
    assert "rules.all[1].op" in second.json()["detail"]
    assert db.execute("select count(*) as n from segments where store_id = %s", (shop.id,)).fetchone() == {
        "n": 0
    }


def test_the_editor_preview_counts_and_samples_without_storing(api: TestClient, shop: Shop, db: Db) -> None:
    add_customers(db, shop.id, 4)
    add_customers(db, shop.id, 2, opted_in=False)

    preview = api.post(
        shop.url("segments/preview"),
        json={"rules": {"all": [{"field": "opted_in", "op": "=", "value": True}]}, "sample": 2},
        headers=shop.admin.headers,
    )

    assert preview.status_code == 200
    assert preview.json()["count"] == 4 and len(preview.json()["sample"]) == 2
    presets = api.get(shop.url("segments/presets"), headers=shop.admin.headers).json()
    assert [p["key"] for p in presets] == ["new", "loyal", "big_spenders", "at_risk", "lapsed"]
    assert db.execute("select count(*) as n from segments where store_id = %s", (shop.id,)).fetchone() == {
        "n": 0
    }


def test_agents_and_other_stores_cannot_save_segments(api: TestClient, shop: Shop, db: Db) -> None:
    body = {"name": "Everyone", "rules": {"all": []}}
    assert api.post(shop.url("segments"), json=body, headers=shop.agent.headers).status_code == 403
    assert api.post(shop.url("segments"), json=body, headers=shop.stranger.headers).status_code == 403
    saved = api.post(shop.url("segments"), json=body, headers=shop.owner.headers)
    assert saved.status_code == 201
    assert api.post(shop.url("segments"), json=body, headers=shop.owner.headers).status_code == 409
    members = api.get(
        shop.url(f"segments/{saved.json()['id']}/members", shop.other_store_id), headers=shop.stranger.headers
    )
    assert members.status_code == 404, "a store's segment is not found through another store"
