"""The composer's templates and the team to assign: per store, for members only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.inbox import Db, Shop, new_template


def test_members_get_their_stores_approved_templates_with_their_variables(
    api: TestClient, db: Db, shop: Shop
) -> None:
    approved = new_template(db, shop.id, "Halo kak {{1}}, pesanan #{{2}} sudah dikirim ({{1}}).")
    new_template(db, shop.id, "Belum disetujui", name="draft", status="pending")
    new_template(db, shop.other_store_id, "Toko lain {{1}}")

    response = api.get(shop.url("templates"), headers=shop.agent.headers)

    assert response.status_code == 200
    [template] = response.json()
    assert template["content_sid"] == approved
    assert (template["name"], template["language"]) == ("order_update", "id")
    assert template["variables"] == ["1", "2"]
    assert api.get(shop.url("templates"), headers=shop.stranger.headers).status_code == 403


def test_members_get_their_team_with_names_and_roles(api: TestClient, shop: Shop) -> None:
    response = api.get(shop.url("members"), headers=shop.agent.headers)

    assert response.status_code == 200
    assert [(m["user_id"], m["role"], m["email"], m["full_name"]) for m in response.json()] == [
        (shop.owner.id, "owner", shop.owner.email, "Owner"),
        (shop.admin.id, "admin", shop.admin.email, "Admin"),
        (shop.agent.id, "agent", shop.agent.email, "Agent"),
    ]
    assert api.get(shop.url("members"), headers=shop.stranger.headers).status_code == 403
