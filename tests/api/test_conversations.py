"""Take over, hand back, resolve, assign: each changes the conversation and writes its audit entry;
members of another store get 403 and change nothing."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import RecordingQueue
from tests.api.inbox import Db, Shop, audits, conversation, new_conversation


def test_taking_over_gives_the_conversation_to_the_caller_and_asks_for_a_summary(
    api: TestClient, db: Db, shop: Shop, jobs: RecordingQueue
) -> None:
    conversation_id = new_conversation(db, shop.id)

    response = api.post(shop.url(f"conversations/{conversation_id}/take-over"), headers=shop.agent.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["id"], body["status"], body["assignee_id"]) == (conversation_id, "human", shop.agent.id)
    stored = conversation(db, conversation_id)
    assert (stored["status"], str(stored["assignee_id"])) == ("human", shop.agent.id)
    assert stored["handed_off_at"] is not None
    [audit] = audits(db, shop.id)
    assert audit == {
        "actor_id": shop.agent.id,
        "action": "conversation.taken_over",
        "target_table": "conversations",
        "target_id": conversation_id,
        "details": {"from_status": "bot"},
    }
    assert jobs.summaries == [conversation_id]  # a handoff is a meaningful change


def test_an_agent_of_another_store_gets_403_and_nothing_changes(
    api: TestClient, db: Db, shop: Shop, jobs: RecordingQueue
) -> None:
    conversation_id = new_conversation(db, shop.id)
    before = conversation(db, conversation_id)

    for action in ("take-over", "hand-back", "resolve"):
        response = api.post(
            shop.url(f"conversations/{conversation_id}/{action}"), headers=shop.stranger.headers
        )
        assert response.status_code == 403, action
    response = api.post(
        shop.url(f"conversations/{conversation_id}/assign"),
        headers=shop.stranger.headers,
        json={"assignee_id": shop.stranger.id},
    )
    assert response.status_code == 403

    assert conversation(db, conversation_id) == before
    assert audits(db, shop.id) == []
    assert jobs.summaries == []


def test_a_conversation_of_another_store_is_not_found_through_ones_own(
    api: TestClient, db: Db, shop: Shop
) -> None:
    theirs = new_conversation(db, shop.other_store_id)

    response = api.post(shop.url(f"conversations/{theirs}/take-over"), headers=shop.agent.headers)
    unknown = api.post(shop.url(f"conversations/{uuid.uuid4()}/take-over"), headers=shop.agent.headers)

    assert response.status_code == 404
    assert unknown.status_code == 404
    assert conversation(db, theirs)["status"] == "bot"


def test_handing_back_gives_the_conversation_to_the_bot(api: TestClient, db: Db, shop: Shop) -> None:
    conversation_id = new_conversation(db, shop.id)
    api.post(shop.url(f"conversations/{conversation_id}/take-over"), headers=shop.agent.headers)

    response = api.post(shop.url(f"conversations/{conversation_id}/hand-back"), headers=shop.agent.headers)

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["assignee_id"]) == ("bot", None)
    stored = conversation(db, conversation_id)
    assert (stored["status"], stored["assignee_id"]) == ("bot", None)
    assert [a["action"] for a in audits(db, shop.id)] == [
        "conversation.taken_over",
        "conversation.handed_back",
    ]


def test_resolving_keeps_open_tickets_and_closes_the_conversation_to_actions(
    api: TestClient, db: Db, shop: Shop
) -> None:
    conversation_id = new_conversation(db, shop.id)
    db.execute(
        "insert into tickets (store_id, conversation_id, subject) values (%s, %s, 'Refund')",
        (shop.id, conversation_id),
    )

    response = api.post(shop.url(f"conversations/{conversation_id}/resolve"), headers=shop.admin.headers)

    assert response.status_code == 200
    stored = conversation(db, conversation_id)
    assert (stored["status"], stored["resolution"]) == ("resolved", "human")
    assert stored["resolved_at"] is not None
    ticket = db.execute("select status::text from tickets where conversation_id = %s", (conversation_id,))
    assert ticket.fetchone() == {"status": "open"}
    assert [(a["actor_id"], a["action"]) for a in audits(db, shop.id)] == [
        (shop.admin.id, "conversation.resolved")
    ]

    again = api.post(shop.url(f"conversations/{conversation_id}/take-over"), headers=shop.agent.headers)
    assert again.status_code == 409
    assert again.json() == {"detail": "the conversation is resolved"}


def test_an_admin_assigns_a_colleague_and_an_agent_only_themselves(
    api: TestClient, db: Db, shop: Shop
) -> None:
    conversation_id = new_conversation(db, shop.id)
    url = shop.url(f"conversations/{conversation_id}/assign")

    by_agent = api.post(url, headers=shop.agent.headers, json={"assignee_id": shop.admin.id})
    by_admin = api.post(url, headers=shop.admin.headers, json={"assignee_id": shop.agent.id})
    let_go = api.post(url, headers=shop.agent.headers, json={"assignee_id": None})

    assert by_agent.status_code == 403
    assert by_admin.status_code == 200
    assert by_admin.json()["assignee_id"] == shop.agent.id
    assert by_admin.json()["status"] == "bot"  # assigning is not taking over
    assert let_go.status_code == 200
    assert conversation(db, conversation_id)["assignee_id"] is None
    assert [(a["actor_id"], a["details"]) for a in audits(db, shop.id, "conversation.assigned")] == [
        (shop.admin.id, {"assignee_id": shop.agent.id, "from_assignee_id": None}),
        (shop.agent.id, {"assignee_id": None, "from_assignee_id": shop.agent.id}),
    ]


@pytest.mark.parametrize("body", [{"assignee_id": "stranger"}, {}, {"assignee_id": "not-a-uuid"}])
def test_assigning_someone_outside_the_store_or_nobody_in_particular_is_422(
    api: TestClient, db: Db, shop: Shop, body: dict[str, str]
) -> None:
    conversation_id = new_conversation(db, shop.id)
    if body.get("assignee_id") == "stranger":
        body = {"assignee_id": shop.stranger.id}

    response = api.post(
        shop.url(f"conversations/{conversation_id}/assign"), headers=shop.owner.headers, json=body
    )

    assert response.status_code == 422
    assert conversation(db, conversation_id)["assignee_id"] is None
