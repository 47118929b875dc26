"""POST /api/stores/{id}/customers/import against the local stack: local numbers made E.164 with the
store's country, duplicates merged within the file and with existing customers, refused rows reported
with their line and reason. That the accepted rows are stored all or none is checked in SQL
(supabase/tests/29_customers_crm.sql): the API stores them with one call of import_customers."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from sapa.customers.csv_import import read_contacts
from tests.api.inbox import Db, Shop

FILE = """Name,Phone,Email,Marketing_opt_in,Labels
Sari,0812-1111-0001,sari@example.com,yes,vip;reseller
Sari Dewi,+62 812 1111 0001,,no,vip
Budi,08121111 0002,,ya,
No Number,,nobody@example.com,yes,
Typo,12,typo@example.com,,
Bad Mail,081211110003,not-an-email,,
Maybe,081211110004,,perhaps,
Existing,081211110009,,yes,import
"""


def post(api: TestClient, shop: Shop, body: str, token: dict[str, str], dry_run: bool = False) -> Any:
    return api.post(
        shop.url("customers/import") + ("?dry_run=true" if dry_run else ""),
        content=body.encode(),
        headers=token | {"Content-Type": "text/csv"},
    )


def customers(db: Db, shop: Shop) -> dict[str, dict[str, Any]]:
    rows = db.execute(
        "select c.phone, c.name, c.email, c.marketing_opt_in, c.opted_out_at,"
        " array(select label from customer_labels l where l.customer_id = c.id order by label) as labels"
        " from customers c where c.store_id = %s",
        (shop.id,),
    ).fetchall()
    return {row["phone"]: row for row in rows}


def test_an_import_merges_duplicates_reports_refusals_and_stores_the_rest(
    api: TestClient, shop: Shop, db: Db
) -> None:
    db.execute(
        "insert into customers (store_id, phone, name, opted_out_at)"
        " values (%s, '+6281211110009', 'Bu Ani', now())",
        (shop.id,),
    )

    response = post(api, shop, FILE, shop.admin.headers)

    assert response.status_code == 200, response.text
    report = response.json()
    assert report | {"refused": None} == {
        "dry_run": False,
        "accepted": 3,
        "merged": 1,
        "created": 2,
        "updated": 1,
        "opted_in": 1,
        "opted_out": 0,
        "refused": None,
    }
    assert [(r["line"], r["reason"]) for r in report["refused"]] == [
        (5, "no phone number"),
        (6, "not a phone number: 12"),
        (7, "not an email address: not-an-email"),
        (8, "marketing_opt_in must be yes or no, not perhaps"),
    ]
    stored = customers(db, shop)
    assert set(stored) == {"+6281211110001", "+6281211110002", "+6281211110009"}
    sari = stored["+6281211110001"]
    assert (sari["name"], sari["email"], sari["labels"]) == ("Sari", "sari@example.com", ["reseller", "vip"])
    assert sari["marketing_opt_in"] is False  # the file said yes and no: no wins
    assert stored["+6281211110002"]["marketing_opt_in"] is True
    existing = stored["+6281211110009"]
    assert existing["name"] == "Bu Ani"  # what the shop knows stays
    assert existing["opted_out_at"] is not None and existing["labels"] == ["import"]  # their STOP holds
    audit = db.execute(
        "select actor_id::text, details from audit_log where store_id = %s and action = 'customers.imported'",
        (shop.id,),
    ).fetchone()
    assert audit is not None and audit["actor_id"] == shop.admin.id


def test_a_dry_run_stores_nothing(api: TestClient, shop: Shop, db: Db) -> None:
    response = post(api, shop, FILE, shop.owner.headers, dry_run=True)

    assert response.status_code == 200
    assert (response.json()["accepted"], len(response.json()["refused"])) == (3, 4)
    assert customers(db, shop) == {}


def test_only_owners_and_admins_import(api: TestClient, shop: Shop, db: Db) -> None:
    assert post(api, shop, FILE, shop.agent.headers).status_code == 403
    assert post(api, shop, FILE, shop.stranger.headers).status_code == 403
    assert customers(db, shop) == {}


def test_a_file_without_a_phone_column_is_refused(api: TestClient, shop: Shop) -> None:
    response = post(api, shop, "name,email\nSari,sari@example.com\n", shop.admin.headers)

    assert response.status_code == 400
    assert "phone column" in response.json()["detail"]


def test_the_exported_list_imports_again() -> None:
    exported = (
        "name,phone,email,orders,paid_orders,total_spent,average_order_value,last_order_at,last_message_at,"
        "first_seen_at,consent,labels\r\nSari,'+6281211110005,,2,2,400000,200000,,,,opted_in,vip\r\n"
    )

    checked = read_contacts(exported, "ID")

    assert [(c.phone, c.name, c.labels) for c in checked.contacts] == [("+6281211110005", "Sari", ["vip"])]
    assert checked.refused == []


def test_city_and_province_are_imported_where_the_segments_read_them(
    api: TestClient, shop: Shop, db: Db
) -> None:
    file = (
        "phone;nama;kota;provinsi\n"
        "081211110011;Rina;Semarang;JT\n"  # WooCommerce's code, read as the province's name
        "081211110012;Dodi;Bandung;Jawa Barat\n"
        "081211110013;Eka;;\n"
        f"081211110014;Long;{'x' * 201};Bali\n"
    )

    response = post(api, shop, file, shop.admin.headers)

    assert response.status_code == 200, response.text
    assert [(r["line"], r["reason"]) for r in response.json()["refused"]] == [
        (5, "a city or province is too long")
    ]
    stored = {
        row["phone"]: (row["city"], row["province"])
        for row in db.execute("select phone, city, province from customers where store_id = %s", (shop.id,))
    }
    assert stored == {
        "+6281211110011": ("Semarang", "Jawa Tengah"),
        "+6281211110012": ("Bandung", "Jawa Barat"),
        "+6281211110013": (None, None),
    }
    members = db.execute(
        "select count(*) as n from private.segment_customers(%s,"
        ' \'{"all": [{"field": "province", "op": "=", "value": "jawa tengah"}]}\')',
        (shop.id,),
    ).fetchone()
    assert members == {"n": 1}
