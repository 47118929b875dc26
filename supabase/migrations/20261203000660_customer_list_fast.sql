-- The Customers page at the size of a big store: customer_list reads stored rows instead of aggregating the
-- store's orders and conversations on every page, sort and search (100,000 customers: ~2.5 s a page).
--
-- private.customer_list_rows holds, per customer, the row customer_overview gives (the view stays the
-- definition and the analysts' interface; the profile reads it for one customer). The rows follow every
-- write to what the view reads (customers, orders, conversations, customer_labels):
--   1. a statement trigger on each of those tables notes the customers whose row may have changed in
--      private.customer_list_pending (one row per transaction and customer);
--   2. at commit, a deferred constraint trigger on that table locks the noted customers' rows in customer
--      id order and recomputes them from customer_overview (a fresh snapshot: it sees what transactions
--      that committed meanwhile wrote), writing only the rows whose figures changed.
-- Why at commit: a transaction takes these locks last, when it holds everything else it will hold, and
-- always in the same order, so two writers of the same customer queue up (the second recomputes after
-- the first committed: no lost change) and never deadlock with each other or with the message, KPI and
-- sender locks (README "Lock order"). Why recompute instead of counting deltas: a first or last order
-- that is deleted, trashed or moved to another customer cannot be subtracted.
--
-- A transaction sees its own changes in customer_list only after it commits (or after
-- `set constraints private.customer_list_pending_refresh immediate`, as the pgTAP tests do). Data written
-- with triggers off (session_replication_role = replica: the demo seed, benchmarks) is brought in by
-- private.customer_list_rebuild(store_id), as private.kpi_rebuild does for the KPI rollups.

-- Tables ------------------------------------------------------------------------------------------
create table private.customer_list_rows (like public.customer_overview);
alter table private.customer_list_rows
  add primary key (id),
  alter column store_id set not null;
comment on table private.customer_list_rows is
  'customer_overview''s rows, stored and kept current by triggers (see migration 660): what customer_list reads.';

-- The page's sorts, per store, each in the order the page asks for (`order=<column>.<dir>.nullslast,id`),
-- so a page is an index range read. The least used (ascending figures, first seen) sort a store's rows
-- in memory (top-N), measured by scripts/bench_customers.py.
create index customer_list_rows_last_seen_idx on private.customer_list_rows (store_id, last_seen_at desc nulls last, id);
create index customer_list_rows_total_spent_idx on private.customer_list_rows (store_id, total_spent desc nulls last, id);
create index customer_list_rows_orders_idx on private.customer_list_rows (store_id, orders desc nulls last, id);
create index customer_list_rows_last_order_idx on private.customer_list_rows (store_id, last_order_at desc nulls last, id);
create index customer_list_rows_last_message_idx on private.customer_list_rows (store_id, last_message_at desc nulls last, id);
create index customer_list_rows_name_idx on private.customer_list_rows (store_id, name, id);
-- The search (name or email contains the term, or the number contains its digits, customer_search below):
-- trigram indexes find the matches of a term of three characters or more without reading every row of the
-- store.
create extension if not exists pg_trgm with schema extensions;
create index customer_list_rows_name_trgm_idx on private.customer_list_rows using gin (name extensions.gin_trgm_ops);
create index customer_list_rows_email_trgm_idx on private.customer_list_rows using gin (email extensions.gin_trgm_ops);
create index customer_list_rows_phone_trgm_idx on private.customer_list_rows using gin (phone extensions.gin_trgm_ops);

-- Transaction-local notes (kept until the commit that reads them; a rolled-back transaction's go with it).
create unlogged table private.customer_list_pending (
  tx xid8 not null default pg_catalog.pg_current_xact_id(),
  customer_id uuid not null,
  primary key (tx, customer_id)
);
comment on table private.customer_list_pending is
  'Customers whose customer_list row the writing transaction recomputes at commit (migration 660).';

-- Grants ------------------------------------------------------------------------------------------
revoke all on private.customer_list_rows, private.customer_list_pending from public, anon, authenticated, service_role;
grant select on private.customer_list_rows to authenticated, service_role;

-- RLS ---------------------------------------------------------------------------------------------
alter table private.customer_list_rows enable row level security;
alter table private.customer_list_pending enable row level security;
create policy "members can view their store's customer list" on private.customer_list_rows
  for select to authenticated using (store_id = any (array(select private.member_store_ids())));

-- Functions ---------------------------------------------------------------------------------------
-- Recompute these customers' rows from the view: lock the stored rows in id order, then read the view in
-- a new statement (in read committed, a snapshot taken after the locks were granted).
create function private.customer_list_refresh(p_ids uuid[]) returns void
language plpgsql
set search_path = ''
as $$
begin
  perform from private.customer_list_rows r where r.id = any (p_ids) order by r.id for update;
  delete from private.customer_list_rows r
  where r.id = any (p_ids) and not exists (select from public.customers c where c.id = r.id);
  -- One customer at a time: `offset 0` keeps the lateral subquery from being merged into the outer query, so
  -- the view is planned for one id (its orders and conversations read through their customer indexes), not
  -- grouped over every order of every store.
  insert into private.customer_list_rows as r
  select v.* from unnest(p_ids) as u (id) cross join lateral (
    select * from public.customer_overview o where o.id = u.id offset 0
  ) as v
  order by v.id
  on conflict (id) do update
    set (store_id, name, phone, email, external_id, marketing_opt_in, marketing_opt_in_at, opted_out_at, consent,
         orders, paid_orders, total_spent, average_order_value, first_order_at, last_order_at, conversations,
         last_message_at, first_seen_at, last_seen_at, labels)
      = (excluded.store_id, excluded.name, excluded.phone, excluded.email, excluded.external_id,
         excluded.marketing_opt_in, excluded.marketing_opt_in_at, excluded.opted_out_at, excluded.consent,
         excluded.orders, excluded.paid_orders, excluded.total_spent, excluded.average_order_value,
         excluded.first_order_at, excluded.last_order_at, excluded.conversations, excluded.last_message_at,
         excluded.first_seen_at, excluded.last_seen_at, excluded.labels)
    where (r.*) is distinct from (excluded.*);
end;
$$;

-- Note customers for the commit (ids may repeat or be null).
create function private.customer_list_note(p_ids uuid[]) returns void
language sql
set search_path = ''
as $$
  insert into private.customer_list_pending (customer_id)
  select distinct u.id from unnest(p_ids) as u (id) where u.id is not null
  on conflict do nothing
$$;

-- At commit (fired once per noted customer; the first firing takes all of the transaction's notes).
create function private.customer_list_refresh_pending() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  with taken as (
    delete from private.customer_list_pending p where p.tx = pg_catalog.pg_current_xact_id() returning p.customer_id
  )
  select array_agg(t.customer_id order by t.customer_id) into v_ids from taken t;
  if v_ids is not null then
    perform private.customer_list_refresh(v_ids);
  end if;
  return null;
end;
$$;

-- Every stored row of one store anew: after rows were written with triggers off, or to repair. Returns
-- the number of rows.
create function private.customer_list_rebuild(p_store_id uuid) returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_rows bigint;
begin
  -- Rows just bulk-loaded in this transaction are not in the planner's statistics yet: planned on
  -- empty-table estimates, the view's grouped orders are read once per customer (minutes, not seconds).
  analyze public.customers, public.orders, public.conversations, public.customer_labels;
  delete from private.customer_list_rows r where r.store_id = p_store_id;
  insert into private.customer_list_rows select * from public.customer_overview o where o.store_id = p_store_id;
  get diagnostics v_rows = row_count;
  return v_rows;
end;
$$;
comment on function private.customer_list_rebuild is
  'Recompute the stored Customers list of one store from customer_overview: after data was written with triggers off (seed, benchmark), or to repair.';

-- What a change of a source table means for the list: statement triggers (a bulk write, a sync page, a
-- restore or a purge, notes its customers once). Arguments: the column that holds the customer, then the
-- columns whose change matters in an update (none: every update does).
create function private.customer_list_note_changes() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_customer text := tg_argv[0];
  v_watched text[] := tg_argv[1:];
  v_ids uuid[];
begin
  if tg_op = 'INSERT' then
    execute format('select array(select n.%I from new_rows n)', v_customer) into v_ids;
  elsif tg_op = 'DELETE' then
    execute format('select array(select o.%I from old_rows o)', v_customer) into v_ids;
  elsif cardinality(v_watched) = 0 then
    execute format('select array(select o.%1$I from old_rows o union all select n.%1$I from new_rows n)', v_customer)
      into v_ids;
  else
    execute format('select array(select x.id from old_rows o join new_rows n on n.id = o.id'
                   ' cross join lateral (values (o.%1$I), (n.%1$I)) as x (id) where (%2$s) is distinct from (%3$s))',
                   v_customer,
                   (select string_agg(format('o.%I', c), ', ') from unnest(v_watched) c),
                   (select string_agg(format('n.%I', c), ', ') from unnest(v_watched) c))
      into v_ids;
  end if;
  perform private.customer_list_note(v_ids);
  return null;
end;
$$;

revoke execute on function private.customer_list_refresh, private.customer_list_note,
  private.customer_list_refresh_pending, private.customer_list_rebuild, private.customer_list_note_changes
  from public, anon, authenticated, service_role;

-- Triggers ----------------------------------------------------------------------------------------
create constraint trigger customer_list_pending_refresh after insert on private.customer_list_pending
  deferrable initially deferred
  for each row execute function private.customer_list_refresh_pending();

-- customer_list_insert, _update and _delete on each source table. What a customer's row shows: from customers
-- its own columns; from orders their status, total, customer and date; from conversations their customer
-- and last message (every message moves it); every change of a label.
do $$
declare
  v_source record;
  v_arguments text;
begin
  for v_source in
    select * from (values
      ('customers', 'id', array['store_id', 'name', 'phone', 'email', 'external_id', 'marketing_opt_in',
                                'marketing_opt_in_at', 'opted_out_at', 'first_seen_at']),
      ('orders', 'customer_id', array['store_id', 'customer_id', 'status', 'total', 'created_at']),
      ('conversations', 'customer_id', array['store_id', 'customer_id', 'last_message_at']),
      ('customer_labels', 'customer_id', array[]::text[])
    ) as t (table_name, customer_column, watched)
  loop
    select string_agg(format('%L', a), ', ') into v_arguments
    from unnest(array[v_source.customer_column] || v_source.watched) a;
    execute format('create trigger customer_list_insert after insert on public.%I referencing new table as new_rows'
                   ' for each statement execute function private.customer_list_note_changes(%s)',
                   v_source.table_name, v_arguments);
    execute format('create trigger customer_list_update after update on public.%I'
                   ' referencing old table as old_rows new table as new_rows'
                   ' for each statement execute function private.customer_list_note_changes(%s)',
                   v_source.table_name, v_arguments);
    execute format('create trigger customer_list_delete after delete on public.%I referencing old table as old_rows'
                   ' for each statement execute function private.customer_list_note_changes(%s)',
                   v_source.table_name, v_arguments);
  end loop;
end;
$$;

-- The page's list ---------------------------------------------------------------------------------
-- What the dashboard reads (PostgREST: customer_directory?store_id=eq.…&order=…, count=exact). A view,
-- not the function below: for a view PostgREST puts the filters into both the page's query and the
-- count's, so both reach the indexes; for a function it selects all its rows once (a CTE the count and
-- the page share) and filters, counts and sorts those (~130 ms at 100,000 customers before any filter).
create view public.customer_directory with (security_invoker = true) as
select r.id, r.store_id, r.name, r.phone, r.email, r.external_id, r.marketing_opt_in, r.marketing_opt_in_at,
       r.opted_out_at, r.consent, r.orders, r.paid_orders, r.total_spent, r.average_order_value,
       r.first_order_at, r.last_order_at, r.conversations, r.last_message_at, r.first_seen_at, r.last_seen_at,
       r.labels
from private.customer_list_rows r;
comment on view public.customer_directory is
  'The Customers page: customer_overview''s rows as stored (kept current at each commit), for the members of their store (RLS).';
revoke all on public.customer_directory from anon, authenticated;
grant select on public.customer_directory to authenticated, service_role;

-- The page's search: the store's customers whose name or email contains p_term (ILIKE pattern characters
-- work as in PostgREST's ilike) or whose number contains p_digits (null: not searched by number), for its
-- members; PostgREST filters, sorts, pages and counts the matches. A function because under RLS a LIKE
-- (not leakproof) cannot use an index: it would be evaluated before the policy. Here the membership is
-- checked once and the trigram indexes answer (a custom plan per call, for the term's selectivity).
create function public.customer_search(p_store_id uuid, p_term text, p_digits text default null)
returns setof public.customer_overview
language plpgsql stable security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
begin
  if p_term is null or not public.has_role_on_store(p_store_id) then
    return;
  end if;
  return query
    select r.* from private.customer_list_rows r
    where r.store_id = p_store_id
      and (r.name ilike '%' || p_term || '%' or r.email ilike '%' || p_term || '%' or r.phone like '%' || p_digits || '%');
end;
$$;
comment on function public.customer_search is
  'The Customers page''s search: a store''s customers (customer_directory rows) whose name or email contains the term or whose number contains the digits, for its members.';
revoke execute on function public.customer_search from public, anon;
grant execute on function public.customer_search to authenticated, service_role;

-- The stored rows of one store, under the caller's RLS (membership once per query: the policy's InitPlan),
-- for analysts and for callers of the old interface. A SQL-standard body without security definer or
-- `set`: the planner inlines it, so a query's filters, order and limit reach the table's indexes.
create or replace function public.customer_list(p_store_id uuid) returns setof public.customer_overview
language sql stable
begin atomic
  select * from public.customer_directory d where d.store_id = p_store_id;
end;
comment on function public.customer_list is
  'customer_overview''s rows for one store as stored (customer_directory), for its members (nothing for anyone else).';
revoke execute on function public.customer_list from public, anon;
grant execute on function public.customer_list to authenticated, service_role;

-- The rows of the stores that exist now.
insert into private.customer_list_rows select * from public.customer_overview;
