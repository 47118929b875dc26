"""WhatsApp's customer service window: free-form messages only within 24 hours of the customer's last
message; outside it, only an approved template (Twilio ContentSid)."""

from __future__ import annotations

from datetime import datetime, timedelta

SERVICE_WINDOW = timedelta(hours=24)


class OutsideServiceWindow(Exception):
    """Free text was about to be sent outside the 24-hour window."""


def require_open_window(last_inbound_at: datetime | None, now: datetime, *, is_template: bool) -> None:
    if is_template:
        return
    if last_inbound_at is None or now - last_inbound_at > SERVICE_WINDOW:
        raise OutsideServiceWindow(
            "WhatsApp allows free-form messages only within 24 hours of the customer's last message; "
            "send an approved template instead"
        )
