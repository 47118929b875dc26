-- The output guard between the LLM and the customer (functions/sapa/assistant/guard.py): the store's
-- limits it enforces, and what it decided, counted per store for analysts and the KPI page.
--
-- Each part of a bot reply carries the reply's metadata; an LLM answer the guard checked has
-- metadata.guard = {"decision": "passed" | "retried" | "replaced", "reasons": ["tool_syntax", ...],
-- "refusals": [{"code", "detail"}]}: passed = sent as the model wrote it; retried = refused once, the
-- model's corrected answer was sent; replaced = the offline responder (grounded) or the handoff sentence
-- was sent instead. A reply is counted once, however many parts it has.

-- Tables ------------------------------------------------------------------------------------------
alter table public.stores
  add column bot_languages text[] not null default '{id,en}'
    check (cardinality(bot_languages) between 1 and 2 and bot_languages <@ '{id,en}'::text[]),
  add column bot_max_reply_chars integer not null default 1600
    check (bot_max_reply_chars between 160 and 4800);
comment on column public.stores.bot_languages is
  'The languages the assistant answers in (id, en); an LLM answer in another language is refused.';
comment on column public.stores.bot_max_reply_chars is
  'The longest LLM answer that is sent (characters; 1600 = one WhatsApp message); longer ones are refused.';

create index messages_bot_guard_idx on public.messages (store_id, created_at)
  where sender = 'bot' and metadata ? 'guard';

-- Grants ------------------------------------------------------------------------------------------
grant update (bot_languages, bot_max_reply_chars) on public.stores to authenticated;

-- Functions ---------------------------------------------------------------------------------------
-- The bot replies of a store in [p_from, p_to) that the guard checked, one row per reply (its first
-- part). Security invoker: the caller's RLS on messages decides what it sees.
create function public.bot_reply_guard(p_store_id uuid, p_from timestamptz, p_to timestamptz)
returns table (
  inbound_message_id uuid, conversation_id uuid, created_at timestamptz, responder text, decision text,
  reasons text[], fallback_reason text
)
language plpgsql stable
set search_path = ''
as $$
begin
  perform private.kpi_check_period(p_store_id, p_from, p_to);
  return query
  select distinct on (m.reply_to)
         m.reply_to, m.conversation_id, m.created_at, m.metadata ->> 'responder', m.metadata -> 'guard' ->> 'decision',
         array(select pg_catalog.jsonb_array_elements_text(
                 case when pg_catalog.jsonb_typeof(m.metadata -> 'guard' -> 'reasons') = 'array'
                      then m.metadata -> 'guard' -> 'reasons' else '[]'::jsonb end)),
         m.metadata ->> 'fallback_reason'
  from public.messages m
  where m.store_id = p_store_id and m.sender = 'bot' and m.metadata ? 'guard' and m.reply_to is not null
    and m.created_at >= p_from and m.created_at < p_to
  order by m.reply_to, m.created_at, m.id;
end;
$$;
comment on function public.bot_reply_guard is
  'The bot replies in the period whose LLM answer the output guard checked: its decision and reasons, one row per reply.';

-- Share of the checked LLM answers the guard refused at least once (retried or replaced), in the shape
-- of the other rate KPIs.
create function public.guard_refusal_rate(p_store_id uuid, p_from timestamptz, p_to timestamptz)
returns table (value numeric, numerator bigint, denominator bigint)
language sql stable
set search_path = ''
as $$
  select round(c.refused::numeric / nullif(c.checked, 0), 4), c.refused, c.checked
  from (
    select count(*) filter (where g.decision in ('retried', 'replaced')) as refused, count(*) as checked
    from public.bot_reply_guard(p_store_id, p_from, p_to) g
  ) c
$$;
comment on function public.guard_refusal_rate is
  'Share of the LLM answers in the period that the output guard refused at least once (then retried or replaced).';

-- Why: per decision and reason, how many replies (a reply refused for two reasons counts under both;
-- passed replies have reason null).
create function public.guard_reasons(p_store_id uuid, p_from timestamptz, p_to timestamptz)
returns table (decision text, reason text, replies bigint)
language sql stable
set search_path = ''
as $$
  select g.decision, r.reason, count(*)
  from public.bot_reply_guard(p_store_id, p_from, p_to) g
  left join lateral pg_catalog.unnest(g.reasons) as r (reason) on true
  group by g.decision, r.reason
  order by g.decision, count(*) desc, r.reason
$$;
comment on function public.guard_reasons is
  'The output guard''s decisions in the period, per decision and refusal reason: how many replies.';

revoke execute on function public.bot_reply_guard, public.guard_refusal_rate, public.guard_reasons
  from public, anon;
grant execute on function public.bot_reply_guard, public.guard_refusal_rate, public.guard_reasons
  to authenticated, service_role;
