"""GET/PUT /api/stores/{id}/notifications through the app against the stack's database: the defaults, an
event turned on with an approved template round-trips, parts left out are kept, bad settings get 422 with
the path of what is wrong and change nothing, and only the store's owners and admins read or write them."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.inbox import Db, Shop

ORDER_BODY = "Halo {{1}}, pesanan #{{2}} sudah selesai. Terima kasih!"
EVENTS = {"processing", "on-hold", "shipped", "completed", "cancelled", "refunded"}
OFF = {"enabled": False, "template_id": None, "variables": {}}
VARIABLES = {"1": "{{first_name|Kak}}", "2": "{{order_number}}"}


def add_template(db: Db, store_id: str, body: str = ORDER_BODY, *, status: str = "approved") -> str:
    row = db.execute(
        "insert into whatsapp_templates (store_id, name, content_sid, language, body, status)"
        " values (%s, 'order_' || substr(md5(random()::text), 1, 8), %s, 'id', %s, %s) returning id::text",
        (store_id, "HX" + secrets.token_hex(16), body, status),
    ).fetchone()
    assert row is not None
    return str(row["id"])


def completed(template_id: str | None, variables: dict[str, str] = VARIABLES) -> dict[str, Any]:
    return {"events": {"completed": {"enabled": True, "template_id": template_id, "variables": variables}}}


def stored(db: Db, shop: Shop) -> dict[str, Any]:
    row = db.execute("select notification_settings from stores where id = %s", (shop.id,)).fetchone()
    assert row is not None
    return dict(row["notification_settings"])


def turned_on(settings: dict[str, Any]) -> dict[str, datetime]:
    """The enabled_at of each message that is on (taken out of `settings`), by name."""
    kinds = {**settings["events"], "abandoned_checkout": settings["abandoned_checkout"]}
    times = {name: kind.pop("enabled_at") for name, kind in kinds.items()}
    return {name: datetime.fromisoformat(at) for name, at in times.items() if at is not None}


def test_a_new_store_sends_nothing(api: TestClient, shop: Shop) -> None:
    response = api.get(shop.url("notifications"), headers=shop.admin.headers)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "events": dict.fromkeys(EVENTS, OFF | {"enabled_at": None}),
        "quiet_hours": None,
        "abandoned_checkout": OFF | {"enabled_at": None, "after_minutes": 60, "second_after_hours": None},
    }


def test_an_event_turned_on_round_trips_and_parts_left_out_are_kept(
    api: TestClient, shop: Shop, db: Db
) -> None:
    template = add_template(db, shop.id)
    recovery = add_template(db, shop.id, "Kak {{1}}, pesananmu menunggu: {{2}}")

    saved = api.put(
        shop.url("notifications"),
        headers=shop.owner.headers,
        json=completed(template) | {"quiet_hours": {"start": "21:00", "end": "08:00"}},
    )
    assert saved.status_code == 200, saved.text
    saved_settings = saved.json()
    assert set(turned_on(saved_settings)) == {"completed"}
    assert saved_settings["events"]["completed"] == {
        "enabled": True,
        "template_id": template,
        "variables": VARIABLES,
    }

    abandoned = {
        "enabled": True,
        "after_minutes": 90,
        "second_after_hours": 24,
        "template_id": recovery,
        "variables": {"1": "{{first_name}}", "2": "{{pay_url}}"},
    }
    again = api.put(
        shop.url("notifications"), headers=shop.admin.headers, json={"abandoned_checkout": abandoned}
    )
    assert again.status_code == 200, again.text

    read = api.get(shop.url("notifications"), headers=shop.owner.headers).json()
    again_settings, in_database = again.json(), stored(db, shop)
    times = turned_on(read)
    assert times == turned_on(again_settings) == turned_on(in_database)
    assert set(times) == {"completed", "abandoned_checkout"}
    assert abs(times["completed"] - datetime.now(UTC)) < timedelta(minutes=5), "turned on just now"
    assert read == again_settings == in_database
    assert read["events"]["completed"]["template_id"] == template, "events left out are kept"
    assert read["quiet_hours"] == {"start": "21:00", "end": "08:00"}, "quiet hours left out are kept"
    assert read["abandoned_checkout"] == abandoned
    assert read["events"]["processing"] == OFF

    off = api.put(shop.url("notifications"), headers=shop.owner.headers, json={"quiet_hours": None})
    assert off.status_code == 200 and off.json()["quiet_hours"] is None


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown event", "events.delivered: unknown event"),
        ("enabled without template", "events.completed.template_id: an enabled message needs a template"),
        ("template of another store", "events.completed.template_id: this store has no template"),
        ("pending template", "events.completed.template_id: the template order_"),
        (
            "placeholder without value",
            "events.completed.variables.2: the template's placeholder {{2}} needs a value",
        ),
        ("unknown field", "events.completed.variables.2: unknown order field {{foo}}"),
        ("quiet hours 25:00", "quiet_hours.start: a time of day"),
        ("quiet hours same start and end", "quiet_hours: start and end are the same time"),
        ("abandoned after 5 minutes", "abandoned_checkout.after_minutes: whole minutes from 15"),
    ],
)
def test_bad_settings_are_refused_with_what_is_wrong_and_change_nothing(
    api: TestClient, shop: Shop, db: Db, case: str, message: str
) -> None:
    template = add_template(db, shop.id)
    body = {
        "unknown event": {"events": {"delivered": {"enabled": False}}},
        "enabled without template": completed(None),
        "template of another store": completed(add_template(db, shop.other_store_id)),
        "pending template": completed(add_template(db, shop.id, status="pending")),
        "placeholder without value": completed(template, {"1": "{{first_name}}"}),
        "unknown field": completed(template, {"1": "{{first_name}}", "2": "{{ foo | x }}"}),
        "quiet hours 25:00": {"quiet_hours": {"start": "25:00", "end": "08:00"}},
        "quiet hours same start and end": {"quiet_hours": {"start": "21:00", "end": "21:00"}},
        "abandoned after 5 minutes": {
            "abandoned_checkout": {"enabled": False, "after_minutes": 5, "template_id": None}
        },
    }[case]
    before = stored(db, shop)

    refused = api.put(shop.url("notifications"), headers=shop.owner.headers, json=body)

    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"].startswith(message), refused.json()["detail"]
    assert stored(db, shop) == before


def test_a_misspelt_setting_is_refused_before_the_database(api: TestClient, shop: Shop) -> None:
    refused = api.put(
        shop.url("notifications"),
        headers=shop.owner.headers,
        json={"events": {"completed": {"enabeld": True}}},
    )

    assert refused.status_code == 422
    assert {"enabeld", "enabled"} <= {
        str(part) for error in refused.json()["detail"] for part in error["loc"]
    }


def test_only_the_stores_owners_and_admins_read_or_change_them(api: TestClient, shop: Shop, db: Db) -> None:
    template = add_template(db, shop.id)
    before = stored(db, shop)

    assert api.get(shop.url("notifications"), headers=shop.agent.headers).status_code == 403
    assert (
        api.put(shop.url("notifications"), headers=shop.agent.headers, json=completed(template)).status_code
        == 403
    )
    assert api.get(shop.url("notifications"), headers=shop.stranger.headers).status_code == 403
    assert (
        api.put(
            shop.url("notifications"), headers=shop.stranger.headers, json=completed(template)
        ).status_code
        == 403
    )
    assert api.put(shop.url("notifications")).status_code == 401
    assert stored(db, shop) == before
