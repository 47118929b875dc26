"""GET/PUT /api/stores/{id}/assistant, its versions and revert, and the "try it" dry run, through the app
against the stack's database: owners and admins write, agents read, strangers get 403, bad input gets 422
with what is wrong and stores nothing, and trying a draft stores and sends nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.inbox import Db, Shop

DRAFT_HOURS = {
    "mon": "09:00-17:00",
    "Tuesday": [{"open": "09:00", "close": "12:00"}, {"open": "13:00", "close": "17:00"}],
}


def _count(db: Db, table: str, shop: Shop) -> int:
    row = db.execute(f"select count(*) as n from {table} where store_id = %s", (shop.id,)).fetchone()
    assert row is not None
    return int(row["n"])


def test_a_store_that_never_saved_gets_the_defaults(api: TestClient, shop: Shop) -> None:
    response = api.get(shop.url("assistant"), headers=shop.agent.headers)

    assert response.status_code == 200
    body = response.json()
    assert {"name", "greeting", "enabled", "business_hours", "handoff_topics"} <= body.keys()
    assert (body["name"], body["greeting"], body["enabled"], body["version"]) == ("Sapa", None, True, None)
    assert body["business_hours"]["sun"] == [{"open": "00:00", "close": "24:00"}], "always open by default"
    assert (body["languages"], body["max_answer_chars"], body["timezone"]) == (
        ["id", "en"],
        1600,
        "Asia/Jakarta",
    )


def test_owners_and_admins_save_versions_agents_only_read(api: TestClient, shop: Shop, db: Db) -> None:
    first = api.put(
        shop.url("assistant"),
        headers=shop.admin.headers,
        json={"name": "Dewi", "handoff_topics": ["wholesale"]},
    )
    assert first.status_code == 200, first.text
    assert (first.json()["name"], first.json()["version"], first.json()["updated_by"]) == (
        "Dewi",
        1,
        shop.admin.email,
    )

    current = api.get(shop.url("assistant"), headers=shop.owner.headers).json()
    second = api.put(
        shop.url("assistant"),
        headers=shop.owner.headers,
        json=current
        | {"tone": "professional", "business_hours": DRAFT_HOURS, "timezone": "Europe/Amsterdam"},
    )  # GET's answer sent back whole, read-only keys and all
    assert second.status_code == 200, second.text
    saved = second.json()
    assert (saved["version"], saved["name"], saved["tone"], saved["handoff_topics"]) == (
        2,
        "Dewi",
        "professional",
        ["wholesale"],
    )
    assert saved["business_hours"]["tue"] == [
        {"open": "09:00", "close": "12:00"},
        {"open": "13:00", "close": "17:00"},
    ]
    assert saved["business_hours"]["wed"] == [], "days left out are closed"
    store = db.execute("select timezone from stores where id = %s", (shop.id,)).fetchone()
    assert store is not None and store["timezone"] == "Europe/Amsterdam"

    refused = api.put(shop.url("assistant"), headers=shop.agent.headers, json={"name": "Agen"})
    assert refused.status_code == 403
    assert api.get(shop.url("assistant"), headers=shop.stranger.headers).status_code == 403
    assert api.get(shop.url("assistant"), headers=shop.agent.headers).json()["name"] == "Dewi"

    versions = api.get(shop.url("assistant/versions"), headers=shop.agent.headers).json()
    assert [(v["version"], v["created_by_email"]) for v in versions] == [
        (2, shop.owner.email),
        (1, shop.admin.email),
    ]


def test_revert_makes_an_old_version_current_as_a_new_version(api: TestClient, shop: Shop) -> None:
    api.put(shop.url("assistant"), headers=shop.owner.headers, json={"name": "Dewi", "emoji": False})
    api.put(shop.url("assistant"), headers=shop.owner.headers, json={"name": "Rara", "emoji": True})

    reverted = api.post(shop.url("assistant/versions/1/revert"), headers=shop.admin.headers)

    assert reverted.status_code == 200, reverted.text
    assert (reverted.json()["version"], reverted.json()["name"], reverted.json()["emoji"]) == (
        3,
        "Dewi",
        False,
    )
    versions = api.get(shop.url("assistant/versions"), headers=shop.owner.headers).json()
    assert versions[0]["reverted_from"] == 1 and versions[0]["settings"] == versions[2]["settings"]
    assert api.post(shop.url("assistant/versions/9/revert"), headers=shop.owner.headers).status_code == 404
    assert api.post(shop.url("assistant/versions/1/revert"), headers=shop.agent.headers).status_code == 403


BAD: list[tuple[dict[str, Any], str]] = [
    ({"name": ""}, "name"),
    ({"max_answer_chars": 50}, "max_answer_chars: Input should be greater than or equal to 160"),
    ({"timezone": "Mars/Olympus"}, "timezone: 'Mars/Olympus' is not an IANA time zone"),
    (
        {"business_hours": {"mon": [{"open": "17:00", "close": "09:00"}]}},
        "closes (09:00) before it opens (17:00)",
    ),
    ({"business_hours": {"someday": "09:00-17:00"}}, "'someday' is not a day of the week"),
    ({"business_hours": {"mon": "9-5"}}, "is not a time of day as HH:MM"),
    ({"greeting": "Halo {customer}!"}, "unknown placeholder {customer}"),
    ({"languages": ["fr"]}, "languages.0"),
    ({"enabled": "maybe"}, "enabled"),
    ({"handoff_topics": ["x"]}, "each hand-off topic is 2 to 60 characters"),
    ({"colour": "blue"}, "colour: not a setting"),
    ({"outside_hours": "ignore"}, "outside_hours"),
]


def test_bad_settings_get_422_with_what_is_wrong_and_nothing_is_stored(
    api: TestClient, shop: Shop, db: Db
) -> None:
    api.put(shop.url("assistant"), headers=shop.owner.headers, json={"name": "Dewi"})

    for body, expected in BAD:
        response = api.put(shop.url("assistant"), headers=shop.owner.headers, json=body)
        assert response.status_code == 422, body
        assert expected in response.json()["detail"], (body, response.json())
        assert response.json()["detail"].startswith("invalid assistant settings: ")

    assert _count(db, "assistant_settings_versions", shop) == 1
    assert api.get(shop.url("assistant"), headers=shop.owner.headers).json()["name"] == "Dewi"


def test_try_it_answers_with_the_draft_and_changes_nothing(api: TestClient, shop: Shop, db: Db) -> None:
    api.put(shop.url("assistant"), headers=shop.owner.headers, json={"name": "Dewi"})
    before = {
        table: _count(db, table, shop)
        for table in ("assistant_settings_versions", "messages", "conversations", "customers", "audit_log")
    }

    response = api.post(
        shop.url("assistant/try"),
        headers=shop.admin.headers,
        json={"question": "Halo kak", "settings": {"name": "Rara", "emoji": False}},
    )

    assert response.status_code == 200, response.text
    tried = response.json()
    assert tried["parts"][0].startswith("Halo kak. Saya Rara, asisten virtual Inbox Test Shop."), tried[
        "parts"
    ]
    assert (tried["responder"], tried["handoff"], tried["documents"]) == ("offline", False, [])
    product = api.post(
        shop.url("assistant/try"), headers=shop.owner.headers, json={"question": "Ada batik tulis ukuran L?"}
    ).json()
    assert [call["name"] for call in product["tool_calls"]][:1] == ["search_products"], (
        "the tools it used are shown"
    )
    after = {table: _count(db, table, shop) for table in before}
    assert after == before, "a try-out stores nothing"
    assert api.get(shop.url("assistant"), headers=shop.owner.headers).json()["name"] == "Dewi", (
        "the draft is not saved"
    )
    bad = api.post(
        shop.url("assistant/try"),
        headers=shop.owner.headers,
        json={"question": "Halo", "settings": {"max_answer_chars": 1}},
    )
    assert bad.status_code == 422 and "max_answer_chars" in bad.json()["detail"]
    assert (
        api.post(shop.url("assistant/try"), headers=shop.agent.headers, json={"question": "Halo"}).status_code
        == 403
    )


def test_other_ways_of_writing_hours_and_topics_are_understood(api: TestClient, shop: Shop) -> None:
    as_list = [
        {"day": "sat", "open": "10:00", "close": "14:00"},
        {"day": "Monday", "open": "09:00", "close": "17:00"},
    ]
    first = api.put(
        shop.url("assistant"),
        headers=shop.owner.headers,
        json={"business_hours": as_list, "handoff_topics": "wholesale, complaints"},
    )
    assert first.status_code == 200, first.text
    assert first.json()["business_hours"]["sat"] == [{"open": "10:00", "close": "14:00"}]
    assert first.json()["handoff_topics"] == ["wholesale", "complaints"]

    zoned = api.put(
        shop.url("assistant"),
        headers=shop.owner.headers,
        json={"business_hours": {"timezone": "Europe/Amsterdam", "fri": "09:00-17:00"}},
    )
    assert zoned.status_code == 200, zoned.text
    assert zoned.json()["timezone"] == "Europe/Amsterdam" and zoned.json()["business_hours"]["sat"] == []
