-- The assistant's replies: one reply job per inbound message, claimed atomically, so a retried or
-- duplicated job never produces two replies; failures are recorded where an operator can see them.

create type public.reply_job_status as enum ('working', 'done', 'skipped', 'failed');

alter table public.messages add column reply_to uuid references public.messages (id) on delete set null;
comment on column public.messages.reply_to is 'For bot replies: the inbound message answered.';
create index messages_reply_to_idx on public.messages (reply_to) where reply_to is not null;

create table public.reply_jobs (
  message_id uuid primary key references public.messages (id) on delete cascade,
  store_id uuid not null references public.stores (id) on delete cascade,
  status public.reply_job_status not null,
  attempts integer not null default 1 check (attempts >= 1),
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.reply_jobs is 'One per inbound message the bot answers (or skips); failed ones carry the error.';
create index reply_jobs_store_status_idx on public.reply_jobs (store_id, status);

create trigger set_updated_at before update on public.reply_jobs
  for each row execute function private.set_updated_at();

revoke all on public.reply_jobs from anon, authenticated;
grant select on public.reply_jobs to authenticated;
grant all on public.reply_jobs to service_role;

alter table public.reply_jobs enable row level security;
create policy "members can view their store's reply jobs" on public.reply_jobs
  for select to authenticated using (public.has_role_on_store(store_id));

-- Claim the reply to an inbound message. Returns the job when the caller should work on it: new, failed
-- before, or abandoned mid-way (a worker that died: 'working' untouched for p_stale). Returns nothing
-- when it is done, skipped, or being worked on now.
create function public.claim_reply(p_message_id uuid, p_stale interval default interval '2 minutes')
returns setof public.reply_jobs
language sql
set search_path = ''
as $$
  insert into public.reply_jobs (message_id, store_id, status)
  select m.id, m.store_id, 'working'
  from public.messages m
  where m.id = p_message_id and m.direction = 'inbound'
  on conflict (message_id) do update
    set status = 'working', attempts = public.reply_jobs.attempts + 1, last_error = null
    where public.reply_jobs.status = 'failed'
       or (public.reply_jobs.status = 'working' and public.reply_jobs.updated_at < now() - p_stale)
  returning *
$$;

create function public.finish_reply(p_message_id uuid, p_status public.reply_job_status, p_error text default null)
returns void
language sql
set search_path = ''
as $$
  update public.reply_jobs
  set status = p_status, last_error = left(p_error, 2000)
  where message_id = p_message_id
$$;

-- Everything the worker needs to answer an inbound message, in one round trip: the message, its
-- conversation and customer, whether a newer customer message exists (its reply will answer both), the
-- parts of a reply already stored (a retry), the recent history, and where and how to send.
create function public.reply_context(p_message_id uuid, p_history integer default 20)
returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'message', jsonb_build_object('id', m.id, 'store_id', m.store_id, 'conversation_id', m.conversation_id,
                                  'body', m.body, 'created_at', m.created_at),
    'conversation_status', c.status,
    'customer', jsonb_build_object('phone', cu.phone, 'name', cu.name),
    'has_newer_inbound', exists (
      select 1 from public.messages n
      where n.conversation_id = m.conversation_id and n.direction = 'inbound' and n.created_at > m.created_at
    ),
    'stored_parts', coalesce((
      select jsonb_agg(jsonb_build_object('id', r.id, 'body', r.body, 'status', r.status) order by r.created_at, r.id)
      from public.messages r where r.reply_to = m.id
    ), '[]'::jsonb),
    'history', coalesce((
      select jsonb_agg(jsonb_build_object('role', h.sender, 'text', h.body) order by h.created_at)
      from (
        select e.sender, e.body, e.created_at from public.messages e
        where e.conversation_id = m.conversation_id and e.created_at < m.created_at and e.sender <> 'system'
        order by e.created_at desc limit p_history
      ) h
    ), '[]'::jsonb),
    'destination', jsonb_build_object(
      'from_phone', s.whatsapp_number, 'to_phone', cu.phone, 'last_inbound_at', c.last_inbound_at,
      'account_sid', k.twilio_account_sid, 'auth_token', k.twilio_auth_token
    )
  )
  from public.messages m
  join public.conversations c on c.id = m.conversation_id
  join public.customers cu on cu.id = c.customer_id
  join public.stores s on s.id = m.store_id
  left join public.store_credentials k on k.store_id = m.store_id
  where m.id = p_message_id and m.direction = 'inbound'
$$;

-- Store the bot's reply (one row per WhatsApp message part, status queued) and, when the assistant hands
-- off, move the conversation to a person and open a ticket, all in one transaction. On a retry the
-- parts already stored are returned instead of new ones.
create function public.record_bot_reply(
  p_message_id uuid,
  p_parts text[],
  p_metadata jsonb,
  p_handoff boolean default false,
  p_handoff_reason text default null
) returns setof public.messages
language plpgsql
set search_path = ''
as $$
declare
  v_inbound public.messages;
  v_part text;
begin
  select * into strict v_inbound from public.messages where id = p_message_id and direction = 'inbound';
  if exists (select 1 from public.messages where reply_to = p_message_id) then
    return query select * from public.messages where reply_to = p_message_id order by created_at, id;
    return;
  end if;
  if coalesce(array_length(p_parts, 1), 0) = 0 then
    raise exception 'a reply needs at least one part' using errcode = 'check_violation';
  end if;
  foreach v_part in array p_parts loop
    insert into public.messages (store_id, conversation_id, direction, sender, body, status, metadata, reply_to,
                                 created_at)
    values (v_inbound.store_id, v_inbound.conversation_id, 'outbound', 'bot', v_part, 'queued', p_metadata,
            p_message_id, clock_timestamp());
  end loop;
  if p_handoff then
    update public.conversations
    set status = 'human', handed_off_at = now()
    where id = v_inbound.conversation_id and status = 'bot';
    insert into public.tickets (store_id, conversation_id, subject, priority)
    select v_inbound.store_id, v_inbound.conversation_id, coalesce(p_handoff_reason, 'Customer needs a person'),
           case v_inbound.urgency when 'high' then 'high'::public.ticket_priority else 'normal' end
    where not exists (
      select 1 from public.tickets t where t.conversation_id = v_inbound.conversation_id and t.status <> 'resolved'
    );
  end if;
  return query select * from public.messages where reply_to = p_message_id order by created_at, id;
end;
$$;

-- The outcome of handing one outbound message to the provider.
create function public.record_send_result(
  p_message_id uuid,
  p_status public.message_status,
  p_provider_message_id text default null,
  p_error text default null,
  p_latency_ms integer default null
) returns void
language sql
set search_path = ''
as $$
  update public.messages
  set status = p_status,
      provider_message_id = coalesce(p_provider_message_id, provider_message_id),
      metadata = metadata || jsonb_strip_nulls(jsonb_build_object('error', p_error, 'latency_ms', p_latency_ms))
  where id = p_message_id and direction = 'outbound'
$$;

revoke execute on function public.claim_reply, public.finish_reply, public.reply_context, public.record_bot_reply,
  public.record_send_result from public, anon, authenticated;
grant execute on function public.claim_reply, public.finish_reply, public.reply_context, public.record_bot_reply,
  public.record_send_result to service_role;
