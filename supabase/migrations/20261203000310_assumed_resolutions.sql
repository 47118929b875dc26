-- The `assumed-resolutions` job (DESIGN §6): a conversation still with the bot whose customer has not
-- written for 24 hours after the bot's last answer is resolved as `bot_assumed`. The rule is the one
-- kpi_conversation_counts applies on the fly to the conversations the job has not reached yet, so the
-- KPI figures do not move when the job stores it: from then on they read the stored resolution (the
-- rollup's bot_assumed). resolved_at is the instant the rule was met (24 h after the last bot answer),
-- so a late run stores the same thing as a punctual one.
--
-- One batch of at most p_limit conversations, in one short transaction; returns how many it resolved.
-- Idempotent: a resolved conversation is no longer a candidate.
create function public.resolve_assumed_conversations(
  p_store_id uuid, p_limit integer default 500, p_now timestamptz default now()
) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_resolved integer;
begin
  if p_limit is null or p_limit < 1 or p_limit > 10000 then
    raise exception 'p_limit must be between 1 and 10000' using errcode = 'invalid_parameter_value';
  end if;
  with due as (
    select f.conversation_id, f.last_bot_at
    from private.kpi_conversations f
    where f.store_id = p_store_id and f.status = 'bot' and f.resolution is null
      and f.last_bot_at <= p_now - interval '24 hours'
      and (f.last_customer_at is null or f.last_customer_at <= f.last_bot_at)
    order by f.created_at
    limit p_limit
  )
  update public.conversations c
  set status = 'resolved', resolution = 'bot_assumed', resolved_at = d.last_bot_at + interval '24 hours'
  from due d
  where c.id = d.conversation_id and c.store_id = p_store_id and c.status = 'bot'
    -- the facts may lag a message being written right now: the conversation's own stamp decides
    and (c.last_inbound_at is null or c.last_inbound_at <= d.last_bot_at);
  get diagnostics v_resolved = row_count;
  return v_resolved;
end;
$$;
comment on function public.resolve_assumed_conversations is
  'Resolve as bot_assumed (in batches) the conversations with the bot whose customer has been silent 24 h after the bot''s last answer.';

revoke execute on function public.resolve_assumed_conversations from public, anon, authenticated;
grant execute on function public.resolve_assumed_conversations to service_role;
