"""The team API: who may invite, change roles and remove whom (the rules are SQL's, tested in pgTAP
33_team.sql; here through HTTP), removal unassigning work in one go, and the team page's rows."""

from __future__ import annotations

import secrets

from fastapi.testclient import TestClient

from tests.api.inbox import Db, Shop, new_conversation
from tests.conftest import Stack
from tests.team.outbox import mails_to


def _email() -> str:
    return f"invitee-{secrets.token_hex(4)}@team.test.sapa.local"


def test_an_agent_sees_the_team_but_changes_nothing(api: TestClient, shop: Shop) -> None:
    team = api.get(shop.url("team"), headers=shop.agent.headers)
    assert team.status_code == 200
    assert {m["email"]: m["role"] for m in team.json()["members"]} == {
        shop.owner.email: "owner",
        shop.admin.email: "admin",
        shop.agent.email: "agent",
    }
    refused = [
        api.post(
            shop.url("invitations"), headers=shop.agent.headers, json={"email": _email(), "role": "agent"}
        ),
        api.patch(shop.url(f"members/{shop.admin.id}"), headers=shop.agent.headers, json={"role": "agent"}),
        api.delete(shop.url(f"members/{shop.admin.id}"), headers=shop.agent.headers),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert refused[0].json()["detail"] == "agents cannot change the team"


def test_an_admin_cannot_make_or_remove_an_owner(api: TestClient, shop: Shop) -> None:
    assert (
        api.post(
            shop.url("invitations"), headers=shop.admin.headers, json={"email": _email(), "role": "owner"}
        ).status_code
        == 403
    )
    assert (
        api.patch(
            shop.url(f"members/{shop.agent.id}"), headers=shop.admin.headers, json={"role": "owner"}
        ).status_code
        == 403
    )
    assert api.delete(shop.url(f"members/{shop.owner.id}"), headers=shop.admin.headers).status_code == 403


def test_the_last_owner_can_neither_leave_nor_be_demoted(api: TestClient, shop: Shop) -> None:
    demote = api.patch(
        shop.url(f"members/{shop.owner.id}"), headers=shop.owner.headers, json={"role": "admin"}
    )
    leave = api.delete(shop.url(f"members/{shop.owner.id}"), headers=shop.owner.headers)
    assert (demote.status_code, leave.status_code) == (422, 422)
    assert leave.json()["detail"] == "a store must keep at least one owner"


def test_an_owner_promotes_and_removes_and_open_work_is_unassigned(
    api: TestClient, db: Db, shop: Shop
) -> None:
    promoted = api.patch(
        shop.url(f"members/{shop.agent.id}"), headers=shop.owner.headers, json={"role": "admin"}
    )
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    conversation = new_conversation(db, shop.id, status="human")
    db.execute("update conversations set assignee_id = %s where id = %s", (shop.agent.id, conversation))
    db.execute(
        "insert into tickets (store_id, conversation_id, subject, assignee_id) values (%s, %s, 'Retur', %s)",
        (shop.id, conversation, shop.agent.id),
    )

    removed = api.delete(shop.url(f"members/{shop.agent.id}"), headers=shop.owner.headers)

    assert removed.status_code == 204, removed.text
    audited = db.execute(
        "select actor_id::text, details from audit_log"
        " where store_id = %s and action = 'member.work_unassigned'",
        (shop.id,),
    ).fetchall()
    assert audited == [
        {"actor_id": shop.owner.id, "details": {"role": "admin", "conversations": 1, "tickets": 1}}
    ]
    row = db.execute(
        "select assignee_id, status from conversations where id = %s", (conversation,)
    ).fetchone()
    assert row == {"assignee_id": None, "status": "human"}, "still waiting for a person, now unassigned"
    assert api.get(shop.url("team"), headers=shop.agent.headers).status_code == 403, "no longer a member"


def test_invitations_are_listed_resent_and_revoked(api: TestClient, shop: Shop, stack: Stack) -> None:
    email = _email()
    created = api.post(
        shop.url("invitations"), headers=shop.admin.headers, json={"email": email.upper(), "role": "agent"}
    )
    assert created.status_code == 201
    invitation = created.json()["invitation"]
    assert invitation["email"] == email and invitation["role"] == "agent"

    listed = api.get(shop.url("invitations"), headers=shop.agent.headers).json()
    assert [i["email"] for i in listed] == [email]

    resent = api.post(shop.url(f"invitations/{invitation['id']}/resend"), headers=shop.admin.headers)
    assert resent.status_code == 200 and resent.json()["send_count"] == 2
    assert [m["kind"] for m in mails_to(stack, email)] == ["invite", "invite"]

    revoked = api.delete(shop.url(f"invitations/{invitation['id']}"), headers=shop.admin.headers)
    assert revoked.status_code == 204
    again = api.delete(shop.url(f"invitations/{invitation['id']}"), headers=shop.admin.headers)
    assert again.status_code == 204, "revoking again changes nothing"
    assert api.get(shop.url("invitations"), headers=shop.admin.headers).json() == []
    resent_after = api.post(shop.url(f"invitations/{invitation['id']}/resend"), headers=shop.admin.headers)
    assert resent_after.status_code == 409


def test_an_existing_sapa_user_is_added_at_once_and_a_member_cannot_be_invited_twice(
    api: TestClient, shop: Shop, stack: Stack
) -> None:
    added = api.post(
        shop.url("invitations"),
        headers=shop.owner.headers,
        json={"email": shop.stranger.email, "role": "admin"},
    )
    assert added.status_code == 201
    assert added.json() | {"invitation": None} == {
        "status": "added",
        "email": shop.stranger.email,
        "role": "admin",
        "user_id": shop.stranger.id,
        "invitation": None,
    }
    assert mails_to(stack, shop.stranger.email) == [], "no e-mail: they sign in as before"
    twice = api.post(
        shop.url("invitations"), headers=shop.owner.headers, json={"email": shop.agent.email, "role": "agent"}
    )
    assert twice.status_code == 409


def test_bad_input_is_422_and_stores_nothing(api: TestClient, shop: Shop) -> None:
    for body in (
        {"email": "not-an-address", "role": "agent"},
        {"email": _email(), "role": "boss"},
        {"role": "agent"},
    ):
        assert api.post(shop.url("invitations"), headers=shop.owner.headers, json=body).status_code == 422
    assert api.get(shop.url("invitations"), headers=shop.owner.headers).json() == []
