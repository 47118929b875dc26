-- Conversations and messages are written by the service role only (webhooks and the functions API);
-- composite foreign keys keep every row inside one store; a conversation's clock follows its messages.
begin;
\ir _helpers.psql
select plan(21);
select tests.seed_two_stores();

-- Members read but never write ---------------------------------------------------------------------
select tests.authenticate_as(tests.id('agent_a'));
select throws_ok($$ insert into public.conversations (store_id, customer_id) values (tests.id('store_a'), tests.id('customer_a')) $$,
  '42501', 'permission denied for table conversations', 'an agent cannot open a conversation');
select throws_ok($$ update public.conversations set status = 'human', handed_off_at = now() where id = tests.id('conversation_a') $$,
  '42501', 'permission denied for table conversations', 'an agent cannot change a conversation directly');
select throws_ok($$ delete from public.conversations where id = tests.id('conversation_a') $$,
  '42501', 'permission denied for table conversations', 'an agent cannot delete a conversation');
select throws_ok(
  $$ insert into public.messages (store_id, conversation_id, direction, sender, body, status)
     values (tests.id('store_a'), tests.id('conversation_a'), 'outbound', 'agent', 'Hello', 'queued') $$,
  '42501', 'permission denied for table messages', 'an agent cannot insert a message directly');
select throws_ok($$ update public.messages set body = 'rewritten' where conversation_id = tests.id('conversation_a') $$,
  '42501', 'permission denied for table messages', 'an agent cannot edit a message');
select throws_ok($$ delete from public.messages where conversation_id = tests.id('conversation_a') $$,
  '42501', 'permission denied for table messages', 'an agent cannot delete a message');
select tests.authenticate_as(tests.id('owner_a'));
select throws_ok($$ update public.conversations set summary = 'x' where id = tests.id('conversation_a') $$,
  '42501', 'permission denied for table conversations', 'not even the owner changes a conversation directly');
select throws_ok($$ update public.messages set status = 'read' where conversation_id = tests.id('conversation_a') $$,
  '42501', 'permission denied for table messages', 'not even the owner edits a message');
select results_eq($$ select direction::text, sender::text, body from public.messages order by direction $$,
  $$ values ('inbound', 'customer', 'Where is my order?'), ('outbound', 'bot', 'It ships today.') $$,
  'the owner of A reads the two messages of A, and they are unchanged');

-- Rows stay inside one store -----------------------------------------------------------------------
select tests.authenticate_as_service_role();
select throws_ok(
  $$ insert into public.messages (store_id, conversation_id, direction, sender, body, status)
     values (tests.id('store_a'), tests.id('conversation_b'), 'inbound', 'customer', 'hi', 'received') $$,
  '23503', null, 'a message of store A cannot join a conversation of store B');
select throws_ok(
  $$ insert into public.conversations (store_id, customer_id, status, resolved_at)
     values (tests.id('store_a'), tests.id('customer_b'), 'resolved', now()) $$,
  '23503', null, 'a conversation of store A cannot belong to a customer of store B');
select throws_ok($$ update public.messages set store_id = tests.id('store_b') where conversation_id = tests.id('conversation_a') $$,
  '23503', null, 'a message cannot be moved to another store away from its conversation');
select throws_ok($$ insert into public.conversations (store_id, customer_id) values (tests.id('store_a'), tests.id('customer_a')) $$,
  '23505', null, 'a customer has at most one open conversation');
select throws_ok(
  $$ insert into public.messages (store_id, conversation_id, direction, sender, status)
     values (tests.id('store_a'), tests.id('conversation_a'), 'inbound', 'bot', 'received') $$,
  '23514', null, 'inbound messages come from the customer, and only they do');

-- provider_message_id (Twilio's MessageSid) is the idempotency key within a store.
select throws_ok(
  $$ insert into public.messages (store_id, conversation_id, direction, sender, provider_message_id, status)
     values (tests.id('store_a'), tests.id('conversation_a'), 'inbound', 'customer', 'SM-in-a', 'received') $$,
  '23505', null, 'a redelivered MessageSid is rejected in the same store');
select lives_ok(
  $$ insert into public.messages (store_id, conversation_id, direction, sender, provider_message_id, status)
     values (tests.id('store_a'), tests.id('conversation_a'), 'inbound', 'customer', 'SM-in-b', 'received') $$,
  'the same MessageSid may exist in another store');

-- touch_conversation -------------------------------------------------------------------------------
select tests.clear_authentication();
create function tests.conversation_clock() returns table (last_message_at timestamptz, last_inbound_at timestamptz)
language sql stable security definer
set search_path = ''
as $$ select c.last_message_at, c.last_inbound_at from public.conversations c where c.id = tests.id('conversation_a') $$;

create function tests.add_message(p_direction public.message_direction, p_at timestamptz) returns void
language sql security definer
set search_path = ''
as $$
  insert into public.messages (store_id, conversation_id, direction, sender, status, created_at)
  values (tests.id('store_a'), tests.id('conversation_a'), p_direction,
          case p_direction when 'inbound' then 'customer' else 'bot' end::public.message_sender,
          case p_direction when 'inbound' then 'received' else 'sent' end::public.message_status, p_at)
$$;

select results_eq($$ select * from tests.conversation_clock() $$, $$ values (now(), now()) $$,
  'the fixture conversation''s clock stands at its first messages');
select tests.add_message('outbound', '2030-01-01 10:00+07');
select results_eq($$ select * from tests.conversation_clock() $$,
  $$ values ('2030-01-01 10:00+07'::timestamptz, now()) $$,
  'an outbound message moves last_message_at only');
select tests.add_message('inbound', '2030-01-02 09:00+07');
select results_eq($$ select * from tests.conversation_clock() $$,
  $$ values ('2030-01-02 09:00+07'::timestamptz, '2030-01-02 09:00+07'::timestamptz) $$,
  'an inbound message moves both last_message_at and last_inbound_at');
select tests.add_message('inbound', '2029-06-01 09:00+07');
select results_eq($$ select * from tests.conversation_clock() $$,
  $$ values ('2030-01-02 09:00+07'::timestamptz, '2030-01-02 09:00+07'::timestamptz) $$,
  'a late-arriving older message never moves the clock back');
select is((select last_message_at from public.conversations where id = tests.id('conversation_b')), now(),
  'messages of A leave the conversation of B alone');

select * from finish();
rollback;
