-- Order updates and abandoned-checkout recovery (migrations 600 and 610): the settings' rules, what a
-- change of an order schedules (once per order and event, only events turned on before the change,
-- pushed past quiet hours in the store's time zone), recoveries cancelled when the order leaves pending,
-- who may read the rows, and the functions only the service role calls.
begin;
\ir _helpers.psql
select plan(28);
select tests.seed_two_stores();

select function_privs_are(s, f, args, r, privs, format('%s has %s on %s.%s', r, privs, s, f))
from (values ('public', 'set_notification_settings', array['uuid', 'jsonb']),
             ('public', 'claim_order_notifications', array['integer', 'double precision', 'integer', 'boolean']),
             ('public', 'order_notification_send_checks', array['uuid[]']),
             ('public', 'record_order_notification_sends', array['jsonb'])) as fns (s, f, args),
     (values ('authenticated', array[]::name[]), ('service_role', array['EXECUTE']::name[])) as expected (r, privs);

-- Quiet hours, in the store's time zone (Jakarta is UTC+7) --------------------------------------------
select is(private.after_quiet_hours('2026-12-03 15:00+00', 'Asia/Jakarta', '{"start": "21:00", "end": "08:00"}'),
  '2026-12-04 01:00+00'::timestamptz, '22:00 in Jakarta waits for 08:00 the next morning');
select is(private.after_quiet_hours('2026-12-03 20:30+00', 'Asia/Jakarta', '{"start": "21:00", "end": "08:00"}'),
  '2026-12-04 01:00+00'::timestamptz, '03:30 in Jakarta waits for 08:00 the same morning');
select is(private.after_quiet_hours('2026-12-03 05:00+00', 'Asia/Jakarta', '{"start": "21:00", "end": "08:00"}'),
  '2026-12-03 05:00+00'::timestamptz, 'noon in Jakarta goes at once');
select is(private.after_quiet_hours('2026-12-03 06:30+00', 'Asia/Jakarta', '{"start": "13:00", "end": "14:00"}'),
  '2026-12-03 07:00+00'::timestamptz, 'quiet hours within one day (a lunch break) end the same day');
select is(private.after_quiet_hours('2026-12-03 15:00+00', 'Asia/Jakarta', null),
  '2026-12-03 15:00+00'::timestamptz, 'no quiet hours: at once');

-- Settings ---------------------------------------------------------------------------------------
insert into public.whatsapp_templates (store_id, name, content_sid, body)
values (tests.id('store_a'), 'order_update', 'HX' || repeat('a', 32), 'Halo {{1}}, pesanan #{{2}}'),
       (tests.id('store_b'), 'order_update', 'HX' || repeat('b', 32), 'Halo {{1}}');
insert into tests.fixture select 'template_' || lower(right(s.name, 1)), t.id
from public.whatsapp_templates t join public.stores s on s.id = t.store_id where t.name = 'order_update';

select throws_ok(format($$ select public.set_notification_settings(%L, '{"events": {"completed": {"enabled": true,
  "template_id": "%s", "variables": {"1": "{{first_name}}"}}}}') $$, tests.id('store_a'), tests.id('template_a')),
  '22023', 'events.completed.variables.2: the template''s placeholder {{2}} needs a value',
  'a placeholder without its text is refused with its path');
select throws_ok(format($$ select public.set_notification_settings(%L, '{"events": {"completed": {"enabled": true,
  "template_id": "%s", "variables": {"1": "{{first_name}}"}}}}') $$, tests.id('store_a'), tests.id('template_b')),
  '22023', format('events.completed.template_id: this store has no template %s', tests.id('template_b')),
  'another store''s template is refused');
select throws_ok($$ update public.stores set notification_settings = jsonb_set(notification_settings,
  '{quiet_hours}', '{"start": "25:00", "end": "08:00"}') where name = 'Store A' $$,
  '22023', 'quiet_hours.start: a time of day as "HH:MM" (00:00 to 23:59)', 'Studio writes are held to the same rules');
select lives_ok(format($$ select public.set_notification_settings(%L, '{"events": {"completed": {"enabled": true,
  "template_id": "%s", "variables": {"1": "{{first_name}}", "2": "{{order_number}}"}, "enabled_at": "2026-01-01T00:00:00Z"},
  "processing": {"enabled": true, "template_id": "%s", "variables": {"1": "{{first_name}}", "2": "{{order_number}}"},
  "enabled_at": "2026-01-01T00:00:00Z"}},
  "abandoned_checkout": {"enabled": true, "after_minutes": 60, "second_after_hours": 24, "template_id": "%s",
  "variables": {"1": "{{first_name}}", "2": "{{pay_url}}"}, "enabled_at": "2026-01-01T00:00:00Z"}}') $$,
  tests.id('store_a'), tests.id('template_a'), tests.id('template_a'), tests.id('template_a')),
  'store A turns on completed, processing and the recovery, as of 2026-01-01');
select is((select notification_settings #>> '{events,completed,enabled_at}' from public.stores where id = tests.id('store_a')),
  '2026-01-01T00:00:00+00:00', 'a given past enabled_at is kept');

-- Scheduling -------------------------------------------------------------------------------------
update public.orders set status = 'completed', date_modified = now() where id = tests.id('order_a');
update public.orders set status = 'completed', date_modified = now() + interval '1 second' where id = tests.id('order_a');
update public.orders set status = 'processing', date_modified = now() + interval '2 seconds' where id = tests.id('order_a');
update public.orders set status = 'completed', date_modified = now() + interval '3 seconds' where id = tests.id('order_a');
select results_eq($$ select event, status::text from public.order_notifications where order_id = tests.id('order_a') order by event $$,
  $$ values ('completed'::text, 'scheduled'::text), ('processing', 'scheduled') $$,
  'each event once per order, however often the order passes through it');
update public.orders set status = 'cancelled', date_modified = now() where id = tests.id('order_b');
select is((select count(*) from public.order_notifications where store_id = tests.id('store_b')), 0::bigint,
  'a store with nothing turned on schedules nothing');

insert into public.orders (store_id, external_id, number, status, total, currency, customer_id, created_at, date_modified)
values (tests.id('store_a'), 200, '200', 'pending', 99000, 'IDR', tests.id('customer_a'), now() - interval '10 minutes', now()),
       (tests.id('store_a'), 201, '201', 'completed', 99000, 'IDR', tests.id('customer_a'), '2025-06-01', '2025-06-01');
select results_eq($$ select n.step::integer, n.due_at - o.created_at from public.order_notifications n
  join public.orders o on o.id = n.order_id where o.external_id = 200 and o.store_id = tests.id('store_a') order by n.step $$,
  $$ values (1, interval '60 minutes'), (2, interval '24 hours 60 minutes') $$,
  'a pending checkout schedules its recovery after_minutes after the checkout, and the second 24 h later');
select is((select count(*) from public.order_notifications n join public.orders o on o.id = n.order_id
  where o.external_id = 201), 0::bigint,
  'a change WooCommerce made before the event was turned on (a backfill) schedules nothing');
update public.orders set status = 'processing', date_modified = now() + interval '1 minute'
where store_id = tests.id('store_a') and external_id = 200;
select results_eq($$ select n.event, n.step::integer, n.status::text, n.skip_reason from public.order_notifications n
  join public.orders o on o.id = n.order_id where o.external_id = 200 and o.store_id = tests.id('store_a') order by 1, 2 $$,
  $$ values ('abandoned_checkout'::text, 1, 'cancelled'::text, 'order_paid'::text),
            ('abandoned_checkout', 2, 'cancelled', 'order_paid'), ('processing', 1, 'scheduled', null) $$,
  'paying cancels the recovery and schedules the order update');

-- Recovered revenue: two checkouts reminded an hour ago, one paid since, one still pending.
insert into public.orders (store_id, external_id, number, status, total, currency, customer_id, date_paid, created_at, date_modified)
values (tests.id('store_a'), 202, '202', 'processing', 150000, 'IDR', tests.id('customer_a'), now(), now() - interval '3 hours', now()),
       (tests.id('store_a'), 203, '203', 'pending', 80000, 'IDR', tests.id('customer_a'), null, now() - interval '3 hours', now());
insert into public.order_notifications (store_id, order_id, event, due_at, status, sent_at)
select o.store_id, o.id, 'abandoned_checkout', now() - interval '1 hour', 'sent', now() - interval '1 hour'
from public.orders o where o.store_id = tests.id('store_a') and o.external_id in (202, 203)
on conflict (order_id, event, step) do update set status = 'sent', sent_at = excluded.sent_at;
select tests.authenticate_as(tests.id('agent_a'));
select results_eq($$ select value, orders, reminded from public.recovered_revenue(tests.id('store_a'), now() - interval '1 day', now()) $$,
  $$ values (150000.00::numeric, 1::bigint, 2::bigint) $$, 'recovered revenue: the reminded checkout paid within 72 h');
select tests.authenticate_as(tests.id('owner_b'));
select results_eq($$ select orders, reminded from public.recovered_revenue(tests.id('store_a'), now() - interval '1 day', now()) $$,
  $$ values (0::bigint, 0::bigint) $$, 'another store''s owner gets nothing of it');
select tests.clear_authentication();

-- Reading --------------------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('agent_a'));
select ok((select count(*) from public.order_notifications) >= 3, 'a member sees their store''s notifications');
select tests.authenticate_as(tests.id('owner_b'));
select is((select count(*) from public.order_notifications), 0::bigint, 'another store''s owner sees none');
select throws_ok($$ update public.stores set notification_settings = '{}' where name = 'Store B' $$, '42501',
  null, 'members do not write the settings directly (the API checks the role and calls the function)');
select tests.clear_authentication();

select * from finish();
rollback;
