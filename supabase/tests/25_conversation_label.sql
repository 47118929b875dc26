-- The conversation's label (migration 20261203000050): the most urgent labelled customer message of the
-- conversation, a sure label before an unsure one of the same urgency, then the newest; kept current by a
-- trigger under inserts, label writes, corrections and deletes; the unsure state recorded with a message's
-- labels; only the service role records labels; members read the label under RLS like the row.
begin;
\ir _helpers.psql
select plan(22);
select tests.seed_two_stores();

create function pg_temp.conversation() returns uuid language sql stable as $$ select tests.id('conversation_a') $$;
create function pg_temp.inbound(p_name text, p_body text, p_at timestamptz) returns void
language sql as $$
  with m as (
    insert into public.messages (store_id, conversation_id, direction, sender, body, provider_message_id, status, created_at)
    values (tests.id('store_a'), tests.id('conversation_a'), 'inbound', 'customer', p_body, 'SM-' || p_name, 'received', p_at)
    returning id
  )
  insert into tests.fixture select p_name, m.id from m
$$;
create function pg_temp.label() returns table (category public.issue_category, urgency public.urgency,
                                               unsure boolean, message_id uuid)
language sql stable as $$
  select label_category, label_urgency, label_unsure, label_message_id from public.conversations
  where id = tests.id('conversation_a')
$$;

select results_eq($$ select category::text, urgency::text from pg_temp.label() $$,
  $$ values (null::text, null::text) $$, 'a conversation without labelled messages has no label');

-- Three customer messages: a charge taken twice (high), then a question (medium), then a thank-you (low).
select pg_temp.inbound('charged', 'saldo aku kepotong 2x kak', now() - interval '30 minutes');
select pg_temp.inbound('question', 'refundnya kapan masuk?', now() - interval '20 minutes');
select pg_temp.inbound('thanks', 'makasih kak 🙏', now() - interval '10 minutes');

select public.record_message_labels(tests.id('thanks'), 'other', 'low', 0.97);
select results_eq($$ select category::text, urgency::text, unsure, message_id from pg_temp.label() $$,
  $$ values ('other', 'low', false, tests.id('thanks')) $$, 'the only labelled message is the conversation''s label');

select public.record_message_labels(tests.id('charged'), 'payment', 'high', 0.91, false);
select public.record_message_labels(tests.id('question'), 'refund', 'medium', 0.88, false);
select results_eq($$ select category::text, urgency::text, message_id from pg_temp.label() $$,
  $$ values ('payment', 'high', tests.id('charged')) $$,
  'a later thank-you and a later question do not hide the earlier high-urgency issue');
select is((select label_confidence from public.conversations where id = pg_temp.conversation()), 0.91::real,
  'the conversation carries the chosen message''s confidence');

-- The unsure state: recorded with the message; among equals a sure label comes first.
select pg_temp.inbound('unsure_high', 'kak ini gimana sih', now() - interval '5 minutes');
select public.record_message_labels(tests.id('unsure_high'), 'order', 'high', 0.41, true);
select is((select label_unsure from public.messages where id = tests.id('unsure_high')), true,
  'the unsure state is stored with the message''s labels');
select is((select label_unsure from public.messages where id = tests.id('charged')), false,
  'a sure label is stored as not unsure');
select results_eq($$ select message_id from pg_temp.label() $$, $$ values (tests.id('charged')) $$,
  'of two high labels the sure one is the conversation''s, though the unsure one is newer');

select pg_temp.inbound('sure_high', 'barang rusak, minta refund sekarang', now() - interval '1 minute');
select tests.authenticate_as_service_role();  -- the worker's role, with the four-argument call of before
select public.record_message_labels(tests.id('sure_high'), 'refund', 'high', 0.95);
select tests.clear_authentication();
select results_eq($$ select category::text, message_id from pg_temp.label() $$,
  $$ values ('refund', tests.id('sure_high')) $$, 'of two sure high labels the newer one is the conversation''s');

-- Labels are written once: a second call changes nothing (a retried job).
select public.record_message_labels(tests.id('sure_high'), 'other', 'low', 0.5, true);
select results_eq($$ select category::text, urgency::text, label_unsure from public.messages where id = tests.id('sure_high') $$,
  $$ values ('refund', 'high', false) $$, 'a retried label write changes nothing');

-- A correction (an agent's fix through the service role) and a delete move the conversation's label.
update public.messages set urgency = 'medium' where id = tests.id('sure_high');
select results_eq($$ select message_id from pg_temp.label() $$, $$ values (tests.id('charged')) $$,
  'a corrected urgency moves the label to the most urgent remaining message');
delete from public.messages where id = tests.id('charged');
select results_eq($$ select message_id, unsure from pg_temp.label() $$, $$ values (tests.id('unsure_high'), true) $$,
  'when the sure high message is gone the unsure high one is the label, still marked unsure');
delete from public.messages where id in (tests.id('unsure_high'), tests.id('sure_high'), tests.id('question'), tests.id('thanks'));
select results_eq($$ select category::text, urgency::text, message_id from pg_temp.label() $$,
  $$ values (null::text, null::text, null::uuid) $$, 'without labelled messages the label is cleared');

-- Outbound messages and unlabelled ones never become the label.
select pg_temp.inbound('plain', 'halo', now());
select results_eq($$ select category::text from pg_temp.label() $$, $$ values (null::text) $$,
  'an unlabelled customer message is no label');
select is(
  (select count(*) from public.conversations c where c.id = tests.id('conversation_b') and c.label_category is not null),
  0::bigint, 'another store''s conversation is untouched');

-- A message inserted with its labels (the seed, an import) labels the conversation at once.
insert into public.messages (store_id, conversation_id, direction, sender, body, provider_message_id, status,
                             category, urgency, label_confidence, label_unsure)
values (tests.id('store_b'), tests.id('conversation_b'), 'inbound', 'customer', 'paket hilang', 'SM-seeded', 'received',
        'delivery', 'high', 0.9, false);
select results_eq(
  $$ select label_category::text, label_urgency::text from public.conversations where id = tests.id('conversation_b') $$,
  $$ values ('delivery', 'high') $$, 'a message inserted with labels labels its conversation');

select throws_ok(
  $$ update public.messages set label_unsure = true, category = null, urgency = null where provider_message_id = 'SM-plain' $$,
  '23514', null, 'an unsure flag without labels is refused');

-- Rows copied with triggers off (the demo seed): the store's rebuild sets every conversation's label.
set local session_replication_role = replica;
insert into public.messages (store_id, conversation_id, direction, sender, body, provider_message_id, status,
                             category, urgency, label_confidence, label_unsure, created_at)
values (tests.id('store_b'), tests.id('conversation_b'), 'inbound', 'customer', 'kena tipu', 'SM-copied', 'received',
        'payment', 'high', 0.8, false, now() + interval '1 minute');
set local session_replication_role = origin;
select results_eq(
  $$ select label_category::text from public.conversations where id = tests.id('conversation_b') $$,
  $$ values ('delivery') $$, 'with triggers off the label is not maintained');
select private.rebuild_conversation_labels(tests.id('store_b'));
select results_eq(
  $$ select label_category::text, label_urgency::text from public.conversations where id = tests.id('conversation_b') $$,
  $$ values ('payment', 'high') $$, 'the rebuild picks the newest of the two high labels, as the trigger would');
delete from public.messages where provider_message_id = 'SM-copied';

-- Who may write and read -----------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('agent_a'));
select throws_ok($$ select public.record_message_labels(tests.id('plain'), 'order', 'low', 0.9, false) $$,
  '42501', null, 'an agent cannot record labels (service role only)');
select throws_ok($$ select private.refresh_conversation_label(tests.id('conversation_a')) $$,
  '42501', null, 'an agent cannot call the refresh function');
select results_eq(
  $$ select count(*) from public.conversations where id = tests.id('conversation_b') $$,
  $$ values (0::bigint) $$, 'RLS: a member of store A does not see store B''s conversation or its label');
select tests.authenticate_as(tests.id('agent_b'));
select results_eq(
  $$ select label_category::text, label_urgency::text, label_unsure from public.conversations where id = tests.id('conversation_b') $$,
  $$ values ('delivery', 'high', false) $$, 'a member of store B reads the label with the row');

select * from finish();
rollback;
