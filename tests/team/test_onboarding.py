"""Invite → the link in the local outbox → set a password → sign in → a member of the store, through the
team API and the real supabase-py against the Auth stand-in; password recovery the same way."""

from __future__ import annotations

import secrets

import httpx
import pytest
from fastapi.testclient import TestClient
from supabase import create_client
from supabase_auth.errors import AuthApiError, AuthWeakPasswordError

from tests.api.inbox import Db, Shop
from tests.conftest import Stack
from tests.team.outbox import latest_link, mails_to, open_link


def _email(name: str) -> str:
    return f"{name}-{secrets.token_hex(4)}@team.test.sapa.local"


def _forget(db: Db, email: str) -> None:
    db.execute("delete from auth.users where email = %s", (email,))


def test_an_invited_agent_sets_a_password_signs_in_and_is_a_member(
    api: TestClient, db: Db, shop: Shop, stack: Stack
) -> None:
    email = _email("agent")
    try:
        response = api.post(
            shop.url("invitations"), headers=shop.admin.headers, json={"email": email, "role": "agent"}
        )
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "invited"
        assert (
            db.execute(
                "select 1 from store_members where store_id = %s and user_id in"
                " (select id from auth.users where email = %s)",
                (shop.id, email),
            ).fetchone()
            is None
        )

        fragment = open_link(latest_link(stack, email, "invite"))
        assert fragment["type"] == "invite" and fragment["token_type"] == "bearer"

        user = create_client(stack.api_url, stack.anon_key)
        user.auth.set_session(fragment["access_token"], fragment["refresh_token"])
        updated = user.auth.update_user({"password": "batik-lestari-2026"})
        assert updated.user is not None and updated.user.email == email
        user.auth.sign_out()

        signed_in = create_client(stack.api_url, stack.anon_key)
        session = signed_in.auth.sign_in_with_password({"email": email, "password": "batik-lestari-2026"})
        assert session.user is not None
        memberships = (
            signed_in.table("store_members").select("store_id, role").eq("user_id", session.user.id).execute()
        )
        assert memberships.data == [{"store_id": shop.id, "role": "agent"}]

        pending = api.get(shop.url("invitations"), headers=shop.owner.headers).json()
        assert [i for i in pending if i["email"] == email] == [], (
            "the accepted invitation is no longer pending"
        )
        accepted = db.execute(
            "select action from audit_log"
            " where store_id = %s and actor_id = %s and action = 'invitation.accepted'",
            (shop.id, session.user.id),
        ).fetchall()
        assert len(accepted) == 1
    finally:
        _forget(db, email)


def test_verify_otp_accepts_the_token_hash_once_and_the_code_with_the_email(
    api: TestClient, db: Db, shop: Shop, stack: Stack
) -> None:
    email = _email("owner2")
    try:
        assert (
            api.post(
                shop.url("invitations"), headers=shop.owner.headers, json={"email": email, "role": "admin"}
            ).status_code
            == 201
        )
        mail = mails_to(stack, email)[0]
        token_hash = httpx.URL(mail["link"]).params["token"]
        client = create_client(stack.api_url, stack.anon_key)
        verified = client.auth.verify_otp({"type": "invite", "token_hash": token_hash})
        assert verified.session is not None and verified.user is not None and verified.user.email == email
        with pytest.raises(AuthApiError) as used:
            client.auth.verify_otp({"type": "invite", "token_hash": token_hash})
        assert used.value.status == 403 and used.value.code == "otp_expired"
        assert db.execute(
            "select role from store_members where store_id = %s and user_id = %s", (shop.id, verified.user.id)
        ).fetchone() == {"role": "admin"}

        # Recovery: the e-mail's 6-digit code works with the e-mail address, then the new password.
        client.auth.reset_password_for_email(email, {"redirect_to": "http://127.0.0.1:9/"})
        code = next(m for m in mails_to(stack, email) if m["kind"] == "recovery")["code"]
        recovered = client.auth.verify_otp({"type": "recovery", "email": email, "token": code})
        assert recovered.session is not None
        with pytest.raises(AuthWeakPasswordError) as weak:
            client.auth.update_user({"password": "12345"})
        assert weak.value.status == 422 and weak.value.reasons == ["length"]
        client.auth.update_user({"password": "a-new-password-1"})
        assert (
            client.auth.sign_in_with_password({"email": email, "password": "a-new-password-1"}).session
            is not None
        )
    finally:
        _forget(db, email)


def test_recover_for_an_unknown_email_answers_the_same_and_sends_nothing(stack: Stack) -> None:
    email = _email("nobody")
    client = create_client(stack.api_url, stack.anon_key)
    client.auth.reset_password_for_email(email)  # no error: no account enumeration
    assert mails_to(stack, email) == []


def test_a_used_or_forged_link_redirects_with_gotrues_error(stack: Stack) -> None:
    fragment = open_link(
        f"{stack.api_url}/auth/v1/verify?token=forged&type=invite&redirect_to=http://127.0.0.1:9/"
    )
    assert fragment == {
        "error": "access_denied",
        "error_code": "otp_expired",
        "error_description": "Email link is invalid or has expired",
    }


def test_only_the_service_role_may_invite(stack: Stack) -> None:
    anon = httpx.post(
        f"{stack.api_url}/auth/v1/invite",
        headers={"apikey": stack.anon_key},
        json={"email": _email("x")},
        timeout=10,
    )
    assert anon.status_code == 403 and anon.json()["error_code"] == "not_admin"


def test_inviting_a_confirmed_user_through_auth_is_refused_as_gotrue_does(stack: Stack, shop: Shop) -> None:
    service = create_client(stack.api_url, stack.service_role_key)
    with pytest.raises(AuthApiError) as exists:
        service.auth.admin.invite_user_by_email(shop.agent.email)
    assert exists.value.status == 422 and exists.value.code == "email_exists"


def test_generate_link_gives_what_a_custom_mailer_would_send(db: Db, stack: Stack) -> None:
    email = _email("mailer")
    service = create_client(stack.api_url, stack.service_role_key)
    try:
        invite = service.auth.admin.generate_link({"type": "invite", "email": email})
        assert invite.properties.verification_type == "invite"
        assert (
            f"/auth/v1/verify?token={invite.properties.hashed_token}&type=invite"
            in invite.properties.action_link
        )
        assert mails_to(stack, email) == [], "nothing is sent"
        client = create_client(stack.api_url, stack.anon_key)
        verified = client.auth.verify_otp(
            {"type": "invite", "email": email, "token": invite.properties.email_otp}
        )
        assert verified.user is not None and verified.user.email_confirmed_at is not None

        recovery = service.auth.admin.generate_link({"type": "recovery", "email": email})
        fragment = open_link(recovery.properties.action_link)
        assert fragment["type"] == "recovery" and fragment["access_token"]
        with pytest.raises(AuthApiError) as unknown:
            service.auth.admin.generate_link({"type": "recovery", "email": _email("nobody")})
        assert unknown.value.status == 404
    finally:
        _forget(db, email)
