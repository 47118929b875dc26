"""The `assumed-resolutions` job: conversations with the bot whose customer has been silent for 24 hours
after the bot's last answer are resolved as `bot_assumed` (DESIGN §6; SQL resolve_assumed_conversations,
the same rule the KPI functions apply to the ones not reached yet)."""

from __future__ import annotations

from sapa.jobs.runs import RunContext, integer

BATCH = 500


def resolve_assumed(context: RunContext, store_id: str) -> bool:
    while not context.out_of_time():
        params = {"p_store_id": store_id, "p_limit": BATCH}
        resolved = integer(context.supabase.rpc("resolve_assumed_conversations", params).execute().data)
        context.add(resolved)
        if resolved < BATCH:
            return False
    return True
