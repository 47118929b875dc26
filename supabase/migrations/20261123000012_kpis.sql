-- KPIs: one definition of each figure, as SQL functions the dashboard calls over PostgREST and analysts call
-- in Supabase Studio (docs/kpis.md). Every kpi_* function takes (p_store_id, p_from, p_to): the period is
-- [p_from, p_to), two instants; the store's time zone (stores.timezone) cuts the buckets of the series.
--
-- They are security invoker, so RLS decides what a caller sees: a member of another store gets empty
-- figures. To stay fast on millions of rows they read rollups kept by triggers in schema private:
--   kpi_message_slots       inbound / reply messages per store and 15-minute slot (UTC)
--   kpi_label_hours         classifier labels of inbound messages per store and hour
--   kpi_conversations       one row of facts per conversation (first replies, agent messages, conversion)
--   kpi_conversation_hours  conversations created per store and hour, with their outcomes
--   kpi_order_hours         paid orders and revenue per store, hour and currency
--   kpi_customers           per customer: when acquired, and when active (multiranges of instants)
-- 15 minutes divides every UTC offset in use (+05:30, +05:45, ...), so a slot always lies in one local
-- hour or day. The part of a period that does not fill whole slots (or hours) is read from the rows
-- themselves, so figures are exact for any p_from / p_to. private.kpi_rebuild(store) recomputes a store's
-- rollups from its rows, for data written with triggers off (the demo seed, a restore, the benchmark).

-- Tables ------------------------------------------------------------------------------------------
create table private.kpi_message_slots (
  store_id uuid not null references public.stores (id) on delete cascade,
  slot timestamptz not null,
  inbound integer not null default 0,
  outbound integer not null default 0,
  primary key (store_id, slot)
);
comment on table private.kpi_message_slots is
  'Rollup for kpi_message_volume: messages per store and 15-minute UTC slot (outbound = bot and agent replies, no system notes or broadcasts).';

create table private.kpi_label_hours (
  store_id uuid not null references public.stores (id) on delete cascade,
  hour timestamptz not null,
  kind text not null check (kind in ('category', 'urgency')),
  label text not null,
  n integer not null default 0,
  primary key (store_id, hour, kind, label)
);
comment on table private.kpi_label_hours is 'Rollup for kpi_label_mix: labelled inbound messages per store, UTC hour and label.';

-- No foreign key to stores here: a store's deletion reaches these rows through its conversations and
-- customers, and the triggers never write a row for a conversation or customer that is gone.
create table private.kpi_conversations (
  conversation_id uuid primary key references public.conversations (id) on delete cascade,
  store_id uuid not null,
  customer_id uuid not null,
  created_at timestamptz not null,
  status public.conversation_status not null,
  resolution public.conversation_resolution,
  handed_off_at timestamptz,
  first_customer_at timestamptz,
  last_customer_at timestamptz,
  first_bot_reply_at timestamptz,
  last_bot_at timestamptz,
  first_agent_reply_at timestamptz,
  agent_messages integer not null default 0,
  last_message_at timestamptz,
  converted_at timestamptz,
  bot_response_seconds double precision,
  human_response_seconds double precision
);
comment on table private.kpi_conversations is 'Per-conversation facts behind the conversation KPIs (copied and derived; kept by triggers).';
comment on column private.kpi_conversations.first_bot_reply_at is 'First bot message at or after the first customer message.';
comment on column private.kpi_conversations.first_agent_reply_at is 'First agent message at or after the handoff.';
comment on column private.kpi_conversations.last_message_at is 'Last customer message or reply (system notes and broadcasts do not count).';
comment on column private.kpi_conversations.converted_at is
  'Creation time of the customer''s first paid order placed between the conversation''s start and 7 days after its last message.';
create index kpi_conversations_store_created_idx on private.kpi_conversations (store_id, created_at);
create index kpi_conversations_customer_idx on private.kpi_conversations (customer_id);
-- Percentiles read every answered conversation of the period: from the index alone.
create index kpi_conversations_bot_response_idx on private.kpi_conversations (store_id, created_at)
  include (bot_response_seconds) where bot_response_seconds is not null;
create index kpi_conversations_human_response_idx on private.kpi_conversations (store_id, created_at)
  include (human_response_seconds) where human_response_seconds is not null;
-- Conversations still with the bot: the candidates for an assumed resolution the job has not stored yet.
create index kpi_conversations_with_bot_idx on private.kpi_conversations (store_id, created_at) where status = 'bot';

create table private.kpi_conversation_hours (
  store_id uuid not null references public.stores (id) on delete cascade,
  hour timestamptz not null,
  conversations integer not null default 0,
  handed_off integer not null default 0,
  bot_confirmed integer not null default 0,
  bot_assumed integer not null default 0,
  primary key (store_id, hour)
);
comment on table private.kpi_conversation_hours is
  'Rollup for kpi_escalation and kpi_bot_resolution: conversations created per store and UTC hour, handed off, and resolved by the bot with no agent message (stored resolutions).';

create table private.kpi_order_hours (
  store_id uuid not null references public.stores (id) on delete cascade,
  hour timestamptz not null,
  currency text not null,
  orders integer not null default 0,
  revenue numeric not null default 0,
  primary key (store_id, hour, currency)
);
comment on table private.kpi_order_hours is 'Rollup for kpi_aov: paid orders (processing, completed) and their totals per store, UTC hour (order date) and currency.';

create table private.kpi_customers (
  customer_id uuid primary key references public.customers (id) on delete cascade,
  store_id uuid not null,
  acquired_at timestamptz not null,
  active tstzmultirange not null default '{}',
  conversations tstzmultirange not null default '{}',
  converted tstzmultirange not null default '{}'
);
comment on table private.kpi_customers is 'Per-customer facts behind acquisition, retention and conversion.';
comment on column private.kpi_customers.acquired_at is 'First contact: the earliest of first_seen_at, their first conversation and their first order.';
comment on column private.kpi_customers.active is 'The instants the customer was active: conversations started and orders placed (not drafts or trashed).';
comment on column private.kpi_customers.conversations is 'The instants their conversations started.';
comment on column private.kpi_customers.converted is 'The instants their converted conversations started (a paid order followed within the window).';
create index kpi_customers_store_acquired_idx on private.kpi_customers (store_id, acquired_at);

-- What the triggers look rows up by: a customer's conversations.
create index conversations_customer_created_idx on public.conversations (customer_id, created_at);

-- Grants ------------------------------------------------------------------------------------------
revoke all on private.kpi_message_slots, private.kpi_label_hours, private.kpi_conversations,
  private.kpi_conversation_hours, private.kpi_order_hours, private.kpi_customers
  from public, anon, authenticated, service_role;
grant select on private.kpi_message_slots, private.kpi_label_hours, private.kpi_conversations,
  private.kpi_conversation_hours, private.kpi_order_hours, private.kpi_customers
  to authenticated, service_role;

-- RLS ---------------------------------------------------------------------------------------------
-- The stores the caller belongs to. Policies compare with `= any (array(select ...))`, which the planner
-- evaluates once per query (an InitPlan); has_role_on_store(store_id) runs a lookup for every row, and a
-- six-month KPI reads hundreds of thousands of them.
create function private.member_store_ids() returns setof uuid
language sql stable security definer
set search_path = ''
as $$
  select m.store_id from public.store_members m where m.user_id = (select auth.uid())
$$;
revoke execute on function private.member_store_ids from public, anon;
grant execute on function private.member_store_ids to authenticated, service_role;

alter table private.kpi_message_slots enable row level security;
alter table private.kpi_label_hours enable row level security;
alter table private.kpi_conversations enable row level security;
alter table private.kpi_conversation_hours enable row level security;
alter table private.kpi_order_hours enable row level security;
alter table private.kpi_customers enable row level security;

create policy "members can view their store's message counts" on private.kpi_message_slots
  for select to authenticated using (store_id = any (array(select private.member_store_ids())));
create policy "members can view their store's label counts" on private.kpi_label_hours
  for select to authenticated using (store_id = any (array(select private.member_store_ids())));
create policy "members can view their store's conversation facts" on private.kpi_conversations
  for select to authenticated using (store_id = any (array(select private.member_store_ids())));
create policy "members can view their store's conversation counts" on private.kpi_conversation_hours
  for select to authenticated using (store_id = any (array(select private.member_store_ids())));
create policy "members can view their store's order counts" on private.kpi_order_hours
  for select to authenticated using (store_id = any (array(select private.member_store_ids())));
create policy "members can view their store's customer facts" on private.kpi_customers
  for select to authenticated using (store_id = any (array(select private.member_store_ids())));

-- The same meaning as before (any member of the store reads), in the once-per-query form: the KPI
-- functions read the edges of a period from these tables.
alter policy "members can view their store's messages" on public.messages
  using (store_id = any (array(select private.member_store_ids())));
alter policy "members can view their store's orders" on public.orders
  using (store_id = any (array(select private.member_store_ids())));

-- Definitions shared by rollups and KPIs ----------------------------------------------------------
-- SQL-standard bodies (resolved when created, so no search_path applies) that the planner inlines: they
-- run once per row, and a function with its own `set search_path` would be called, not inlined.
create function private.kpi_slot(p_at timestamptz) returns timestamptz
language sql immutable
return pg_catalog.date_bin('15 minutes', p_at, timestamptz '2000-01-01 00:00:00+00');

create function private.kpi_hour(p_at timestamptz) returns timestamptz
language sql immutable
return pg_catalog.date_bin('1 hour', p_at, timestamptz '2000-01-01 00:00:00+00');

-- Outbound messages that count as replies: the bot's and the agents'. System notes (handoff markers)
-- never leave Sapa; broadcasts are campaigns, not conversation (the broadcast sender marks its messages
-- with metadata.broadcast_id).
create function private.kpi_is_reply(p_sender public.message_sender, p_metadata jsonb) returns boolean
language sql immutable
return p_sender in ('bot', 'agent') and not coalesce(p_metadata ? 'broadcast_id', false);

-- A paid order (WooCommerce's processing or completed): cancelled, refunded, failed, pending and on-hold
-- orders are not revenue.
create function private.kpi_is_paid(p_status public.order_status) returns boolean
language sql immutable
return p_status in ('processing', 'completed');

-- A customer's activity: starting a conversation, or placing an order that is more than a checkout draft.
create function private.kpi_is_placed(p_status public.order_status) returns boolean
language sql immutable
return p_status not in ('checkout-draft', 'trash');

-- The arguments every KPI takes; bad ones are the caller's error (22023: PostgREST answers 400).
create function private.kpi_check_period(p_store_id uuid, p_from timestamptz, p_to timestamptz) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if p_store_id is null or p_from is null or p_to is null then
    raise exception 'a KPI needs p_store_id, p_from and p_to (none may be null)'
      using errcode = 'invalid_parameter_value';
  end if;
  if not pg_catalog.isfinite(p_from) or not pg_catalog.isfinite(p_to) then
    raise exception 'p_from and p_to must be finite timestamps' using errcode = 'invalid_parameter_value';
  end if;
  if p_from >= p_to then
    raise exception 'the period is empty: p_from (%) must be before p_to (%)', p_from, p_to
      using errcode = 'invalid_parameter_value';
  end if;
end;
$$;

-- The whole slots of [p_from, p_to), as [full_from, full_to): the rollups answer for those, the rows
-- themselves for the rest (less than one slot at each end). A period inside one slot has none.
create function private.kpi_whole_slots(p_from timestamptz, p_to timestamptz, p_size interval)
returns table (full_from timestamptz, full_to timestamptz)
language sql immutable
set search_path = ''
as $$
  with bounds as (
    select pg_catalog.date_bin(p_size, p_from, timestamptz '2000-01-01 00:00:00+00') as from_slot,
           pg_catalog.date_bin(p_size, p_to, timestamptz '2000-01-01 00:00:00+00') as to_slot
  ), whole as (
    select case when from_slot = p_from then from_slot else from_slot + p_size end as full_from, to_slot as full_to
    from bounds
  )
  select case when full_from < full_to then full_from else p_to end,
         case when full_from < full_to then full_to else p_to end
  from whole
$$;

revoke execute on function private.kpi_slot, private.kpi_hour, private.kpi_is_reply, private.kpi_is_paid,
  private.kpi_is_placed, private.kpi_check_period, private.kpi_whole_slots from public, anon;
grant execute on function private.kpi_slot, private.kpi_hour, private.kpi_is_reply, private.kpi_is_paid,
  private.kpi_is_placed, private.kpi_check_period, private.kpi_whole_slots to authenticated, service_role;

-- Facts, computed from the rows ----------------------------------------------------------------------
-- One definition of each kind of facts; the triggers refresh single rows from it and kpi_rebuild whole
-- stores. Owned by the migration role (reads every store): never granted to callers. Broadcasts are not
-- replies: they neither answer a customer nor make a conversation the team's.
create view private.kpi_conversation_facts as
select c.id as conversation_id, c.store_id, c.customer_id, c.created_at, c.status, c.resolution, c.handed_off_at,
       m.first_customer_at, m.last_customer_at, b.first_bot_reply_at, m.last_bot_at, a.first_agent_reply_at,
       m.agent_messages, m.last_message_at, o.converted_at,
       extract(epoch from b.first_bot_reply_at - m.first_customer_at)::double precision as bot_response_seconds,
       extract(epoch from a.first_agent_reply_at - c.handed_off_at)::double precision as human_response_seconds
from public.conversations c
cross join lateral (
  select min(x.created_at) filter (where x.sender = 'customer') as first_customer_at,
         max(x.created_at) filter (where x.sender = 'customer') as last_customer_at,
         max(x.created_at) filter (where x.sender = 'bot' and private.kpi_is_reply(x.sender, x.metadata)) as last_bot_at,
         (count(*) filter (where x.sender = 'agent' and private.kpi_is_reply(x.sender, x.metadata)))::integer
           as agent_messages,
         max(x.created_at) filter (where x.sender = 'customer' or private.kpi_is_reply(x.sender, x.metadata))
           as last_message_at
  from public.messages x
  where x.conversation_id = c.id
) m
cross join lateral (
  select min(x.created_at) as first_bot_reply_at
  from public.messages x
  where x.conversation_id = c.id and x.sender = 'bot' and private.kpi_is_reply(x.sender, x.metadata)
    and x.created_at >= m.first_customer_at
) b
cross join lateral (
  select min(x.created_at) as first_agent_reply_at
  from public.messages x
  where x.conversation_id = c.id and x.sender = 'agent' and private.kpi_is_reply(x.sender, x.metadata)
    and x.created_at >= c.handed_off_at
) a
cross join lateral (
  select min(r.created_at) as converted_at
  from public.orders r
  where r.customer_id = c.customer_id
    and r.store_id = c.store_id
    and private.kpi_is_paid(r.status)
    and r.created_at >= c.created_at
    and r.created_at <= coalesce(m.last_message_at, c.created_at) + interval '7 days'
) o;

-- Reads kpi_conversations: refresh a customer after their conversations' facts.
create view private.kpi_customer_facts as
select cu.id as customer_id, cu.store_id,
       least(cu.first_seen_at, pg_catalog.lower(a.active)) as acquired_at,
       coalesce(a.active, '{}') as active, coalesce(v.conversations, '{}') as conversations,
       coalesce(v.converted, '{}') as converted
from public.customers cu
cross join lateral (
  select range_agg(tstzrange(x.at, x.at, '[]')) as active
  from (
    select k.created_at as at from private.kpi_conversations k where k.customer_id = cu.id
    union all
    select r.created_at from public.orders r where r.customer_id = cu.id and private.kpi_is_placed(r.status)
  ) x
) a
cross join lateral (
  select range_agg(tstzrange(k.created_at, k.created_at, '[]')) as conversations,
         range_agg(tstzrange(k.created_at, k.created_at, '[]')) filter (where k.converted_at is not null) as converted
  from private.kpi_conversations k
  where k.customer_id = cu.id
) v;

revoke all on private.kpi_conversation_facts, private.kpi_customer_facts from public, anon, authenticated, service_role;

-- Rollup maintenance -------------------------------------------------------------------------------
-- Each adds (p_sign = 1) or takes away (-1) one row's contribution. Nothing is written for a store being
-- deleted: its rollup rows go with it.
create function private.kpi_count_message(p_message public.messages, p_sign integer) returns void
language sql
set search_path = ''
as $$
  insert into private.kpi_message_slots as s (store_id, slot, inbound, outbound)
  select p_message.store_id, private.kpi_slot(p_message.created_at),
         case when p_message.direction = 'inbound' then p_sign else 0 end,
         case when p_message.direction = 'outbound' and private.kpi_is_reply(p_message.sender, p_message.metadata)
              then p_sign else 0 end
  where (p_message.direction = 'inbound' or private.kpi_is_reply(p_message.sender, p_message.metadata))
    and exists (select from public.stores st where st.id = p_message.store_id)
  on conflict (store_id, slot) do update
    set inbound = s.inbound + excluded.inbound, outbound = s.outbound + excluded.outbound;

  insert into private.kpi_label_hours as l (store_id, hour, kind, label, n)
  select p_message.store_id, private.kpi_hour(p_message.created_at), k.kind, k.label, p_sign
  from (values ('category', p_message.category::text), ('urgency', p_message.urgency::text)) as k (kind, label)
  where p_message.direction = 'inbound' and k.label is not null
    and exists (select from public.stores st where st.id = p_message.store_id)
  on conflict (store_id, hour, kind, label) do update set n = l.n + excluded.n;
$$;

create function private.kpi_count_conversation(p_facts private.kpi_conversations, p_sign integer) returns void
language sql
set search_path = ''
as $$
  insert into private.kpi_conversation_hours as h (store_id, hour, conversations, handed_off, bot_confirmed, bot_assumed)
  select p_facts.store_id, private.kpi_hour(p_facts.created_at), p_sign,
         case when p_facts.handed_off_at is not null then p_sign else 0 end,
         case when p_facts.resolution = 'bot_confirmed' and p_facts.agent_messages = 0 then p_sign else 0 end,
         case when p_facts.resolution = 'bot_assumed' and p_facts.agent_messages = 0 then p_sign else 0 end
  where exists (select from public.stores st where st.id = p_facts.store_id)
  on conflict (store_id, hour) do update
    set conversations = h.conversations + excluded.conversations,
        handed_off = h.handed_off + excluded.handed_off,
        bot_confirmed = h.bot_confirmed + excluded.bot_confirmed,
        bot_assumed = h.bot_assumed + excluded.bot_assumed;
$$;

create function private.kpi_count_order(p_order public.orders, p_sign integer) returns void
language sql
set search_path = ''
as $$
  insert into private.kpi_order_hours as h (store_id, hour, currency, orders, revenue)
  select p_order.store_id, private.kpi_hour(p_order.created_at), p_order.currency, p_sign, p_sign * p_order.total
  where private.kpi_is_paid(p_order.status)
    and exists (select from public.stores st where st.id = p_order.store_id)
  on conflict (store_id, hour, currency) do update
    set orders = h.orders + excluded.orders, revenue = h.revenue + excluded.revenue;
$$;

create function private.kpi_refresh_conversations(p_ids uuid[]) returns void
language sql
set search_path = ''
as $$
  insert into private.kpi_conversations as k
  select * from private.kpi_conversation_facts f where f.conversation_id = any (p_ids)
  on conflict (conversation_id) do update
    set (store_id, customer_id, created_at, status, resolution, handed_off_at, first_customer_at, last_customer_at,
         first_bot_reply_at, last_bot_at, first_agent_reply_at, agent_messages, last_message_at, converted_at,
         bot_response_seconds, human_response_seconds)
      = (excluded.store_id, excluded.customer_id, excluded.created_at, excluded.status, excluded.resolution,
         excluded.handed_off_at, excluded.first_customer_at, excluded.last_customer_at, excluded.first_bot_reply_at,
         excluded.last_bot_at, excluded.first_agent_reply_at, excluded.agent_messages, excluded.last_message_at,
         excluded.converted_at, excluded.bot_response_seconds, excluded.human_response_seconds)
    where (k.*) is distinct from (excluded.*);
$$;

create function private.kpi_refresh_customers(p_ids uuid[]) returns void
language sql
set search_path = ''
as $$
  insert into private.kpi_customers as k
  select * from private.kpi_customer_facts f where f.customer_id = any (p_ids)
  on conflict (customer_id) do update
    set (store_id, acquired_at, active, conversations, converted)
      = (excluded.store_id, excluded.acquired_at, excluded.active, excluded.conversations, excluded.converted)
    where (k.*) is distinct from (excluded.*);
$$;

-- While kpi_rebuild recomputes a store in bulk, the row triggers stand aside (transaction-local flag).
create function private.kpi_rebuilding() returns boolean
language sql stable
set search_path = ''
as $$ select coalesce(pg_catalog.current_setting('sapa.kpi_rebuilding', true), '') = 'on' $$;

-- Recompute every rollup of one store from its rows: after data was written with triggers off (the demo
-- seed, a restore, the benchmark), or to repair. Returns the number of conversations with facts.
create function private.kpi_rebuild(p_store_id uuid) returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_conversations bigint;
begin
  perform pg_catalog.set_config('sapa.kpi_rebuilding', 'on', true);

  delete from private.kpi_message_slots where store_id = p_store_id;
  insert into private.kpi_message_slots (store_id, slot, inbound, outbound)
  select m.store_id, private.kpi_slot(m.created_at),
         count(*) filter (where m.direction = 'inbound'),
         count(*) filter (where m.direction = 'outbound' and private.kpi_is_reply(m.sender, m.metadata))
  from public.messages m
  where m.store_id = p_store_id and (m.direction = 'inbound' or private.kpi_is_reply(m.sender, m.metadata))
  group by 1, 2;

  delete from private.kpi_label_hours where store_id = p_store_id;
  insert into private.kpi_label_hours (store_id, hour, kind, label, n)
  select m.store_id, private.kpi_hour(m.created_at), k.kind, k.label, count(*)
  from public.messages m
  cross join lateral (values ('category', m.category::text), ('urgency', m.urgency::text)) as k (kind, label)
  where m.store_id = p_store_id and m.direction = 'inbound' and k.label is not null
  group by 1, 2, 3, 4;

  delete from private.kpi_conversations where store_id = p_store_id;
  insert into private.kpi_conversations select * from private.kpi_conversation_facts where store_id = p_store_id;
  get diagnostics v_conversations = row_count;

  delete from private.kpi_conversation_hours where store_id = p_store_id;
  insert into private.kpi_conversation_hours (store_id, hour, conversations, handed_off, bot_confirmed, bot_assumed)
  select k.store_id, private.kpi_hour(k.created_at), count(*),
         count(*) filter (where k.handed_off_at is not null),
         count(*) filter (where k.resolution = 'bot_confirmed' and k.agent_messages = 0),
         count(*) filter (where k.resolution = 'bot_assumed' and k.agent_messages = 0)
  from private.kpi_conversations k
  where k.store_id = p_store_id
  group by 1, 2;

  delete from private.kpi_order_hours where store_id = p_store_id;
  insert into private.kpi_order_hours (store_id, hour, currency, orders, revenue)
  select r.store_id, private.kpi_hour(r.created_at), r.currency, count(*), sum(r.total)
  from public.orders r
  where r.store_id = p_store_id and private.kpi_is_paid(r.status)
  group by 1, 2, 3;

  delete from private.kpi_customers where store_id = p_store_id;
  insert into private.kpi_customers select * from private.kpi_customer_facts where store_id = p_store_id;

  perform pg_catalog.set_config('sapa.kpi_rebuilding', 'off', true);
  return v_conversations;
end;
$$;
comment on function private.kpi_rebuild is
  'Recompute the KPI rollups of one store from its rows: after data was written with triggers off (seed, restore), or to repair.';

-- The migration role (postgres, as in Studio) only; the triggers call these as their owner.
revoke execute on function private.kpi_count_message, private.kpi_count_conversation, private.kpi_count_order,
  private.kpi_refresh_conversations, private.kpi_refresh_customers, private.kpi_rebuilding, private.kpi_rebuild
  from public, anon, authenticated, service_role;

-- Triggers ----------------------------------------------------------------------------------------
-- security definer: whoever writes a row (the service role, an owner's API call), the rollups follow.
create function private.kpi_on_message_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if private.kpi_rebuilding() then
    return null;
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    perform private.kpi_count_message(old, -1);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    perform private.kpi_count_message(new, 1);
  end if;
  perform private.kpi_refresh_conversations(array[old.conversation_id, new.conversation_id]);
  return null;
end;
$$;

create function private.kpi_on_conversation_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if not private.kpi_rebuilding() then
    perform private.kpi_refresh_conversations(array[new.id]);  -- a deleted one's facts go by cascade
  end if;
  return null;
end;
$$;

-- A conversation's facts feed the hourly counts and its customer's facts.
create function private.kpi_on_conversation_facts_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if private.kpi_rebuilding() then
    return null;
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    perform private.kpi_count_conversation(old, -1);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    perform private.kpi_count_conversation(new, 1);
  end if;
  if tg_op <> 'UPDATE' or (old.customer_id, old.created_at, old.converted_at)
                          is distinct from (new.customer_id, new.created_at, new.converted_at) then
    perform private.kpi_refresh_customers(array[old.customer_id, new.customer_id]);
  end if;
  return null;
end;
$$;

-- An order is revenue, activity of its customer, and can convert the customer's conversations.
create function private.kpi_on_order_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if private.kpi_rebuilding() then
    return null;
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    perform private.kpi_count_order(old, -1);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    perform private.kpi_count_order(new, 1);
  end if;
  perform private.kpi_refresh_conversations(array(
    select c.id from public.conversations c where c.customer_id in (old.customer_id, new.customer_id)
  ));
  perform private.kpi_refresh_customers(array[old.customer_id, new.customer_id]);
  return null;
end;
$$;

create function private.kpi_on_customer_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if not private.kpi_rebuilding() then
    perform private.kpi_refresh_customers(array[new.id]);
  end if;
  return null;
end;
$$;

revoke execute on function private.kpi_on_message_change, private.kpi_on_conversation_change,
  private.kpi_on_conversation_facts_change, private.kpi_on_order_change, private.kpi_on_customer_change
  from public, anon, authenticated, service_role;

create trigger kpi_rollups after insert or delete on public.messages
  for each row execute function private.kpi_on_message_change();
-- Status callbacks and send results update messages all the time; only what the KPIs read matters.
create trigger kpi_rollups_update
  after update of store_id, conversation_id, direction, sender, metadata, category, urgency, created_at
  on public.messages
  for each row
  when ((old.store_id, old.conversation_id, old.direction, old.sender, old.category, old.urgency, old.created_at,
         old.metadata ? 'broadcast_id')
        is distinct from
        (new.store_id, new.conversation_id, new.direction, new.sender, new.category, new.urgency, new.created_at,
         new.metadata ? 'broadcast_id'))
  execute function private.kpi_on_message_change();

create trigger kpi_rollups after insert on public.conversations
  for each row execute function private.kpi_on_conversation_change();
create trigger kpi_rollups_update
  after update of store_id, customer_id, created_at, status, resolution, handed_off_at on public.conversations
  for each row
  when ((old.store_id, old.customer_id, old.created_at, old.status, old.resolution, old.handed_off_at)
        is distinct from (new.store_id, new.customer_id, new.created_at, new.status, new.resolution, new.handed_off_at))
  execute function private.kpi_on_conversation_change();

create trigger kpi_rollups after insert or delete on private.kpi_conversations
  for each row execute function private.kpi_on_conversation_facts_change();
create trigger kpi_rollups_update after update on private.kpi_conversations
  for each row
  when ((old.store_id, old.customer_id, old.created_at, old.handed_off_at, old.resolution, old.agent_messages,
         old.converted_at)
        is distinct from (new.store_id, new.customer_id, new.created_at, new.handed_off_at, new.resolution,
                          new.agent_messages, new.converted_at))
  execute function private.kpi_on_conversation_facts_change();

create trigger kpi_rollups after insert or delete on public.orders
  for each row execute function private.kpi_on_order_change();
create trigger kpi_rollups_update after update of store_id, customer_id, created_at, status, total, currency
  on public.orders
  for each row
  when ((old.store_id, old.customer_id, old.created_at, old.status, old.total, old.currency)
        is distinct from (new.store_id, new.customer_id, new.created_at, new.status, new.total, new.currency))
  execute function private.kpi_on_order_change();

create trigger kpi_rollups after insert on public.customers
  for each row execute function private.kpi_on_customer_change();
-- Every inbound message sets first_seen_at (to the earlier of the two): only a real change counts.
create trigger kpi_rollups_update after update of first_seen_at on public.customers
  for each row when (old.first_seen_at is distinct from new.first_seen_at)
  execute function private.kpi_on_customer_change();

-- Existing data.
select private.kpi_rebuild(s.id) from public.stores s;

-- KPI functions -----------------------------------------------------------------------------------
-- Conversation KPIs count the conversations created in the period (their cohort), with what is known
-- of them now.

-- Inbound and outbound messages per bucket of the store's local calendar: 'hour', 'day', 'week' (ISO,
-- from Monday) or 'month'. Every bucket that overlaps the period is returned, empty ones with zeros;
-- a bucket is named by its local start, even when the period starts inside it.
create function public.kpi_message_volume(p_store_id uuid, p_from timestamptz, p_to timestamptz, p_bucket text)
returns table (bucket timestamptz, inbound bigint, outbound bigint)
language plpgsql stable
set search_path = ''
set plan_cache_mode = 'force_custom_plan'
as $$
declare
  v_timezone text;
  v_step interval;
  v_full_from timestamptz;
  v_full_to timestamptz;
begin
  perform private.kpi_check_period(p_store_id, p_from, p_to);
  if p_bucket is null or p_bucket not in ('hour', 'day', 'week', 'month') then
    raise exception 'p_bucket must be hour, day, week or month (got %)', coalesce(p_bucket, 'null')
      using errcode = 'invalid_parameter_value';
  end if;
  v_step := ('1 ' || p_bucket)::interval;
  if p_to - p_from > v_step * 10000 then
    raise exception 'more than 10000 % buckets: choose a larger bucket', p_bucket
      using errcode = 'invalid_parameter_value';
  end if;
  select s.timezone into v_timezone from public.stores s where s.id = p_store_id;
  if v_timezone is null then
    return;  -- no such store, or not the caller's
  end if;
  select w.full_from, w.full_to into v_full_from, v_full_to from private.kpi_whole_slots(p_from, p_to, '15 minutes') w;

  return query
  with buckets as (
    select b.local_start
    from pg_catalog.generate_series(
           pg_catalog.date_trunc(p_bucket, p_from at time zone v_timezone),
           pg_catalog.date_trunc(p_bucket, (p_to - interval '1 microsecond') at time zone v_timezone),
           v_step) as b (local_start)
  ), counts as (
    select pg_catalog.date_trunc(p_bucket, s.slot at time zone v_timezone) as local_start,
           s.inbound::bigint as inbound, s.outbound::bigint as outbound
    from private.kpi_message_slots s
    where s.store_id = p_store_id and s.slot >= v_full_from and s.slot < v_full_to
    union all
    select pg_catalog.date_trunc(p_bucket, m.created_at at time zone v_timezone),
           (m.direction = 'inbound')::integer,
           (m.direction = 'outbound' and private.kpi_is_reply(m.sender, m.metadata))::integer
    from public.messages m
    where m.store_id = p_store_id
      and ((m.created_at >= p_from and m.created_at < v_full_from) or (m.created_at >= v_full_to and m.created_at < p_to))
  )
  -- Grouped by instant: a local hour skipped by a daylight-saving change names the same instant as the
  -- next one (and holds nothing), so it merges into it instead of appearing twice.
  select b.local_start at time zone v_timezone, coalesce(sum(c.inbound), 0)::bigint, coalesce(sum(c.outbound), 0)::bigint
  from buckets b
  left join counts c on c.local_start = b.local_start
  group by 1
  order by 1;
end;
$$;
comment on function public.kpi_message_volume is
  'Inbound and outbound (bot + agent replies; no system notes, no broadcasts) messages per hour/day/week/month of the store''s time zone, zeros included.';

-- Bot first response: first bot message − first customer message, over the conversations created in the
-- period that the bot answered. Seconds; percentile_cont (interpolated).
create function public.kpi_bot_first_response(p_store_id uuid, p_from timestamptz, p_to timestamptz)
returns table (p50_seconds numeric, p90_seconds numeric, n bigint)
language plpgsql stable
set search_path = ''
set plan_cache_mode = 'force_custom_plan'
set work_mem = '64MB'
as $$
begin
  perform private.kpi_check_period(p_store_id, p_from, p_to);
  return query
  select round(x.p[1]::numeric, 1), round(x.p[2]::numeric, 1), x.n
  from (
    select percentile_cont(array[0.5, 0.9]) within group (order by f.bot_response_seconds) as p, count(*) as n
    from private.kpi_conversations f
    where f.store_id = p_store_id and f.created_at >= p_from and f.created_at < p_to
      and f.bot_response_seconds is not null
  ) x;
end;
$$;
comment on function public.kpi_bot_first_response is
  'p50/p90 seconds from the first customer message to the first bot reply, conversations created in the period.';

-- Human first response: first agent message − handoff, over the conversations created in the period that
-- were handed off and answered by a person. The bot's time before the handoff never counts.
create function public.kpi_human_first_response(p_store_id uuid, p_from timestamptz, p_to timestamptz)
returns table (p50_seconds numeric, p90_seconds numeric, n bigint)
language plpgsql stable
set search_path = ''
set plan_cache_mode = 'force_custom_plan'
set work_mem = '64MB'
as $$
begin
  perform private.kpi_check_period(p_store_id, p_from, p_to);
  return query
  select round(x.p[1]::numeric, 1), round(x.p[2]::numeric, 1), x.n
  from (
    select percentile_cont(array[0.5, 0.9]) within group (order by f.human_response_seconds) as p, count(*) as n
    from private.kpi_conversations f
    where f.store_id = p_store_id and f.created_at >= p_from and f.created_at < p_to
      and f.human_response_seconds is not null
  ) x;
end;
$$;
comment on function public.kpi_human_first_response is
  'p50/p90 seconds from the handoff to the first agent message, conversations created in the period.';

-- The conversation cohort's counts: whole hours from the rollup, the partial hours at either end from
-- the facts. assumed adds the conversations still with the bot whose customer has been silent for 24 h
-- after the bot's last answer: the rule the scheduled job applies, counted as of now so that the figure
-- does not wait for the job.
create function private.kpi_conversation_counts(p_store_id uuid, p_from timestamptz, p_to timestamptz)
returns table (conversations bigint, handed_off bigint, bot_confirmed bigint, bot_assumed bigint)
language plpgsql stable
set search_path = ''
set plan_cache_mode = 'force_custom_plan'
as $$
declare
  v_full_from timestamptz;
  v_full_to timestamptz;
begin
  select w.full_from, w.full_to into v_full_from, v_full_to from private.kpi_whole_slots(p_from, p_to, '1 hour') w;
  return query
  with parts as (
    select h.conversations::bigint as conversations, h.handed_off::bigint as handed_off,
           h.bot_confirmed::bigint as bot_confirmed, h.bot_assumed::bigint as bot_assumed
    from private.kpi_conversation_hours h
    where h.store_id = p_store_id and h.hour >= v_full_from and h.hour < v_full_to
    union all
    select 1, (f.handed_off_at is not null)::integer,
           (f.resolution = 'bot_confirmed' and f.agent_messages = 0)::integer,
           (f.resolution = 'bot_assumed' and f.agent_messages = 0)::integer
    from private.kpi_conversations f
    where f.store_id = p_store_id
      and ((f.created_at >= p_from and f.created_at < v_full_from) or (f.created_at >= v_full_to and f.created_at < p_to))
    union all
    select 0, 0, 0, 1
    from private.kpi_conversations f
    where f.store_id = p_store_id and f.status = 'bot' and f.created_at >= p_from and f.created_at < p_to
      and f.agent_messages = 0 and f.resolution is null
      and f.last_bot_at <= now() - interval '24 hours'
      and (f.last_customer_at is null or f.last_customer_at <= f.last_bot_at)
  )
  select coalesce(sum(p.conversations), 0)::bigint, coalesce(sum(p.handed_off), 0)::bigint,
         coalesce(sum(p.bot_confirmed), 0)::bigint, coalesce(sum(p.bot_assumed), 0)::bigint
  from parts p;
end;
$$;
revoke execute on function private.kpi_conversation_counts from public, anon;
grant execute on function private.kpi_conversation_counts to authenticated, service_role;

-- Bot resolution: conversations created in the period that the bot resolved with no agent message ÷ all
-- conversations created in the period; confirmed (the customer said it helped: bot_confirmed) and
-- assumed (bot_assumed, or silent 24 h after the bot's last answer).
create function public.kpi_bot_resolution(p_store_id uuid, p_from timestamptz, p_to timestamptz)
returns table (value numeric, numerator bigint, denominator bigint, confirmed bigint, assumed bigint)
language plpgsql stable
set search_path = ''
as $$
begin
  perform private.kpi_check_period(p_store_id, p_from, p_to);
  return query
  select round((c.bot_confirmed + c.bot_assumed)::numeric / nullif(c.conversations, 0), 4),
         c.bot_confirmed + c.bot_assumed, c.conversations, c.bot_confirmed, c.bot_assumed
  from private.kpi_conversation_counts(p_store_id, p_from, p_to) c;
end;
$$;
comment on function public.kpi_bot_resolution is
  'Share of the conversations created in the period that the bot resolved without any agent message (confirmed + assumed).';

-- Escalation: conversations created in the period that were handed off to a person ÷ all of them.
create function public.kpi_escalation(p_store_id uuid, p_from timestamptz, p_to timestamptz)
returns table (value numeric, numerator bigint, denominator bigint)
language plpgsql stable
set search_path = ''
as $$
begin
  perform private.kpi_check_period(p_store_id, p_from, p_to);
  return query
  select round(c.handed_off::numeric / nullif(c.conversations, 0), 4), c.handed_off, c.conversations
  from private.kpi_conversation_counts(p_store_id, p_from, p_to) c;
end;
$$;
comment on function public.kpi_escalation is 'Share of the conversations created in the period that were handed off to a person.';

-- Conversion: customers with a conversation created in the period who placed a paid order between that
-- conversation's start and 7 days after its last message ÷ customers with a conversation created in
-- the period.
create function public.kpi_conversion(p_store_id uuid, p_from timestamptz, p_to timestamptz)
returns table (value numeric, numerator bigint, denominator bigint)
language plpgsql stable
set search_path = ''
set plan_cache_mode = 'force_custom_plan'
as $$
declare
  v_period tstzrange;
begin
  perform private.kpi_check_period(p_store_id, p_from, p_to);
  v_period := tstzrange(p_from, p_to, '[)');
  return query
  with counted as (
    select count(*) filter (where k.converted && v_period) as converted,
           count(*) filter (where k.conversations && v_period) as customers
    from private.kpi_customers k
    where k.store_id = p_store_id
  )
  select round(c.converted::numeric / nullif(c.customers, 0), 4), c.converted, c.customers
  from counted c;
end;
$$;
comment on function public.kpi_conversion is
  'Share of the customers with a conversation in the period who placed a paid order from its start to 7 days after its last message.';

-- Retention: of the customers active in the equally long window just before the period (the customers
-- at start), the share active again in the period. Active = started a conversation or placed an order
-- (not a checkout draft, not trashed).
create function public.kpi_retention(p_store_id uuid, p_from timestamptz, p_to timestamptz)
returns table (value numeric, numerator bigint, denominator bigint)
language plpgsql stable
set search_path = ''
set plan_cache_mode = 'force_custom_plan'
as $$
declare
  v_before tstzrange;
  v_period tstzrange;
begin
  perform private.kpi_check_period(p_store_id, p_from, p_to);
  v_before := tstzrange(p_from - (p_to - p_from), p_from, '[)');
  v_period := tstzrange(p_from, p_to, '[)');
  return query
  with counted as (
    select count(*) filter (where k.active && v_period) as retained, count(*) as at_start
    from private.kpi_customers k
    where k.store_id = p_store_id and k.active && v_before
  )
  select round(c.retained::numeric / nullif(c.at_start, 0), 4), c.retained, c.at_start
  from counted c;
end;
$$;
comment on function public.kpi_retention is
  'Share of the customers active in the equally long window before the period who were active again in the period.';

-- Average order value: paid orders (processing, completed) placed in the period, in the store's currency.
create function public.kpi_aov(p_store_id uuid, p_from timestamptz, p_to timestamptz)
returns table (value numeric, revenue numeric, orders bigint)
language plpgsql stable
set search_path = ''
set plan_cache_mode = 'force_custom_plan'
as $$
declare
  v_currency text;
  v_full_from timestamptz;
  v_full_to timestamptz;
begin
  perform private.kpi_check_period(p_store_id, p_from, p_to);
  select s.currency into v_currency from public.stores s where s.id = p_store_id;
  select w.full_from, w.full_to into v_full_from, v_full_to from private.kpi_whole_slots(p_from, p_to, '1 hour') w;
  return query
  with parts as (
    select h.revenue, h.orders::bigint as orders
    from private.kpi_order_hours h
    where h.store_id = p_store_id and h.currency = v_currency and h.hour >= v_full_from and h.hour < v_full_to
    union all
    select r.total, 1
    from public.orders r
    where r.store_id = p_store_id and r.currency = v_currency and private.kpi_is_paid(r.status)
      and ((r.created_at >= p_from and r.created_at < v_full_from) or (r.created_at >= v_full_to and r.created_at < p_to))
  ), paid as (
    select coalesce(sum(p.revenue), 0) as revenue, coalesce(sum(p.orders), 0)::bigint as orders from parts p
  )
  select round(p.revenue / nullif(p.orders, 0), 2), p.revenue, p.orders
  from paid p;
end;
$$;
comment on function public.kpi_aov is
  'Revenue ÷ count of the paid orders (processing, completed) placed in the period, in the store''s currency.';

-- Acquisition: customers whose first contact (first seen, first conversation or first order) falls in
-- the period.
create function public.kpi_acquisition(p_store_id uuid, p_from timestamptz, p_to timestamptz)
returns table (value bigint)
language plpgsql stable
set search_path = ''
set plan_cache_mode = 'force_custom_plan'
as $$
begin
  perform private.kpi_check_period(p_store_id, p_from, p_to);
  return query
  select count(*)
  from private.kpi_customers k
  where k.store_id = p_store_id and k.acquired_at >= p_from and k.acquired_at < p_to;
end;
$$;
comment on function public.kpi_acquisition is 'New customers: those whose first contact with the store falls in the period.';

-- Category and urgency mix: each label's share of the inbound messages of the period that carry a label of
-- that kind. Every label is listed (n = 0 and share null when no message of the period has that kind).
create function public.kpi_label_mix(p_store_id uuid, p_from timestamptz, p_to timestamptz)
returns table (kind text, label text, share numeric, n bigint)
language plpgsql stable
set search_path = ''
set plan_cache_mode = 'force_custom_plan'
as $$
declare
  v_full_from timestamptz;
  v_full_to timestamptz;
begin
  perform private.kpi_check_period(p_store_id, p_from, p_to);
  if not exists (select from public.stores s where s.id = p_store_id) then
    return;  -- no such store, or not the caller's
  end if;
  select w.full_from, w.full_to into v_full_from, v_full_to from private.kpi_whole_slots(p_from, p_to, '1 hour') w;

  return query
  with labels as (
    select 'category' as kind, e.label::text as label, e.position
    from unnest(enum_range(null::public.issue_category)) with ordinality as e (label, position)
    union all
    select 'urgency', e.label::text, e.position
    from unnest(enum_range(null::public.urgency)) with ordinality as e (label, position)
  ), counts as (
    select h.kind, h.label, h.n::bigint as n
    from private.kpi_label_hours h
    where h.store_id = p_store_id and h.hour >= v_full_from and h.hour < v_full_to
    union all
    select k.kind, k.label, 1
    from public.messages m
    cross join lateral (values ('category', m.category::text), ('urgency', m.urgency::text)) as k (kind, label)
    where m.store_id = p_store_id and m.direction = 'inbound' and k.label is not null
      and ((m.created_at >= p_from and m.created_at < v_full_from) or (m.created_at >= v_full_to and m.created_at < p_to))
  ), totals as (
    select l.kind, l.label, l.position, coalesce(sum(c.n), 0)::bigint as n
    from labels l
    left join counts c on c.kind = l.kind and c.label = l.label
    group by l.kind, l.label, l.position
  )
  select t.kind, t.label, round(t.n::numeric / nullif(sum(t.n) over (partition by t.kind), 0), 4), t.n
  from totals t
  order by t.kind, t.position;
end;
$$;
comment on function public.kpi_label_mix is
  'Share of each category and urgency label among the labelled inbound messages of the period.';

revoke execute on function public.kpi_message_volume, public.kpi_bot_first_response, public.kpi_human_first_response,
  public.kpi_bot_resolution, public.kpi_escalation, public.kpi_conversion, public.kpi_retention, public.kpi_aov,
  public.kpi_acquisition, public.kpi_label_mix from public, anon;
grant execute on function public.kpi_message_volume, public.kpi_bot_first_response, public.kpi_human_first_response,
  public.kpi_bot_resolution, public.kpi_escalation, public.kpi_conversion, public.kpi_retention, public.kpi_aov,
  public.kpi_acquisition, public.kpi_label_mix to authenticated, service_role;
