-- WhatsApp in through Twilio: store secrets only the service role sees; inbound messages stored once per
-- MessageSid with their customer and conversation; status callbacks move outbound statuses forward only.
begin;
\ir _helpers.psql
select plan(50);
select tests.seed_two_stores();
update public.stores set whatsapp_number = '+6281999000001' where id = tests.id('store_a');
update public.stores set whatsapp_number = '+6281999000002' where id = tests.id('store_b');
insert into public.store_credentials (store_id, twilio_auth_token) values (tests.id('store_a'), 'token-a');

-- Who may touch what -------------------------------------------------------------------------------
select ok((select relrowsecurity from pg_catalog.pg_class where oid = 'public.store_credentials'::regclass),
  'store_credentials has row level security enabled');
select is_empty($$ select 1 from pg_catalog.pg_policies where schemaname = 'public' and tablename = 'store_credentials' $$,
  'store_credentials has no policies: no member reads it through RLS');
select table_privs_are('public', 'store_credentials', 'anon', array[]::name[], 'anon has no privileges on store_credentials');
select table_privs_are('public', 'store_credentials', 'authenticated', array[]::name[],
  'authenticated has no privileges on store_credentials');
select tests.authenticate_as(tests.id('owner_a'));
select throws_ok($$ select twilio_auth_token from public.store_credentials $$,
  '42501', 'permission denied for table store_credentials', 'not even the owner reads the store''s secrets');
select throws_ok($$ update public.store_credentials set twilio_auth_token = 'mine' $$,
  '42501', 'permission denied for table store_credentials', 'the owner cannot change the secrets through the API');
select throws_ok(
  $$ select * from public.ingest_whatsapp_message('+6281999000001', '+628111222333', 'Eve', 'SMeve', 'hi', '[]') $$,
  '42501', 'permission denied for function ingest_whatsapp_message', 'a member cannot inject inbound messages');
select throws_ok($$ select public.record_message_status(tests.id('store_a'), 'SM-out-a', 'read') $$,
  '42501', 'permission denied for function record_message_status', 'a member cannot fake a delivery status');
select tests.clear_authentication();

select function_privs_are('public', 'ingest_whatsapp_message',
  array['text', 'text', 'text', 'text', 'text', 'jsonb', 'timestamp with time zone'], r, privs,
  format('%s has %s on ingest_whatsapp_message', r, privs))
from (values ('anon', array[]::name[]), ('authenticated', array[]::name[]), ('service_role', array['EXECUTE']::name[]))
  as expected (r, privs);
select function_privs_are('public', 'record_message_status', array['uuid', 'text', 'text', 'text'], r, privs,
  format('%s has %s on record_message_status', r, privs))
from (values ('anon', array[]::name[]), ('authenticated', array[]::name[]), ('service_role', array['EXECUTE']::name[]))
  as expected (r, privs);
select is((select prosecdef from pg_catalog.pg_proc where oid = 'public.ingest_whatsapp_message'::regproc), false,
  'ingest_whatsapp_message runs with the caller''s rights');

-- ingest_whatsapp_message --------------------------------------------------------------------------
create function tests.ingest(p_from text, p_sid text, p_name text default 'Budi', p_to text default '+6281999000001')
returns table (store_id uuid, customer_id uuid, conversation_id uuid, message_id uuid, created boolean)
language sql
set search_path = ''
as $$
  select * from public.ingest_whatsapp_message(p_to, p_from, p_name, p_sid, 'Pesanan saya di mana?',
    '[{"url": "https://api.twilio.com/media/ME1", "content_type": "image/jpeg"}]', '2030-01-01 10:00+07')
$$;
create table tests.ingested (label text primary key, store_id uuid, customer_id uuid, conversation_id uuid,
                             message_id uuid, created boolean);
grant all on tests.ingested to service_role;

select tests.authenticate_as_service_role();
insert into tests.ingested select 'new', * from tests.ingest('+628111000001', 'SMnew');
insert into tests.ingested select 'again', * from tests.ingest('+628111000001', 'SMnew', 'Someone else');
insert into tests.ingested select 'known', * from tests.ingest('+628120000001', 'SMknown', 'Not Customer A');
select tests.clear_authentication();

select results_eq($$ select store_id, created from tests.ingested where label = 'new' $$,
  $$ values (tests.id('store_a'), true) $$, 'a first message is stored for the store that owns the number');
select results_eq(
  $$ select c.store_id, c.phone, c.name, c.first_seen_at from public.customers c
     join tests.ingested i on i.customer_id = c.id where i.label = 'new' $$,
  $$ values (tests.id('store_a'), '+628111000001', 'Budi', '2030-01-01 10:00+07'::timestamptz) $$,
  'a new phone becomes a customer named by their WhatsApp profile');
select results_eq(
  $$ select c.status::text, c.customer_id, c.created_at, c.last_inbound_at from public.conversations c
     join tests.ingested i on i.conversation_id = c.id where i.label = 'new' $$,
  $$ select 'bot', customer_id, '2030-01-01 10:00+07'::timestamptz, '2030-01-01 10:00+07'::timestamptz
     from tests.ingested where label = 'new' $$,
  'their first message opens a conversation with the bot, timed by the message');
select results_eq(
  $$ select m.direction::text, m.sender::text, m.status::text, m.body, m.media, m.provider_message_id, m.created_at
     from public.messages m join tests.ingested i on i.message_id = m.id where i.label = 'new' $$,
  $$ values ('inbound', 'customer', 'received', 'Pesanan saya di mana?',
             '[{"url": "https://api.twilio.com/media/ME1", "content_type": "image/jpeg"}]'::jsonb, 'SMnew',
             '2030-01-01 10:00+07'::timestamptz) $$,
  'the message is stored as received from the customer, with its media');
select results_eq(
  $$ select store_id, customer_id, conversation_id, message_id, created from tests.ingested where label = 'again' $$,
  $$ select store_id, customer_id, conversation_id, message_id, false from tests.ingested where label = 'new' $$,
  'a redelivered MessageSid returns the first delivery''s ids with created = false');
select is((select count(*) from public.messages where provider_message_id = 'SMnew'), 1::bigint,
  'a redelivered MessageSid is stored once');
select is((select name from public.customers where phone = '+628111000001'), 'Budi',
  'a redelivery changes nothing about the customer');
select results_eq(
  $$ select customer_id, conversation_id, created from tests.ingested where label = 'known' $$,
  $$ values (tests.id('customer_a'), tests.id('conversation_a'), true) $$,
  'a known customer''s message joins their open conversation');
select is((select name from public.customers where id = tests.id('customer_a')), 'Customer A',
  'a WhatsApp profile name never overwrites a name the shop already has');
select is((select count(*) from public.customers where store_id = tests.id('store_a')), 2::bigint,
  'store A has its fixture customer and the new one, no more');

-- Resolved conversations stay closed; a new message opens a new one.
update public.conversations set status = 'resolved', resolved_at = now(), resolution = 'human'
where id = tests.id('conversation_a');
select tests.authenticate_as_service_role();
insert into tests.ingested select 'after_resolve', * from tests.ingest('+628120000001', 'SMafter');
insert into tests.ingested select 'late_redelivery', * from tests.ingest('+628120000001', 'SMknown');
insert into tests.ingested select 'other_store', * from tests.ingest('+628120000001', 'SMknown', 'X', '+6281999000002');
select tests.clear_authentication();
select results_eq(
  $$ select conversation_id <> tests.id('conversation_a'), created from tests.ingested where label = 'after_resolve' $$,
  $$ values (true, true) $$, 'after a resolution the customer''s next message opens a new conversation');
select is((select count(*) from public.conversations where customer_id = tests.id('customer_a')), 2::bigint,
  'the customer now has the resolved conversation and one open one');
select results_eq(
  $$ select conversation_id, created from tests.ingested where label = 'late_redelivery' $$,
  $$ values (tests.id('conversation_a'), false) $$,
  'a late redelivery points at its original, resolved conversation and opens nothing');
select results_eq(
  $$ select i.store_id, i.created, c.store_id from tests.ingested i join public.customers c on c.id = i.customer_id
     where i.label = 'other_store' $$,
  $$ values (tests.id('store_b'), true, tests.id('store_b')) $$,
  'the same phone and MessageSid at another store''s number is that store''s own customer and message');

select tests.authenticate_as_service_role();
select throws_ok($$ select * from tests.ingest('+628111000009', 'SMnowhere', 'Budi', '+6281999000099') $$,
  'P0002', 'no store has the WhatsApp number +6281999000099', 'a number no store has is refused');
select throws_ok($$ select * from tests.ingest('+628111000009', '') $$,
  '23502', 'an inbound message needs its MessageSid', 'a message without a MessageSid is refused');
select throws_ok($$ select * from tests.ingest('0811-1000', 'SMbadphone') $$,
  '23514', null, 'a sender that is not an E.164 phone is refused');
select is((select count(*) from public.messages where provider_message_id in ('SMnowhere', 'SMbadphone')), 0::bigint,
  'refused messages leave nothing behind');
select tests.clear_authentication();

-- record_message_status ----------------------------------------------------------------------------
create function tests.status_of(p_sid text) returns text
language sql stable security definer
set search_path = ''
as $$ select status::text from public.messages where provider_message_id = p_sid and store_id = tests.id('store_a') $$;

insert into public.messages (store_id, conversation_id, direction, sender, body, provider_message_id, status)
select tests.id('store_a'), conversation_id, 'outbound', 'bot', 'Dikirim hari ini.', 'SMq', 'queued'
from tests.ingested where label = 'after_resolve';

select tests.authenticate_as_service_role();
select is(public.record_message_status(tests.id('store_a'), 'SM-out-a', 'delivered')::text, 'delivered',
  'sent → delivered moves forward');
select is(public.record_message_status(tests.id('store_a'), 'SM-out-a', 'sent')::text, 'delivered',
  'a late "sent" callback never moves delivered back');
select is(public.record_message_status(tests.id('store_a'), 'SM-out-a', 'queued')::text, 'delivered',
  'nor does a late "queued"');
select is(public.record_message_status(tests.id('store_a'), 'SM-out-a', 'read')::text, 'read',
  'delivered → read moves forward');
select is(public.record_message_status(tests.id('store_a'), 'SM-out-a', 'failed', '30008')::text, 'read',
  'a read message does not fail afterwards');
select is(public.record_message_status(tests.id('store_a'), 'SMq', 'undelivered', '63016')::text, 'failed',
  'Twilio''s undelivered is recorded as failed');
select is(public.record_message_status(tests.id('store_a'), 'SMq', 'delivered')::text, 'failed',
  'failed is terminal');
select is(public.record_message_status(tests.id('store_a'), 'SM-in-a', 'read'), null,
  'inbound messages have no delivery status to record');
select is(public.record_message_status(tests.id('store_a'), 'SM-out-b', 'read'), null,
  'a store cannot touch another store''s message');
select is(public.record_message_status(tests.id('store_a'), 'SMunknown', 'read'), null,
  'an unknown MessageSid changes nothing');
select tests.clear_authentication();

select is(tests.status_of('SM-out-a'), 'read', 'the outbound message ends read');
select is((select metadata from public.messages where provider_message_id = 'SM-out-a' and store_id = tests.id('store_a')),
  '{}'::jsonb, 'a refused status change leaves no error code behind');
select is((select metadata ->> 'twilio_error_code' from public.messages where provider_message_id = 'SMq'), '63016',
  'the failed message keeps Twilio''s error code');
select is((select status::text from public.messages where provider_message_id = 'SM-out-b'), 'sent',
  'the other store''s message is untouched');
select is((select status::text from public.messages where provider_message_id = 'SM-in-a' and store_id = tests.id('store_a')),
  'received', 'the inbound message is untouched');

select tests.authenticate_as_service_role();
update public.messages set status = 'sandbox' where provider_message_id = 'SMq';
select is(public.record_message_status(tests.id('store_a'), 'SMq', 'sent')::text, 'sandbox',
  'a sandbox message (never sent through Twilio) keeps its status');
update public.messages set status = 'sent' where provider_message_id = 'SMq';
select is(public.record_message_status(tests.id('store_a'), 'SMq', 'some_future_status')::text, 'sent',
  'a status Twilio may add later changes nothing');
select tests.clear_authentication();

select * from finish();
rollback;
