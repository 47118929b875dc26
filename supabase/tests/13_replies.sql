-- The bot's replies: claimed once per inbound message, stored once, handoff in the same transaction,
-- send results recorded; only the service role (the worker) may call these functions.
begin;
\ir _helpers.psql
select plan(27);
select tests.seed_two_stores();

create temporary table inbound as
  select id from public.messages where provider_message_id = 'SM-in-a';
create function pg_temp.inbound_id() returns uuid language sql as $$ select id from inbound $$;

-- Claiming ------------------------------------------------------------------------------------------------
select is((select count(*) from public.claim_reply(pg_temp.inbound_id())), 1::bigint, 'the first claim gets the job');
select is((select count(*) from public.claim_reply(pg_temp.inbound_id())), 0::bigint,
  'a second claim while the first works gets nothing');
select is((select count(*) from public.claim_reply(
  (select id from public.messages where provider_message_id = 'SM-out-a'))), 0::bigint,
  'an outbound message cannot be claimed');

select public.finish_reply(pg_temp.inbound_id(), 'failed', 'provider down');
select results_eq($$ select status::text, last_error from public.reply_jobs where message_id = pg_temp.inbound_id() $$,
  $$ values ('failed', 'provider down') $$, 'a failure is recorded with its error');
select results_eq($$ select attempts from public.claim_reply(pg_temp.inbound_id()) $$, $$ values (2) $$,
  'a failed job is claimed again, counting the attempt');

alter table public.reply_jobs disable trigger set_updated_at;
update public.reply_jobs set updated_at = now() - interval '10 minutes' where message_id = pg_temp.inbound_id();
alter table public.reply_jobs enable trigger set_updated_at;
select results_eq($$ select attempts from public.claim_reply(pg_temp.inbound_id()) $$, $$ values (3) $$,
  'a job abandoned mid-way (stale) is claimed again');

select public.finish_reply(pg_temp.inbound_id(), 'done');
select is((select count(*) from public.claim_reply(pg_temp.inbound_id())), 0::bigint, 'a done job is never claimed again');

-- The worker's context ----------------------------------------------------------------------------------
insert into public.store_credentials (store_id, twilio_account_sid, twilio_auth_token)
values (tests.id('store_a'), 'AC' || repeat('a', 32), 'token-a');
update public.stores set whatsapp_number = '+6281100000999' where id = tests.id('store_a');
select results_eq(
  $$ select c -> 'message' ->> 'body', c ->> 'conversation_status', c -> 'customer' ->> 'phone',
            (c ->> 'has_newer_inbound')::boolean, jsonb_array_length(c -> 'stored_parts')
     from public.reply_context(pg_temp.inbound_id()) c $$,
  $$ values ('Where is my order?', 'bot', '+628120000001', false, 0) $$,
  'the context holds the message, its conversation, customer, and no reply yet');
select results_eq(
  $$ select c -> 'destination' ->> 'from_phone', c -> 'destination' ->> 'to_phone', c -> 'destination' ->> 'auth_token'
     from public.reply_context(pg_temp.inbound_id()) c $$,
  $$ values ('+6281100000999', '+628120000001', 'token-a') $$,
  'the context says where to send and with which credentials');
-- The fixture's two messages share one timestamp; the bot's answer came a second later.
update public.messages set created_at = created_at + interval '1 second' where provider_message_id = 'SM-out-a';
insert into public.messages (store_id, conversation_id, direction, sender, body, provider_message_id, status, created_at)
values (tests.id('store_a'), tests.id('conversation_a'), 'inbound', 'customer', 'Halo?', 'SM-in-a2', 'received', now() + interval '1 minute');
select is((select (c ->> 'has_newer_inbound')::boolean from public.reply_context(pg_temp.inbound_id()) c), true,
  'a newer customer message is noticed');
select results_eq(
  $$ select jsonb_array_length(c -> 'history'), c -> 'history' -> 0 ->> 'role', c -> 'history' -> 0 ->> 'text'
     from public.reply_context((select id from public.messages where provider_message_id = 'SM-in-a2')) c $$,
  $$ values (2, 'customer', 'Where is my order?') $$,
  'the history is the earlier messages, oldest first');
select is((select public.reply_context((select id from public.messages where provider_message_id = 'SM-out-a'))), null,
  'an outbound message has no reply context');

-- Storing the reply -------------------------------------------------------------------------------------
select is((select count(*) from public.record_bot_reply(pg_temp.inbound_id(), array['Halo kak', 'Pesanan dikirim'],
  '{"responder": "offline"}')), 2::bigint, 'a reply is stored as one message per part');
select results_eq(
  $$ select direction::text, sender::text, status::text, metadata ->> 'responder', body from public.messages
     where reply_to = pg_temp.inbound_id() order by created_at $$,
  $$ values ('outbound', 'bot', 'queued', 'offline', 'Halo kak'), ('outbound', 'bot', 'queued', 'offline', 'Pesanan dikirim') $$,
  'the parts are queued bot messages replying to the inbound one, in order');
select results_eq(
  $$ select body from public.record_bot_reply(pg_temp.inbound_id(), array['Something else'], '{}') $$,
  $$ values ('Halo kak'), ('Pesanan dikirim') $$,
  'storing again returns the stored parts and adds nothing');
select is((select count(*) from public.messages where reply_to = pg_temp.inbound_id()), 2::bigint, 'still two parts');
select throws_ok($$ select public.record_bot_reply((select id from public.messages where provider_message_id = 'SM-in-b'), '{}', '{}') $$,
  '23514', 'a reply needs at least one part', 'an empty reply is refused');
select throws_ok($$ select public.record_bot_reply((select id from public.messages where provider_message_id = 'SM-out-b'), array['x'], '{}') $$,
  'P0002', null, 'only an inbound message can be replied to');

-- Handoff ----------------------------------------------------------------------------------------------
update public.tickets set status = 'resolved', resolved_at = now() where conversation_id = tests.id('conversation_b');
update public.messages set urgency = 'high' where provider_message_id = 'SM-in-b';
select lives_ok($$ select public.record_bot_reply((select id from public.messages where provider_message_id = 'SM-in-b'),
  array['Kami sambungkan ke tim kami ya kak'], '{"responder": "llm"}', true, 'Asked for a person') $$,
  'a reply that hands off is stored');
select results_eq($$ select status::text, handed_off_at is not null from public.conversations where id = tests.id('conversation_b') $$,
  $$ values ('human', true) $$, 'the conversation moves to a person');
select results_eq($$ select subject, priority::text from public.tickets where conversation_id = tests.id('conversation_b') and status = 'open' $$,
  $$ values ('Asked for a person', 'high') $$, 'a ticket opens with the inbound message''s urgency');
insert into public.messages (store_id, conversation_id, direction, sender, body, provider_message_id, status)
values (tests.id('store_b'), tests.id('conversation_b'), 'inbound', 'customer', 'Halo?', 'SM-in-b2', 'received');
select lives_ok($$ select public.record_bot_reply((select id from public.messages where provider_message_id = 'SM-in-b2'),
  array['Sebentar ya'], '{}', true, 'Again') $$, 'a second handoff reply is stored');
select is((select count(*) from public.tickets where conversation_id = tests.id('conversation_b') and status <> 'resolved'),
  1::bigint, 'a second handoff does not open a second ticket');

-- Send results --------------------------------------------------------------------------------------
select public.record_send_result((select id from public.messages where reply_to = pg_temp.inbound_id() and body = 'Halo kak'),
  'sandbox', null, null, 420);
select results_eq($$ select status::text, (metadata ->> 'latency_ms')::int, metadata ->> 'responder' from public.messages
  where reply_to = pg_temp.inbound_id() and body = 'Halo kak' $$,
  $$ values ('sandbox', 420, 'offline') $$, 'the send result and latency are recorded, metadata kept');

-- Who may call them ----------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('owner_a'));
select throws_ok($$ select public.claim_reply(pg_temp.inbound_id()) $$, '42501', null, 'an owner cannot claim replies');
select throws_ok($$ select public.record_bot_reply(pg_temp.inbound_id(), array['x'], '{}') $$, '42501', null,
  'an owner cannot write bot replies');
select results_eq($$ select status::text from public.reply_jobs $$, $$ values ('done') $$,
  'an owner reads the reply jobs of their store');
select tests.clear_authentication();

select * from finish();
rollback;
