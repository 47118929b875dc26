"""The `stale-sends` job: outbound messages Twilio could not take (5xx, 429, a timeout) are sent again
from `outbound_retries`, a conversation's messages in their order, with exponential backoff, for up to
settings.send_give_up_hours (then they are marked failed). Never twice: a message leaves the table when
its send is recorded, and after an ambiguous failure (Twilio may have created it) it is first looked
for in Twilio's message list. A window that closed meanwhile, or any other refusal for good, is recorded
on the message as failed at once; the messages behind it go on."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any

from pydantic import BaseModel, ConfigDict
from supabase import Client

from sapa.channels.twilio.sender import SendResult, TwilioSender, TwilioUnavailable
from sapa.conversations.outbound import Destination, Template, delay_send
from sapa.conversations.window import OutsideServiceWindow, require_open_window
from sapa.db import rows
from sapa.jobs.runs import RunContext

logger = logging.getLogger(__name__)

CONVERSATIONS_PER_BATCH = 20


class WaitingMessage(BaseModel):
    """A row of due_sends."""

    model_config = ConfigDict(frozen=True)

    message_id: str
    conversation_id: str
    body: str
    template: dict[str, Any] | None
    attempts: int
    first_failed_at: datetime
    ambiguous: bool


def send_waiting(context: RunContext, store_id: str) -> bool:
    sender = TwilioSender(context.settings)
    give_up_after = timedelta(hours=context.settings.send_give_up_hours)
    while not context.out_of_time():
        params = {
            "p_store_id": store_id,
            "p_limit": CONVERSATIONS_PER_BATCH,
            "p_claim_seconds": context.settings.scheduled_job_lease_seconds,
        }
        due = [
            WaitingMessage.model_validate(r)
            for r in rows(context.supabase.rpc("due_sends", params).execute().data)
        ]
        if not due:
            return False
        for conversation_id, waiting in groupby(due, key=lambda m: m.conversation_id):
            destination = _destination(context.supabase, store_id, conversation_id)
            for message in waiting:
                sent = _send_again(context.supabase, sender, destination, message, give_up_after)
                context.add(1 if sent else 0)
                if not sent:
                    break  # still failing: the later messages of the conversation keep waiting behind it
    return True


def waiting_stores(supabase: Client) -> list[str]:
    """Stores with a message waiting whose next try is due (the job visits only these)."""
    now = datetime.now(UTC).isoformat()
    found = (
        supabase.table("outbound_retries")
        .select("store_id")
        .lte("next_attempt_at", now)
        .limit(5000)
        .execute()
    )
    return sorted({str(row["store_id"]) for row in rows(found.data)})


def _destination(supabase: Client, store_id: str, conversation_id: str) -> Destination | None:
    params = {"p_store_id": store_id, "p_conversation_id": conversation_id}
    data = supabase.rpc("conversation_destination", params).execute().data
    if not isinstance(data, dict) or not data.get("destination", {}).get("from_phone"):
        return None
    return Destination.model_validate(data["destination"])


def _send_again(
    supabase: Client,
    sender: TwilioSender,
    destination: Destination | None,
    message: WaitingMessage,
    give_up_after: timedelta,
) -> bool:
    """True when the message's fate is settled (sent, found sent, or failed for good); False when it
    waits for another try."""
    if destination is None:
        _record(
            supabase, message, SendResult("failed", error="The store has no WhatsApp number to send from")
        )
        return True
    template = Template.model_validate(message.template) if message.template else None
    try:
        require_open_window(destination.last_inbound_at, datetime.now(UTC), is_template=template is not None)
        if message.ambiguous and destination.account_sid and destination.auth_token:
            found = sender.find_sent(
                account_sid=destination.account_sid,
                auth_token=destination.auth_token,
                from_phone=destination.from_phone,
                to_phone=destination.to_phone,
                body=message.body,
                since=message.first_failed_at,
            )
            if found is not None:
                logger.info(
                    "message %s had reached Twilio before the timeout: not sent again", message.message_id
                )
                _record(supabase, message, found)
                return True
        result = sender.send(
            account_sid=destination.account_sid,
            auth_token=destination.auth_token,
            from_phone=destination.from_phone,
            to_phone=destination.to_phone,
            body=None if template else message.body,
            content_sid=template.content_sid if template else None,
            content_variables=template.variables if template else None,
        )
    except TwilioUnavailable as error:
        outcome = delay_send(supabase, message.message_id, error, give_up_after=give_up_after)
        logger.warning("message %s still not sent (%s): %s", message.message_id, error, outcome)
        return False
    except (OutsideServiceWindow, ValueError) as error:
        _record(supabase, message, SendResult("failed", error=f"Not sent: {error}"))
        return True
    _record(supabase, message, result)
    return True


def _record(supabase: Client, message: WaitingMessage, result: SendResult) -> None:
    params = {
        "p_message_id": message.message_id,
        "p_status": result.status,
        "p_provider_message_id": result.provider_message_id,
        "p_error": result.error,
    }
    supabase.rpc("record_retried_send", params).execute()
