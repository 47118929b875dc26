"""DEV-ONLY WhatsApp simulator: a page on the local functions server where anyone can chat as a shop's
customer. Messages go through the same signed Twilio webhook as real ones (signed with the store's
auth token); the bot's replies, stored as sandbox messages, appear in the page."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from supabase import Client

from sapa.channels.twilio.signature import sign
from sapa.channels.twilio.storage import find_store
from sapa.db import rows
from sapa.local.config import StackConfig

PAGE = Path(__file__).with_name("simulator.html")
E164 = r"^\+[1-9][0-9]{6,14}$"


class SimulatedMessage(BaseModel):
    store_id: str
    phone: str = Field(pattern=E164)
    name: str = Field(default="", max_length=200)
    body: str = Field(min_length=1, max_length=4096)


def create_simulator_router(config: StackConfig, supabase: Client) -> APIRouter:
    router = APIRouter(prefix="/simulator", include_in_schema=False)
    webhook_url = f"{config.functions_url}/webhooks/twilio"

    @router.get("", response_class=HTMLResponse)
    def page() -> str:
        return PAGE.read_text()

    @router.get("/api/stores")
    def stores() -> list[dict[str, Any]]:
        return rows(supabase.table("stores").select("id, name, whatsapp_number").order("name").execute().data)

    @router.get("/api/customers")
    def customers(store_id: str) -> list[dict[str, Any]]:
        return rows(
            supabase.table("customers")
            .select("phone, name")
            .eq("store_id", store_id)
            .not_.is_("phone", "null")
            .order("name")
            .limit(50)
            .execute()
            .data
        )

    @router.get("/api/messages")
    def messages(store_id: str, phone: Annotated[str, Query(pattern=E164)]) -> list[dict[str, Any]]:
        latest = rows(
            supabase.table("messages")
            .select(
                "id, direction, sender, body, status, created_at, conversations!inner(customers!inner(phone))"
            )
            .eq("store_id", store_id)
            .eq("conversations.customers.phone", phone)
            .order("created_at", desc=True)
            .limit(50)
            .execute()
            .data
        )
        return [{k: v for k, v in row.items() if k != "conversations"} for row in reversed(latest)]

    @router.post("/api/send")
    def send(message: SimulatedMessage) -> dict[str, str]:
        # A plain `def`: it runs in the thread pool. The stack serves the gateway on this same event loop,
        # so a blocking call from the loop itself would wait on a server that cannot answer.
        number, token = _store_with_token(supabase, message.store_id)
        form = {
            "MessageSid": "SM" + secrets.token_hex(16),
            "AccountSid": "AC" + "0" * 32,
            "From": f"whatsapp:{message.phone}",
            "To": f"whatsapp:{number}",
            "Body": message.body,
            "NumMedia": "0",
            "ProfileName": message.name,
            "WaId": message.phone.lstrip("+"),
        }
        headers = {"X-Twilio-Signature": sign(webhook_url, form, token)}
        response = httpx.post(webhook_url, data=form, headers=headers, timeout=10.0)
        if response.status_code != 200:
            raise HTTPException(502, f"the webhook answered {response.status_code}")
        return {"message_sid": form["MessageSid"]}

    return router


def _store_with_token(supabase: Client, store_id: str) -> tuple[str, str]:
    """The store's WhatsApp number and the auth token its webhooks are signed with."""
    found = rows(
        supabase.table("stores").select("whatsapp_number").eq("id", store_id).limit(1).execute().data
    )
    number = found[0]["whatsapp_number"] if found else None
    store = find_store(supabase, number) if number else None
    if number is None or store is None or store.auth_token is None:
        raise HTTPException(404, "this store has no WhatsApp number or Twilio auth token")
    return number, store.auth_token
