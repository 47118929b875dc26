-- Broadcast recipients' keys, checked per statement since 0550 (instead of a foreign key per row): no
-- recipient of a broadcast or customer of another store or of none, in any row of an insert; deleting a
-- broadcast, a customer or the store deletes their recipients; keys that recipients refer to do not
-- change; the list's ids are time-ordered (UUID version 7) in customer order; segments compute the
-- spending percentile only when their rules read it, with the same members as before. The races (an insert and a
-- delete at once) are tested in tests/broadcasts/test_recipient_keys.py.
begin;
\ir _helpers.psql
select plan(24);
select tests.seed_two_stores();

insert into public.whatsapp_templates (store_id, name, content_sid, language, body, status) values
  (tests.id('store_a'), 'promo', 'HX' || repeat('a', 32), 'id', 'Halo {{1}}', 'approved'),
  (tests.id('store_b'), 'promo', 'HX' || repeat('b', 32), 'id', 'Halo {{1}}', 'approved');
insert into public.broadcasts (store_id, name, template_id, variables)
select t.store_id, 'Promo', t.id, '{"1": "x"}' from public.whatsapp_templates t where t.name = 'promo';
insert into tests.fixture select 'broadcast_' || right(s.name, 1), b.id
from public.broadcasts b join public.stores s on s.id = b.store_id where lower(s.name) in ('store a', 'store b');
update tests.fixture set name = lower(name) where name like 'broadcast_%';
insert into public.customers (store_id, phone, name, marketing_opt_in)
select tests.id('store_a'), '+62811200000' || i, 'Pelanggan ' || i, true from generate_series(1, 5) i;

-- Inserts -----------------------------------------------------------------------------------------------
select throws_ok($$ insert into public.broadcast_recipients (store_id, broadcast_id, customer_id)
                    values (tests.id('store_a'), tests.id('broadcast_a'), tests.id('customer_b')) $$,
  '23503', null, 'a customer of another store is refused');
select throws_ok($$ insert into public.broadcast_recipients (store_id, broadcast_id, customer_id)
                    values (tests.id('store_a'), tests.id('broadcast_b'), tests.id('customer_a')) $$,
  '23503', null, 'a broadcast of another store is refused');
select throws_ok($$ insert into public.broadcast_recipients (store_id, broadcast_id, customer_id)
                    values (tests.id('store_a'), gen_random_uuid(), tests.id('customer_a')) $$,
  '23503', null, 'a broadcast that does not exist is refused');
select throws_ok($$ insert into public.broadcast_recipients (store_id, broadcast_id, customer_id)
                    select tests.id('store_a'), tests.id('broadcast_a'), c.id from public.customers c
                    where c.store_id = tests.id('store_a') or c.id = tests.id('customer_b') $$,
  '23503', null, 'one wrong row among many refuses the whole insert');
select is((select count(*) from public.broadcast_recipients where store_id = tests.id('store_a')), 0::bigint, 'and nothing was written');
select lives_ok($$ insert into public.broadcast_recipients (store_id, broadcast_id, customer_id)
                   select c.store_id, tests.id('broadcast_a'), c.id from public.customers c
                   where c.store_id = tests.id('store_a') $$,
  'the store''s own customers in its own broadcast are taken');
insert into public.broadcast_recipients (store_id, broadcast_id, customer_id)
values (tests.id('store_b'), tests.id('broadcast_b'), tests.id('customer_b'));

-- Keys do not change --------------------------------------------------------------------------------------
select throws_ok($$ update public.broadcast_recipients set customer_id = tests.id('customer_b')
                    where broadcast_id = tests.id('broadcast_a') $$,
  '23503', null, 'a recipient''s customer does not change');
select throws_ok($$ update public.broadcast_recipients set store_id = tests.id('store_b'), broadcast_id = tests.id('broadcast_b')
                    where broadcast_id = tests.id('broadcast_a') $$,
  '23503', null, 'nor its store and broadcast');
select lives_ok($$ update public.broadcast_recipients set status = 'skipped', skip_reason = 'cancelled'
                   where broadcast_id = tests.id('broadcast_b') $$, 'its status does');
select throws_ok($$ update public.customers set store_id = tests.id('store_b')
                    where id = (select max(id::text)::uuid from public.customers where name = 'Pelanggan 1') $$,
  '23503', null, 'a customer with recipients does not move to another store');
select throws_ok($$ update public.broadcasts set id = gen_random_uuid() where id = tests.id('broadcast_b') $$,
  '23503', null, 'a broadcast with recipients keeps its id');
set local client_min_messages = warning;  -- the cascade's notices
select throws_ok($$ truncate public.customers cascade $$, '0A000', null,
  'customers are not truncated from under their recipients');
reset client_min_messages;

-- Deletes cascade -------------------------------------------------------------------------------------------
delete from public.customers where id = (select min(id::text)::uuid from public.customers
                                         where store_id = tests.id('store_a') and name like 'Pelanggan%');
select is((select count(*) from public.broadcast_recipients where broadcast_id = tests.id('broadcast_a')), 5::bigint,
  'deleting a customer deletes their recipient rows (6 → 5)');
select is((select count(*) from public.broadcast_recipients r
           where not exists (select 1 from public.customers c where c.id = r.customer_id)), 0::bigint, 'none is left without its customer');
delete from public.broadcasts where id = tests.id('broadcast_a');
select is((select count(*) from public.broadcast_recipients where store_id = tests.id('store_a')), 0::bigint,
  'deleting a broadcast deletes its recipients');
select is((select count(*) from public.broadcast_recipients where store_id = tests.id('store_b')), 1::bigint,
  'and no other store''s');
select lives_ok($$ delete from public.stores where id = tests.id('store_b') $$, 'a store with broadcast recipients can be deleted');
select is((select count(*) from public.broadcast_recipients where store_id = tests.id('store_b')), 0::bigint,
  'and its recipients go with it');
select is((select count(*) from private.broadcast_recipient_guard where store_id = tests.id('store_b')), 0::bigint,
  'and its guard row');

-- create_broadcast's ids --------------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select public.create_broadcast(tests.id('store_a'), tests.id('owner_a'), 'Ordered', (select id from public.whatsapp_templates where name = 'promo' and store_id = tests.id('store_a')),
                               null, '{"1": "{{first_name}}"}', null);
select tests.clear_authentication();
select is((select bool_and(substr(r.id::text, 15, 1) = '7' and substr(r.id::text, 20, 1) in ('8', '9', 'a', 'b'))
           from public.broadcast_recipients r join public.broadcasts b on b.id = r.broadcast_id where b.name = 'Ordered'),
  true, 'the list''s ids are UUIDs version 7 (RFC 9562 variant)');
select is((select array_agg(r.id order by r.customer_id) = array_agg(r.id order by r.id)
           from public.broadcast_recipients r join public.broadcasts b on b.id = r.broadcast_id where b.name = 'Ordered'),
  true, 'in customer order: the worker claims them in that order');

-- The spending percentile, computed when the rules read it -------------------------------------------------
insert into public.customers (store_id, phone, name) values
  (tests.id('store_a'), '+6281130000001', 'Spender Low'), (tests.id('store_a'), '+6281130000002', 'Spender High');
insert into public.orders (store_id, external_id, number, status, total, currency, customer_id, created_at, date_modified)
select tests.id('store_a'), 900 + i, 'S' || i, 'completed', total, 'IDR', c.id, now(), now()
from (values (1, 'Spender Low', 100000), (2, 'Spender High', 300000)) v(i, name, total)
join public.customers c on c.name = v.name and c.store_id = tests.id('store_a');
-- Paying customers of store A: Spender Low 100,000 (percentile 0), Customer A 150,000 (50), Spender High 300,000 (100).
create function pg_temp.members(p_rules jsonb) returns text[] language sql as $$
  select array_agg(c.name order by c.name) from private.segment_customers(tests.id('store_a'), p_rules) c
$$;
select is(pg_temp.members('{"all": [{"field": "total_spent_percentile", "op": ">=", "value": 50}]}'),
  array['Customer A', 'Spender High'], 'the top half by spending');
select is(pg_temp.members('{"all": [{"field": "total_spent_percentile", "op": "<", "value": 50}, {"field": "paid_orders", "op": ">=", "value": 1}]}'),
  array['Spender Low'], 'the bottom half');
select is(pg_temp.members('{"all": [{"field": "paid_orders", "op": ">=", "value": 1}]}'),
  array['Customer A', 'Spender High', 'Spender Low'], 'without the percentile: every paying customer');

select * from finish();
rollback;
