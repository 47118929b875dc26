-- KPI functions: each on a small fixture whose expected values are worked out by hand below; the rollups
-- that make them fast stay right under inserts, updates and deletes (the triggers agree with a rebuild);
-- RLS applies (another store's member gets nothing); anon cannot call them; bad arguments are 22023.
begin;
\ir _helpers.psql
select plan(64);
select tests.seed_two_stores();  -- its rows are dated now(), far from the 2025 fixture below

-- The period P is one Jakarta day, 10 March 2025 (UTC+7): [2025-03-09 17:00Z, 2025-03-10 17:00Z).
create function pg_temp.p_from() returns timestamptz language sql immutable as $$ select timestamptz '2025-03-09 17:00+00' $$;
create function pg_temp.p_to() returns timestamptz language sql immutable as $$ select timestamptz '2025-03-10 17:00+00' $$;
create function pg_temp.store() returns uuid language sql stable as $$ select tests.id('store_a') $$;

create function pg_temp.customer(p_name text, p_phone text, p_first_seen timestamptz) returns void
language sql as $$
  with c as (
    insert into public.customers (store_id, phone, name, first_seen_at)
    values (tests.id('store_a'), p_phone, p_name, p_first_seen) returning id
  )
  insert into tests.fixture select p_name, c.id from c
$$;
create function pg_temp.conversation(p_name text, p_customer text, p_created timestamptz) returns void
language sql as $$
  with c as (
    insert into public.conversations (store_id, customer_id, created_at)
    values (tests.id('store_a'), tests.id(p_customer), p_created) returning id
  )
  insert into tests.fixture select p_name, c.id from c
$$;
create function pg_temp.message(
  p_conversation text, p_sender public.message_sender, p_at timestamptz,
  p_category public.issue_category default null, p_urgency public.urgency default null,
  p_metadata jsonb default '{}'
) returns void
language sql as $$
  insert into public.messages (store_id, conversation_id, direction, sender, body, provider_message_id, status,
                               category, urgency, metadata, created_at)
  select c.store_id, c.id, case when p_sender = 'customer' then 'inbound' else 'outbound' end::public.message_direction,
         p_sender, 'fixture', case when p_sender <> 'system' then 'SM' || gen_random_uuid() end,
         case when p_sender = 'customer' then 'received' else 'sent' end::public.message_status,
         p_category, p_urgency, p_metadata, p_at
  from public.conversations c where c.id = tests.id(p_conversation)
$$;
create function pg_temp.order(
  p_number integer, p_customer text, p_at timestamptz, p_status public.order_status, p_total numeric,
  p_currency text default 'IDR'
) returns void
language sql as $$
  insert into public.orders (store_id, external_id, number, status, total, currency, customer_id, created_at, date_modified)
  values (tests.id('store_a'), p_number, p_number::text, p_status, p_total, p_currency, tests.id(p_customer), p_at, p_at)
$$;
-- Everything a caller gets for P, as one row of text (easy to compare before and after a change).
create function pg_temp.figures() returns text language sql as $$
  select concat_ws(' | ',
    (select row(r.*)::text from public.kpi_bot_first_response(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) r),
    (select row(r.*)::text from public.kpi_human_first_response(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) r),
    (select row(r.*)::text from public.kpi_bot_resolution(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) r),
    (select row(r.*)::text from public.kpi_escalation(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) r),
    (select row(r.*)::text from public.kpi_conversion(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) r),
    (select row(r.*)::text from public.kpi_retention(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) r),
    (select row(r.*)::text from public.kpi_aov(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) r),
    (select row(r.*)::text from public.kpi_acquisition(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) r),
    (select string_agg(row(r.*)::text, ',') from public.kpi_label_mix(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) r),
    (select string_agg(row(r.*)::text, ',') from public.kpi_message_volume(pg_temp.store(), pg_temp.p_from() - interval '1 day', pg_temp.p_to(), 'hour') r))
$$;
-- The store's rollup rows (zero rows left by the triggers aside), to compare with a rebuild.
create function pg_temp.rollups() returns setof text language sql as $$
  select 'slot ' || row(s.*)::text from private.kpi_message_slots s
  where s.store_id = pg_temp.store() and (s.inbound, s.outbound) <> (0, 0)
  union all
  select 'label ' || row(l.*)::text from private.kpi_label_hours l where l.store_id = pg_temp.store() and l.n <> 0
  union all
  select 'facts ' || row(f.*)::text from private.kpi_conversations f where f.store_id = pg_temp.store()
  union all
  select 'hour ' || row(h.*)::text from private.kpi_conversation_hours h
  where h.store_id = pg_temp.store() and (h.conversations, h.handed_off, h.bot_confirmed, h.bot_assumed) <> (0, 0, 0, 0)
  union all
  select 'orders ' || row(o.*)::text from private.kpi_order_hours o
  where o.store_id = pg_temp.store() and (o.orders, o.revenue) <> (0, 0)
  union all
  select 'customer ' || row(k.*)::text from private.kpi_customers k where k.store_id = pg_temp.store()
$$;

-- Fixture (store A, Asia/Jakarta, IDR), written as the app writes: conversations open, messages arrive,
-- outcomes are set later. Times are UTC; WIB = UTC+7.
--   cust1: conv1 in P, bot answers in 10 s, confirmed; later conv5 in P: bot 50 s, confirmed, then REOPENED,
--          handed off at 03:31 and answered by a person 300 s later.
--   cust2: conv2 in P: bot 30 s, handoff 02:01, agent 02:11 (600 s), resolved by the person.
--   cust3: conv3 opened 2025-03-09 16:30Z = 23:30 WIB on 9 March (before P) and still talking inside P:
--          SPANS THE BOUNDARY; its messages after 17:00Z count in P's volume, the conversation does not.
--   cust4: conv4 opened 16:30Z = 23:30 WIB on 10 March (the end of P's local day); bot 20 s, customer silent
--          since: an assumed resolution the scheduled job has not stored yet.
select pg_temp.customer('cust1', '+6281310000001', '2025-03-10 01:00+00');
select pg_temp.customer('cust2', '+6281310000002', '2025-02-01 00:00+00');
select pg_temp.customer('cust3', '+6281310000003', '2025-03-09 16:30+00');
select pg_temp.customer('cust4', '+6281310000004', '2025-03-10 16:30+00');
select pg_temp.customer('cust5', '+6281310000005', '2025-03-10 09:00+00');
select pg_temp.customer('cust6', '+6281310000006', '2025-03-09 10:00+00');

select pg_temp.conversation('conv1', 'cust1', '2025-03-10 01:00+00');
select pg_temp.message('conv1', 'customer', '2025-03-10 01:00:00+00', 'order', 'low');
select pg_temp.message('conv1', 'bot', '2025-03-10 01:00:10+00');
select pg_temp.message('conv1', 'customer', '2025-03-10 01:05:00+00', 'order', 'low');
select pg_temp.message('conv1', 'bot', '2025-03-10 01:05:04+00');
select pg_temp.message('conv1', 'customer', '2025-03-10 01:06:00+00', 'other', 'low');
select pg_temp.message('conv1', 'agent', '2025-03-10 01:30:00+00', p_metadata => '{"broadcast_id": "promo-1"}');
update public.conversations set status = 'resolved', resolution = 'bot_confirmed', resolved_at = '2025-03-10 01:06+00'
where id = tests.id('conv1');

select pg_temp.conversation('conv2', 'cust2', '2025-03-10 02:00+00');
select pg_temp.message('conv2', 'customer', '2025-03-10 02:00:00+00', 'refund', 'high');
select pg_temp.message('conv2', 'bot', '2025-03-10 02:00:30+00');
select pg_temp.message('conv2', 'system', '2025-03-10 02:01:00+00');
update public.conversations set status = 'human', handed_off_at = '2025-03-10 02:01+00' where id = tests.id('conv2');
select pg_temp.message('conv2', 'agent', '2025-03-10 02:11:00+00');
select pg_temp.message('conv2', 'customer', '2025-03-10 02:12:00+00', 'refund', 'medium');
select pg_temp.message('conv2', 'agent', '2025-03-10 02:13:00+00');
update public.conversations set status = 'resolved', resolution = 'human', resolved_at = '2025-03-10 02:20+00'
where id = tests.id('conv2');

select pg_temp.conversation('conv3', 'cust3', '2025-03-09 16:30+00');
select pg_temp.message('conv3', 'customer', '2025-03-09 16:30:00+00', 'delivery', 'low');
select pg_temp.message('conv3', 'bot', '2025-03-09 16:30:20+00');
select pg_temp.message('conv3', 'customer', '2025-03-09 17:10:00+00', 'delivery', 'medium');
select pg_temp.message('conv3', 'bot', '2025-03-09 17:10:05+00');
update public.conversations set status = 'resolved', resolution = 'bot_assumed', resolved_at = '2025-03-10 17:11+00'
where id = tests.id('conv3');

select pg_temp.conversation('conv4', 'cust4', '2025-03-10 16:30+00');
select pg_temp.message('conv4', 'customer', '2025-03-10 16:30:00+00', 'payment', 'low');
select pg_temp.message('conv4', 'bot', '2025-03-10 16:30:20+00');

select pg_temp.conversation('conv5', 'cust1', '2025-03-10 03:00+00');
select pg_temp.message('conv5', 'customer', '2025-03-10 03:00:00+00', 'delivery', 'medium');
select pg_temp.message('conv5', 'bot', '2025-03-10 03:00:50+00');
select pg_temp.message('conv5', 'customer', '2025-03-10 03:01:00+00', 'other', 'low');
update public.conversations set status = 'resolved', resolution = 'bot_confirmed', resolved_at = '2025-03-10 03:01+00'
where id = tests.id('conv5');

-- Orders (IDR unless said): o1 cust1 completed 200,000 and o2 cust2 processing 100,000 are paid, in P; o3 cust3
-- cancelled and o4 cust4 refunded are not; o5 cust5 is paid in USD (not the store's currency); o6 is after P;
-- cust4 ordered on 1 March (before their conversation) and on 20 March (more than 7 days after it); cust6's
-- only activity is an order on 9 March (the day before P).
select pg_temp.order(1, 'cust1', '2025-03-10 05:00+00', 'completed', 200000);
select pg_temp.order(2, 'cust2', '2025-03-10 06:00+00', 'pending', 100000);
select pg_temp.order(3, 'cust3', '2025-03-10 07:00+00', 'completed', 500000);
select pg_temp.order(4, 'cust4', '2025-03-10 08:00+00', 'refunded', 300000);
select pg_temp.order(5, 'cust5', '2025-03-10 09:00+00', 'completed', 150, 'USD');
select pg_temp.order(6, 'cust2', '2025-03-12 10:00+00', 'completed', 400000);
select pg_temp.order(7, 'cust4', '2025-03-01 10:00+00', 'completed', 250000);
select pg_temp.order(8, 'cust4', '2025-03-20 10:00+00', 'completed', 250000);
select pg_temp.order(9, 'cust6', '2025-03-09 10:00+00', 'completed', 120000);
update public.orders set status = 'processing' where store_id = pg_temp.store() and external_id = 2;  -- paid now
update public.orders set status = 'cancelled' where store_id = pg_temp.store() and external_id = 3;   -- not any more

-- Store B has a conversation in P too (a customer of its own); store A's figures never include it.
with c as (insert into public.customers (store_id, phone) values (tests.id('store_b'), '+6281320000001') returning id)
insert into public.conversations (store_id, customer_id, created_at) select tests.id('store_b'), c.id, '2025-03-10 04:00+00' from c;
insert into public.messages (store_id, conversation_id, direction, sender, body, provider_message_id, status, created_at)
select tests.id('store_b'), c.id, 'inbound', 'customer', 'halo', 'SM-b-p', 'received', '2025-03-10 04:00+00'
from public.conversations c where c.store_id = tests.id('store_b') and c.created_at = '2025-03-10 04:00+00';

-- Privileges -----------------------------------------------------------------------------------------
select function_privs_are('public', f, args, 'anon', array[]::name[], format('anon cannot execute %s', f))
from (values ('kpi_message_volume', array['uuid', 'timestamp with time zone', 'timestamp with time zone', 'text']),
             ('kpi_aov', array['uuid', 'timestamp with time zone', 'timestamp with time zone']),
             ('kpi_label_mix', array['uuid', 'timestamp with time zone', 'timestamp with time zone'])) as t (f, args);
select is(
  (select count(*) from pg_catalog.pg_proc p
   where p.pronamespace = 'public'::regnamespace and p.proname like 'kpi\_%'
     and has_function_privilege('authenticated', p.oid, 'execute')
     and has_function_privilege('service_role', p.oid, 'execute')
     and not has_function_privilege('anon', p.oid, 'execute')
     and not p.prosecdef and p.provolatile = 's'
     and 'search_path=""' = any (p.proconfig)),
  10::bigint, 'the ten kpi_* functions: members and the service role may call them, anon not; invoker, stable, empty search_path');
select ok(not has_function_privilege('authenticated', 'private.kpi_rebuild(uuid)', 'execute')
          and not has_function_privilege('service_role', 'private.kpi_rebuild(uuid)', 'execute'),
  'rebuilding the rollups is for the database owner only');
select ok(not has_table_privilege('authenticated', 'private.kpi_message_slots', 'insert, update, delete')
          and not has_table_privilege('service_role', 'private.kpi_conversations', 'insert, update, delete'),
  'nobody but the triggers writes the rollups');
select is(
  (select count(*) from pg_catalog.pg_policies
   where (schemaname, tablename) in (('public', 'messages'), ('public', 'orders'))
     and cmd = 'SELECT' and qual like '%member_store_ids%'),
  2::bigint, 'messages and orders are read under the once-per-query membership check');

select tests.authenticate_as_anon();
select throws_ok($$ select * from public.kpi_aov(tests.id('store_a'), now() - interval '1 day', now()) $$,
  '42501', null, 'anon cannot call a KPI');
select throws_ok($$ select * from private.kpi_conversations $$, '42501', null, 'anon cannot read the rollups');
select tests.clear_authentication();

-- Arguments --------------------------------------------------------------------------------------------
select throws_ok($$ select * from public.kpi_aov(null, now() - interval '1 day', now()) $$,
  '22023', 'a KPI needs p_store_id, p_from and p_to (none may be null)', 'a null store is refused');
select throws_ok($$ select * from public.kpi_escalation(tests.id('store_a'), null, now()) $$,
  '22023', null, 'a null p_from is refused');
select throws_ok($$ select * from public.kpi_retention(tests.id('store_a'), now(), now()) $$,
  '22023', null, 'an empty period (p_from = p_to) is refused');
select throws_ok($$ select * from public.kpi_conversion(tests.id('store_a'), now(), now() - interval '1 day') $$,
  '22023', null, 'a period that ends before it starts is refused');
select throws_ok($$ select * from public.kpi_acquisition(tests.id('store_a'), '-infinity', now()) $$,
  '22023', null, 'an infinite period is refused');
select throws_ok($$ select * from public.kpi_message_volume(tests.id('store_a'), now() - interval '1 day', now(), 'minute') $$,
  '22023', 'p_bucket must be hour, day, week or month (got minute)', 'an unknown bucket is refused');
select throws_ok($$ select * from public.kpi_message_volume(tests.id('store_a'), now() - interval '1 day', now(), null) $$,
  '22023', null, 'a null bucket is refused');
select throws_ok($$ select * from public.kpi_message_volume(tests.id('store_a'), now() - interval '5 years', now(), 'hour') $$,
  '22023', 'more than 10000 hour buckets: choose a larger bucket', 'too many buckets are refused');

-- As an agent of store A ---------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('agent_a'));

-- Message volume. Inside P: conv1 3 in / 2 out (the broadcast does not count), conv2 2 in / 3 out (bot +
-- 2 agent; the system note does not count), conv3 1 / 1 (17:10Z, 17:10:05Z), conv4 1 / 1, conv5 2 / 1 so
-- far: 9 inbound, 8 outbound. The day before (9 March WIB): conv3's 16:30Z pair = 1 / 1.
select results_eq(
  $$ select bucket, inbound, outbound
     from public.kpi_message_volume(pg_temp.store(), pg_temp.p_from() - interval '1 day', pg_temp.p_to(), 'day') $$,
  $$ values ('2025-03-08 17:00+00'::timestamptz, 1::bigint, 1::bigint), ('2025-03-09 17:00+00', 9, 8) $$,
  'volume per Jakarta day: every message in its local day, zeros nowhere needed here');
-- 17:10Z on 9 March is 00:10 WIB on 10 March: its local day, not its UTC date.
select results_eq(
  $$ select inbound, outbound from public.kpi_message_volume(pg_temp.store(), '2025-03-09 17:00+00', '2025-03-09 18:00+00', 'hour') $$,
  $$ values (1::bigint, 1::bigint) $$, 'a message at 00:10 WIB lands in that local hour (17:00Z the day before)');
-- 23:30 WIB on 10 March (conv4) is in 10 March's bucket, the last hour of P, not in 11 March's.
select results_eq(
  $$ select bucket, inbound, outbound
     from public.kpi_message_volume(pg_temp.store(), '2025-03-10 16:00+00', '2025-03-10 18:00+00', 'hour') $$,
  $$ values ('2025-03-10 16:00+00'::timestamptz, 1::bigint, 1::bigint), ('2025-03-10 17:00+00', 0, 0) $$,
  'a message at 23:30 WIB lands in 23:00 WIB; the next (empty) hour is listed with zeros');
select results_eq(
  $$ select bucket, inbound, outbound
     from public.kpi_message_volume(pg_temp.store(), pg_temp.p_from(), pg_temp.p_from() + interval '3 days', 'day') $$,
  $$ values ('2025-03-09 17:00+00'::timestamptz, 9::bigint, 8::bigint), ('2025-03-10 17:00+00', 0, 0), ('2025-03-11 17:00+00', 0, 0) $$,
  'every bucket of the period is present, empty days with zeros');
-- A period that does not start or end on a slot: [01:00:05Z, 02:11:30Z). conv1: bot 01:00:10, customer
-- 01:05, bot 01:05:04, customer 01:06 (the broadcast at 01:30 no) = 2 in / 2 out in 08:00 WIB; conv2:
-- customer 02:00, bot 02:00:30, agent 02:11:00 (system note no) = 1 in / 2 out in 09:00 WIB.
select results_eq(
  $$ select bucket, inbound, outbound
     from public.kpi_message_volume(pg_temp.store(), '2025-03-10 01:00:05+00', '2025-03-10 02:11:30+00', 'hour') $$,
  $$ values ('2025-03-10 01:00+00'::timestamptz, 2::bigint, 2::bigint), ('2025-03-10 02:00+00', 1, 2) $$,
  'periods that cut through a slot count exactly the messages inside them');
select results_eq(
  $$ select bucket, inbound, outbound from public.kpi_message_volume(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to(), 'month') $$,
  $$ values ('2025-02-28 17:00+00'::timestamptz, 9::bigint, 8::bigint) $$,
  'a month bucket is named by its local start (1 March 00:00 WIB) even when the period starts inside it');

-- First responses over P's cohort (conv1, conv2, conv4, conv5; conv3 was created before P).
-- Bot: 10, 30, 20, 50 s → sorted 10, 20, 30, 50; p50 at position 0.5 × 3 = 1.5: 20 + 0.5 × (30 − 20) = 25;
-- p90 at 0.9 × 3 = 2.7: 30 + 0.7 × (50 − 30) = 44.
select results_eq($$ select * from public.kpi_bot_first_response(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values (25.0::numeric, 44.0::numeric, 4::bigint) $$, 'bot first response p50 25 s, p90 44 s over 4 conversations');
-- Human (so far only conv2): handoff 02:01 → agent 02:11 = 600 s; one value is every percentile.
select results_eq($$ select * from public.kpi_human_first_response(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values (600.0::numeric, 600.0::numeric, 1::bigint) $$, 'human first response counts from the handoff, not the first message');

-- Resolution before conv5 is reopened: confirmed conv1, conv5; assumed conv4 (silent > 24 h after the bot,
-- not yet stored) → 3 of 4. Escalation: conv2 → 1 of 4.
select results_eq($$ select * from public.kpi_bot_resolution(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values (0.7500::numeric, 3::bigint, 4::bigint, 2::bigint, 1::bigint) $$,
  'bot resolution 3/4: 2 confirmed, 1 assumed by the 24-hour rule before any job stored it');
select results_eq($$ select * from public.kpi_escalation(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values (0.2500::numeric, 1::bigint, 4::bigint) $$, 'escalation 1/4');

-- conv5 is REOPENED: the customer writes again (unlabelled yet), it is handed off at 03:31 and a person
-- answers at 03:36. It is no longer a bot resolution; it is an escalation with a 300 s human response.
select tests.clear_authentication();
update public.conversations set status = 'bot', resolution = null, resolved_at = null where id = tests.id('conv5');
select pg_temp.message('conv5', 'customer', '2025-03-10 03:30:00+00');
create temporary table late_message as
  select id from public.messages where conversation_id = tests.id('conv5') and created_at = '2025-03-10 03:30:00+00';
update public.conversations set status = 'human', handed_off_at = '2025-03-10 03:31+00' where id = tests.id('conv5');
select pg_temp.message('conv5', 'agent', '2025-03-10 03:36:00+00');
select public.record_message_labels((select id from late_message), 'refund', 'high', 0.9);
select tests.authenticate_as(tests.id('agent_a'));

-- Bot resolution: confirmed conv1, assumed conv4 → 2/4 = 0.5. Escalation: conv2, conv5 → 2/4.
select results_eq($$ select * from public.kpi_bot_resolution(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values (0.5000::numeric, 2::bigint, 4::bigint, 1::bigint, 1::bigint) $$,
  'a reopened conversation counts by what happened after: not a bot resolution any more');
select results_eq($$ select * from public.kpi_escalation(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values (0.5000::numeric, 2::bigint, 4::bigint) $$, 'escalation 2/4 with the reopened one handed off');
-- Human: 300 (conv5), 600 (conv2) → p50 = 300 + 0.5 × 300 = 450; p90 = 300 + 0.9 × 300 = 570.
select results_eq($$ select * from public.kpi_human_first_response(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values (450.0::numeric, 570.0::numeric, 2::bigint) $$, 'human first response p50 450 s, p90 570 s');
select results_eq(
  $$ select sum(inbound), sum(outbound) from public.kpi_message_volume(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to(), 'hour') $$,
  $$ values (10::numeric, 9::numeric) $$, 'the reopened conversation''s new messages are counted (10 in, 9 out)');

-- Label mix: the 10 labelled inbound messages of P. Category: order 2 (conv1), other 2 (conv1, conv5),
-- refund 3 (conv2 × 2, conv5's late one, labelled after it arrived), delivery 2 (conv3 at 17:10Z, conv5),
-- payment 1 (conv4). Urgency: low 5, medium 3, high 2. conv3's 16:30Z message is before P.
select results_eq($$ select kind, label, share, n from public.kpi_label_mix(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values ('category', 'delivery', 0.2000::numeric, 2::bigint), ('category', 'order', 0.2000, 2),
            ('category', 'payment', 0.1000, 1), ('category', 'refund', 0.3000, 3), ('category', 'other', 0.2000, 2),
            ('urgency', 'low', 0.5000, 5), ('urgency', 'medium', 0.3000, 3), ('urgency', 'high', 0.2000, 2) $$,
  'category and urgency shares of the labelled inbound messages, every label listed');

-- AOV: paid orders of P in IDR: o1 200,000 + o2 100,000 (pending, then processing) = 300,000 / 2 =
-- 150,000. o3 (cancelled after being completed), o4 (refunded), o5 (USD) and o6 (after P) do not count.
select results_eq($$ select * from public.kpi_aov(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values (150000.00::numeric, 300000.00::numeric, 2::bigint) $$, 'AOV 150,000 over the 2 paid IDR orders');
-- From 04:30Z (not on an hour): o1 at 05:00 and o2 at 06:00 are inside, and nothing before.
select results_eq($$ select * from public.kpi_aov(pg_temp.store(), '2025-03-10 04:30+00', '2025-03-10 06:00:01+00') $$,
  $$ values (150000.00::numeric, 300000.00::numeric, 2::bigint) $$, 'AOV over a period that cuts through hours');

-- Conversion: customers with a conversation created in P: cust1, cust2, cust4 (3; cust1 once). cust1
-- ordered o1 at 05:00 (after conv1 started, within 7 days of its end): converted; cust2's o2 is paid:
-- converted; cust4: refunded o4, an order before conv4 and one 10 days after: not converted → 2/3.
select results_eq($$ select * from public.kpi_conversion(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values (0.6667::numeric, 2::bigint, 3::bigint) $$, 'conversion 2/3 (last touch, 7-day window, paid orders only)');

-- Acquisition: first contact in P: cust1 (conv1 at 01:00) and cust5 (first seen 09:00). Not cust2 (seen in
-- February), cust3 (23:30 WIB on 9 March), cust4 (first order on 1 March), cust6 (9 March).
select results_eq($$ select * from public.kpi_acquisition(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values (2::bigint) $$, 'two new customers');

-- Retention: active in the day before P (9 March WIB): cust3 (conv3 at 23:30 WIB) and cust6 (an order) = 2;
-- of them, active again in P: cust3 (placed o3, later cancelled: placing is activity) → 1/2.
select results_eq($$ select * from public.kpi_retention(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values (0.5000::numeric, 1::bigint, 2::bigint) $$, 'retention 1/2 of the customers active the day before');

-- An empty period: no error, no 0/0.
select results_eq(
  $$ select (select row(r.*)::text from public.kpi_bot_first_response(pg_temp.store(), '2024-01-01', '2024-01-02') r),
            (select row(r.*)::text from public.kpi_bot_resolution(pg_temp.store(), '2024-01-01', '2024-01-02') r),
            (select row(r.*)::text from public.kpi_escalation(pg_temp.store(), '2024-01-01', '2024-01-02') r),
            (select row(r.*)::text from public.kpi_conversion(pg_temp.store(), '2024-01-01', '2024-01-02') r),
            (select row(r.*)::text from public.kpi_retention(pg_temp.store(), '2024-01-01', '2024-01-02') r),
            (select row(r.*)::text from public.kpi_aov(pg_temp.store(), '2024-01-01', '2024-01-02') r),
            (select row(r.*)::text from public.kpi_acquisition(pg_temp.store(), '2024-01-01', '2024-01-02') r) $$,
  $$ values ('(,,0)', '(,0,0,0,0)', '(,0,0)', '(,0,0)', '(,0,0)', '(,0,0)', '(0)') $$,
  'an empty period: values null, counts 0');
select results_eq(
  $$ select count(*), count(*) filter (where n = 0 and share is null)
     from public.kpi_label_mix(pg_temp.store(), '2024-01-01', '2024-01-02') $$,
  $$ values (8::bigint, 8::bigint) $$, 'an empty period lists every label with n 0 and no share');
select results_eq(
  $$ select bucket, inbound, outbound from public.kpi_message_volume(pg_temp.store(), '2024-01-01 17:00+00', '2024-01-02 17:00+00', 'day') $$,
  $$ values ('2024-01-01 17:00+00'::timestamptz, 0::bigint, 0::bigint) $$, 'an empty period has its buckets, with zeros');

-- Another store's member gets nothing -------------------------------------------------------------------
select tests.authenticate_as(tests.id('agent_b'));
select is_empty($$ select * from public.kpi_message_volume(tests.id('store_a'), '2025-03-09 17:00+00', '2025-03-10 17:00+00', 'day') $$,
  'an agent of B gets no volume of A');
select is_empty($$ select * from public.kpi_label_mix(tests.id('store_a'), '2025-03-09 17:00+00', '2025-03-10 17:00+00') $$,
  'nor its label mix');
select results_eq(
  $$ select (select row(r.*)::text from public.kpi_bot_first_response(tests.id('store_a'), '2025-03-09 17:00+00', '2025-03-10 17:00+00') r),
            (select row(r.*)::text from public.kpi_human_first_response(tests.id('store_a'), '2025-03-09 17:00+00', '2025-03-10 17:00+00') r),
            (select row(r.*)::text from public.kpi_bot_resolution(tests.id('store_a'), '2025-03-09 17:00+00', '2025-03-10 17:00+00') r),
            (select row(r.*)::text from public.kpi_conversion(tests.id('store_a'), '2025-03-09 17:00+00', '2025-03-10 17:00+00') r),
            (select row(r.*)::text from public.kpi_retention(tests.id('store_a'), '2025-03-09 17:00+00', '2025-03-10 17:00+00') r),
            (select row(r.*)::text from public.kpi_aov(tests.id('store_a'), '2025-03-09 17:00+00', '2025-03-10 17:00+00') r),
            (select row(r.*)::text from public.kpi_acquisition(tests.id('store_a'), '2025-03-09 17:00+00', '2025-03-10 17:00+00') r) $$,
  $$ values ('(,,0)', '(,,0)', '(,0,0,0,0)', '(,0,0)', '(,0,0)', '(,0,0)', '(0)') $$,
  'and only empty figures for A''s other KPIs');
select is_empty($$ select * from private.kpi_conversations where store_id = tests.id('store_a') $$,
  'nor A''s rollup rows');
select results_eq(
  $$ select * from public.kpi_escalation(tests.id('store_b'), '2025-03-09 17:00+00', '2025-03-10 17:00+00') $$,
  $$ values (0.0000::numeric, 0::bigint, 1::bigint) $$, 'while B''s own figures count B''s conversation');
select tests.authenticate_as(tests.id('outsider'));
select results_eq($$ select * from public.kpi_aov(tests.id('store_a'), '2025-03-09 17:00+00', '2025-03-10 17:00+00') $$,
  $$ values (null::numeric, 0::numeric, 0::bigint) $$, 'a user of no store gets empty figures');

-- The owner sees the same figures as the agent, and so does the service role (Studio's analyst too).
create temporary table agent_figures (f text);
grant all on agent_figures to authenticated, service_role;
select tests.authenticate_as(tests.id('agent_a'));
insert into agent_figures select pg_temp.figures();
select tests.authenticate_as(tests.id('owner_a'));
select is(pg_temp.figures(), (select f from agent_figures), 'the owner gets the same figures as the agent');
select tests.authenticate_as_service_role();
select is(pg_temp.figures(), (select f from agent_figures), 'the service role gets the same figures');
select tests.clear_authentication();
select is(pg_temp.figures(), (select f from agent_figures), 'and so does the database owner in Studio');

-- The rollups stay right: after all those inserts and updates, the triggers agree with a rebuild ---------
create temporary table by_triggers as select * from pg_temp.rollups();
select ok((select count(*) from by_triggers) > 20, 'the fixture filled the rollups');
select private.kpi_rebuild(pg_temp.store());
select set_eq($$ select * from pg_temp.rollups() $$, $$ select * from by_triggers $$,
  'the rollups kept by the triggers equal a rebuild from the rows');
select is(pg_temp.figures(), (select f from agent_figures), 'and the figures are unchanged by the rebuild');

-- Deletes: a message, an order, a conversation, a customer (GDPR erasure) ------------------------------------
delete from public.messages where id = (select id from late_message);
select results_eq(
  $$ select sum(inbound) from public.kpi_message_volume(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to(), 'day') $$,
  $$ values (9::numeric) $$, 'a deleted message leaves the volume');
select results_eq(
  $$ select n from public.kpi_label_mix(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) where label = 'refund' $$,
  $$ values (2::bigint) $$, 'and the label mix');
delete from public.orders where store_id = pg_temp.store() and external_id = 1;
select results_eq($$ select * from public.kpi_aov(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values (100000.00::numeric, 100000.00::numeric, 1::bigint) $$, 'a deleted order leaves the AOV');
-- Without o1, cust1 has no paid order after conv1 or conv5: conversion 1/3 (cust2).
select results_eq($$ select * from public.kpi_conversion(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values (0.3333::numeric, 1::bigint, 3::bigint) $$, 'and the conversion it made');
delete from public.conversations where id = tests.id('conv2');
select results_eq($$ select * from public.kpi_escalation(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values (0.3333::numeric, 1::bigint, 3::bigint) $$, 'a deleted conversation leaves the cohort');
select results_eq($$ select * from public.kpi_bot_first_response(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values (20.0::numeric, 44.0::numeric, 3::bigint) $$, 'and the response times (10, 20, 50: p50 20, p90 20 + 0.8 × 30 = 44)');
delete from public.customers where id = tests.id('cust5');
select results_eq($$ select * from public.kpi_acquisition(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to()) $$,
  $$ values (1::bigint) $$, 'an erased customer is no longer counted as acquired');
create temporary table after_deletes as select * from pg_temp.rollups();
select private.kpi_rebuild(pg_temp.store());
select set_eq($$ select * from pg_temp.rollups() $$, $$ select * from after_deletes $$,
  'after the deletes too, the triggers agree with a rebuild');

-- Deleting a whole store takes its rollups with it.
select lives_ok($$ delete from public.stores where id = tests.id('store_b') $$, 'a store with KPI rollups can be deleted');
select is((select count(*) from private.kpi_message_slots where store_id = tests.id('store_b'))
          + (select count(*) from private.kpi_conversations where store_id = tests.id('store_b'))
          + (select count(*) from private.kpi_conversation_hours where store_id = tests.id('store_b'))
          + (select count(*) from private.kpi_customers where store_id = tests.id('store_b')),
  0::bigint, 'and leaves none of its rollup rows');

-- Daylight saving: in New York, 2:00 on 9 March 2025 does not exist (clocks go 1:59 EST → 3:00 EDT). Hourly
-- buckets over local midnight to 5:00 are 00, 01, 03, 04: four distinct instants, none twice.
update public.stores set timezone = 'America/New_York' where id = tests.id('store_a');
select results_eq(
  $$ select bucket from public.kpi_message_volume(pg_temp.store(), '2025-03-09 05:00+00', '2025-03-09 09:00+00', 'hour') $$,
  $$ values ('2025-03-09 05:00+00'::timestamptz), ('2025-03-09 06:00+00'), ('2025-03-09 07:00+00'), ('2025-03-09 08:00+00') $$,
  'the hour skipped by daylight saving is not a bucket of its own');
-- In New York (UTC-4 by then) P's inbound messages that are left fall on 9 March local time (conv3 17:10Z =
-- 13:10, conv1 01:00-01:06Z and conv5 03:00-03:01Z = the evening: 6) and on 10 March (conv4 16:30Z: 1).
select results_eq(
  $$ select bucket, inbound from public.kpi_message_volume(pg_temp.store(), pg_temp.p_from(), pg_temp.p_to(), 'day') $$,
  $$ values ('2025-03-09 05:00+00'::timestamptz, 6::bigint), ('2025-03-10 04:00+00', 1) $$,
  'buckets follow the store''s time zone');

select * from finish();
rollback;
