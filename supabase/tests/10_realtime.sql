-- Live updates: changes to conversations, messages and tickets are broadcast on the private topic
-- store:<id>, and RLS on realtime.messages lets only that store's members receive them.
begin;
\ir _helpers.psql
select plan(20);
select tests.seed_two_stores();

-- The broadcasts ---------------------------------------------------------------------------------------
create function tests.broadcasts_of(p_table text, p_row_id uuid)
returns table (topic text, extension text, event text, private boolean, operation text, table_name text, schema_name text)
language sql stable security definer
set search_path = ''
as $$
  select m.topic, m.extension, m.event, m.private, m.payload ->> 'operation', m.payload ->> 'table', m.payload ->> 'schema'
  from realtime.messages m
  where m.payload ->> 'table' = p_table and coalesce(m.payload -> 'record', m.payload -> 'old_record') ->> 'id' = p_row_id::text
  order by m.inserted_at, m.event
$$;

select tests.authenticate_as_service_role();
insert into public.messages (id, store_id, conversation_id, direction, sender, body, status)
values ('0b5e55ed-0000-4000-8000-000000000001', tests.id('store_a'), tests.id('conversation_a'), 'inbound', 'customer', 'Halo', 'received');
select tests.clear_authentication();

select results_eq($$ select * from tests.broadcasts_of('messages', '0b5e55ed-0000-4000-8000-000000000001') $$,
  $$ values ('store:' || tests.id('store_a'), 'broadcast', 'INSERT', true, 'INSERT', 'messages', 'public') $$,
  'a new message is broadcast once on store:<id> as INSERT');
select is(
  (select payload -> 'record' ->> 'body' from realtime.messages
   where payload -> 'record' ->> 'id' = '0b5e55ed-0000-4000-8000-000000000001'),
  'Halo', 'the broadcast payload carries the new record');
select ok(
  (select payload ? 'old_record' and payload -> 'old_record' = 'null'::jsonb from realtime.messages
   where payload -> 'record' ->> 'id' = '0b5e55ed-0000-4000-8000-000000000001'),
  'an INSERT broadcast has an empty old_record');
select isnt_empty(
  $$ select 1 from tests.broadcasts_of('conversations', tests.id('conversation_a')) b
     where b.event = 'UPDATE' and b.topic = 'store:' || tests.id('store_a') $$,
  'the conversation touched by the message is broadcast as UPDATE too');

select tests.authenticate_as_service_role();
insert into public.customers (id, store_id, phone) values ('0b5e55ed-0000-4000-8000-0000000000c1', tests.id('store_b'), '+628555000111');
insert into public.conversations (id, store_id, customer_id)
values ('0b5e55ed-0000-4000-8000-0000000000c2', tests.id('store_b'), '0b5e55ed-0000-4000-8000-0000000000c1');
select tests.clear_authentication();
select results_eq($$ select * from tests.broadcasts_of('conversations', '0b5e55ed-0000-4000-8000-0000000000c2') $$,
  $$ values ('store:' || tests.id('store_b'), 'broadcast', 'INSERT', true, 'INSERT', 'conversations', 'public') $$,
  'a new conversation is broadcast on its own store''s topic');

-- An agent's own change (as authenticated, through RLS) is broadcast as well.
select tests.authenticate_as(tests.id('agent_a'));
update public.tickets set status = 'pending' where id = tests.id('ticket_a');
select tests.clear_authentication();
select results_eq($$ select event, topic from tests.broadcasts_of('tickets', tests.id('ticket_a')) $$,
  $$ values ('INSERT', 'store:' || tests.id('store_a')), ('UPDATE', 'store:' || tests.id('store_a')) $$,
  'a ticket an agent updates is broadcast as UPDATE');

-- Who may receive them -----------------------------------------------------------------------------
-- Supabase Realtime sets realtime.topic to the channel's topic before checking the SELECT policy.
insert into realtime.messages (topic, extension, payload, event)
values ('store:' || tests.id('store_a'), 'presence', '{}', 'sync');

create function tests.set_topic(p_topic text) returns void
language sql
set search_path = ''
as $$ select null from pg_catalog.set_config('realtime.topic', p_topic, true) $$;

create function tests.join_as(p_user text, p_topic text) returns void
language plpgsql
set search_path = ''
as $$
begin
  perform tests.authenticate_as(tests.id(p_user));
  perform tests.set_topic(p_topic);
end;
$$;
grant execute on function tests.set_topic, tests.join_as to anon, authenticated;

select tests.join_as('agent_a', 'store:' || tests.id('store_a'));
select isnt_empty($$ select 1 from realtime.messages where topic = 'store:' || tests.id('store_a') $$,
  'a member of A receives the broadcasts of store:A');
select is_empty($$ select 1 from realtime.messages where extension <> 'broadcast' $$,
  'the policy covers broadcasts only (not presence)');
select tests.join_as('owner_a', 'store:' || tests.id('store_a'));
select isnt_empty($$ select 1 from realtime.messages where topic = 'store:' || tests.id('store_a') $$,
  'the owner of A receives the broadcasts of store:A');
select is_empty($$ select 1 from realtime.messages where topic <> 'store:' || tests.id('store_a') $$,
  'joined to store:A, a member sees no rows of other topics (store:B rows exist)');
select tests.join_as('agent_b', 'store:' || tests.id('store_a'));
select is_empty($$ select 1 from realtime.messages $$, 'a member of B receives nothing on store:A');
select tests.join_as('agent_b', 'store:' || tests.id('store_b'));
select isnt_empty($$ select 1 from realtime.messages where topic = 'store:' || tests.id('store_b') $$,
  'a member of B receives the broadcasts of store:B');
select tests.join_as('outsider', 'store:' || tests.id('store_a'));
select is_empty($$ select 1 from realtime.messages $$, 'a user of no store receives nothing on store:A');

select tests.authenticate_as_anon();
select tests.set_topic('store:' || tests.id('store_a'));
select is_empty($$ select 1 from realtime.messages $$, 'anon receives nothing on store:A');
select throws_ok(
  $$ insert into realtime.messages (topic, extension, payload, event) values ('store:' || tests.id('store_a'), 'broadcast', '{}', 'INSERT') $$,
  '42501', null, 'anon cannot broadcast to a store');

select tests.join_as('agent_a', 'store:' || tests.id('store_a'));
select throws_ok(
  $$ insert into realtime.messages (topic, extension, payload, event) values ('store:' || tests.id('store_a'), 'broadcast', '{}', 'INSERT') $$,
  '42501', null, 'members cannot forge broadcasts (only database triggers send them)');

-- Malformed topics are simply not a store: no rows, and no error.
select tests.join_as('agent_a', 'store:not-a-uuid');
select lives_ok($$ select * from realtime.messages $$, 'a malformed topic raises no error');
select is_empty($$ select 1 from realtime.messages $$, 'a malformed topic yields no rows');
select tests.join_as('agent_a', 'store:' || tests.id('store_a') || ':extra');
select is_empty($$ select 1 from realtime.messages $$, 'a topic with trailing text is not the store''s topic');
select tests.join_as('agent_a', '');
select is_empty($$ select 1 from realtime.messages $$, 'no topic yields no rows');

select * from finish();
rollback;
