-- Retention: purge_expired deletes exactly what is older than the store's window — the boundary is
-- local midnight in the store's time zone — keeps the KPI rollups and orders (without their personal
-- fields), leaves media rows to the job's S3 step, and never touches another store. Service role only.
begin;
\ir _helpers.psql
select plan(27);
select tests.seed_two_stores();

-- "Now" is 15 June 2026 10:00 UTC = 17:00 WIB. Store A keeps 1 month: the window starts at
-- 15 May 2026 00:00 WIB = 14 May 17:00 UTC. (A UTC day boundary would be 15 May 00:00 UTC.)
create function pg_temp.now() returns timestamptz language sql as $$ select timestamptz '2026-06-15 10:00+00' $$;
update public.stores set retention_months = 1, timezone = 'Asia/Jakarta' where id = tests.id('store_a');
update public.stores set retention_months = 1, timezone = 'Asia/Jakarta' where id = tests.id('store_b');

select is(public.retention_cutoff(tests.id('store_a'), pg_temp.now()), timestamptz '2026-05-14 17:00+00',
  'the window starts at local midnight (WIB) one month before today');
update public.stores set timezone = 'America/New_York' where id = tests.id('store_b');
select is(public.retention_cutoff(tests.id('store_b'), pg_temp.now()), timestamptz '2026-05-15 04:00+00',
  'each store''s own time zone (EDT: 15 May 00:00 = 04:00 UTC)');

-- Fixture, the same rows in both stores (written as the app writes them, KPI triggers on).
create function pg_temp.fill(p_store uuid, p_customer uuid, p_suffix text) returns void language plpgsql as $$
declare
  v_old uuid;
  v_span uuid;
  v_in uuid;
begin
  -- A conversation entirely before the window, with a note and a ticket.
  insert into public.conversations (store_id, customer_id, status, resolved_at, resolution, created_at, last_message_at)
  values (p_store, p_customer, 'resolved', '2026-04-01 02:00+00', 'human', '2026-04-01 01:00+00', '2026-04-01 01:00:10+00')
  returning id into v_old;
  insert into tests.fixture values ('old_' || p_suffix, v_old);
  insert into public.messages (store_id, conversation_id, direction, sender, body, status, created_at, provider_message_id)
  values (p_store, v_old, 'inbound', 'customer', 'Kirim ke Jl. Merdeka 5', 'received', '2026-04-01 01:00+00', 'SM-old-in-' || p_suffix)
  returning id into v_in;
  insert into public.messages (store_id, conversation_id, direction, sender, body, status, created_at, reply_to)
  values (p_store, v_old, 'outbound', 'bot', 'Siap kak', 'sent', '2026-04-01 01:00:10+00', v_in);
  insert into public.reply_jobs (message_id, store_id, status) values (v_in, p_store, 'done');
  insert into public.conversation_notes (store_id, conversation_id, body, created_at)
  values (p_store, v_old, 'Customer asked for a refund', '2026-04-01 03:00+00');
  insert into public.tickets (store_id, conversation_id, subject, created_at, updated_at)
  values (p_store, v_old, 'Refund', '2026-04-01 03:00+00', '2026-04-01 03:00+00');

  -- A conversation across the boundary: one message a second before it, one exactly at it.
  update public.conversations set status = 'resolved', resolved_at = now() where store_id = p_store and status <> 'resolved';
  insert into public.conversations (store_id, customer_id, created_at, last_message_at, summary, summary_updated_at)
  values (p_store, p_customer, '2026-05-14 16:00+00', '2026-05-14 17:00+00', 'Wants a refund', '2026-05-01 00:00+00')
  returning id into v_span;
  insert into tests.fixture values ('span_' || p_suffix, v_span);
  insert into public.messages (store_id, conversation_id, direction, sender, body, status, created_at, provider_message_id)
  values (p_store, v_span, 'inbound', 'customer', 'before', 'received', '2026-05-14 16:59:59.999999+00', 'SM-before-' || p_suffix),
         (p_store, v_span, 'inbound', 'customer', 'at', 'received', '2026-05-14 17:00:00+00', 'SM-at-' || p_suffix);
  -- An old photo kept in S3: its row waits for the job's object deletion.
  insert into public.messages (store_id, conversation_id, direction, sender, body, status, created_at, media, provider_message_id)
  values (p_store, v_span, 'inbound', 'customer', '', 'received', '2026-05-14 16:30+00',
          jsonb_build_array(jsonb_build_object('content_type', 'image/jpeg', 'storage_key', 'media/' || p_store || '/x/0.jpg')),
          'SM-photo-' || p_suffix);

  insert into public.woocommerce_deliveries (store_id, topic, resource_id, body_sha256, payload, received_at)
  values (p_store, 'order.updated', 7, repeat('a', 64), '{"billing": {"first_name": "Budi"}}', '2026-05-14 16:59+00'),
         (p_store, 'order.updated', 7, repeat('b', 64), '{"billing": {"first_name": "Budi"}}', '2026-05-14 17:01+00');
  insert into public.orders (store_id, external_id, number, status, total, currency, customer_id, billing_name,
                             billing_phone, billing_email, created_at, date_modified)
  values (p_store, 200, '200', 'completed', 99000, 'IDR', p_customer, 'Budi', '+6281200000099', 'budi@example.com',
          '2026-05-01 00:00+00', '2026-05-01 00:00+00'),
         (p_store, 201, '201', 'completed', 50000, 'IDR', p_customer, 'Budi', '+6281200000099', 'budi@example.com',
          '2026-05-14 17:00+00', '2026-05-14 17:00+00');
  insert into public.job_runs (job, store_id, started_at, heartbeat_at, finished_at)
  values ('retention', p_store, '2026-04-01 00:00+00', '2026-04-01 00:00+00', '2026-04-01 00:01+00'),
         ('retention', p_store, '2026-06-01 00:00+00', '2026-06-01 00:00+00', '2026-06-01 00:01+00');
end;
$$;
select pg_temp.fill(tests.id('store_a'), tests.id('customer_a'), 'a');
select pg_temp.fill(tests.id('store_b'), tests.id('customer_b'), 'b');

-- Everything store B holds and the rollups of store A, before.
create function pg_temp.store_rows(p_store uuid) returns table (what text) language sql as $$
  select 'message ' || m.body || ' ' || m.created_at from public.messages m where m.store_id = p_store
  union all select 'conversation ' || c.id || coalesce(c.summary, '') from public.conversations c where c.store_id = p_store
  union all select 'note ' || n.id from public.conversation_notes n where n.store_id = p_store
  union all select 'ticket ' || t.id from public.tickets t where t.store_id = p_store
  union all select 'delivery ' || d.id from public.woocommerce_deliveries d where d.store_id = p_store
  union all select 'order ' || row(o.*)::text from public.orders o where o.store_id = p_store
  union all select 'reply job ' || j.message_id from public.reply_jobs j where j.store_id = p_store
  union all select 'run ' || r.id from public.job_runs r where r.store_id = p_store
$$;
create function pg_temp.rollups(p_store uuid) returns table (what text) language sql as $$
  select 'slot ' || row(s.*)::text from private.kpi_message_slots s where s.store_id = p_store
  union all select 'hour ' || row(h.*)::text from private.kpi_conversation_hours h where h.store_id = p_store
  union all select 'facts ' || row(k.*)::text from private.kpi_conversations k where k.store_id = p_store
  union all select 'customer ' || row(k.*)::text from private.kpi_customers k where k.store_id = p_store
  union all select 'labels ' || row(l.*)::text from private.kpi_label_hours l where l.store_id = p_store
$$;
create temporary table b_before as select * from pg_temp.store_rows(tests.id('store_b'));
create temporary table a_rollups_before as select * from pg_temp.rollups(tests.id('store_a'));
create temporary table a_volume_before as
  select * from public.kpi_message_volume(tests.id('store_a'), '2026-03-31 17:00+00', '2026-04-01 17:00+00', 'day');
select is((select sum(inbound + outbound) from a_volume_before), 2::numeric, 'the old day shows 2 messages before');

-- The purge, batch by batch, as the job calls it (small batches to go through several).
create function pg_temp.purge(p_store uuid) returns jsonb language plpgsql as $$
declare
  v_step jsonb;
  v_done jsonb := '{}';
begin
  loop
    v_step := public.purge_expired(p_store, 1, pg_temp.now());
    exit when v_step ->> 'table' is null;
    v_done := v_done || jsonb_build_object(v_step ->> 'table', coalesce((v_done ->> (v_step ->> 'table'))::integer, 0) + (v_step ->> 'rows')::integer);
  end loop;
  return v_done;
end;
$$;

set local role service_role;
select is(pg_temp.purge(tests.id('store_a')),
  '{"messages": 3, "reply_jobs": 0, "conversation_notes": 1, "tickets": 1, "conversations": 1, "summaries": 1,
    "woocommerce_deliveries": 1, "orders": 1, "job_runs": 1}'::jsonb - 'reply_jobs',
  'one batch at a time: the old messages, note, ticket, conversation, summary, delivery, order and run');
reset role;

select is((select array_agg(body order by created_at) from public.messages where store_id = tests.id('store_a')
           and created_at < '2026-06-01'), array['', 'at'],
  'the message a microsecond before the boundary is gone, the one at it stays; the photo waits for S3');
select ok(not exists (select from public.conversations where id = tests.id('old_a')), 'the old conversation is gone');
select ok(exists (select from public.conversations where id = tests.id('span_a')), 'the conversation across the boundary stays');
select is((select summary from public.conversations where id = tests.id('span_a')), null, 'its summary from before the window is dropped');
select is((select count(*) from public.conversation_notes where store_id = tests.id('store_a')), 0::bigint, 'the old note is gone');
select is((select count(*) from public.tickets where store_id = tests.id('store_a') and conversation_id = tests.id('old_a')), 0::bigint,
  'the old ticket is gone');
select ok(exists (select from public.tickets where id = tests.id('ticket_a')), 'a recent ticket stays');
select is((select count(*) from public.reply_jobs where store_id = tests.id('store_a') and created_at < '2026-06-01'), 0::bigint,
  'the old reply job went with its message');
select is((select array_agg(received_at) from public.woocommerce_deliveries where store_id = tests.id('store_a')),
  array[timestamptz '2026-05-14 17:01+00'], 'only the delivery record inside the window stays');
select results_eq($$ select number, status::text, total, billing_name, billing_phone, billing_email from public.orders
                     where store_id = tests.id('store_a') and external_id in (200, 201) order by number $$,
  $$ values ('200', 'completed', 99000.00::numeric(14, 2), null::text, null::text, null::text),
            ('201', 'completed', 50000.00::numeric(14, 2), 'Budi', '+6281200000099', 'budi@example.com') $$,
  'the old order stays for the books without its personal fields; the one inside the window keeps them');
select is((select count(*) from public.job_runs where store_id = tests.id('store_a')), 1::bigint, 'old job runs go too');

select set_eq($$ select * from pg_temp.rollups(tests.id('store_a')) $$, $$ select * from a_rollups_before $$,
  'every KPI rollup of the store is kept as it was');
select tests.authenticate_as(tests.id('owner_a'));
select is((select sum(inbound + outbound)
           from public.kpi_message_volume(tests.id('store_a'), '2026-03-31 17:00+00', '2026-04-01 17:00+00', 'day')),
  2::numeric, 'past KPIs still show: the purged day still counts its 2 messages');
select tests.clear_authentication();

select set_eq($$ select * from pg_temp.store_rows(tests.id('store_b')) $$, $$ select * from b_before $$,
  'another store is not touched');

-- The photo: listed for the job's S3 step, deleted after it.
set local role service_role;
select results_eq($$ select storage_keys from public.expired_message_media(tests.id('store_a'), 100, pg_temp.now()) $$,
  $$ values (array['media/' || tests.id('store_a') || '/x/0.jpg']) $$, 'the expired photo''s key is listed for deletion from S3');
select is(public.purge_messages(tests.id('store_b'),
            array(select id from public.messages where provider_message_id = 'SM-photo-a'), pg_temp.now()), 0,
  'purge_messages only deletes messages of the store it is given');
select is(public.purge_messages(tests.id('store_a'),
            array(select id from public.messages where store_id = tests.id('store_a')), pg_temp.now()), 1,
  'after its objects, the photo''s row goes (and nothing inside the window)');
select is(public.purge_expired(tests.id('store_a'), 1000, pg_temp.now()), '{"table": null, "rows": 0}'::jsonb,
  'nothing is left to purge: a second run changes nothing');
reset role;

-- Only the service role (the job) purges; a bad window is refused.
select tests.authenticate_as(tests.id('owner_a'));
select throws_ok($$ select public.purge_expired(tests.id('store_a')) $$, '42501', null, 'an owner cannot call the purge');
select tests.clear_authentication();
select throws_ok($$ update public.stores set retention_months = 0 where id = tests.id('store_a') $$, '23514', null,
  'a retention of 0 months is refused');
select tests.authenticate_as(tests.id('owner_a'));
select is(tests.affected_rows($$ update public.stores set retention_months = 12 where id = tests.id('store_a') $$), 1::bigint,
  'an owner sets the store''s retention');
select tests.authenticate_as(tests.id('agent_a'));
select is(tests.affected_rows($$ update public.stores set retention_months = 1 where id = tests.id('store_a') $$), 0::bigint,
  'an agent cannot');
select tests.clear_authentication();
select is((select retention_months from public.stores where id = tests.id('store_a')), 12, 'the owner''s setting stands');

select * from finish();
rollback;
