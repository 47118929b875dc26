-- WhatsApp media read by the worker: record_message_media records once per item (a retry changes nothing),
-- keeps what Twilio sent, refuses what is not a result; only the service role may call it; reply_context
-- carries the media of the message and of the history.
begin;
\ir _helpers.psql
select plan(17);
select tests.seed_two_stores();

update public.messages
set media = '[{"url": "https://api.twilio.com/m/ME1", "content_type": "image/png"},
              {"url": "https://api.twilio.com/m/ME2", "content_type": "audio/ogg"}]'
where provider_message_id = 'SM-in-a';
create temporary table inbound as select id from public.messages where provider_message_id = 'SM-in-a';
grant select on inbound to public;
create function pg_temp.inbound_id() returns uuid language sql as $$ select id from inbound $$;

-- Who may record ----------------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('owner_a'));
select throws_ok($$ select public.record_message_media(pg_temp.inbound_id(), 0, '{"status": "extracted"}') $$,
  '42501', null, 'an owner cannot record media results (service role only)');
select tests.authenticate_as_anon();
select throws_ok($$ select public.record_message_media(pg_temp.inbound_id(), 0, '{"status": "extracted"}') $$,
  '42501', null, 'anon cannot record media results');
select tests.authenticate_as(tests.id('agent_a'));
select throws_ok($$ select public.reply_context(pg_temp.inbound_id()) $$, '42501', null,
  'an agent cannot read the worker''s reply context (it carries the auth token)');
select tests.authenticate_as_service_role();

-- Recording ---------------------------------------------------------------------------------------------
select results_eq(
  $$ select r ->> 'status', r ->> 'text', r ->> 'url', r ->> 'content_type', (r ->> 'pages')::int, r ? 'processed_at'
     from public.record_message_media(pg_temp.inbound_id(), 0,
       '{"status": "extracted", "text": "Transfer BCA Rp 150.000", "pages": 1, "method": "ocr",
         "storage_key": "media/a/1/0.png", "size_bytes": 2048, "url": "https://evil.example/x"}') r $$,
  $$ values ('extracted', 'Transfer BCA Rp 150.000', 'https://api.twilio.com/m/ME1', 'image/png', 1, true) $$,
  'the result is recorded on the item; url and content_type stay as Twilio sent them');
select results_eq(
  $$ select r ->> 'status', r ->> 'text'
     from public.record_message_media(pg_temp.inbound_id(), 0, '{"status": "unreadable", "error": "retry"}') r $$,
  $$ values ('extracted', 'Transfer BCA Rp 150.000') $$,
  'recording again returns the first result and changes nothing');
select is((select media -> 0 ->> 'status' from public.messages where id = pg_temp.inbound_id()), 'extracted',
  'the stored item still has the first result');
select lives_ok($$ select public.record_message_media(pg_temp.inbound_id(), 1,
  '{"status": "unsupported", "storage_key": "media/a/1/1.ogg", "size_bytes": 900, "junk": true}') $$,
  'an unsupported item is recorded (kept for the agent)');
select results_eq(
  $$ select jsonb_array_length(media), media -> 1 ->> 'status', media -> 1 ->> 'storage_key', media -> 1 ->> 'url'
     from public.messages where id = pg_temp.inbound_id() $$,
  $$ values (2, 'unsupported', 'media/a/1/1.ogg', 'https://api.twilio.com/m/ME2') $$,
  'each item is recorded in its own place; none is added or lost');
select is((select media -> 1 ? 'junk' from public.messages where id = pg_temp.inbound_id()), false,
  'only the processing fields are taken');

-- What is refused ---------------------------------------------------------------------------------------
select throws_ok($$ select public.record_message_media(pg_temp.inbound_id(), 0, '{"status": "maybe"}') $$,
  '23514', null, 'an unknown status is refused');
select throws_ok($$ select public.record_message_media(pg_temp.inbound_id(), 0, '{}') $$,
  '23514', null, 'a result without a status is refused');
select throws_ok($$ select public.record_message_media(pg_temp.inbound_id(), 0,
  jsonb_build_object('status', 'extracted', 'text', repeat('x', 50001))) $$,
  '23514', null, 'an oversized text is refused');
select throws_ok($$ select public.record_message_media(pg_temp.inbound_id(), 2, '{"status": "extracted"}') $$,
  'P0002', null, 'an item the message does not have is refused');
select throws_ok($$ select public.record_message_media(pg_temp.inbound_id(), -1, '{"status": "extracted"}') $$,
  'P0002', null, 'a negative index is refused');
select throws_ok($$ select public.record_message_media(
  (select id from public.messages where provider_message_id = 'SM-out-a'), 0, '{"status": "extracted"}') $$,
  'P0002', null, 'an outbound message has no media to record');

-- The worker's context ------------------------------------------------------------------------------------
select results_eq(
  $$ select c -> 'message' -> 'media' -> 0 ->> 'text', jsonb_array_length(c -> 'message' -> 'media')
     from public.reply_context(pg_temp.inbound_id()) c $$,
  $$ values ('Transfer BCA Rp 150.000', 2) $$,
  'reply_context carries the message''s media with the text read from it');
insert into public.messages (store_id, conversation_id, direction, sender, body, provider_message_id, status, created_at)
values (tests.id('store_a'), tests.id('conversation_a'), 'inbound', 'customer', 'Sudah ya', 'SM-in-a3', 'received',
        now() + interval '1 minute');
select is(
  (select h -> 'media' -> 0 ->> 'text'
   from public.reply_context((select id from public.messages where provider_message_id = 'SM-in-a3')) c,
        jsonb_array_elements(c -> 'history') h
   where h ->> 'role' = 'customer'),
  'Transfer BCA Rp 150.000', 'the history carries earlier messages'' media too');

select * from finish();
rollback;
