-- The proactive sender's parts both queues share (migration 670): the sandbox rule (the local stack's sender
-- thread claims only stores without a Twilio account and not on Meta, in both queues), the claim's slots and
-- the checks' lock order for a queue's table only, and the shared functions only the service role calls.
begin;
\ir _helpers.psql
select plan(19);
select tests.seed_two_stores();

select function_privs_are('private', f, args, r, privs, format('%s has %s on private.%s', r, privs, f))
from (values ('is_sandbox_sender', array['uuid']),
             ('check_claim_arguments', array['integer', 'double precision', 'integer']),
             ('claim_send_slots', array['regclass', 'uuid[]', 'double precision', 'integer']),
             ('proactive_recipients', array['regclass', 'uuid[]']),
             ('proactive_send_checks', array['regclass', 'uuid[]'])) as fns (f, args),
     (values ('authenticated', array[]::name[]), ('service_role', array['EXECUTE']::name[])) as expected (r, privs);

-- The sandbox rule ------------------------------------------------------------------------------------
insert into public.store_credentials (store_id, twilio_account_sid) values (tests.id('store_b'), 'AC' || repeat('b', 32))
on conflict (store_id) do update set twilio_account_sid = excluded.twilio_account_sid;
select is(private.is_sandbox_sender(tests.id('store_a')), true, 'a store without a Twilio account sends through the sandbox');
select is(private.is_sandbox_sender(tests.id('store_b')), false, 'a store with one does not');

-- Store A (sandbox) and B (Twilio) each have an order update and a broadcast recipient due.
insert into public.order_notifications (store_id, order_id, event, due_at)
select s, o, 'processing', now() - interval '1 minute'
from (values (tests.id('store_a'), tests.id('order_a')), (tests.id('store_b'), tests.id('order_b'))) as x (s, o);
with t as (
  insert into public.whatsapp_templates (store_id, name, content_sid, language, body)
  select s, 'promo', 'HX' || repeat(n, 32), 'id', 'Halo'
  from (values (tests.id('store_a'), 'a'), (tests.id('store_b'), 'b')) as x (s, n)
  returning id, store_id
), b as (
  insert into public.broadcasts (store_id, name, template_id, status, started_at)
  select t.store_id, 'Promo', t.id, 'sending', now() from t returning id, store_id
)
insert into public.broadcast_recipients (store_id, broadcast_id, customer_id)
select b.store_id, b.id, c.id from b join public.customers c on c.store_id = b.store_id;

select tests.authenticate_as_service_role();
select is((select array_agg(store_id) from public.claim_order_notifications(100, 1000, 60, true)
           where store_id in (tests.id('store_a'), tests.id('store_b'))),
  array[tests.id('store_a')], 'the sandbox sender claims the sandbox store''s order update only');
select is((select array_agg(store_id) from public.claim_broadcast_recipients(100, 1000, 60, true)
           where store_id in (tests.id('store_a'), tests.id('store_b'))),
  array[tests.id('store_a')], 'and its broadcast recipient only');
select is((select array_agg(store_id) from public.claim_order_notifications(100, 1000, 60)
           where store_id in (tests.id('store_a'), tests.id('store_b'))),
  array[tests.id('store_b')], 'the sender of every store claims the other store''s order update');
select is((select array_agg(store_id) from public.claim_broadcast_recipients(100, 1000, 60)
           where store_id in (tests.id('store_a'), tests.id('store_b'))),
  array[tests.id('store_b')], 'and its broadcast recipient');

select tests.clear_authentication();
update public.store_credentials set twilio_account_sid = null where store_id = tests.id('store_b');
update public.stores set whatsapp_provider = 'meta', whatsapp_number = '+6281299000045', meta_phone_number_id = '45045',
  meta_waba_id = '54054' where id = tests.id('store_b');
select is(private.is_sandbox_sender(tests.id('store_b')), false, 'a store on Meta does not send through the sandbox');

-- The shared parts take a send queue's table only -------------------------------------------------------
select throws_ok($$ select * from private.claim_send_slots('public.customers', array[tests.id('customer_a')], 10, 60) $$,
  '22023', 'no send queue public.customers', 'a claim''s slots are for a send queue''s rows only');
select throws_ok($$ select * from private.proactive_send_checks('public.customers', array[tests.id('customer_a')]) $$,
  '22023', 'no send queue public.customers', 'and so are a group''s checks');

select * from finish();
rollback;
