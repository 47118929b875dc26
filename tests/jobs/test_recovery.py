"""Replies left unfinished by an earlier run of the local stack are enqueued again at start."""

from __future__ import annotations

import secrets

import psycopg
from supabase import Client

from sapa.jobs.recovery import requeue_pending_replies
from tests.conftest import Stack


class RecordingQueue:
    def __init__(self) -> None:
        self.replies: list[tuple[str, str]] = []

    def enqueue_reply(self, store_id: str, message_id: str) -> None:
        self.replies.append((store_id, message_id))

    def enqueue_summary(self, conversation_id: str) -> None:
        raise AssertionError("recovery enqueues replies only")


def _ingest(service_client: Client, stack: Stack) -> str:
    params = {
        "p_to_phone": stack.demo_whatsapp_number,
        "p_from_phone": "+6289955" + str(secrets.randbelow(10**6)).zfill(6),
        "p_profile_name": "Tertinggal",
        "p_message_sid": "SM" + secrets.token_hex(16),
        "p_body": "Halo, masih buka?",
        "p_media": [],
    }
    (row,) = service_client.rpc("ingest_whatsapp_message", params).execute().data  # type: ignore[misc]
    return str(row["message_id"])  # type: ignore[call-overload, index]


def test_a_message_whose_reply_never_ran_is_enqueued_again(service_client: Client, stack: Stack) -> None:
    stored_only = _ingest(service_client, stack)  # stored, but the process died before its job ran
    failed_once = _ingest(service_client, stack)
    service_client.rpc("claim_reply", {"p_message_id": failed_once}).execute()
    service_client.rpc(
        "finish_reply", {"p_message_id": failed_once, "p_status": "failed", "p_error": "x"}
    ).execute()
    replied_by_agent = _ingest(service_client, stack)
    answered = _ingest(service_client, stack)
    service_client.rpc("claim_reply", {"p_message_id": answered}).execute()
    service_client.rpc("finish_reply", {"p_message_id": answered, "p_status": "done"}).execute()

    queue = RecordingQueue()
    with psycopg.connect(stack.db_url, autocommit=True) as conn:  # a conversation answered some other way
        conn.execute(
            "insert into messages (store_id, conversation_id, direction, sender, body, status)"
            " select store_id, conversation_id, 'outbound', 'agent', 'Sudah dibalas', 'sent'"
            " from messages where id = %s",
            (replied_by_agent,),
        )
    requeue_pending_replies(service_client, queue)

    requeued = {message_id for _, message_id in queue.replies}
    assert {stored_only, failed_once} <= requeued
    assert answered not in requeued
    assert replied_by_agent not in requeued
    assert all(
        store_id == stack.demo_store_id for store_id, message_id in queue.replies if message_id in requeued
    )
