"""The store settings page's API (owners): the store's facts and WhatsApp state, changing name/zone/currency,
re-enabling the webhooks WooCommerce disabled (through the shop's REST API: the fake WooCommerce), and the
WhatsApp templates synced from Twilio's Content API (the real twilio SDK against a fake at the HTTP
boundary), idempotently."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from sapa.commerce.woocommerce.parse import WEBHOOK_TOPICS
from sapa.settings import get_settings
from sapa.stores.crypto import CredentialsCipher
from tests.api.fake_twilio_content import FakeContentApi, content
from tests.api.inbox import Db, Shop, new_template
from tests.commerce.fake_woocommerce import FakeWooCommerce

ACCOUNT = "AC" + "7e" * 16
TOKEN = "content-test-token"
SID = ["HX" + c * 32 for c in "abcde"]


@pytest.fixture
def content_api(monkeypatch: pytest.MonkeyPatch, api: TestClient) -> Iterator[FakeContentApi]:
    with FakeContentApi(ACCOUNT, TOKEN).running() as fake:
        monkeypatch.setenv("TWILIO_API_BASE_URL", fake.url)
        get_settings.cache_clear()
        yield fake
    get_settings.cache_clear()


def test_owners_see_the_store_settings_and_others_do_not(api: TestClient, shop: Shop) -> None:
    response = api.get(shop.url("settings"), headers=shop.owner.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["timezone"], body["currency"]) == ("Inbox Test Shop", "Asia/Jakarta", "IDR")
    assert (body["whatsapp_number"], body["whatsapp_state"], body["whatsapp_provider"]) == (
        shop.number,
        "sandbox",
        "twilio",
    )
    assert body["woocommerce"]["connected"] is False and body["woocommerce"]["webhooks"] == []
    for person in (shop.admin, shop.agent, shop.stranger):
        assert api.get(shop.url("settings"), headers=person.headers).status_code == 403


def test_an_owner_changes_name_time_zone_and_currency(api: TestClient, shop: Shop, db: Db) -> None:
    changed = api.patch(
        shop.url("settings"),
        headers=shop.owner.headers,
        json={"name": "Batik Baru", "timezone": "Asia/Makassar"},
    )

    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["timezone"], changed.json()["currency"]) == (
        "Batik Baru",
        "Asia/Makassar",
        "IDR",
    )
    assert api.get(shop.url("assistant"), headers=shop.owner.headers).json()["timezone"] == "Asia/Makassar"
    assert changed.json()["retention_months"] == 6
    kept = api.patch(shop.url("settings"), headers=shop.owner.headers, json={"retention_months": 3})
    assert kept.status_code == 200 and kept.json()["retention_months"] == 3, kept.text
    for body, problem in (
        ({"retention_months": 0}, "retention_months"),
        ({"retention_months": 121}, "retention_months"),
        ({"retention_months": 2.5}, "retention_months"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"currency": "rupiah"}, "currency"),
        ({"name": " "}, "name"),
    ):
        refused = api.patch(shop.url("settings"), headers=shop.owner.headers, json=body)
        assert refused.status_code == 422 and problem in refused.text
    assert (
        api.patch(shop.url("settings"), headers=shop.admin.headers, json={"name": "Admin"}).status_code == 403
    )
    row = db.execute(
        "select name, timezone, retention_months from stores where id = %s", (shop.id,)
    ).fetchone()
    assert row is not None and (row["name"], row["timezone"], row["retention_months"]) == (
        "Batik Baru",
        "Asia/Makassar",
        3,
    )


def test_templates_are_synced_from_the_content_api_idempotently(
    api: TestClient, shop: Shop, db: Db, content_api: FakeContentApi
) -> None:
    assert api.post(shop.url("templates/sync"), headers=shop.owner.headers).status_code == 409, (
        "sandbox: no account"
    )
    db.execute(
        "update store_credentials set twilio_account_sid = %s, twilio_auth_token = %s where store_id = %s",
        (ACCOUNT, TOKEN, shop.id),
    )
    typed = new_template(db, shop.id, "Typed by hand {{1}}", name="order_update")
    content_api.contents = [
        content(SID[0], "order_update", "Halo {{1}}, pesanan kamu sudah dikirim."),
        content(SID[1], "promo_desember", "Diskon akhir tahun {{1}}!", "pending"),
        content(SID[2], "Back In Stock", "Back in stock: {{1}}", "rejected", language="en_US"),
        {**content(SID[3], "card_only", ""), "types": {"twilio/location": {"latitude": 1}}},
    ]

    first = api.post(shop.url("templates/sync"), headers=shop.owner.headers)

    assert first.status_code == 200, first.text
    result = first.json()
    assert (result["added"], result["updated"], result["removed"], result["unchanged"]) == (3, 0, 1, 0)
    assert result["skipped"] == [f"{SID[3]}: no text a WhatsApp message could carry"]
    templates = {t["content_sid"]: t for t in result["templates"]}
    assert typed not in templates, "the typed-in template of the same name is replaced"
    assert (templates[SID[0]]["status"], templates[SID[0]]["source"], templates[SID[0]]["category"]) == (
        "approved",
        "twilio",
        "utility",
    )
    assert (templates[SID[2]]["name"], templates[SID[2]]["language"], templates[SID[2]]["status"]) == (
        "back_in_stock",
        "en_US",
        "rejected",
    )
    assert templates[SID[2]]["rejection_reason"] == "Template looks like marketing"
    assert any("Page=1" in path for path in content_api.requests), "the SDK followed Twilio's paging"

    again = api.post(shop.url("templates/sync"), headers=shop.owner.headers).json()
    assert (again["added"], again["updated"], again["removed"], again["unchanged"]) == (0, 0, 0, 3)

    content_api.contents = [content(SID[1], "promo_desember", "Diskon akhir tahun {{1}}!", "approved")]
    last = api.post(shop.url("templates/sync"), headers=shop.owner.headers).json()
    assert (last["added"], last["updated"], last["removed"]) == (0, 1, 2)
    offered = api.get(shop.url("templates"), headers=shop.agent.headers).json()
    assert [t["content_sid"] for t in offered] == [SID[1]], "the composer offers the newly approved template"
    assert api.post(shop.url("templates/sync"), headers=shop.admin.headers).status_code == 403


def test_a_wrong_twilio_token_is_a_clear_error_and_changes_nothing(
    api: TestClient, shop: Shop, db: Db, content_api: FakeContentApi
) -> None:
    db.execute(
        "update store_credentials set twilio_account_sid = %s, twilio_auth_token = 'wrong'"
        " where store_id = %s",
        (ACCOUNT, shop.id),
    )
    new_template(db, shop.id, "Typed by hand {{1}}")
    content_api.contents = [content(SID[0], "order_update", "Halo {{1}}")]

    response = api.post(shop.url("templates/sync"), headers=shop.owner.headers)

    assert (
        response.status_code == 502
        and "Twilio refused the Content API request: 401" in response.json()["detail"]
    )
    rows = db.execute("select source from whatsapp_templates where store_id = %s", (shop.id,)).fetchall()
    assert [row["source"] for row in rows] == ["manual"]


def test_the_owner_reenables_the_webhooks_woocommerce_disabled(
    api: TestClient, shop: Shop, db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("CREDENTIALS_ENCRYPTION_KEY", key)
    monkeypatch.setenv("WOOCOMMERCE_ALLOW_HTTP", "true")
    monkeypatch.setenv("WOOCOMMERCE_REQUEST_INTERVAL_SECONDS", "0")
    get_settings.cache_clear()
    cipher = CredentialsCipher.from_settings(get_settings())
    with FakeWooCommerce().running() as woo:
        delivery_url = f"https://sapa.example.com/webhooks/woocommerce/{shop.id}"
        for topic in WEBHOOK_TOPICS:
            woo._create_webhook(
                {"name": f"Sapa {topic}", "topic": topic, "delivery_url": delivery_url, "secret": "s"}
            )
        ids = sorted(woo.webhooks)
        woo.webhooks[ids[1]]["status"] = "disabled"
        db.execute(
            "update stores set site_url = %s, woocommerce_connected_at = now() where id = %s",
            (woo.url, shop.id),
        )
        db.execute(
            "update store_credentials set woocommerce_webhook_secret = 's',"
            " woocommerce_consumer_key_encrypted = %s, woocommerce_consumer_secret_encrypted = %s,"
            " woocommerce_webhook_ids = %s where store_id = %s",
            (cipher.encrypt(woo.key), cipher.encrypt(woo.secret), ids, shop.id),
        )
        db.execute(
            "insert into woocommerce_webhooks (store_id, webhook_id, topic, status)"
            " values (%s, %s, 'order.updated', 'disabled')",
            (shop.id, ids[1]),
        )
        shown = api.get(shop.url("settings"), headers=shop.owner.headers).json()
        assert shown["woocommerce"]["disabled_webhooks"] == 1

        response = api.post(shop.url("settings/webhooks/reenable"), headers=shop.owner.headers)

        assert response.status_code == 200, response.text
        assert woo.webhooks[ids[1]]["status"] == "active", "re-enabled through the shop's REST API"
        health = response.json()["woocommerce"]
        assert health["disabled_webhooks"] == 0
        updated = next(w for w in health["webhooks"] if w["topic"] == "order.updated")
        assert (updated["status"], updated["failures"]) == ("active", 1)
    get_settings.cache_clear()


def test_reenabling_a_shop_that_is_not_connected_is_a_conflict(api: TestClient, shop: Shop) -> None:
    response = api.post(shop.url("settings/webhooks/reenable"), headers=shop.owner.headers)

    assert response.status_code == 409 and "not connected" in response.json()["detail"]
