-- Outages: an outbound message (the bot's reply, an agent's message) that Twilio could not take — 5xx,
-- 429, a timeout — is not lost and not failed: it waits here and the `stale-sends` job sends it again
-- with exponential backoff (30 s, 1 min, 2 min, … capped at 30 min) for up to 24 hours, then gives up
-- and marks it failed. A conversation's messages go out in their order: while one waits, the later ones
-- of the same conversation wait behind it (hold_send). A message is never sent twice: it leaves this
-- table when its send is recorded, and after an ambiguous failure (a timeout: Twilio may have taken it)
-- the job looks for it in Twilio's message list before sending again. The inbox shows "WhatsApp delivery
-- delayed since <the oldest first_failed_at>" while the store has rows here (members read them).
-- A permanent refusal (invalid number 21211, window closed 63016, …) never comes here: it is recorded
-- on the message as failed at once.

create table public.outbound_retries (
  message_id uuid primary key references public.messages (id) on delete cascade,
  store_id uuid not null references public.stores (id) on delete cascade,
  conversation_id uuid not null,
  attempts integer not null default 0 check (attempts >= 0),
  first_failed_at timestamptz not null default now(),
  next_attempt_at timestamptz not null default now(),
  ambiguous boolean not null default false,
  last_error text check (length(last_error) <= 2000),
  created_at timestamptz not null default now()
);
comment on table public.outbound_retries is
  'Outbound messages waiting to be sent again after Twilio failed (5xx, 429, timeout), or waiting behind one that is.';
comment on column public.outbound_retries.ambiguous is
  'A try may have reached Twilio (a timeout): look for the message in Twilio''s list before sending again.';
create index outbound_retries_store_due_idx on public.outbound_retries (store_id, next_attempt_at);
create index outbound_retries_conversation_idx on public.outbound_retries (conversation_id);

revoke all on public.outbound_retries from anon, authenticated;
grant select on public.outbound_retries to authenticated;
grant all on public.outbound_retries to service_role;

alter table public.outbound_retries enable row level security;
create policy "members can view their store's delayed sends" on public.outbound_retries
  for select to authenticated using (public.has_role_on_store(store_id));

-- The inbox's banner appears and goes live.
create trigger broadcast_change after insert or update or delete on public.outbound_retries
  for each row execute function private.broadcast_store_change();

create function private.send_backoff(p_attempts integer) returns interval
language sql immutable
set search_path = ''
as $$ select least(interval '30 seconds' * power(2, greatest(p_attempts, 1) - 1), interval '30 minutes') $$;

-- Before sending: when an earlier message of the conversation is waiting, this one waits behind it
-- (returns true: do not send now). Also true when the message is waiting already.
create function public.hold_send(p_message_id uuid) returns boolean
language sql
set search_path = ''
as $$
  with earlier as (
    select m.id, m.store_id, m.conversation_id, min(r.first_failed_at) as first_failed_at,
           min(r.next_attempt_at) as next_attempt_at
    from public.messages m
    join public.outbound_retries r on r.conversation_id = m.conversation_id and r.message_id <> m.id
    where m.id = p_message_id and m.direction = 'outbound'
    group by m.id, m.store_id, m.conversation_id
  ), held as (
    insert into public.outbound_retries (message_id, store_id, conversation_id, first_failed_at, next_attempt_at,
                                         last_error)
    select e.id, e.store_id, e.conversation_id, e.first_failed_at, e.next_attempt_at,
           'waiting behind an earlier message of the conversation'
    from earlier e
    on conflict (message_id) do nothing
    returning 1
  )
  select exists (select from held) or exists (select from public.outbound_retries where message_id = p_message_id)
$$;

-- Twilio could not take the message: schedule the next try (backoff by attempts), or, 24 hours after
-- the first failure, give up: the conversation's waiting messages are marked failed with the reason.
-- Returns 'retrying' or 'failed'.
create function public.delay_send(
  p_message_id uuid, p_error text, p_ambiguous boolean default false, p_give_up_after interval default '24 hours'
) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_retry public.outbound_retries;
begin
  insert into public.outbound_retries as r (message_id, store_id, conversation_id, attempts, next_attempt_at,
                                            ambiguous, last_error)
  select m.id, m.store_id, m.conversation_id, 1, now() + private.send_backoff(1), coalesce(p_ambiguous, false),
         left(p_error, 2000)
  from public.messages m
  where m.id = p_message_id and m.direction = 'outbound' and m.status = 'queued'
  on conflict (message_id) do update
    set attempts = r.attempts + 1, next_attempt_at = now() + private.send_backoff(r.attempts + 1),
        ambiguous = r.ambiguous or excluded.ambiguous, last_error = excluded.last_error
  returning * into v_retry;
  if v_retry.message_id is null then
    raise exception 'no queued outbound message %', p_message_id using errcode = 'no_data_found';
  end if;
  if now() - v_retry.first_failed_at < p_give_up_after then
    return 'retrying';
  end if;
  update public.messages m
  set status = 'failed',
      metadata = m.metadata || jsonb_build_object('error',
        'Not delivered: WhatsApp (Twilio) kept failing for ' ||
        round(extract(epoch from p_give_up_after) / 3600, 1) || ' hours (last: ' ||
        left(coalesce(p_error, 'unknown'), 300) || ')')
  where m.id in (select r.message_id from public.outbound_retries r where r.conversation_id = v_retry.conversation_id)
    and m.status = 'queued';
  delete from public.outbound_retries where conversation_id = v_retry.conversation_id;
  return 'failed';
end;
$$;

-- The send is over (sent, sandboxed, or refused for good): record it and let the message go from here.
create function public.record_retried_send(
  p_message_id uuid, p_status public.message_status, p_provider_message_id text default null,
  p_error text default null
) returns void
language plpgsql
set search_path = ''
as $$
begin
  perform public.record_send_result(p_message_id, p_status, p_provider_message_id, p_error, null);
  delete from public.outbound_retries where message_id = p_message_id;
end;
$$;

-- The conversations of a store whose first waiting message is due, at most p_limit of them, claimed
-- for p_claim_seconds (a second runner skips them): their waiting messages in order, with what a
-- resend needs (the message, its template, whether a try was ambiguous).
create function public.due_sends(p_store_id uuid, p_limit integer default 20, p_claim_seconds integer default 120)
returns table (message_id uuid, conversation_id uuid, body text, template jsonb, attempts integer,
               first_failed_at timestamptz, ambiguous boolean, created_at timestamptz)
language plpgsql
set search_path = ''
as $$
begin
  -- One claim at a time per store: the next one sees what this one claimed.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('due_sends:' || p_store_id::text, 0));
  return query
  with heads as (
    select distinct on (r.conversation_id) r.conversation_id, r.next_attempt_at
    from public.outbound_retries r
    join public.messages m on m.id = r.message_id
    where r.store_id = p_store_id
    order by r.conversation_id, m.created_at, m.id
  ), due as (
    select h.conversation_id from heads h
    where h.next_attempt_at <= now()
    order by h.next_attempt_at
    limit least(greatest(p_limit, 1), 500)
  ), claimed as (
    update public.outbound_retries r
    set next_attempt_at = now() + make_interval(secs => p_claim_seconds)
    from due d
    where r.conversation_id = d.conversation_id
    returning r.*
  )
  select c.message_id, c.conversation_id, m.body, m.metadata -> 'template', c.attempts, c.first_failed_at,
         c.ambiguous, m.created_at
  from claimed c
  join public.messages m on m.id = c.message_id
  order by c.conversation_id, m.created_at, m.id;
end;
$$;

revoke execute on function public.hold_send, public.delay_send, public.record_retried_send, public.due_sends,
  private.send_backoff from public, anon, authenticated;
grant execute on function public.hold_send, public.delay_send, public.record_retried_send, public.due_sends,
  private.send_backoff to service_role;
