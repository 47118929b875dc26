"""Tickets from the inbox: opened on a conversation and worked, every change audited; assignees and
tickets only within the store."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.inbox import Db, Shop, audits, new_conversation


def _open(api: TestClient, shop: Shop, conversation_id: str, **fields: object) -> dict[str, object]:
    response = api.post(
        shop.url(f"conversations/{conversation_id}/tickets"),
        headers=shop.agent.headers,
        json={"subject": "Paket rusak, minta retur"} | fields,
    )
    assert response.status_code == 201, response.text
    ticket: dict[str, object] = response.json()
    return ticket


def test_an_agent_opens_a_ticket_that_records_who_opened_it(api: TestClient, db: Db, shop: Shop) -> None:
    conversation_id = new_conversation(db, shop.id)

    ticket = _open(api, shop, conversation_id, priority="high", assignee_id=shop.admin.id)

    assert {k: ticket[k] for k in ("status", "priority", "subject", "assignee_id", "created_by")} == {
        "status": "open",
        "priority": "high",
        "subject": "Paket rusak, minta retur",
        "assignee_id": shop.admin.id,
        "created_by": shop.agent.id,
    }
    [audit] = audits(db, shop.id)
    assert (audit["action"], audit["target_id"], audit["details"]["priority"]) == (
        "ticket.opened",
        ticket["id"],
        "high",
    )


def test_patching_changes_only_the_fields_sent_and_audits_from_and_to(
    api: TestClient, db: Db, shop: Shop
) -> None:
    ticket = _open(api, shop, new_conversation(db, shop.id), assignee_id=shop.agent.id)
    url = shop.url(f"tickets/{ticket['id']}")

    resolved = api.patch(url, headers=shop.admin.headers, json={"status": "resolved"})
    unassigned = api.patch(url, headers=shop.admin.headers, json={"assignee_id": None, "priority": "urgent"})

    assert resolved.status_code == 200
    assert resolved.json()["resolved_at"] is not None
    assert resolved.json()["assignee_id"] == shop.agent.id
    assert unassigned.status_code == 200
    assert (unassigned.json()["assignee_id"], unassigned.json()["priority"]) == (None, "urgent")
    assert unassigned.json()["status"] == "resolved"
    changes = [a["details"]["changes"] for a in audits(db, shop.id, "ticket.updated")]
    assert changes == [
        {"status": {"from": "open", "to": "resolved"}},
        {"assignee_id": {"from": shop.agent.id, "to": None}, "priority": {"from": "normal", "to": "urgent"}},
    ]


@pytest.mark.parametrize(
    "body", [{}, {"status": None}, {"status": "closed"}, {"subject": ""}, {"store_id": "x"}]
)
def test_a_patch_that_changes_nothing_valid_is_422(
    api: TestClient, db: Db, shop: Shop, body: dict[str, object]
) -> None:
    ticket = _open(api, shop, new_conversation(db, shop.id))

    response = api.patch(shop.url(f"tickets/{ticket['id']}"), headers=shop.agent.headers, json=body)

    assert response.status_code == 422
    assert audits(db, shop.id, "ticket.updated") == []


def test_tickets_and_assignees_stay_within_the_store(api: TestClient, db: Db, shop: Shop) -> None:
    conversation_id = new_conversation(db, shop.id)
    ticket = _open(api, shop, conversation_id)
    theirs = new_conversation(db, shop.other_store_id)

    outside_assignee = api.post(
        shop.url(f"conversations/{conversation_id}/tickets"),
        headers=shop.agent.headers,
        json={"subject": "x", "assignee_id": shop.stranger.id},
    )
    their_conversation = api.post(
        shop.url(f"conversations/{theirs}/tickets"), headers=shop.agent.headers, json={"subject": "x"}
    )
    by_stranger = api.patch(
        shop.url(f"tickets/{ticket['id']}"), headers=shop.stranger.headers, json={"status": "resolved"}
    )
    through_their_store = api.patch(
        shop.url(f"tickets/{ticket['id']}", store_id=shop.other_store_id),
        headers=shop.stranger.headers,
        json={"status": "resolved"},
    )

    assert outside_assignee.status_code == 422
    assert their_conversation.status_code == 404
    assert by_stranger.status_code == 403
    assert through_their_store.status_code == 404
    assert db.execute("select status::text from tickets where id = %s", (ticket["id"],)).fetchone() == {
        "status": "open"
    }
