"""Order updates and abandoned-checkout recovery: what the store sends on WhatsApp (owners and admins).

GET /api/stores/{store_id}/notifications → 200
    {"events": {"processing" | "on-hold" | "shipped" | "completed" | "cancelled" | "refunded":
                  {"enabled", "template_id", "variables", "enabled_at"}},
     "quiet_hours": {"start": "21:00", "end": "08:00"} | null,
     "abandoned_checkout": {"enabled", "after_minutes", "second_after_hours" | null, "template_id",
                            "variables", "enabled_at"}}
PUT the same path, the same shape → 200 the whole stored document. Parts left out are kept: an event not
    named keeps its setting, and so do "quiet_hours" and "abandoned_checkout" when absent. 422 with the path
    of what is wrong (`events.completed.template_id: an enabled message needs a template`), and nothing
    changed, on bad input.

An enabled message needs an approved template of the provider the store sends through, and a text for
each of its placeholders: `variables` maps "1", "2" … to text in which the order's fields are filled in
when it is sent: {{first_name}}, {{name}}, {{order_number}}, {{total}}, {{items}}, {{tracking_number}},
{{tracking_url}}, {{pay_url}}, {{store_name}}, each with an optional default for when the order lacks it
({{first_name|Kak}}). `after_minutes` (15 to 10080) is how long an unpaid checkout waits for its recovery
message; `second_after_hours` (1 to 168, or null for none) when a second follows. Quiet hours hold messages
until they end, in the store's time zone. `enabled_at` is when a message was turned on: only changes
WooCommerce made from then on are sent (so turning one on, or a resync, never tells customers about the past).

The rules live in public.set_notification_settings (migration 20261203000600), so a change made in Studio
is held to them too; the models here only give the body its shape and clear errors for a misspelt key."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from sapa.api.deps import StoreAdmin, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES, refusals_as_http_errors
from sapa.db import rows

router = APIRouter(
    prefix="/api/stores/{store_id}/notifications", tags=["notifications"], responses=AUTH_RESPONSES
)

Event = Literal["processing", "on-hold", "shipped", "completed", "cancelled", "refunded"]


class MessageSetting(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool
    template_id: uuid.UUID | None = None
    variables: dict[str, str] = Field(
        default_factory=dict,
        description='Text for each placeholder: {"1": "{{first_name|Kak}}", "2": "{{order_number}}"}',
    )
    enabled_at: datetime | None = Field(
        default=None,
        description="When it was turned on (set by Sapa): changes WooCommerce made before then send nothing."
        " A past time may be given, to send updates of the changes made since then.",
    )


class QuietHours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: str = Field(description='"HH:MM", the store\'s time zone', examples=["21:00"])
    end: str = Field(examples=["08:00"])


class AbandonedCheckout(MessageSetting):
    after_minutes: int = Field(description="Minutes an unpaid checkout waits for the message (15 to 10080)")
    second_after_hours: int | None = Field(
        default=None, description="Hours after the first when a second message follows (1 to 168); null: none"
    )


class NotificationSettings(BaseModel):
    events: dict[Event, MessageSetting]
    quiet_hours: QuietHours | None
    abandoned_checkout: AbandonedCheckout


class NotificationSettingsChange(BaseModel):
    """The parts to change; an event is replaced whole, an unknown one is refused by the SQL (it names the
    known ones)."""

    model_config = ConfigDict(extra="forbid")

    events: dict[str, MessageSetting] = Field(default_factory=dict)
    quiet_hours: QuietHours | None = Field(default=None, description="null: no quiet hours")
    abandoned_checkout: AbandonedCheckout | None = None


@router.get("", response_model=NotificationSettings)
def get_notifications(admin: StoreAdmin, supabase: SupabaseDep) -> NotificationSettings:
    found = rows(
        supabase.table("stores").select("notification_settings").eq("id", str(admin.store_id)).execute().data
    )
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such store")
    return NotificationSettings.model_validate(found[0]["notification_settings"])


@router.put("", response_model=NotificationSettings, responses={422: {}})
def put_notifications(
    change: NotificationSettingsChange, admin: StoreAdmin, supabase: SupabaseDep
) -> NotificationSettings:
    settings = change.model_dump(mode="json", exclude_unset=True)
    with refusals_as_http_errors():
        stored = supabase.rpc(
            "set_notification_settings", {"p_store_id": str(admin.store_id), "p_settings": settings}
        ).execute()
    return NotificationSettings.model_validate(stored.data)
