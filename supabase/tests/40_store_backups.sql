-- Store backups: only owners ask for one (audited); only owners read their store's backups; the import
-- function is the service role's, restores only the backup's tables and only rows of the target store.
-- The history (migration 630): consent events, broadcasts, recipients and order notifications refer to
-- the store's own rows only; what was under way is restored stopped, and nothing inserted by an import
-- is sent, scheduled or recorded anew (order updates, consent events, STOP confirmations).
begin;
\ir _helpers.psql
select plan(33);
select tests.seed_two_stores();

select tests.authenticate_as(tests.id('owner_a'));
select throws_ok($$ select public.request_store_backup(tests.id('store_a'), tests.id('owner_a')) $$,
  '42501', null, 'a signed-in owner cannot call request_store_backup directly (only the functions API can)');
select throws_ok($$ select public.import_store_rows(tests.id('store_a'), 'customers', '[]') $$,
  '42501', null, 'nor import_store_rows');

select tests.authenticate_as_service_role();
select throws_ok($$ select public.request_store_backup(tests.id('store_a'), tests.id('admin_a')) $$,
  '42501', 'only an owner of the store can download the whole store', 'an admin cannot ask for a backup');
select throws_ok($$ select public.request_store_backup(tests.id('store_a'), tests.id('owner_b')) $$,
  '42501', 'you are not a member of this store', 'the owner of B cannot ask for a backup of A');
select lives_ok($$ select public.request_store_backup(tests.id('store_a'), tests.id('owner_a')) $$, 'the owner asks for one');
select results_eq(
  $$ select b.status, a.action, a.actor_id from public.store_backups b
     join public.audit_log a on a.target_id = b.id::text where b.store_id = tests.id('store_a') $$,
  $$ values ('working', 'store.backup_requested', tests.id('owner_a')) $$,
  'the backup starts working and the request is audited with its owner');

select tests.authenticate_as(tests.id('admin_a'));
select is_empty($$ select * from public.store_backups $$, 'an admin does not see the backups');
select tests.authenticate_as(tests.id('owner_b'));
select is_empty($$ select * from public.store_backups $$, 'the owner of B does not see A''s backups');
select tests.authenticate_as(tests.id('owner_a'));
select is((select count(*) from public.store_backups), 1::bigint, 'the owner of A sees theirs');

select tests.authenticate_as_service_role();
select throws_ok(
  format($$ select public.import_store_rows(%L, 'customers', '[{"store_id": %s, "phone": "+628129999999"}]') $$,
         tests.id('store_a'), to_jsonb(tests.id('store_b')::text)),
  '22023', null, 'an import refuses rows of another store');
select throws_ok($$ select public.import_store_rows(tests.id('store_a'), 'store_members', '[]') $$,
  '22023', 'a backup does not restore table store_members', 'and any table a backup does not hold');

-- History (migration 630) ----------------------------------------------------------------------------
select tests.clear_authentication();
insert into public.whatsapp_templates (id, store_id, name, content_sid, language, body) values
  ('00000000-0000-4000-8000-00000000a001', tests.id('store_a'), 'order_update', 'HX' || repeat('a', 32), 'id', 'Halo {{1}}'),
  ('00000000-0000-4000-8000-00000000b001', tests.id('store_b'), 'order_update', 'HX' || repeat('b', 32), 'id', 'Halo {{1}}');
-- Store A sends an update for every order that moves to processing (turned on long before).
select public.set_notification_settings(tests.id('store_a'), '{"events": {"processing": {"enabled": true,
  "template_id": "00000000-0000-4000-8000-00000000a001", "variables": {"1": "{{first_name}}"},
  "enabled_at": "2026-01-01T00:00:00Z"}}}');

select tests.authenticate_as_service_role();
select throws_ok(
  format($$ select public.import_store_rows(%L, 'customer_consent_events',
            jsonb_build_array(jsonb_build_object('store_id', %L::text, 'customer_id', %L::text, 'given', true,
                                                 'source', 'checkout', 'occurred_at', now()))) $$,
         tests.id('store_a'), tests.id('store_a'), tests.id('customer_b')),
  '23503', null, 'a consent event of another store''s customer is refused');
select throws_ok(
  format($$ select public.import_store_rows(%L, 'customer_consent_events',
            jsonb_build_array(jsonb_build_object('store_id', %L::text, 'customer_id', %L::text, 'given', false,
                                                 'source', 'whatsapp_stop', 'occurred_at', now(),
                                                 'message_id', (select m.id from public.messages m
                                                                where m.store_id = %L limit 1)))) $$,
         tests.id('store_a'), tests.id('store_a'), tests.id('customer_a'), tests.id('store_b')),
  '22023', null, 'and one naming another store''s message');
select throws_ok(
  format($$ select public.import_store_rows(%L, 'broadcasts',
            jsonb_build_array(jsonb_build_object('id', gen_random_uuid(), 'store_id', %L::text, 'name', 'Promo',
                                                 'template_id', '00000000-0000-4000-8000-00000000b001',
                                                 'status', 'completed'))) $$,
         tests.id('store_a'), tests.id('store_a')),
  '22023', null, 'a broadcast naming another store''s template is refused');

select is(
  public.import_store_rows(tests.id('store_a'), 'broadcasts', jsonb_build_array(
    jsonb_build_object('id', '00000000-0000-4000-8000-0000000000c1', 'store_id', tests.id('store_a'), 'name', 'Promo',
                       'template_id', '00000000-0000-4000-8000-00000000a001', 'status', 'sending',
                       'started_at', now() - interval '1 hour', 'finished_at', null))),
  1::bigint, 'a broadcast that was sending is restored');
select results_eq(
  $$ select status::text, restored_status::text, finished_at is not null from public.broadcasts
     where id = '00000000-0000-4000-8000-0000000000c1' $$,
  $$ values ('cancelled', 'sending', true) $$,
  'cancelled, saying it was sending: it is never sent again');
-- The import inserts the columns a page's first row names: a finished broadcast first, from an archive that
-- does not name restored_status, must not drop the restored_status of the unfinished one after it.
select is(
  public.import_store_rows(tests.id('store_a'), 'broadcasts', jsonb_build_array(
    jsonb_build_object('id', '00000000-0000-4000-8000-0000000000c2', 'store_id', tests.id('store_a'), 'name', 'Old',
                       'template_id', '00000000-0000-4000-8000-00000000a001', 'status', 'completed'),
    jsonb_build_object('id', '00000000-0000-4000-8000-0000000000c3', 'store_id', tests.id('store_a'), 'name', 'New',
                       'template_id', '00000000-0000-4000-8000-00000000a001', 'status', 'paused'))),
  2::bigint, 'a completed broadcast then a paused one are restored');
select results_eq(
  $$ select status::text, restored_status::text from public.broadcasts
     where id in ('00000000-0000-4000-8000-0000000000c2', '00000000-0000-4000-8000-0000000000c3') order by id $$,
  $$ values ('completed', null), ('cancelled', 'paused') $$,
  'the completed one as it was, the paused one cancelled saying it was paused');
select throws_ok(
  format($$ select public.import_store_rows(%L, 'broadcast_recipients',
            jsonb_build_array(jsonb_build_object('store_id', %L::text, 'broadcast_id', '00000000-0000-4000-8000-0000000000c1',
                                                 'customer_id', %L::text, 'status', 'pending'))) $$,
         tests.id('store_a'), tests.id('store_a'), tests.id('customer_b')),
  '23503', null, 'a recipient who is another store''s customer is refused');
select is(
  public.import_store_rows(tests.id('store_a'), 'broadcast_recipients', jsonb_build_array(
    jsonb_build_object('store_id', tests.id('store_a'), 'broadcast_id', '00000000-0000-4000-8000-0000000000c1',
                       'customer_id', tests.id('customer_a'), 'status', 'sending',
                       'lease_until', now() + interval '1 minute', 'slot_at', now()))),
  1::bigint, 'its recipient being sent (no message stored yet) is restored');
select results_eq(
  $$ select status::text, skip_reason, lease_until from public.broadcast_recipients
     where broadcast_id = '00000000-0000-4000-8000-0000000000c1' $$,
  $$ values ('skipped', 'cancelled', null::timestamptz) $$,
  'skipped as cancelled, with no lease');

select is(
  public.import_store_rows(tests.id('store_a'), 'orders', jsonb_build_array(
    jsonb_build_object('id', '00000000-0000-4000-8000-0000000000d1', 'store_id', tests.id('store_a'),
                       'external_id', 200, 'number', '200', 'status', 'processing', 'total', 99000, 'currency', 'IDR',
                       'customer_id', tests.id('customer_a'), 'created_at', now(), 'date_modified', now()))),
  1::bigint, 'an order that moved to processing after the event was turned on is restored');
select is_empty(
  $$ select * from public.order_notifications where order_id = '00000000-0000-4000-8000-0000000000d1' $$,
  'and no order update is scheduled for it');
insert into public.orders (store_id, external_id, number, status, total, currency, customer_id, created_at, date_modified)
values (tests.id('store_a'), 201, '201', 'processing', 99000, 'IDR', tests.id('customer_a'), now(), now());
select results_eq(
  $$ select n.status::text from public.order_notifications n join public.orders o on o.id = n.order_id
     where o.store_id = tests.id('store_a') and o.external_id = 201 $$,
  $$ values ('scheduled') $$,
  'while the same order from WooCommerce after the import gets one (the restore''s quiet ended with it)');
select throws_ok(
  format($$ select public.import_store_rows(%L, 'order_notifications',
            jsonb_build_array(jsonb_build_object('store_id', %L::text, 'order_id', %L::text, 'event', 'shipped',
                                                 'due_at', now()))) $$,
         tests.id('store_a'), tests.id('store_a'), tests.id('order_b')),
  '23503', null, 'an order notification of another store''s order is refused');
select is(
  public.import_store_rows(tests.id('store_a'), 'order_notifications', jsonb_build_array(
    jsonb_build_object('store_id', tests.id('store_a'), 'order_id', tests.id('order_a'), 'event', 'shipped',
                       'due_at', now(), 'status', 'scheduled'))),
  1::bigint, 'an order update still to be sent is restored');
select results_eq(
  $$ select status::text, skip_reason from public.order_notifications
     where order_id = tests.id('order_a') and event = 'shipped' $$,
  $$ values ('cancelled', 'restored') $$,
  'cancelled as restored: it is never sent');

select is(
  public.import_store_rows(tests.id('store_a'), 'customers', jsonb_build_array(
    jsonb_build_object('id', '00000000-0000-4000-8000-0000000000e1', 'store_id', tests.id('store_a'),
                       'phone', '+628129990001', 'marketing_opt_in', true,
                       'marketing_opt_in_at', '2026-02-01T00:00:00Z')), true),
  1::bigint, 'a customer who consented is restored with the consent history');
select is_empty(
  $$ select * from public.customer_consent_events where customer_id = '00000000-0000-4000-8000-0000000000e1' $$,
  'and records no consent event of the import (the history follows)');
select is(
  public.import_store_rows(tests.id('store_a'), 'customers', jsonb_build_array(
    jsonb_build_object('id', '00000000-0000-4000-8000-0000000000e2', 'store_id', tests.id('store_a'),
                       'phone', '+628129990002', 'marketing_opt_in', true, 'marketing_opt_in_at', '2026-02-01T00:00:00Z'))),
  1::bigint, 'another is restored from an archive without the history');
select results_eq(
  $$ select given, source::text, occurred_at from public.customer_consent_events
     where customer_id = '00000000-0000-4000-8000-0000000000e2' $$,
  $$ values (true, 'import', '2026-02-01T00:00:00Z'::timestamptz) $$,
  'without the history (an archive of format 1) the customer records the consent anew, as the import''s');

select is(
  public.import_store_rows(tests.id('store_a'), 'messages', jsonb_build_array(
    jsonb_build_object('store_id', tests.id('store_a'), 'conversation_id', tests.id('conversation_a'),
                       'direction', 'inbound', 'sender', 'customer', 'body', 'STOP', 'status', 'received',
                       'metadata', '{}'::jsonb, 'created_at', now() - interval '1 day'))),
  1::bigint, 'a STOP the customer sent long ago is restored');
select results_eq(
  $$ select (select opted_out_at from public.customers where id = tests.id('customer_a')),
            (select count(*) from public.messages where conversation_id = tests.id('conversation_a')) $$,
  $$ values (null::timestamptz, 3::bigint) $$,
  'and neither opts the customer out now nor stores a confirmation (the archive holds both as they were)');

select * from finish();
rollback;
