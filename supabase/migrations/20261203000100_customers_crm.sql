-- Customers as a CRM: labels and private notes the team keeps on a customer, the history of their
-- marketing consent (when and how it was given or withdrawn), WhatsApp opt-out and opt-in words per store,
-- the list the Customers page reads (aggregated here, under the caller's RLS), and the CSV import.
--
-- Marketing contract (the broadcasts rely on it): a customer may receive marketing iff
-- `marketing_opt_in and opted_out_at is null`. STOP sets opted_out_at; START sets marketing_opt_in,
-- marketing_opt_in_at = now() and clears opted_out_at.

-- Types -------------------------------------------------------------------------------------------
create type public.consent_source as enum ('checkout', 'whatsapp_stop', 'whatsapp_start', 'import', 'agent', 'system');

-- Tables ------------------------------------------------------------------------------------------
alter table public.stores
  add column opt_out_keywords text[] not null default array['stop', 'berhenti', 'unsubscribe', 'stop promo']
    check (cardinality(opt_out_keywords) <= 50),
  add column opt_in_keywords text[] not null default array['start', 'mulai']
    check (cardinality(opt_in_keywords) <= 50);
comment on column public.stores.opt_out_keywords is
  'A WhatsApp message that is exactly one of these (case and punctuation ignored) opts the customer out of marketing.';
comment on column public.stores.opt_in_keywords is
  'A WhatsApp message that is exactly one of these (case and punctuation ignored) opts the customer in again.';

create table public.customer_labels (
  store_id uuid not null references public.stores (id) on delete cascade,
  customer_id uuid not null,
  label text not null check (label = btrim(label) and length(label) between 1 and 40),
  created_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (customer_id, label),
  foreign key (store_id, customer_id) references public.customers (store_id, id) on delete cascade
);
comment on table public.customer_labels is 'Free labels the team puts on a customer (e.g. vip, reseller); filterable on the Customers page.';
create index customer_labels_store_label_idx on public.customer_labels (store_id, label);

create table public.customer_notes (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references public.stores (id) on delete cascade,
  customer_id uuid not null,
  body text not null check (length(btrim(body)) between 1 and 4000),
  author_id uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  foreign key (store_id, customer_id) references public.customers (store_id, id) on delete cascade
);
comment on table public.customer_notes is 'Private notes on a customer: for the team only, never sent.';
create index customer_notes_customer_idx on public.customer_notes (customer_id, created_at);

create table public.customer_consent_events (
  id bigint generated always as identity primary key,
  store_id uuid not null references public.stores (id) on delete cascade,
  customer_id uuid not null,
  given boolean not null,
  source public.consent_source not null,
  message_id uuid references public.messages (id) on delete set null,
  actor_id uuid references auth.users (id) on delete set null,
  occurred_at timestamptz not null,
  foreign key (store_id, customer_id) references public.customers (store_id, id) on delete cascade
);
comment on table public.customer_consent_events is
  'Every change of a customer''s marketing consent, written by a trigger on customers: given (true) or withdrawn, when and how.';
comment on column public.customer_consent_events.source is
  'checkout (WooCommerce consent), whatsapp_stop / whatsapp_start (the customer''s words), import (CSV), agent (a person in the dashboard), system (anything else).';
create index customer_consent_events_customer_idx on public.customer_consent_events (customer_id, occurred_at);

-- The list's per-customer figures come from these (orders_customer_idx exists already).
create index conversations_customer_last_idx on public.conversations (customer_id, last_message_at);
create index orders_store_customer_idx on public.orders (store_id, customer_id);

-- Grants ------------------------------------------------------------------------------------------
grant update (opt_out_keywords, opt_in_keywords) on public.stores to authenticated;
revoke all on public.customer_labels, public.customer_notes, public.customer_consent_events from anon, authenticated;
grant select, delete on public.customer_labels, public.customer_notes to authenticated;
grant insert (store_id, customer_id, label) on public.customer_labels to authenticated;
grant insert (store_id, customer_id, body) on public.customer_notes to authenticated;
grant select on public.customer_consent_events to authenticated;
grant all on public.customer_labels, public.customer_notes, public.customer_consent_events to service_role;

-- RLS ---------------------------------------------------------------------------------------------
alter table public.customer_labels enable row level security;
alter table public.customer_notes enable row level security;
alter table public.customer_consent_events enable row level security;

create policy "members can view their store's customer labels" on public.customer_labels
  for select to authenticated using (public.has_role_on_store(store_id));
create policy "members can label their store's customers" on public.customer_labels
  for insert to authenticated with check (public.has_role_on_store(store_id) and created_by = (select auth.uid()));
create policy "members can remove labels of their store's customers" on public.customer_labels
  for delete to authenticated using (public.has_role_on_store(store_id));

create policy "members can view their store's customer notes" on public.customer_notes
  for select to authenticated using (public.has_role_on_store(store_id));
create policy "members can write notes on their store's customers" on public.customer_notes
  for insert to authenticated with check (public.has_role_on_store(store_id) and author_id = (select auth.uid()));
create policy "authors and admins can delete customer notes" on public.customer_notes
  for delete to authenticated
  using (author_id = (select auth.uid()) and public.has_role_on_store(store_id) or public.has_role_on_store(store_id, 'admin'));

create policy "members can view their store's consent history" on public.customer_consent_events
  for select to authenticated using (public.has_role_on_store(store_id));

-- Consent history ---------------------------------------------------------------------------------
-- Whoever changes consent says how in the transaction-local setting sapa.consent_source (the functions
-- below do); a change by a signed-in user without one is an agent's, anything else the system's.
create function private.may_receive_marketing(p_customer public.customers) returns boolean
language sql immutable
set search_path = ''
as $$
  select p_customer.marketing_opt_in and p_customer.opted_out_at is null
$$;

create function private.with_consent_source(p_source public.consent_source) returns void
language sql
set search_path = ''
as $$
  select pg_catalog.set_config('sapa.consent_source', p_source::text, true)
$$;

create function private.record_consent_event() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_given boolean := private.may_receive_marketing(new);
  v_source text := nullif(pg_catalog.current_setting('sapa.consent_source', true), '');
  v_message text := nullif(pg_catalog.current_setting('sapa.consent_message', true), '');
begin
  -- Recorded: consent given or withdrawn, and every opt-out (also of a customer who had not consented).
  if tg_op = 'INSERT' and not v_given and new.opted_out_at is null
     or tg_op = 'UPDATE' and v_given = private.may_receive_marketing(old)
        and (new.opted_out_at is null or new.opted_out_at is not distinct from old.opted_out_at) then
    return null;
  end if;
  insert into public.customer_consent_events (store_id, customer_id, given, source, message_id, actor_id, occurred_at)
  values (
    new.store_id, new.id, v_given,
    coalesce(v_source, case when (select auth.uid()) is not null then 'agent' else 'system' end)::public.consent_source,
    v_message::uuid,
    (select auth.uid()),
    coalesce(case when v_given then new.marketing_opt_in_at else new.opted_out_at end, now())
  );
  return null;
end;
$$;

create trigger record_consent_event after insert on public.customers
  for each row execute function private.record_consent_event();
create trigger record_consent_event_update after update of marketing_opt_in, opted_out_at on public.customers
  for each row execute function private.record_consent_event();

-- An owner or admin records consent a customer gave or withdrew outside WhatsApp and the checkout (by
-- phone, in the shop). An opt-out the customer sent is theirs to lift (START or a checkout): not
-- overridden here.
create function public.set_customer_marketing_consent(p_customer_id uuid, p_given boolean) returns public.customers
language plpgsql security definer
set search_path = ''
as $$
declare
  v_row public.customers;
begin
  select * into v_row from public.customers c where c.id = p_customer_id for update;
  if not found or not public.has_role_on_store(v_row.store_id) then
    raise exception 'no such customer' using errcode = 'no_data_found';
  end if;
  if not public.has_role_on_store(v_row.store_id, 'admin') then
    raise exception 'only owners and admins change marketing consent' using errcode = 'insufficient_privilege';
  end if;
  if p_given and v_row.opted_out_at is not null then
    raise exception 'the customer opted out; only they can opt in again (START or a checkout consent)'
      using errcode = 'object_not_in_prerequisite_state';
  end if;
  perform private.with_consent_source('agent');
  update public.customers c
  set marketing_opt_in = p_given,
      marketing_opt_in_at = case when p_given and not c.marketing_opt_in then now() else c.marketing_opt_in_at end
  where c.id = p_customer_id
  returning * into v_row;
  return v_row;
end;
$$;
comment on function public.set_customer_marketing_consent is
  'Owners/admins: record marketing consent given or withdrawn outside WhatsApp; a customer''s own opt-out is not overridden.';

-- WhatsApp opt-out and opt-in --------------------------------------------------------------------
-- A message's words as compared with the keywords: lower case, punctuation and spacing ignored.
create function private.consent_words(p_text text) returns text
language sql immutable
set search_path = ''
as $$
  select btrim(regexp_replace(lower(p_text), '[^[:alnum:]]+', ' ', 'g'))
$$;

-- 'opt_out', 'opt_in' or null: is this inbound message a STOP or START word of the store?
create function private.consent_command(p_store_id uuid, p_body text) returns text
language sql stable
set search_path = ''
as $$
  select case
    when w = any (select private.consent_words(k) from unnest(s.opt_out_keywords) k) then 'opt_out'
    when w = any (select private.consent_words(k) from unnest(s.opt_in_keywords) k) then 'opt_in'
  end
  from public.stores s, lateral (select private.consent_words(p_body) as w) x
  where s.id = p_store_id and length(p_body) <= 100 and x.w <> ''
$$;

-- The confirmation's language: the keyword's own when it has one, else the language the bot last
-- answered this customer in, else Indonesian.
create function private.consent_language(p_conversation_id uuid, p_words text) returns text
language sql stable
set search_path = ''
as $$
  select case
    when p_words in ('berhenti', 'mulai') then 'id'
    when p_words in ('unsubscribe', 'start') then 'en'
    else coalesce((
      select m.metadata ->> 'language' from public.messages m
      where m.conversation_id = p_conversation_id and m.sender = 'bot' and m.metadata ->> 'language' in ('id', 'en')
      order by m.created_at desc limit 1
    ), 'id')
  end
$$;

create function private.consent_confirmation(p_store public.stores, p_command text, p_language text) returns text
language sql stable
set search_path = ''
as $$
  select case p_command || ':' || p_language
    when 'opt_out:id' then format('Baik, Anda tidak akan menerima pesan promosi dari %s lagi. Balas %s kapan saja untuk berlangganan kembali.',
                                  p_store.name, upper(coalesce(p_store.opt_in_keywords[1], 'mulai')))
    when 'opt_out:en' then format('Done: you will not receive promotional messages from %s anymore. Reply %s at any time to subscribe again.',
                                  p_store.name, upper(coalesce(p_store.opt_in_keywords[1], 'start')))
    when 'opt_in:id' then format('Terima kasih! Anda akan menerima info promo dari %s lagi. Balas %s kapan saja untuk berhenti.',
                                 p_store.name, upper(coalesce(p_store.opt_out_keywords[1], 'berhenti')))
    else format('Thank you! You will receive promotions from %s again. Reply %s at any time to unsubscribe.',
                p_store.name, upper(coalesce(p_store.opt_out_keywords[1], 'stop')))
  end
$$;

-- Before an inbound message is stored: mark a consent word on it (the inbox shows it; the trigger after
-- acts on it).
create function private.mark_consent_command() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_command text := private.consent_command(new.store_id, new.body);
begin
  if v_command is not null then
    new.metadata := new.metadata || jsonb_build_object('consent_command', v_command);
  end if;
  return new;
end;
$$;

-- After it is stored (once per MessageSid: a redelivery inserts nothing): change the customer's consent
-- and store the confirmation as the reply to this message, so the worker sends it instead of asking the
-- assistant.
create function private.apply_consent_command() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_command text := new.metadata ->> 'consent_command';
  v_customer uuid;
  v_store public.stores;
  v_language text;
begin
  select c.customer_id into v_customer from public.conversations c where c.id = new.conversation_id;
  select * into v_store from public.stores s where s.id = new.store_id;
  perform pg_catalog.set_config('sapa.consent_message', new.id::text, true);
  if v_command = 'opt_out' then
    perform private.with_consent_source('whatsapp_stop');
    update public.customers c set opted_out_at = now() where c.id = v_customer and c.opted_out_at is null;
  else
    perform private.with_consent_source('whatsapp_start');
    update public.customers c set marketing_opt_in = true, marketing_opt_in_at = now(), opted_out_at = null
    where c.id = v_customer and not private.may_receive_marketing(c);
  end if;
  perform pg_catalog.set_config('sapa.consent_source', '', true);
  perform pg_catalog.set_config('sapa.consent_message', '', true);

  v_language := private.consent_language(new.conversation_id, private.consent_words(new.body));
  insert into public.messages (store_id, conversation_id, direction, sender, body, status, metadata, reply_to, created_at)
  values (new.store_id, new.conversation_id, 'outbound', 'bot',
          private.consent_confirmation(v_store, v_command, v_language), 'queued',
          jsonb_build_object('responder', 'consent', 'language', v_language, 'consent_command', v_command),
          new.id, clock_timestamp());
  return null;
end;
$$;

create trigger mark_consent_command before insert on public.messages
  for each row when (new.direction = 'inbound') execute function private.mark_consent_command();
create trigger apply_consent_command after insert on public.messages
  for each row when (new.direction = 'inbound' and new.metadata ? 'consent_command')
  execute function private.apply_consent_command();

-- A checkout's consent is newer than a STOP: opt in again. As in 20261123000013_woocommerce.sql, with two
-- changes: the consent compared is whether the customer may receive marketing (a customer who said STOP
-- still has marketing_opt_in = true, and a new checkout consent must lift the opt-out), and the change is
-- recorded as the checkout's in the consent history.
create or replace function private.woocommerce_order_customer(p_store_id uuid, p_order jsonb) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_phone text := p_order ->> 'whatsapp_phone';
  v_external bigint := nullif((p_order ->> 'customer_external_id')::bigint, 0);
  v_at timestamptz := (p_order ->> 'created_at')::timestamptz;
  v_consent boolean := (p_order ->> 'marketing_opt_in')::boolean;
  v_id uuid;
begin
  if v_phone is not null then
    select c.id into v_id from public.customers c where c.store_id = p_store_id and c.phone = v_phone;
  end if;
  if v_id is null and v_external is not null then
    select c.id into v_id from public.customers c where c.store_id = p_store_id and c.external_id = v_external;
    if v_id is not null and v_phone is not null then
      update public.customers c set phone = v_phone where c.id = v_id and c.phone is null;
    end if;
  end if;
  if v_id is null and v_phone is not null then
    insert into public.customers as c (store_id, phone, external_id, name, email, first_seen_at)
    values (p_store_id, v_phone,
            case when not exists (select from public.customers o where o.store_id = p_store_id and o.external_id = v_external)
                 then v_external end,
            p_order ->> 'billing_name', p_order ->> 'billing_email', v_at)
    on conflict (store_id, phone) do update set first_seen_at = c.first_seen_at
    returning c.id into v_id;
  elsif v_id is null and v_external is not null then
    insert into public.customers as c (store_id, external_id, name, email, first_seen_at)
    values (p_store_id, v_external, p_order ->> 'billing_name', p_order ->> 'billing_email', v_at)
    on conflict (store_id, external_id) do update set first_seen_at = c.first_seen_at
    returning c.id into v_id;
  end if;
  if v_id is null then
    return null;
  end if;

  update public.customers c
  set name = coalesce(c.name, p_order ->> 'billing_name'),
      email = coalesce(c.email, p_order ->> 'billing_email'),
      external_id = coalesce(c.external_id, case when not exists (
                      select from public.customers o where o.store_id = p_store_id and o.external_id = v_external)
                    then v_external end),
      first_seen_at = least(c.first_seen_at, v_at)
  where c.id = v_id
    and (c.name is null and p_order ->> 'billing_name' is not null
         or c.email is null and p_order ->> 'billing_email' is not null
         or c.external_id is null and v_external is not null
         or c.first_seen_at > v_at);

  if v_consent is not null then
    perform private.with_consent_source('checkout');
    update public.customers c
    set marketing_opt_in = v_consent,
        marketing_opt_in_at = case when v_consent then v_at else c.marketing_opt_in_at end,
        opted_out_at = case when v_consent then null else v_at end
    where c.id = v_id
      and private.may_receive_marketing(c) is distinct from v_consent
      and (greatest(c.marketing_opt_in_at, c.opted_out_at) is null
           or greatest(c.marketing_opt_in_at, c.opted_out_at) < v_at);
    perform pg_catalog.set_config('sapa.consent_source', '', true);
  end if;
  return v_id;
end;
$$;

-- The Customers page ------------------------------------------------------------------------------
-- One row per customer with their figures; security_invoker: the caller's RLS decides what they see.
-- Paid orders are processing or completed (as kpi_aov); drafts and trashed orders are not orders.
create view public.customer_overview with (security_invoker = true) as
select
  c.id, c.store_id, c.name, c.phone, c.email, c.external_id,
  c.marketing_opt_in, c.marketing_opt_in_at, c.opted_out_at,
  case when c.opted_out_at is not null then 'opted_out' when c.marketing_opt_in then 'opted_in' else 'none' end
    as consent,
  coalesce(o.orders, 0) as orders,
  coalesce(o.paid_orders, 0) as paid_orders,
  coalesce(o.total_spent, 0) as total_spent,
  round(o.total_spent / nullif(o.paid_orders, 0), 2) as average_order_value,
  o.first_order_at, o.last_order_at,
  coalesce(v.conversations, 0) as conversations,
  v.last_message_at,
  c.first_seen_at,
  greatest(c.first_seen_at, o.last_order_at, v.last_message_at) as last_seen_at,
  coalesce(l.labels, '{}') as labels
from public.customers c
-- Grouped per (store, customer) and joined on both: a store's list aggregates that store's rows in one
-- pass (the store filter reaches inside), a profile (id = …) only that customer's.
left join (
  select r.store_id, r.customer_id,
         count(*) filter (where r.status not in ('checkout-draft', 'trash')) as orders,
         count(*) filter (where r.status in ('processing', 'completed')) as paid_orders,
         sum(r.total) filter (where r.status in ('processing', 'completed')) as total_spent,
         min(r.created_at) filter (where r.status not in ('checkout-draft', 'trash')) as first_order_at,
         max(r.created_at) filter (where r.status not in ('checkout-draft', 'trash')) as last_order_at
  from public.orders r group by r.store_id, r.customer_id
) o on o.store_id = c.store_id and o.customer_id = c.id
left join (
  select x.store_id, x.customer_id, count(*) as conversations, max(x.last_message_at) as last_message_at
  from public.conversations x group by x.store_id, x.customer_id
) v on v.store_id = c.store_id and v.customer_id = c.id
left join (
  select b.store_id, b.customer_id, array_agg(b.label order by b.label) as labels
  from public.customer_labels b group by b.store_id, b.customer_id
) l on l.store_id = c.store_id and l.customer_id = c.id;
comment on view public.customer_overview is
  'The Customers page: per customer, orders (not drafts/trash), paid orders and total spent (processing/completed), average order value, conversations, last order/message, consent (opted_in/opted_out/none) and labels.';
comment on column public.customer_overview.total_spent is 'Lifetime value: the sum of the customer''s paid orders.';
revoke all on public.customer_overview from anon, authenticated;
grant select on public.customer_overview to authenticated, service_role;

-- The page's list: the same rows for one store, for its members. RLS on the view costs a policy check per
-- customer, order and conversation (100,000 customers: ~15 s here); this checks membership once and then
-- aggregates with the definer's rights (~2-3 s on the same store, on this loaded machine). PostgREST
-- filters, sorts and pages its result like a table's (rpc/customer_list?p_store_id=…&order=…).
create function public.customer_list(p_store_id uuid) returns setof public.customer_overview
language sql stable security definer
set search_path = ''
as $$
  select * from public.customer_overview o
  where o.store_id = p_store_id and (select public.has_role_on_store(p_store_id))
$$;
comment on function public.customer_list is
  'The Customers page: customer_overview for one store, for its members (nothing for anyone else).';
revoke execute on function public.customer_list from public, anon;
grant execute on function public.customer_list to authenticated, service_role;

-- CSV import --------------------------------------------------------------------------------------
-- The functions API parses and checks the file (phones in E.164, duplicates merged) and hands the
-- accepted rows here: one transaction, all or nothing. Existing customers (same phone) keep what they
-- have; the file fills in what is missing and adds labels. A "yes" opts in unless the customer opted
-- out (their STOP holds); a "no" withdraws consent.
create function public.import_customers(p_store_id uuid, p_rows jsonb, p_actor_id uuid) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_created integer;
  v_updated integer;
  v_opted_in integer;
  v_opted_out integer;
begin
  if jsonb_typeof(p_rows) <> 'array' then
    raise exception 'the rows must be a JSON array' using errcode = 'invalid_parameter_value';
  end if;
  create temporary table import_rows on commit drop as
  select * from jsonb_to_recordset(p_rows) as r(phone text, name text, email text, marketing_opt_in boolean, labels text[]);
  if exists (select 1 from import_rows group by phone having count(*) > 1 or phone is null) then
    raise exception 'every row needs a phone, once' using errcode = 'invalid_parameter_value';
  end if;

  with upserted as (
    insert into public.customers as c (store_id, phone, name, email)
    select p_store_id, r.phone, nullif(r.name, ''), nullif(r.email, '') from import_rows r
    on conflict (store_id, phone) do update
      set name = coalesce(c.name, excluded.name), email = coalesce(c.email, excluded.email)
    returning (xmax = 0) as created
  )
  select count(*) filter (where created), count(*) filter (where not created) into v_created, v_updated from upserted;

  perform private.with_consent_source('import');
  update public.customers c set marketing_opt_in = true, marketing_opt_in_at = now()
  from import_rows r
  where c.store_id = p_store_id and c.phone = r.phone and r.marketing_opt_in
    and not c.marketing_opt_in and c.opted_out_at is null;
  get diagnostics v_opted_in = row_count;
  update public.customers c set marketing_opt_in = false
  from import_rows r
  where c.store_id = p_store_id and c.phone = r.phone and not r.marketing_opt_in and c.marketing_opt_in;
  get diagnostics v_opted_out = row_count;
  perform pg_catalog.set_config('sapa.consent_source', '', true);

  insert into public.customer_labels (store_id, customer_id, label, created_by)
  select p_store_id, c.id, btrim(l.label), p_actor_id
  from import_rows r
  join public.customers c on c.store_id = p_store_id and c.phone = r.phone
  cross join lateral unnest(coalesce(r.labels, '{}')) as l(label)
  where btrim(l.label) <> ''
  on conflict do nothing;

  insert into public.audit_log (store_id, actor_id, action, target_table, details)
  values (p_store_id, p_actor_id, 'customers.imported', 'customers',
          jsonb_build_object('created', v_created, 'updated', v_updated, 'opted_in', v_opted_in, 'opted_out', v_opted_out));
  drop table import_rows;
  return jsonb_build_object('created', v_created, 'updated', v_updated, 'opted_in', v_opted_in, 'opted_out', v_opted_out);
end;
$$;
comment on function public.import_customers is
  'Functions API: import checked CSV rows (phone E.164, name, email, marketing_opt_in, labels) into a store in one transaction.';

revoke execute on function public.import_customers, public.set_customer_marketing_consent from public, anon, authenticated;
grant execute on function public.import_customers to service_role;
grant execute on function public.set_customer_marketing_consent to authenticated, service_role;
revoke execute on function private.may_receive_marketing, private.with_consent_source, private.consent_words,
  private.consent_command, private.consent_language, private.consent_confirmation from public, anon;
grant execute on function private.may_receive_marketing, private.consent_words, private.consent_command
  to authenticated, service_role;
grant execute on function private.with_consent_source, private.consent_language, private.consent_confirmation
  to service_role;
