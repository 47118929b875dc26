-- Live KPIs: order changes are broadcast on store:<id>, once per statement and store, without the rows,
-- and only that store's members receive them.
begin;
\ir _helpers.psql
select plan(10);
select tests.seed_two_stores();

create function tests.order_broadcasts(p_store text)
returns table (event text, operation text, table_name text, schema_name text, n integer, private boolean)
language sql stable security definer
set search_path = ''
as $$
  select m.event, m.payload ->> 'operation', m.payload ->> 'table', m.payload ->> 'schema',
         (m.payload ->> 'count')::integer, m.private
  from realtime.messages m
  where m.topic = 'store:' || tests.id(p_store) and m.payload ->> 'table' = 'orders'
  order by m.inserted_at, m.id
$$;
create function tests.forget_broadcasts() returns void
language sql security definer
set search_path = ''
as $$ delete from realtime.messages where payload ->> 'table' = 'orders' $$;
create function tests.set_topic(p_topic text) returns void
language sql
set search_path = ''
as $$ select null from pg_catalog.set_config('realtime.topic', p_topic, true) $$;
grant execute on all functions in schema tests to anon, authenticated, service_role;
select tests.forget_broadcasts();  -- the fixture's own orders

-- What is sent ----------------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
insert into public.orders (store_id, external_id, number, status, total, currency, created_at, date_modified)
select tests.id('store_a'), 500 + i, (500 + i)::text, 'processing', 100000, 'IDR', now(), now()
from generate_series(1, 3) as i;
select tests.clear_authentication();
select results_eq($$ select * from tests.order_broadcasts('store_a') $$,
  $$ values ('INSERT', 'INSERT', 'orders', 'public', 3, true) $$,
  'three orders inserted in one statement are one private broadcast on store:A, with the count');
select is_empty(
  $$ select 1 from realtime.messages where payload ->> 'table' = 'orders' and (payload ? 'record' or payload ? 'old_record') $$,
  'the broadcast carries no order rows (no billing names or phones)');
select is_empty($$ select * from tests.order_broadcasts('store_b') $$, 'another store''s topic hears nothing');

select tests.forget_broadcasts();
select tests.authenticate_as_service_role();
update public.orders set status = 'completed' where store_id in (tests.id('store_a'), tests.id('store_b'));
select tests.clear_authentication();
select results_eq($$ select event, n from tests.order_broadcasts('store_a') union all select event, n from tests.order_broadcasts('store_b') $$,
  $$ values ('UPDATE', 4), ('UPDATE', 1) $$,
  'one statement touching two stores sends one broadcast to each, with its own count');

select tests.forget_broadcasts();
select tests.authenticate_as_service_role();
delete from public.orders where store_id = tests.id('store_a') and external_id > 500;
select tests.clear_authentication();
select results_eq($$ select event, operation, n from tests.order_broadcasts('store_a') $$,
  $$ values ('DELETE', 'DELETE', 3) $$, 'deleted orders are broadcast as DELETE');

select tests.forget_broadcasts();
select tests.authenticate_as_service_role();
update public.orders set status = 'completed' where store_id = tests.id('store_a') and false;
select tests.clear_authentication();
select is_empty($$ select * from tests.order_broadcasts('store_a') $$, 'a statement that changes no order sends nothing');

-- Who receives it -----------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
update public.orders set tracking_number = 'JNE123' where id = tests.id('order_a');
select tests.clear_authentication();
select tests.authenticate_as(tests.id('owner_a'));
select tests.set_topic('store:' || tests.id('store_a'));
select isnt_empty($$ select 1 from realtime.messages where payload ->> 'table' = 'orders' $$,
  'the owner of A receives the order broadcasts of store:A');
select tests.authenticate_as(tests.id('agent_b'));
select tests.set_topic('store:' || tests.id('store_a'));
select is_empty($$ select 1 from realtime.messages $$, 'a member of B receives nothing on store:A');
select tests.clear_authentication();

select ok(not has_function_privilege('authenticated', 'private.broadcast_store_orders_changed()', 'execute'),
  'signed-in users cannot call the trigger function');
select ok(not has_function_privilege('anon', 'private.broadcast_store_orders_changed()', 'execute'),
  'anon cannot call the trigger function');

select * from finish();
rollback;
