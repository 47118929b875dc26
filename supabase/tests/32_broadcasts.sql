-- Broadcasts: the recipient list never holds a customer without consent or opted out; consent is checked
-- again at send time; a second send sends nobody twice; status moves forward only; replies and revenue
-- are attributed; agents cannot create or send; another store's members see nothing.
begin;
\ir _helpers.psql
select plan(59);
select tests.seed_two_stores();

insert into public.whatsapp_templates (store_id, name, content_sid, language, body, status) values
  (tests.id('store_a'), 'promo', 'HX' || repeat('a', 32), 'id', 'Halo {{1}}, pesanan terakhir #{{2}}. Diskon 10%!', 'approved'),
  (tests.id('store_a'), 'draft_promo', 'HX' || repeat('c', 32), 'id', 'Halo {{1}}', 'pending');
insert into tests.fixture select 'promo', id from public.whatsapp_templates where name = 'promo';
insert into tests.fixture select 'draft_promo', id from public.whatsapp_templates where name = 'draft_promo';

-- Ani and Budi may receive it; Citra gave no consent; Dodi opted out; Eka has no number; Fajar got
-- another broadcast 2 hours ago (the store's cap: 24 hours).
insert into public.customers (store_id, phone, email, name, marketing_opt_in, opted_out_at) values
  (tests.id('store_a'), '+6281110000001', null, 'Ani Lestari', true, null),
  (tests.id('store_a'), '+6281110000002', null, 'Budi', true, null),
  (tests.id('store_a'), '+6281110000003', null, 'Citra', false, null),
  (tests.id('store_a'), '+6281110000004', null, 'Dodi', true, now() - interval '1 day'),
  (tests.id('store_a'), null, 'eka@example.com', 'Eka', true, null),
  (tests.id('store_a'), '+6281110000006', null, 'Fajar', true, null);
insert into tests.fixture select lower(split_part(name, ' ', 1)), id from public.customers
where store_id = tests.id('store_a') and name <> 'Customer A';
insert into public.orders (store_id, external_id, number, status, total, currency, customer_id, created_at, date_modified)
values (tests.id('store_a'), 300, '1042', 'completed', 100000, 'IDR', tests.id('ani'), now() - interval '30 days', now());
with earlier as (
  insert into public.broadcasts (store_id, name, template_id, status, variables)
  values (tests.id('store_a'), 'Earlier', tests.id('promo'), 'completed', '{"1": "x", "2": "y"}') returning id
)
insert into public.broadcast_recipients (store_id, broadcast_id, customer_id, status, sent_at)
select tests.id('store_a'), earlier.id, tests.id('fajar'), 'delivered', now() - interval '2 hours' from earlier;

-- Privileges -----------------------------------------------------------------------------------------
select table_privs_are('public', t, 'authenticated', array['SELECT'], format('authenticated only reads %s', t))
from unnest(array['broadcasts', 'broadcast_recipients', 'segments']) t;
select table_privs_are('public', t, 'anon', array[]::name[], format('anon has no privileges on %s', t))
from unnest(array['broadcasts', 'broadcast_recipients']) t;

-- Create ----------------------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select throws_ok($$ select public.create_broadcast(tests.id('store_a'), tests.id('agent_a'), 'Promo', tests.id('promo'),
                      null, '{"1": "{{first_name}}", "2": "{{last_order_number}}"}', null) $$,
  '42501', 'only owners and admins send broadcasts', 'an agent cannot create a broadcast');
select throws_like($$ select public.create_broadcast(tests.id('store_a'), tests.id('admin_a'), 'Promo', tests.id('draft_promo'),
                      null, '{"1": "x"}', null) $$, 'template_id: %only approved templates%', 'only approved templates');
select throws_like($$ select public.create_broadcast(tests.id('store_a'), tests.id('admin_a'), 'Promo', tests.id('promo'),
                      null, '{"1": "{{first_name}}"}', null) $$, 'variables.2: %needs a value', 'every placeholder is filled');
select throws_like($$ select public.create_broadcast(tests.id('store_a'), tests.id('admin_a'), 'Promo', tests.id('promo'),
                      null, '{"1": "{{shoe_size}}", "2": "x"}', null) $$, 'variables.1: unknown customer field%',
  'customer fields are known ones');
select is((select count(*) from public.broadcasts where name = 'Promo'), 0::bigint, 'refusals stored nothing');

select is(public.create_broadcast(tests.id('store_a'), tests.id('admin_a'), 'Promo', tests.id('promo'), null,
                                  '{"1": "{{first_name|Kak}}", "2": "{{last_order_number}}"}', null) - 'id',
  '{"recipients": 2, "skipped": 2, "skipped_by_reason": {"no_valid_number": 1, "frequency_cap": 1}}'::jsonb,
  'every customer with consent: 2 recipients, 2 skipped with their reasons (Citra and Dodi: not in the audience)');
select tests.clear_authentication();
insert into tests.fixture select 'promo_b', id from public.broadcasts where name = 'Promo';
select tests.authenticate_as_service_role();
create function pg_temp.recipient(p_customer text) returns public.broadcast_recipients
language sql stable as $$
  select * from public.broadcast_recipients where broadcast_id = tests.id('promo_b') and customer_id = tests.id(p_customer)
$$;
select results_eq($$ select c.name, r.status::text, r.skip_reason from public.broadcast_recipients r
                     join public.customers c on c.id = r.customer_id
                     where r.broadcast_id = tests.id('promo_b') order by c.name $$,
  $$ values ('Ani Lestari', 'pending', null::text), ('Budi', 'pending', null),
            ('Eka', 'skipped', 'no_valid_number'), ('Fajar', 'skipped', 'frequency_cap') $$,
  'one row per customer, skipped ones with why');

-- A segment of everyone: Citra is in it and skipped for want of consent.
select isnt(public.create_segment(tests.id('store_a'), tests.id('owner_a'), 'Everyone', '{"all": []}') ->> 'id', null,
  'a segment of everyone');
select is(public.create_broadcast(tests.id('store_a'), tests.id('owner_a'), 'To everyone', tests.id('promo'),
            (select id from public.segments where name = 'Everyone'), '{"1": "Kak", "2": "-"}', null) -> 'skipped_by_reason',
  '{"no_consent": 2, "opted_out": 1, "no_valid_number": 1, "frequency_cap": 1}'::jsonb,
  'a segment''s customers without consent (Citra, Customer A) or opted out (Dodi) are skipped, with why');
select is((select count(*) from public.broadcast_recipients r join public.customers c on c.id = r.customer_id
           where r.status <> 'skipped' and (not c.marketing_opt_in or c.opted_out_at is not null)), 0::bigint,
  'no recipient list holds a customer without consent or opted out');

select is(public.preview_broadcast(tests.id('store_a'), tests.id('promo_b')) -> 'messages' -> 0 ->> 'body',
  'Halo Ani, pesanan terakhir #1042. Diskon 10%!', 'the preview shows the message filled from the customer''s fields');

-- Send -------------------------------------------------------------------------------------------------
select throws_ok($$ select public.send_broadcast(tests.id('store_a'), tests.id('agent_a'), tests.id('promo_b')) $$,
  '42501', null, 'an agent cannot send');
select is((select count(*) from public.claim_broadcast_recipients(10, 100, 60)), 0::bigint, 'a draft is not sent');
select is(public.send_broadcast(tests.id('store_a'), tests.id('admin_a'), tests.id('promo_b'))::text, 'sending', 'send');
select is((select array_agg(recipient_id order by recipient_id) from public.claim_broadcast_recipients(10, 100, 60)),
  (select array_agg(id order by id) from public.broadcast_recipients where broadcast_id = tests.id('promo_b') and status = 'pending'),
  'the worker claims the two pending recipients');
select is((select count(*) from public.claim_broadcast_recipients(10, 100, 60)), 0::bigint, 'claimed ones are not claimed again');
select is((select max(slot_at) - min(slot_at) from public.broadcast_recipients where broadcast_id = tests.id('promo_b') and status = 'sending'),
  interval '10 milliseconds', 'their send slots are 1/rate apart');

-- Budi opts out after the list was built: the check at send time skips him.
update public.customers set opted_out_at = now() where id = tests.id('budi');
select is(public.broadcast_send_check((pg_temp.recipient('budi')).id) ->> 'decision', 'skipped',
  'a customer who opted out mid-run is skipped at send time');
select is((pg_temp.recipient('budi')).skip_reason, 'opted_out', 'with the reason');
select is(public.broadcast_send_check((pg_temp.recipient('ani')).id) - 'checked_at' - 'message_id',
  jsonb_build_object('decision', 'send', 'resumed', false, 'body', 'Halo Ani, pesanan terakhir #1042. Diskon 10%!',
    'content_sid', 'HX' || repeat('a', 32), 'variables', '{"1": "Ani", "2": "1042"}'::jsonb,
    'provider', 'twilio', 'from_phone', null, 'to_phone', '+6281110000001', 'account_sid', null, 'auth_token', null),
  'Ani''s message is stored and handed to the worker with its template and variables');
select is((select metadata ->> 'broadcast_id' from public.messages where id = (pg_temp.recipient('ani')).message_id),
  tests.id('promo_b')::text, 'the message carries metadata.broadcast_id');
select is((select c.status::text from public.messages m join public.conversations c on c.id = m.conversation_id
           where m.id = (pg_temp.recipient('ani')).message_id), 'resolved',
  'a customer without a conversation gets it in a closed one (nobody is talking yet)');
select public.record_broadcast_send((pg_temp.recipient('ani')).id, 'queued', 'SMbroadcast1');
select results_eq($$ select status::text, provider_message_id, sent_at is not null from pg_temp.recipient('ani') $$,
  $$ values ('queued', 'SMbroadcast1', true) $$, 'the provider''s answer is recorded on the recipient');

select is(public.send_broadcast(tests.id('store_a'), tests.id('admin_a'), tests.id('promo_b'))::text, 'sending',
  'sending again changes nothing');
select is((select count(*) from public.claim_broadcast_recipients(10, 100, 60)), 0::bigint, 'and claims nobody');
select is((select count(*) from public.messages where metadata ->> 'broadcast_id' = tests.id('promo_b')::text), 1::bigint,
  'one message was stored in all');
select is(public.broadcast_send_check((pg_temp.recipient('ani')).id) ->> 'decision', 'gone',
  'a recipient already sent is not checked again');

-- Status callbacks move the recipient forward only --------------------------------------------------------
select is(public.record_message_status(tests.id('store_a'), 'SMbroadcast1', 'delivered')::text, 'delivered', 'a callback');
select is((pg_temp.recipient('ani')).status::text, 'delivered', 'delivered');
select is(public.record_message_status(tests.id('store_a'), 'SMbroadcast1', 'sent')::text, 'delivered', 'a late sent');
select is(public.record_message_status(tests.id('store_a'), 'SMbroadcast1', 'failed', '63016')::text, 'delivered', 'a late failed');
select is((pg_temp.recipient('ani')).status::text, 'delivered', 'a late sent or failed does not move it back');
select is(public.record_message_status(tests.id('store_a'), 'SMbroadcast1', 'read')::text, 'read', 'read callback');
select is((pg_temp.recipient('ani')).status::text, 'read', 'read');

-- A worker that died: its claim runs out and comes back, resumed when the message was stored -------------
update public.broadcast_recipients set status = 'pending', message_id = null, sent_at = null, skip_reason = null
where id = (pg_temp.recipient('budi')).id;
update public.customers set opted_out_at = null where id = tests.id('budi');
update public.broadcasts set status = 'sending', finished_at = null where id = tests.id('promo_b');
select is((select resumed from public.claim_broadcast_recipients(10, 100, 60)), false, 'claimed');
select is(public.broadcast_send_check((pg_temp.recipient('budi')).id) ->> 'decision', 'send', 'checked and stored');
update public.broadcast_recipients set lease_until = now() - interval '1 second' where id = (pg_temp.recipient('budi')).id;
select is((select resumed from public.claim_broadcast_recipients(10, 100, 60)), true,
  'after its lease it is claimed again, as resumed (the worker asks Twilio before sending)');
select is((public.broadcast_send_check((pg_temp.recipient('budi')).id) ->> 'resumed')::boolean, true,
  'and keeps its one message');
select public.record_broadcast_send((pg_temp.recipient('budi')).id, 'failed', null, 'Twilio error 63016: outside window');
select results_eq($$ select status::text, error from pg_temp.recipient('budi') $$,
  $$ values ('failed', 'Twilio error 63016: outside window') $$, 'a refusal is recorded with its error');

-- Reply, orders, report ---------------------------------------------------------------------------------------
insert into public.messages (store_id, conversation_id, direction, sender, body, status, provider_message_id, created_at)
select tests.id('store_a'), m.conversation_id, 'inbound', 'customer', 'Mau dong', 'received', 'SMreply1', now() + interval '1 minute'
from public.messages m where m.id = (pg_temp.recipient('ani')).message_id;
select is((select metadata ->> 'reply_to_broadcast_id' from public.messages where provider_message_id = 'SMreply1'),
  tests.id('promo_b')::text, 'a reply is marked as a reply to the broadcast');
select is((select broadcast_id from public.conversations c join public.messages m on m.conversation_id = c.id
           where m.provider_message_id = 'SMreply1'), tests.id('promo_b'), 'and so is its conversation');
insert into public.orders (store_id, external_id, number, status, total, currency, customer_id, created_at, date_modified)
values (tests.id('store_a'), 301, '1043', 'processing', 250000, 'IDR', tests.id('ani'), now() + interval '2 days', now()),
       (tests.id('store_a'), 302, '1044', 'completed', 70000, 'IDR', tests.id('ani'), now() + interval '8 days', now()),
       (tests.id('store_a'), 303, '1045', 'cancelled', 90000, 'IDR', tests.id('ani'), now() + interval '1 day', now());
select is(public.broadcast_report(tests.id('store_a'), tests.id('promo_b')) - array['id', 'name', 'template_id', 'segment_id',
            'variables', 'send_at', 'started_at', 'finished_at', 'created_at'],
  '{"status": "sending", "counts": {"total": 4, "queued": 0, "sent": 0, "delivered": 0, "read": 1, "failed": 1, "skipped": 2},
    "replies": 1, "orders": 1, "revenue": 250000, "currency": "IDR"}'::jsonb,
  'the report: counts, replies, and the paid orders within 7 days (not the later or cancelled ones)');
select is((select count(*) from public.claim_broadcast_recipients(10, 100, 60)), 0::bigint, 'nobody is left to send');
select is((select status::text from public.broadcasts where id = tests.id('promo_b')), 'completed',
  'so the broadcast completes');

-- Pause and cancel ------------------------------------------------------------------------------------------
select is(public.send_broadcast(tests.id('store_a'), tests.id('owner_a'), (select id from public.broadcasts where name = 'To everyone'))::text,
  'sending', 'another broadcast sends');
select is(public.pause_broadcast(tests.id('store_a'), tests.id('owner_a'), (select id from public.broadcasts where name = 'To everyone'))::text,
  'paused', 'and is paused');
select is((select count(*) from public.claim_broadcast_recipients(10, 100, 60)), 0::bigint, 'a paused broadcast is not sent');
select is(public.cancel_broadcast(tests.id('store_a'), tests.id('owner_a'), (select id from public.broadcasts where name = 'To everyone'))::text,
  'cancelled', 'cancel');
select is((select count(*) from public.broadcast_recipients r join public.broadcasts b on b.id = r.broadcast_id
           where b.name = 'To everyone' and r.status = 'pending'), 0::bigint, 'cancelled: nobody pending is left');
select throws_ok($$ select public.send_broadcast(tests.id('store_a'), tests.id('owner_a'), (select id from public.broadcasts where name = 'To everyone')) $$,
  '55000', null, 'a cancelled broadcast cannot be sent');

-- Who sees what ------------------------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('agent_a'));
select is((select count(*) from public.broadcasts where store_id = tests.id('store_a')), 3::bigint, 'an agent of the store reads its broadcasts');
select throws_ok($$ select public.send_broadcast(tests.id('store_a'), tests.id('agent_a'), tests.id('promo_b')) $$,
  '42501', null, 'but cannot call send_broadcast');
select tests.authenticate_as(tests.id('agent_b'));
select is((select count(*) from public.broadcasts) + (select count(*) from public.broadcast_recipients), 0::bigint,
  'a member of another store sees no broadcast or recipient of A');
select throws_ok($$ select public.broadcast_report(tests.id('store_a'), tests.id('promo_b')) $$, '42501', null,
  'nor its report');

select * from finish();
rollback;
