-- Opt-out that always holds: the store's STOP and START words on inbound WhatsApp messages, a checkout's
-- consent after a STOP, and the consent history each of them writes.
begin;
\ir _helpers.psql
select plan(22);
select tests.seed_two_stores();

update public.customers set marketing_opt_in = true, marketing_opt_in_at = now() - interval '1 day'
where id = tests.id('customer_a');

create function tests.customer_writes(p_body text, p_sid text) returns uuid
language sql
as $$
  select message_id from public.ingest_whatsapp_message(
    (select whatsapp_number from public.stores where id = tests.id('store_a')),
    '+628120000001', 'Customer A', p_sid, p_body, '[]'::jsonb)
$$;
update public.stores set whatsapp_number = '+6281100000999' where id = tests.id('store_a');

select is(private.consent_command(tests.id('store_a'), m), 'opt_out', format('%L is an opt-out', m))
from unnest(array['STOP', 'stop', 'Stop!', ' berhenti. ', 'UNSUBSCRIBE', 'stop promo', 'Stop  Promo!!']) m;
select is(private.consent_command(tests.id('store_a'), m), null, format('%L is not', m))
from unnest(array['stop sending me the wrong size', 'jangan berhenti kirim', '']) m;

select tests.customer_writes('Stop!', 'SM-stop-1');
select ok((select opted_out_at is not null and marketing_opt_in from public.customers where id = tests.id('customer_a')),
  'STOP sets opted_out_at (consent stays recorded, the opt-out wins)');
select results_eq(
  $$ select r.body like 'Done: you will not receive promotional messages from Store A anymore.%' or r.body like 'Baik, Anda%',
            r.status::text, r.sender::text, r.metadata ->> 'consent_command'
     from public.messages r join public.messages m on m.id = r.reply_to where m.provider_message_id = 'SM-stop-1' $$,
  $$ values (true, 'queued', 'bot', 'opt_out') $$,
  'one confirmation is queued as the reply (so the assistant is not asked)');
select results_eq($$ select given, source::text, message_id is not null from public.customer_consent_events where customer_id = tests.id('customer_a') order by id $$,
  $$ values (true, 'system', false), (false, 'whatsapp_stop', true) $$,
  'the history has the consent the fixture gave, then the withdrawal by WhatsApp with its message');

-- A redelivery of the same MessageSid changes nothing and answers nothing.
select tests.customer_writes('Stop!', 'SM-stop-1');
select is((select count(*) from public.messages r join public.messages m on m.id = r.reply_to
           where m.store_id = tests.id('store_a') and r.metadata ->> 'responder' = 'consent'), 1::bigint,
  'a redelivered STOP is not confirmed twice');

-- BERHENTI again: already out, still confirmed in Indonesian; the first opt-out time stays.
select tests.customer_writes('BERHENTI', 'SM-stop-2');
select is((select r.metadata ->> 'language' from public.messages r join public.messages m on m.id = r.reply_to
           where m.provider_message_id = 'SM-stop-2'), 'id', 'BERHENTI is confirmed in Indonesian');
select is((select count(*) from public.customer_consent_events where customer_id = tests.id('customer_a')), 2::bigint,
  'a second opt-out is no new change');

-- START: in again, exactly as the broadcasts read it.
select tests.customer_writes('mulai', 'SM-start-1');
select ok((select marketing_opt_in and opted_out_at is null and marketing_opt_in_at > now() - interval '1 minute'
           from public.customers where id = tests.id('customer_a')), 'MULAI opts in again (opted_out_at cleared)');
select results_eq($$ select given, source::text from public.customer_consent_events where customer_id = tests.id('customer_a') order by id $$,
  $$ values (true, 'system'), (false, 'whatsapp_stop'), (true, 'whatsapp_start') $$, 'the history has both');

-- A checkout consent newer than a STOP opts in again.
select tests.customer_writes('STOP', 'SM-stop-3');
select private.woocommerce_order_customer(tests.id('store_a'), jsonb_build_object(
  'whatsapp_phone', '+628120000001', 'created_at', now() + interval '1 minute', 'marketing_opt_in', true));
select ok((select marketing_opt_in and opted_out_at is null from public.customers where id = tests.id('customer_a')),
  'a newer checkout consent lifts the opt-out');
select is((select source::text from public.customer_consent_events where customer_id = tests.id('customer_a') order by id desc limit 1),
  'checkout', 'recorded as the checkout''s');

-- A store's own words.
update public.stores set opt_out_keywords = array['cukup'] where id = tests.id('store_a');
select is(private.consent_command(tests.id('store_a'), 'Cukup!'), 'opt_out', 'a store sets its own opt-out words');
select is(private.consent_command(tests.id('store_a'), 'stop'), null, '... which replace the defaults');

select * from finish();
rollback;
