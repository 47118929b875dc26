-- Tickets: members open and work them in their own store, assigned only within it; admins delete.
begin;
\ir _helpers.psql
select plan(22);
select tests.seed_two_stores();

select tests.authenticate_as(tests.id('agent_a'));
select lives_ok(
  $$ insert into public.tickets (store_id, conversation_id, subject, priority, assignee_id)
     values (tests.id('store_a'), tests.id('conversation_a'), 'Refund request', 'high', tests.id('agent_a')) $$,
  'an agent of A opens a ticket in A, assigned to themselves');
select results_eq($$ select created_by, assignee_id, status::text from public.tickets where subject = 'Refund request' $$,
  $$ values (tests.id('agent_a'), tests.id('agent_a'), 'open') $$, 'the ticket records who opened it');
select lives_ok(
  $$ insert into public.tickets (store_id, conversation_id, subject, assignee_id)
     values (tests.id('store_a'), tests.id('conversation_a'), 'For the admin', tests.id('admin_a')) $$,
  'an agent can assign a new ticket to another member of the store');
select throws_ok(
  $$ insert into public.tickets (store_id, conversation_id, subject, assignee_id)
     values (tests.id('store_a'), tests.id('conversation_a'), 'To B', tests.id('agent_b')) $$,
  '42501', 'new row violates row-level security policy for table "tickets"', 'a new ticket cannot be assigned to a member of another store');
select throws_ok(
  $$ insert into public.tickets (store_id, conversation_id, subject, assignee_id)
     values (tests.id('store_a'), tests.id('conversation_a'), 'To nobody', tests.id('outsider')) $$,
  '42501', 'new row violates row-level security policy for table "tickets"', 'a new ticket cannot be assigned to a user of no store');
select throws_ok(
  $$ insert into public.tickets (store_id, conversation_id, subject) values (tests.id('store_b'), tests.id('conversation_b'), 'In B') $$,
  '42501', 'new row violates row-level security policy for table "tickets"', 'an agent of A cannot open a ticket in B');
select throws_ok(
  $$ insert into public.tickets (store_id, conversation_id, subject) values (tests.id('store_a'), tests.id('conversation_b'), 'Mixed') $$,
  '23503', null, 'a ticket of A cannot point at a conversation of B');
select throws_ok(
  $$ insert into public.tickets (store_id, conversation_id, subject, created_by)
     values (tests.id('store_a'), tests.id('conversation_a'), 'Forged', tests.id('owner_a')) $$,
  '42501', 'permission denied for table tickets', 'an agent cannot claim someone else opened a ticket');

select is(tests.affected_rows($$ update public.tickets set status = 'pending', priority = 'urgent' where id = tests.id('ticket_a') $$),
  1::bigint, 'an agent can update a ticket of their store');
select is(tests.affected_rows($$ update public.tickets set assignee_id = tests.id('admin_a') where id = tests.id('ticket_a') $$),
  1::bigint, 'an agent can reassign a ticket within their store');
select throws_ok($$ update public.tickets set assignee_id = tests.id('agent_b') where id = tests.id('ticket_a') $$,
  '42501', 'new row violates row-level security policy for table "tickets"', 'an agent cannot assign a ticket to a member of another store');
select throws_ok($$ update public.tickets set store_id = tests.id('store_b') where id = tests.id('ticket_a') $$,
  '42501', 'permission denied for table tickets', 'a ticket cannot be moved to another store');
select is(tests.affected_rows($$ update public.tickets set status = 'resolved', resolved_at = now() where id = tests.id('ticket_a') $$),
  1::bigint, 'an agent can resolve a ticket');
select is(tests.affected_rows($$ update public.tickets set subject = 'hijacked' where id = tests.id('ticket_b') $$), 0::bigint,
  'an agent of A cannot update a ticket of B');
select is(tests.affected_rows($$ delete from public.tickets where id = tests.id('ticket_a') $$), 0::bigint,
  'an agent cannot delete a ticket');
select results_eq($$ select status::text, priority::text, assignee_id from public.tickets where id = tests.id('ticket_a') $$,
  $$ values ('resolved', 'urgent', tests.id('admin_a')) $$, 'the ticket of A is still there, with the agent''s changes');

select tests.authenticate_as(tests.id('agent_b'));
select is_empty($$ select * from public.tickets where store_id = tests.id('store_a') $$, 'an agent of B sees no ticket of A');
select is(tests.affected_rows($$ update public.tickets set status = 'open', resolved_at = null where id = tests.id('ticket_a') $$),
  0::bigint, 'an agent of B cannot reopen a ticket of A');

select tests.authenticate_as(tests.id('admin_a'));
select is(tests.affected_rows($$ delete from public.tickets where id = tests.id('ticket_b') $$), 0::bigint,
  'an admin of A cannot delete a ticket of B');
select is(tests.affected_rows($$ delete from public.tickets where id = tests.id('ticket_a') $$), 1::bigint,
  'an admin can delete a ticket of their store');
select tests.authenticate_as(tests.id('owner_a'));
select is(tests.affected_rows($$ delete from public.tickets where subject = 'Refund request' $$), 1::bigint,
  'the owner can delete a ticket of their store');

select tests.clear_authentication();
select is((select subject from public.tickets where id = tests.id('ticket_b')), 'Late delivery', 'the ticket of B is untouched');

select * from finish();
rollback;
