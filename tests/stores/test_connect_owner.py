"""Connecting from the plugin invites the WordPress admin's e-mail as the store's owner (Supabase Auth's
invite, through the local Auth stand-in and its outbox); a Sapa user with that e-mail is added at once.
GET /stores/me tells the plugin whether the invitation was accepted and where the dashboard is."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from sapa.local.auth import create_user
from sapa.settings import Settings
from tests.commerce.conftest import Db
from tests.commerce.fake_woocommerce import FakeWooCommerce
from tests.conftest import Stack
from tests.stores.test_connect import HEADERS, body, use_settings
from tests.team.outbox import latest_link, mails_to, open_link

DASHBOARD = "http://127.0.0.1:3999"


@pytest.fixture
def owner_email(db: Db) -> Iterator[str]:
    email = f"pemilik-{secrets.token_hex(4)}@toko.test.sapa.local"
    yield email
    db.execute("delete from auth.users where email = %s", (email,))


@pytest.fixture
def site(woo: FakeWooCommerce, db: Db, owner_email: str) -> Iterator[str]:
    """The shop's store is deleted before its owner's user (a store always keeps an owner)."""
    yield woo.url
    db.execute("delete from stores where site_url = %s", (woo.url,))


@pytest.fixture
def api(client: TestClient, settings: Settings) -> TestClient:
    # No Twilio here: "a number from Sapa" connects as a sandbox store, as the local stack does.
    use_settings(
        client, settings.model_copy(update={"dashboard_url": DASHBOARD, "whatsapp_sandbox_senders": True})
    )
    return client


def _provisioned(site: str, woo: FakeWooCommerce, email: str) -> dict[str, object]:
    return body(site, woo, whatsapp={"mode": "provision"}, admin_email=email)


def test_connect_invites_a_new_admin_email_as_owner_and_reports_the_acceptance(
    api: TestClient, site: str, woo: FakeWooCommerce, db: Db, stack: Stack, owner_email: str
) -> None:
    connected = api.post(
        "/stores/connect", json=_provisioned(site, woo, owner_email.upper()), headers=HEADERS
    )

    assert connected.status_code == 201, connected.text
    answer = connected.json()
    assert answer["owner"] | {"sent_at": None} == {
        "email": owner_email,
        "status": "pending",
        "sent_at": None,
        "accepted_at": None,
        "error": None,
    }
    assert answer["dashboard_url"] == DASHBOARD
    store_id, api_key = answer["store_id"], answer["api_key"]
    invitation = db.execute(
        "select role, invited_by, accepted_at from store_invitations where store_id = %s", (store_id,)
    ).fetchall()
    assert invitation == [{"role": "owner", "invited_by": None, "accepted_at": None}]
    link = latest_link(stack, owner_email, "invite")
    assert f"redirect_to={DASHBOARD.replace(':', '%3A').replace('/', '%2F')}" in link

    me = api.get("/stores/me", headers={"Authorization": f"Bearer {api_key}"}).json()
    assert me["owner"]["status"] == "pending" and me["dashboard_url"] == DASHBOARD

    fragment = open_link(link)  # the owner opens the e-mail's link: signed in once, invitation accepted
    assert fragment["type"] == "invite"
    member = db.execute(
        "select m.role from store_members m join auth.users u on u.id = m.user_id"
        " where m.store_id = %s and u.email = %s",
        (store_id, owner_email),
    ).fetchone()
    assert member == {"role": "owner"}
    me = api.get("/stores/me", headers={"Authorization": f"Bearer {api_key}"}).json()
    assert me["owner"]["status"] == "accepted" and me["owner"]["accepted_at"] is not None


def test_an_admin_email_of_a_sapa_user_makes_them_owner_without_an_email(
    api: TestClient, site: str, woo: FakeWooCommerce, db: Db, stack: Stack, owner_email: str
) -> None:
    with psycopg.connect(stack.db_url, autocommit=True) as users:
        user_id = create_user(users, owner_email, "already-a-sapa-user")

    connected = api.post("/stores/connect", json=_provisioned(site, woo, owner_email), headers=HEADERS)

    assert connected.status_code == 201, connected.text
    assert connected.json()["owner"]["status"] == "accepted"
    assert mails_to(stack, owner_email) == []
    store_id = connected.json()["store_id"]
    assert db.execute(
        "select role from store_members where store_id = %s and user_id = %s", (store_id, user_id)
    ).fetchone() == {"role": "owner"}
    assert db.execute(
        "select count(*) as n from store_invitations where store_id = %s", (store_id,)
    ).fetchone() == {"n": 0}
