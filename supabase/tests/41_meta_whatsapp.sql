-- Meta's WhatsApp Cloud API as a store's sender: the provider choice and Meta ids on stores (only the
-- service role sets them), the encrypted secrets in store_credentials (no member reads them), statuses
-- with Meta's error, inbound details, and the template sync into whatsapp_templates.
begin;
\ir _helpers.psql
select plan(38);
select tests.seed_two_stores();
update public.stores set whatsapp_number = '+6281999000001' where id = tests.id('store_a');
update public.stores set whatsapp_number = '+6281999000002' where id = tests.id('store_b');

-- Columns and constraints ----------------------------------------------------------------------------
select col_default_is('public', 'stores', 'whatsapp_provider', 'twilio'::text, 'stores send through Twilio unless chosen otherwise');
select col_not_null('public', 'stores', 'whatsapp_provider', 'every store has a provider');
select throws_ok($$ update public.stores set whatsapp_provider = 'telegram' where id = tests.id('store_a') $$,
  '23514', null, 'only twilio or meta');
select throws_ok($$ update public.stores set whatsapp_provider = 'meta' where id = tests.id('store_a') $$,
  '23514', null, 'a Meta store needs its phone number id and WABA id');
select throws_ok($$ update public.stores set meta_phone_number_id = 'abc' where id = tests.id('store_a') $$,
  '23514', null, 'a phone number id is digits');
update public.stores set meta_phone_number_id = '106540352242922' where id = tests.id('store_a');
select throws_ok($$ update public.stores set meta_phone_number_id = '106540352242922' where id = tests.id('store_b') $$,
  '23505', null, 'one phone number id routes to one store');
select has_column('public', 'store_credentials', 'meta_access_token_encrypted', 'the access token is kept encrypted');
select has_column('public', 'store_credentials', 'meta_app_secret_encrypted', 'the app secret is kept encrypted');

-- Who may touch what ----------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('owner_a'));
select throws_ok($$ update public.stores set whatsapp_provider = 'twilio' where id = tests.id('store_a') $$,
  '42501', 'permission denied for table stores', 'the owner changes the provider only through the functions API');
select throws_ok($$ update public.stores set meta_phone_number_id = '1' where id = tests.id('store_a') $$,
  '42501', 'permission denied for table stores', 'nor the phone number id that routes webhooks');
select throws_ok($$ select meta_app_secret_encrypted from public.store_credentials $$,
  '42501', 'permission denied for table store_credentials', 'no member reads the Meta secrets');
select is((select whatsapp_provider from public.stores where id = tests.id('store_a')), 'twilio',
  'members see which provider their store has');
select tests.clear_authentication();

select function_privs_are('public', f, args, r, privs, format('%s has %s on %s', r, privs, f))
from (values ('configure_whatsapp_sender', array['uuid', 'text', 'text', 'text', 'text', 'text']),
             ('record_channel_status', array['uuid', 'text', 'text', 'text', 'text']),
             ('record_inbound_details', array['uuid', 'text', 'jsonb']),
             ('sync_meta_templates', array['uuid', 'jsonb'])) as fns (f, args),
     (values ('authenticated', array[]::name[]), ('service_role', array['EXECUTE']::name[])) as expected (r, privs);

-- configure_whatsapp_sender -------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select throws_ok($$ select public.configure_whatsapp_sender(tests.id('store_a'), 'meta', '106540352242922', '102290129340398') $$,
  '23514', 'a Meta sender needs its access token and app secret', 'Meta needs both secrets the first time');
select lives_ok($$ select public.configure_whatsapp_sender(tests.id('store_a'), 'meta', '106540352242922', '102290129340398',
  'gAAAA-token', 'gAAAA-secret') $$, 'a complete Meta sender is saved');
select lives_ok($$ select public.configure_whatsapp_sender(tests.id('store_a'), 'meta', '106540352242922', '102290129340398') $$,
  'later, missing secrets keep the stored ones');
select results_eq($$ select s.whatsapp_provider, s.meta_waba_id, k.meta_app_secret_encrypted
  from public.stores s join public.store_credentials k on k.store_id = s.id where s.id = tests.id('store_a') $$,
  $$ values ('meta', '102290129340398', 'gAAAA-secret') $$, 'the store sends through Meta with its secret kept');

-- record_channel_status --------------------------------------------------------------------------------
select is(public.record_channel_status(tests.id('store_a'), 'SM-out-a', 'failed', '131047', 'Re-engagement message'),
  'failed'::public.message_status, 'a failed status fails a sent message');
select is((select metadata ->> 'error' from public.messages where provider_message_id = 'SM-out-a'),
  'WhatsApp error 131047: Re-engagement message', 'Meta''s code and title are where the inbox shows send failures');
select is((select metadata ->> 'provider_error_code' from public.messages where provider_message_id = 'SM-out-a'),
  '131047', 'the code is kept on its own too');
select is(public.record_channel_status(tests.id('store_a'), 'SM-out-a', 'delivered'),
  'failed'::public.message_status, 'failed is terminal');
select is(public.record_channel_status(tests.id('store_b'), 'SM-out-a', 'read'), null,
  'another store''s message id changes nothing');

-- record_inbound_details -------------------------------------------------------------------------------
select public.record_inbound_details(tests.id('store_a'), 'SM-in-a', '{"type": "button", "payload": "STOP"}');
select is((select metadata -> 'whatsapp' ->> 'payload' from public.messages where provider_message_id = 'SM-in-a'),
  'STOP', 'what an inbound message was is kept under metadata.whatsapp');
select public.record_inbound_details(tests.id('store_a'), 'SM-out-a', '{"type": "text"}');
select ok((select not (metadata ? 'whatsapp') from public.messages where provider_message_id = 'SM-out-a'),
  'outbound messages are not touched');

-- sync_meta_templates --------------------------------------------------------------------------------
insert into public.whatsapp_templates (store_id, name, content_sid, language, body)
values (tests.id('store_a'), 'welcome', 'HX' || repeat('a', 32), 'id', 'Halo {{1}}');
select is(public.sync_meta_templates(tests.id('store_a'), $$[
  {"id": "1000000000000001", "name": "order_shipped", "language": "id", "status": "APPROVED", "category": "UTILITY",
   "body": "Halo {{1}}, pesanan #{{2}} dikirim.", "components": [{"type": "BODY", "text": "Halo {{1}}, pesanan #{{2}} dikirim."}]},
  {"id": "1000000000000002", "name": "welcome", "language": "id", "status": "APPROVED", "body": "Hai {{1}}", "components": []},
  {"id": "1000000000000003", "name": "cart_reminder", "language": "es_419", "status": "PAUSED", "body": "¿{{1}}?", "components": []}
]$$), 2, 'the templates are stored (a Twilio template of the same name and language is left alone)');
select results_eq($$ select provider, content_sid, status from public.whatsapp_templates
  where store_id = tests.id('store_a') order by name $$,
  $$ values ('meta', '1000000000000003', 'paused'), ('meta', '1000000000000001', 'approved'),
            ('twilio', 'HX' || repeat('a', 32), 'approved') $$,
  'Meta templates carry Meta''s id and its status in lower case');
select is(public.sync_meta_templates(tests.id('store_a'), $$[
  {"id": "1000000000000001", "name": "order_shipped", "language": "id", "status": "REJECTED", "body": "Halo {{1}}", "components": []}
]$$), 1, 'a second sync updates');
select results_eq($$ select content_sid, status from public.whatsapp_templates where store_id = tests.id('store_a') and provider = 'meta' $$,
  $$ values ('1000000000000001', 'rejected') $$, 'and removes what Meta no longer has');
select throws_ok($$ select public.sync_meta_templates(tests.id('store_a'), '[{"id": "HX123", "name": "x", "language": "id", "status": "APPROVED", "body": "x"}]') $$,
  '23514', null, 'a Meta template''s id is Meta''s (digits)');
select throws_ok($$ select public.sync_meta_templates(tests.id('store_a'), '{}') $$,
  '22023', 'templates must be a JSON array', 'the templates come as a list');
select tests.clear_authentication();

select tests.authenticate_as(tests.id('agent_b'));
select is_empty($$ select 1 from public.whatsapp_templates where store_id = tests.id('store_a') $$,
  'another store''s members do not see the synced templates');
select tests.clear_authentication();

select * from finish();
rollback;
