"""The store API (WOO_CONTRACT.md) against the local stack, the fake WooCommerce REST API and a fake
Twilio: connect (keys checked first, 422/409/403 storing nothing), the key shown once and kept as a hash,
the webhooks created in the shop, GET /stores/me, POST /stores/me/sync, PUT /stores/me/whatsapp, and
DELETE /stores/me removing the webhooks and revoking the key."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from sapa.commerce.woocommerce.parse import WEBHOOK_TOPICS
from sapa.local.auth import create_user
from sapa.settings import Settings, get_settings
from sapa.stores.crypto import CredentialsCipher
from tests.commerce.conftest import CONNECT_TOKEN, PUBLIC_BASE_URL, Db, RecordingQueue
from tests.commerce.fake_woocommerce import ApiKey, FakeWooCommerce
from tests.conftest import Stack
from tests.stores.fake_twilio import (
    AVAILABLE_NUMBER,
    MASTER_SID,
    MASTER_TOKEN,
    OWN_SID,
    OWN_TOKEN,
    FakeTwilioAccounts,
)

HEADERS = {"X-Sapa-Connect-Token": CONNECT_TOKEN}


@pytest.fixture
def site(woo: FakeWooCommerce, db: Db) -> Iterator[str]:
    """The fake shop's URL, with whatever store a test connected for it deleted afterwards."""
    yield woo.url
    db.execute("delete from stores where site_url = %s", (woo.url,))


@pytest.fixture
def twilio_settings(settings: Settings, twilio_accounts: FakeTwilioAccounts) -> Settings:
    return settings.model_copy(update={"twilio_api_base_url": twilio_accounts.url})


def use_settings(client: TestClient, settings: Settings) -> None:
    client.app.dependency_overrides[get_settings] = lambda: settings  # type: ignore[attr-defined]


def body(
    site_url: str, woo: FakeWooCommerce, *, whatsapp: dict[str, Any] | None = None, **fields: Any
) -> dict[str, Any]:
    return {
        "site_url": site_url + "/",
        "name": "Batik Lestari",
        "admin_email": "pemilik@lestari.example",
        "currency": "IDR",
        "timezone": "Asia/Jakarta",
        "country": "ID",
        "woocommerce": {"consumer_key": woo.key, "consumer_secret": woo.secret},
        "whatsapp": whatsapp
        or {
            "mode": "own",
            "number": "0857-7444-0099",
            "twilio_account_sid": OWN_SID,
            "twilio_auth_token": OWN_TOKEN,
        },
    } | fields


def with_master_account(settings: Settings) -> Settings:
    """The operator's master Twilio account configured: Sapa provisions numbers."""
    return settings.model_copy(
        update={"twilio_account_sid": MASTER_SID, "twilio_auth_token": SecretStr(MASTER_TOKEN)}
    )


def stores_for(db: Db, site_url: str) -> int:
    row = db.execute("select count(*) as n from stores where site_url = %s", (site_url,)).fetchone()
    assert row is not None
    return int(row["n"])


@pytest.fixture
def api(client: TestClient, twilio_settings: Settings) -> TestClient:
    use_settings(client, twilio_settings)
    return client


def test_connecting_a_shop_stores_it_with_hashed_key_and_encrypted_credentials(
    api: TestClient, site: str, woo: FakeWooCommerce, db: Db, jobs: RecordingQueue, twilio_settings: Settings
) -> None:
    response = api.post("/stores/connect", json=body(site, woo), headers=HEADERS)

    assert response.status_code == 201, response.text
    answer = response.json()
    store_id, api_key = answer["store_id"], answer["api_key"]
    assert api_key.startswith("sapa_sk_") and len(api_key) > 40
    assert answer["whatsapp_number"] == "+6285774440099"
    assert answer["sync"]["status"] == "pending"
    assert set(answer["sync"]["resources"]) == {"orders", "customers", "products"}

    keys = db.execute(
        "select key_hash, revoked_at from store_api_keys where store_id = %s", (store_id,)
    ).fetchall()
    assert keys == [{"key_hash": hashlib.sha256(api_key.encode()).hexdigest(), "revoked_at": None}]
    secrets_row = db.execute("select * from store_credentials where store_id = %s", (store_id,)).fetchone()
    assert secrets_row is not None
    stored_text = " ".join(str(value) for value in secrets_row.values())
    assert api_key not in stored_text and woo.key not in stored_text and woo.secret not in stored_text
    cipher = CredentialsCipher.from_settings(twilio_settings)
    assert cipher.decrypt(secrets_row["woocommerce_consumer_key_encrypted"]) == woo.key
    assert secrets_row["twilio_account_sid"] == OWN_SID

    assert sorted(w["topic"] for w in woo.webhooks.values()) == sorted(WEBHOOK_TOPICS)
    assert len(WEBHOOK_TOPICS) == 11 and {"order.restored", "product.restored"} <= set(WEBHOOK_TOPICS)
    assert {w["delivery_url"] for w in woo.webhooks.values()} == {
        f"{PUBLIC_BASE_URL}/webhooks/woocommerce/{store_id}"
    }
    assert {w["secret"] for w in woo.webhooks.values()} == {secrets_row["woocommerce_webhook_secret"]}
    assert sorted(secrets_row["woocommerce_webhook_ids"]) == sorted(woo.webhooks)
    assert [(job.type, job.store_id) for job in jobs.jobs] == [("backfill", store_id)]

    me = api.get("/stores/me", headers={"Authorization": f"Bearer {api_key}"})
    assert me.status_code == 200
    assert me.json() | {"sync": None, "webhooks": None, "webhooks_checked_at": None, "owner": None} == {
        "store_id": store_id,
        "name": "Batik Lestari",
        "site_url": site,
        "whatsapp_number": "+6285774440099",
        "whatsapp_mode": "own",
        "sync": None,
        "webhooks": None,
        "webhooks_checked_at": None,
        "owner": None,  # the owner's invitation: tests/stores/test_connect_owner.py
        "dashboard_url": twilio_settings.dashboard_url,
    }
    assert [(w["topic"], w["status"], w["failures"]) for w in me.json()["webhooks"]] == [
        (topic, "active", 0) for topic in WEBHOOK_TOPICS
    ]
    assert me.json()["webhooks_checked_at"] is not None
    assert answer["reconnected"] is False
    assert "api_key" not in me.text and woo.secret not in me.text
    audit = db.execute("select action from audit_log where store_id = %s", (store_id,)).fetchall()
    assert audit == [{"action": "store.connected"}, {"action": "invitation.sent"}]


def test_a_query_string_on_the_connect_call_stays_out_of_the_webhook_url(
    api: TestClient, site: str, woo: FakeWooCommerce
) -> None:
    response = api.post("/stores/connect?via=plugin", json=body(site, woo), headers=HEADERS)

    assert response.status_code == 201, response.text
    store_id = response.json()["store_id"]
    assert {w["delivery_url"] for w in woo.webhooks.values()} == {
        f"{PUBLIC_BASE_URL}/webhooks/woocommerce/{store_id}"
    }


def test_keys_the_shop_refuses_are_422_and_nothing_is_stored(
    api: TestClient, site: str, woo: FakeWooCommerce, db: Db
) -> None:
    wrong = body(site, woo) | {
        "woocommerce": {"consumer_key": "ck_" + "1" * 40, "consumer_secret": woo.secret}
    }
    response = api.post("/stores/connect", json=wrong, headers=HEADERS)
    assert response.status_code == 422
    assert "refused" in response.json()["detail"]
    assert stores_for(db, site) == 0
    assert woo.webhooks == {}


def test_read_only_keys_are_422_and_leave_no_webhook_behind(
    api: TestClient, site: str, woo: FakeWooCommerce, db: Db
) -> None:
    woo.read_only = True
    response = api.post("/stores/connect", json=body(site, woo), headers=HEADERS)
    assert response.status_code == 422
    assert "Read/Write" in response.json()["detail"]
    assert stores_for(db, site) == 0 and woo.webhooks == {}


def test_a_twilio_account_that_does_not_open_is_422(
    api: TestClient, site: str, woo: FakeWooCommerce, db: Db
) -> None:
    own = {
        "mode": "own",
        "number": "+6285774440099",
        "twilio_account_sid": OWN_SID,
        "twilio_auth_token": "wrong",
    }
    response = api.post("/stores/connect", json=body(site, woo, whatsapp=own), headers=HEADERS)
    assert response.status_code == 422
    assert stores_for(db, site) == 0 and woo.webhooks == {}


def test_bad_input_is_422_before_anything_is_called(api: TestClient, site: str, woo: FakeWooCommerce) -> None:
    for broken in (
        body(site, woo) | {"site_url": "ftp://toko.example"},
        body(site, woo, timezone="Mars/Olympus"),
        body(site, woo, admin_email="not-an-email"),
        body(site, woo, whatsapp={"mode": "carrier-pigeon"}),
        body(site, woo) | {"woocommerce": {"consumer_key": "nope", "consumer_secret": woo.secret}},
    ):
        assert api.post("/stores/connect", json=broken, headers=HEADERS).status_code == 422
    assert woo.requests == []


def test_registration_needs_the_operators_connect_token(
    api: TestClient, site: str, woo: FakeWooCommerce, twilio_settings: Settings
) -> None:
    assert api.post("/stores/connect", json=body(site, woo)).status_code == 403
    assert (
        api.post(
            "/stores/connect", json=body(site, woo), headers={"X-Sapa-Connect-Token": "guess"}
        ).status_code
        == 403
    )
    closed = twilio_settings.model_copy(update={"connect_token": None})
    use_settings(api, closed)
    response = api.post("/stores/connect", json=body(site, woo), headers=HEADERS)
    assert response.status_code == 403
    assert response.json() == {"detail": "store registration is closed on this Sapa server"}
    assert woo.requests == []


def test_the_api_key_is_needed_and_disconnect_removes_webhooks_and_revokes_it(
    api: TestClient, site: str, woo: FakeWooCommerce, db: Db, jobs: RecordingQueue
) -> None:
    connected = api.post("/stores/connect", json=body(site, woo), headers=HEADERS).json()
    auth = {"Authorization": f"Bearer {connected['api_key']}"}
    assert api.get("/stores/me").status_code == 401
    assert api.get("/stores/me", headers={"Authorization": "Bearer sapa_sk_" + "x" * 43}).status_code == 401

    resumed = api.post("/stores/me/sync", headers=auth)
    assert resumed.status_code == 202
    assert [job.type for job in jobs.jobs] == ["backfill", "backfill"]

    assert api.delete("/stores/me", headers=auth).status_code == 204

    assert woo.webhooks == {}
    deletes = [r for r in woo.requests if r.method == "DELETE" and r.query.get("force") == "true"]
    assert len(deletes) == 11
    assert api.get("/stores/me", headers=auth).status_code == 401
    again = api.delete("/stores/me", headers=auth)  # a second Disconnect is told the truth
    assert again.status_code == 401
    assert "revoked" in again.json()["detail"]
    unknown = api.delete("/stores/me", headers={"Authorization": "Bearer sapa_sk_" + "y" * 43})
    assert unknown.status_code == 401 and "never issued" in unknown.json()["detail"]
    row = db.execute(
        "select k.woocommerce_consumer_key_encrypted, k.woocommerce_webhook_secret,"
        " s.woocommerce_connected_at from store_credentials k join stores s on s.id = k.store_id"
        " where s.id = %s",
        (connected["store_id"],),
    ).fetchone()
    assert row == {
        "woocommerce_consumer_key_encrypted": None,
        "woocommerce_webhook_secret": None,
        "woocommerce_connected_at": None,
    }
    audit = db.execute(
        "select action, details from audit_log where store_id = %s order by id", (connected["store_id"],)
    ).fetchall()
    assert audit[-1] == {
        "action": "store.disconnected",
        "details": {"webhooks_deleted": 11, "webhooks_not_deleted": 0},
    }


def test_provisioning_gets_a_subaccount_and_a_number_pointed_at_sapa(
    api: TestClient,
    site: str,
    woo: FakeWooCommerce,
    db: Db,
    twilio_accounts: FakeTwilioAccounts,
    twilio_settings: Settings,
) -> None:
    use_settings(api, with_master_account(twilio_settings))

    response = api.post(
        "/stores/connect", json=body(site, woo, whatsapp={"mode": "provision"}), headers=HEADERS
    )

    assert response.status_code == 201, response.text
    assert response.json()["whatsapp_number"] == AVAILABLE_NUMBER
    [number] = twilio_accounts.numbers
    assert number["sms_url"] == f"{PUBLIC_BASE_URL}/webhooks/twilio" and number["sms_method"] == "POST"
    subaccount = number["account_sid"]
    assert subaccount not in (MASTER_SID, OWN_SID)
    assert twilio_accounts.accounts[subaccount]["friendly_name"] == "Sapa: Batik Lestari"
    row = db.execute(
        "select s.whatsapp_mode, k.twilio_account_sid, k.twilio_auth_token from stores s"
        " join store_credentials k on k.store_id = s.id where s.id = %s",
        (response.json()["store_id"],),
    ).fetchone()
    assert row == {
        "whatsapp_mode": "provision",
        "twilio_account_sid": subaccount,
        "twilio_auth_token": twilio_accounts.accounts[subaccount]["auth_token"],
    }


def test_without_an_operator_twilio_account_provisioning_is_409_and_nothing_is_stored(
    api: TestClient, site: str, woo: FakeWooCommerce, db: Db
) -> None:
    response = api.post(
        "/stores/connect", json=body(site, woo, whatsapp={"mode": "provision"}), headers=HEADERS
    )
    assert response.status_code == 409
    assert "bring your own" in response.json()["detail"]
    assert stores_for(db, site) == 0 and woo.requests == []


def test_the_local_stacks_sandbox_connects_provision_without_a_number(
    api: TestClient, site: str, woo: FakeWooCommerce, db: Db, twilio_settings: Settings
) -> None:
    """WHATSAPP_SANDBOX_SENDERS (the local stack): no Twilio there, so "provision" stores no sender."""
    use_settings(api, twilio_settings.model_copy(update={"whatsapp_sandbox_senders": True}))
    response = api.post(
        "/stores/connect", json=body(site, woo, whatsapp={"mode": "provision"}), headers=HEADERS
    )
    assert response.status_code == 201, response.text
    assert response.json()["whatsapp_number"] is None
    store_id = response.json()["store_id"]
    row = db.execute(
        "select s.whatsapp_number, s.whatsapp_mode, c.twilio_account_sid, c.woocommerce_webhook_secret"
        " from stores s join store_credentials c on c.store_id = s.id where s.id = %s",
        (store_id,),
    ).fetchone()
    assert row is not None
    sender = (row["whatsapp_number"], row["whatsapp_mode"], row["twilio_account_sid"])
    assert sender == (None, "provision", None)
    assert row["woocommerce_webhook_secret"] and len(woo.webhooks) == 11


def test_the_owner_can_switch_to_their_own_sender(
    api: TestClient, site: str, woo: FakeWooCommerce, db: Db, stack: Stack
) -> None:
    email = f"owner-{secrets.token_hex(4)}@lestari.example"
    with psycopg.connect(stack.db_url, autocommit=True) as conn:
        owner = create_user(conn, email, "unused-password")
    try:
        connected = api.post(
            "/stores/connect", json=body(site, woo, admin_email=email.upper()), headers=HEADERS
        ).json()
        member = db.execute(
            "select role::text from store_members where store_id = %s and user_id = %s",
            (connected["store_id"], owner),
        ).fetchone()
        assert member == {"role": "owner"}

        own = {
            "mode": "own",
            "number": "+62 857 7444 0123",
            "twilio_account_sid": OWN_SID,
            "twilio_auth_token": OWN_TOKEN,
        }
        changed = api.put(
            "/stores/me/whatsapp", json=own, headers={"Authorization": f"Bearer {connected['api_key']}"}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["whatsapp_number"] == "+6285774440123"
        assert changed.json()["whatsapp_mode"] == "own"
    finally:
        db.execute("delete from stores where site_url = %s", (site,))  # its owner goes with it
        db.execute("delete from auth.users where id = %s", (owner,))


def new_key(woo: FakeWooCommerce) -> dict[str, str]:
    """A second REST key of the shop (as the plugin creates after losing its settings)."""
    key, secret = "ck_" + secrets.token_hex(20), "cs_" + secrets.token_hex(20)
    woo.keys[key] = ApiKey(secret)
    return {"consumer_key": key, "consumer_secret": secret}


def test_a_connected_shop_that_connects_again_is_reconnected(
    api: TestClient, site: str, woo: FakeWooCommerce, db: Db, jobs: RecordingQueue
) -> None:
    """Finding 7: the plugin lost its settings; a new REST key proves the shop is the owner's."""
    first = api.post("/stores/connect", json=body(site, woo), headers=HEADERS)
    assert first.status_code == 201
    old = first.json()
    old_webhooks = set(woo.webhooks)
    keys = new_key(woo)

    again = api.post("/stores/connect", json=body(site, woo) | {"woocommerce": keys}, headers=HEADERS)

    assert again.status_code == 200, again.text
    answer = again.json()
    assert answer["reconnected"] is True
    assert answer["store_id"] == old["store_id"]
    assert answer["whatsapp_number"] == old["whatsapp_number"] == "+6285774440099"
    assert answer["api_key"] != old["api_key"]
    assert set(answer) == set(old)
    # the old webhooks are gone from the shop, 11 fresh ones deliver with a fresh secret
    assert not old_webhooks & set(woo.webhooks) and len(woo.webhooks) == 11
    row = db.execute(
        "select woocommerce_consumer_key_encrypted as key, woocommerce_webhook_secret as secret,"
        " woocommerce_webhook_ids as ids from store_credentials where store_id = %s",
        (old["store_id"],),
    ).fetchone()
    assert row is not None
    assert sorted(row["ids"]) == sorted(woo.webhooks)
    assert {w["secret"] for w in woo.webhooks.values()} == {row["secret"]}
    assert CredentialsCipher.from_settings(get_settings_of(api)).decrypt(row["key"]) == keys["consumer_key"]
    # the old Sapa API key is revoked, the new one works; one store for the site
    assert api.get("/stores/me", headers={"Authorization": f"Bearer {old['api_key']}"}).status_code == 401
    me = api.get("/stores/me", headers={"Authorization": f"Bearer {answer['api_key']}"})
    assert me.status_code == 200 and me.json()["whatsapp_number"] == "+6285774440099"
    assert stores_for(db, site) == 1
    actions = db.execute(
        "select action, details from audit_log where store_id = %s order by id", (old["store_id"],)
    ).fetchall()
    # The owner never accepted the first invitation: reconnecting sends it again.
    assert [a["action"] for a in actions] == [
        "store.connected",
        "invitation.sent",
        "store.reconnected",
        "invitation.sent",
    ]
    reconnected = actions[2]["details"]
    assert reconnected["api_keys_revoked"] == 1 and reconnected["webhooks_deleted"] == 11
    assert [job.type for job in jobs.jobs] == ["backfill", "backfill"]


def test_a_reconnect_with_keys_the_shop_refuses_changes_nothing(
    api: TestClient, site: str, woo: FakeWooCommerce, db: Db
) -> None:
    first = api.post("/stores/connect", json=body(site, woo), headers=HEADERS).json()
    webhooks = set(woo.webhooks)
    stranger = {"consumer_key": "ck_" + "2" * 40, "consumer_secret": "cs_" + "3" * 40}
    again = api.post("/stores/connect", json=body(site, woo) | {"woocommerce": stranger}, headers=HEADERS)
    assert again.status_code == 422
    assert "no such consumer key" in again.json()["detail"]
    assert set(woo.webhooks) == webhooks
    assert api.get("/stores/me", headers={"Authorization": f"Bearer {first['api_key']}"}).status_code == 200


def test_a_reconnect_never_provisions_a_second_number(
    api: TestClient,
    site: str,
    woo: FakeWooCommerce,
    db: Db,
    twilio_accounts: FakeTwilioAccounts,
    twilio_settings: Settings,
) -> None:
    """Finding 7: in provisioning mode a reconnect (connected, or after a clean disconnect) keeps the
    number it had; Twilio is asked for one number in all."""
    use_settings(api, with_master_account(twilio_settings))
    provision = body(site, woo, whatsapp={"mode": "provision"})
    first = api.post("/stores/connect", json=provision, headers=HEADERS).json()
    assert first["whatsapp_number"] == AVAILABLE_NUMBER

    again = api.post("/stores/connect", json=provision | {"woocommerce": new_key(woo)}, headers=HEADERS)
    assert again.status_code == 200 and again.json()["whatsapp_number"] == AVAILABLE_NUMBER

    assert (
        api.delete("/stores/me", headers={"Authorization": f"Bearer {again.json()['api_key']}"}).status_code
        == 204
    )
    after_disconnect = api.post("/stores/connect", json=provision, headers=HEADERS)
    assert after_disconnect.status_code == 201, after_disconnect.text
    assert after_disconnect.json()["whatsapp_number"] == AVAILABLE_NUMBER
    assert after_disconnect.json()["store_id"] == first["store_id"]
    assert len(twilio_accounts.numbers) == 1


def test_a_shop_on_plain_http_connects_with_oauth_1a(
    api: TestClient, site: str, woo: FakeWooCommerce, db: Db
) -> None:
    """Finding 2: WooCommerce ignores Basic auth over http; Sapa signs with OAuth 1.0a there."""
    assert site.startswith("http://")
    response = api.post("/stores/connect", json=body(site, woo), headers=HEADERS)
    assert response.status_code == 201, response.text
    schemes = {r.scheme for r in woo.requests}
    assert schemes == {"oauth1"}
    assert all("Authorization" not in str(r.query) for r in woo.requests)


def test_keys_refused_over_http_name_the_cause(api: TestClient, site: str, woo: FakeWooCommerce) -> None:
    wrong_secret = {"consumer_key": woo.key, "consumer_secret": "cs_" + "4" * 40}
    response = api.post(
        "/stores/connect", json=body(site, woo) | {"woocommerce": wrong_secret}, headers=HEADERS
    )
    assert response.status_code == 422
    assert "OAuth 1.0a signature" in response.json()["detail"]


def get_settings_of(client: TestClient) -> Settings:
    settings: Settings = client.app.dependency_overrides[get_settings]()  # type: ignore[attr-defined]
    return settings
