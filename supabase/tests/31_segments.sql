-- Segments: rules evaluated in SQL on a fixture whose members are computed by hand; bad rules refused
-- with where and why and nothing stored; only owners and admins save segments; members of another store
-- see nothing.
begin;
\ir _helpers.psql
select plan(40);
select tests.seed_two_stores();

-- Fixture (store A). customer_a (from the two-store fixture): 1 paid order today (150,000, product_a),
-- wrote today, no consent. Then:
--   Ani:  consent; 3 paid orders 10/20/40 days ago (100,000 each); label vip; Bandung, Jawa Barat
--   Budi: consent; 1 paid order 5 days ago (500,000, product_a); Jakarta, DKI Jakarta
--   Citra: no consent; 2 paid orders 100/120 days ago (50,000 each), a cancelled one 2 days ago
--   Dodi: consent but opted out; 1 paid order 200 days ago (80,000)
--   Eka:  consent; no orders; wrote 3 days ago, the bot answered in English
update public.products set categories = '{Kemeja,"Batik Tulis"}' where id = tests.id('product_a');
insert into public.customers (store_id, phone, name, marketing_opt_in, opted_out_at, city, province) values
  (tests.id('store_a'), '+6281110000001', 'Ani', true, null, 'Bandung', 'Jawa Barat'),
  (tests.id('store_a'), '+6281110000002', 'Budi', true, null, ' jakarta ', 'DKI Jakarta'),
  (tests.id('store_a'), '+6281110000003', 'Citra', false, null, null, null),
  (tests.id('store_a'), '+6281110000004', 'Dodi', true, now() - interval '1 day', null, null),
  (tests.id('store_a'), '+6281110000005', 'Eka', true, null, null, null);
create function pg_temp.customer(p_name text) returns uuid
language sql stable as $$ select id from public.customers where store_id = tests.id('store_a') and name = p_name $$;

insert into public.orders (store_id, external_id, number, status, total, currency, customer_id, created_at, date_modified)
select tests.id('store_a'), 200 + row_number() over (), 'N' || (200 + row_number() over ()), o.status::public.order_status,
       o.total, 'IDR', pg_temp.customer(o.who), now() - o.age, now()
from (values ('Ani', 'completed', 100000, interval '10 days'), ('Ani', 'processing', 100000, interval '20 days'),
             ('Ani', 'completed', 100000, interval '40 days'), ('Budi', 'completed', 500000, interval '5 days'),
             ('Citra', 'completed', 50000, interval '100 days'), ('Citra', 'completed', 50000, interval '120 days'),
             ('Citra', 'cancelled', 900000, interval '2 days'), ('Dodi', 'completed', 80000, interval '200 days'))
  as o(who, status, total, age);
insert into public.order_items (store_id, order_id, product_id, external_id, name, quantity, unit_price, total)
select tests.id('store_a'), o.id, tests.id('product_a'), 1, 'Batik shirt a', 1, 500000, 500000
from public.orders o where o.customer_id = pg_temp.customer('Budi');
insert into public.customer_labels (store_id, customer_id, label) values (tests.id('store_a'), pg_temp.customer('Ani'), 'VIP');

with conversation as (
  insert into public.conversations (store_id, customer_id, created_at)
  values (tests.id('store_a'), pg_temp.customer('Eka'), now() - interval '3 days') returning id
)
insert into public.messages (store_id, conversation_id, direction, sender, body, status, metadata, created_at)
select tests.id('store_a'), conversation.id, m.direction::public.message_direction, m.sender::public.message_sender,
       'hi', m.status::public.message_status, m.metadata::jsonb, now() - interval '3 days' + m.later
from conversation,
     (values ('inbound', 'customer', 'received', '{}', interval '0'),
             ('outbound', 'bot', 'sent', '{"language": "en"}', interval '1 minute')) as m(direction, sender, status, metadata, later);

-- The members' names, sorted, for rules.
create function pg_temp.members(p_rules text) returns text[]
language sql stable as $$
  select coalesce(array_agg(c.name order by c.name), '{}') from public.customers c
  where c.id in (select s.id from private.segment_customers(tests.id('store_a'), p_rules::jsonb) s)
$$;

-- Rules on the fixture ------------------------------------------------------------------------------
select is(pg_temp.members('{"all": []}'), array['Ani', 'Budi', 'Citra', 'Customer A', 'Dodi', 'Eka'],
  'an empty "all" is every customer of the store, none of store B');
select is(pg_temp.members('{"all": [{"field": "paid_orders", "op": ">=", "value": 3}]}'), array['Ani'],
  'paid orders: cancelled ones do not count');
select is(pg_temp.members('{"all": [{"field": "paid_orders", "op": "=", "value": 0}]}'), array['Eka'],
  'no paid orders');
select is(pg_temp.members('{"all": [{"field": "total_spent", "op": "between", "value": [100000, 300000]}]}'),
  array['Ani', 'Citra', 'Customer A'], 'total spent between two amounts (Citra''s cancelled 900,000 left out)');
select is(pg_temp.members('{"all": [{"field": "days_since_last_order", "op": ">", "value": 90}]}'),
  array['Citra', 'Dodi'], 'days since the last paid order');
select is(pg_temp.members('{"all": [{"field": "days_since_last_message", "op": "<=", "value": 7}]}'),
  array['Customer A', 'Eka'], 'days since the customer last wrote');
select is(pg_temp.members(format('{"all": [{"field": "bought_product", "op": "=", "value": "%s"}]}', tests.id('product_a'))),
  array['Budi', 'Customer A'], 'bought a product');
select is(pg_temp.members(format('{"all": [{"field": "bought_product", "op": "!=", "value": "%s"}]}', tests.id('product_a'))),
  array['Ani', 'Citra', 'Dodi', 'Eka'], 'never bought it');
select is(pg_temp.members('{"all": [{"field": "bought_category", "op": "=", "value": "batik tulis"}]}'),
  array['Budi', 'Customer A'], 'bought in a category (case-insensitive)');
select is(pg_temp.members('{"all": [{"field": "city", "op": "=", "value": "BANDUNG"}]}'), array['Ani'], 'city');
select is(pg_temp.members('{"all": [{"field": "city", "op": "in", "value": ["Jakarta", "Surabaya"]}]}'), array['Budi'],
  'city in a list (spaces and case ignored)');
select is(pg_temp.members('{"all": [{"field": "province", "op": "!=", "value": "Jawa Barat"}]}'), array['Budi'],
  'province is not: customers without a known province are not guessed');
select is(pg_temp.members('{"all": [{"field": "label", "op": "=", "value": "vip"}]}'), array['Ani'], 'label');
select is(pg_temp.members('{"all": [{"field": "opted_in", "op": "=", "value": true}]}'), array['Ani', 'Budi', 'Eka'],
  'opted in: consent given and not withdrawn');
select is(pg_temp.members('{"all": [{"field": "opted_in", "op": "=", "value": false}]}'), array['Citra', 'Customer A', 'Dodi'],
  'not opted in');
select is(pg_temp.members('{"all": [{"field": "language", "op": "=", "value": "en"}]}'), array['Eka'],
  'language of the bot''s last answer');
select is(pg_temp.members('{"any": [{"field": "label", "op": "=", "value": "vip"}, {"field": "city", "op": "=", "value": "jakarta"}]}'),
  array['Ani', 'Budi'], 'any');
select is(pg_temp.members('{"all": [{"field": "opted_in", "op": "=", "value": true}, {"any": [{"field": "paid_orders", "op": ">=", "value": 3}, {"field": "days_since_last_message", "op": "<=", "value": 7}]}]}'),
  array['Ani', 'Eka'], 'all with a nested any');

-- The ready-made segments ----------------------------------------------------------------------------
create function pg_temp.preset(p_key text) returns text[]
language sql stable as $$ select pg_temp.members((select rules::text from public.segment_presets() where key = p_key)) $$;
select is(pg_temp.preset('new'), array['Budi', 'Customer A'], 'new: one paid order within 30 days');
select is(pg_temp.preset('loyal'), array['Ani'], 'loyal: 3+ paid orders, the last within 90 days');
select is(pg_temp.preset('big_spenders'), array['Budi'], 'big spenders: top 10% by total spent');
select is(pg_temp.preset('at_risk'), array['Citra'], 'at risk: 2+ paid orders, the last 61-180 days ago');
select is(pg_temp.preset('lapsed'), array['Dodi'], 'lapsed: nothing for more than 180 days');

-- Bad rules -------------------------------------------------------------------------------------------
select throws_ok($$ select pg_temp.members('{"all": [{"field": "shoe_size", "op": "=", "value": 42}]}') $$,
  '22023', null, 'an unknown field is refused');
select throws_like($$ select pg_temp.members('{"all": [{"field": "paid_orders", "op": "=", "value": 1}, {"field": "paid_orders", "op": "~", "value": 1}]}') $$,
  'rules.all[1].op: %', 'the message says where the bad rule is');
select throws_ok($$ select pg_temp.members('{"all": [{"field": "total_spent", "op": ">", "value": "1; drop table x"}]}') $$,
  '22023', null, 'a number field refuses text');
select throws_ok($$ select pg_temp.members('{"both": []}') $$, '22023', null, 'a group is all or any');
select is(pg_temp.members('{"all": [{"field": "city", "op": "=", "value": "x'') or (true"}]}'), '{}'::text[],
  'a value with quotes is only a value');

-- Saving -------------------------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select is((public.create_segment(tests.id('store_a'), tests.id('admin_a'), ' Loyal ',
           (select rules from public.segment_presets() where key = 'loyal')) ->> 'count')::integer, 1,
  'an admin saves a segment and gets its count');
select throws_ok($$ select public.create_segment(tests.id('store_a'), tests.id('admin_a'), 'Loyal', '{"all": []}') $$,
  '23505', null, 'names are unique in a store');
select throws_ok($$ select public.create_segment(tests.id('store_a'), tests.id('admin_a'), 'Bad', '{"all": [{"field": "x"}]}') $$,
  '22023', null, 'bad rules are refused');
select throws_ok($$ select public.create_segment(tests.id('store_a'), tests.id('agent_a'), 'Agents', '{"all": []}') $$,
  '42501', 'only owners and admins manage segments', 'an agent cannot save a segment');
select throws_ok($$ select public.create_segment(tests.id('store_a'), tests.id('owner_b'), 'Outsiders', '{"all": []}') $$,
  '42501', null, 'nor an owner of another store');
select is((select array_agg(name) from public.segments where store_id = tests.id('store_a')), array['Loyal'],
  'only the good segment was stored');
select is((public.segment_members(tests.id('store_a'), (select id from public.segments where name = 'Loyal'), 10, 0) -> 'members' -> 0 ->> 'name'),
  'Ani', 'its members');

-- Who sees what ------------------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('agent_a'));
select is((select count(*) from public.segments), 1::bigint, 'an agent of the store reads its segments');
select is((public.preview_segment(tests.id('store_a'), '{"all": [{"field": "label", "op": "=", "value": "vip"}]}') ->> 'count')::integer,
  1, 'and previews rules');
select throws_ok($$ select public.create_segment(tests.id('store_a'), tests.id('agent_a'), 'Mine', '{"all": []}') $$,
  '42501', null, 'but cannot call create_segment directly');
select tests.authenticate_as(tests.id('agent_b'));
select is((select count(*) from public.segments), 0::bigint, 'a member of another store sees no segment of A');
select throws_ok($$ select public.preview_segment(tests.id('store_a'), '{"all": []}') $$, '42501', null,
  'nor previews A''s customers');

select * from finish();
rollback;
