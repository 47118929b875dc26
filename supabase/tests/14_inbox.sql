-- The live inbox: agent actions change a conversation and append their audit entry in one step, only for
-- members of the conversation's store; private notes and templates are read under RLS; the summary is
-- asked for only when the conversation has changed enough. The action functions are service-role only.
begin;
\ir _helpers.psql
select plan(78);
select tests.seed_two_stores();

-- How many audit entries an actor made for an action on a target (the fixture has actor-less entries).
create function pg_temp.audits(p_actor text, p_action text, p_target uuid) returns bigint
language sql stable as $$
  select count(*) from public.audit_log
  where actor_id = tests.id(p_actor) and action = p_action and target_id = p_target::text
$$;
create function pg_temp.conversation(p_name text) returns public.conversations
language sql stable as $$ select * from public.conversations where id = tests.id(p_name) $$;

insert into public.whatsapp_templates (store_id, name, content_sid, language, body) values
  (tests.id('store_a'), 'follow_up', 'HX' || repeat('a', 32), 'id', 'Halo {{1}}, ada kabar pesanan #{{2}}'),
  (tests.id('store_b'), 'follow_up', 'HX' || repeat('b', 32), 'id', 'Halo {{1}}');

-- Privileges ----------------------------------------------------------------------------------------
select table_privs_are('public', t, 'anon', array[]::name[], format('anon has no privileges on %s', t))
from unnest(array['conversation_notes', 'whatsapp_templates']) t;
select table_privs_are('public', t, 'authenticated', array['SELECT'], format('authenticated only reads %s', t))
from unnest(array['conversation_notes', 'whatsapp_templates']) t;

select tests.authenticate_as(tests.id('owner_a'));
select throws_ok($$ select public.take_over_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('owner_a')) $$,
  '42501', null, 'an owner cannot call the action functions directly (only through the API)');
select throws_ok($$ select public.record_agent_message(tests.id('store_a'), tests.id('conversation_a'), tests.id('owner_a'), 'hi') $$,
  '42501', null, 'an owner cannot store an agent message directly');
select throws_ok($$ select public.request_summary(tests.id('conversation_a')) $$, '42501', null,
  'an owner cannot ask for summaries directly');
select throws_ok($$ select * from public.store_team(tests.id('store_a')) $$, '42501', null,
  'the team with e-mail addresses is the API''s to hand out');
select throws_ok($$ insert into public.conversation_notes (store_id, conversation_id, body)
                    values (tests.id('store_a'), tests.id('conversation_a'), 'sneaky') $$,
  '42501', null, 'notes are written only through the API');
select tests.authenticate_as_anon();
select throws_ok($$ select public.resolve_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('owner_a')) $$,
  '42501', null, 'anon cannot call the action functions');

-- Who may act where ---------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select throws_ok($$ select public.take_over_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('agent_b')) $$,
  '42501', 'you are not a member of this store', 'an agent of B cannot take over a conversation of A');
select throws_ok($$ select public.take_over_conversation(tests.id('store_b'), tests.id('conversation_a'), tests.id('agent_b')) $$,
  'P0002', null, 'nor reach it through their own store');
select throws_ok($$ select public.take_over_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('outsider')) $$,
  '42501', 'you are not a member of this store', 'a user of no store cannot act');
select results_eq($$ select status::text, assignee_id from pg_temp.conversation('conversation_a') $$,
  $$ values ('bot', null::uuid) $$, 'the refused actions changed nothing');
select is((select count(*) from public.audit_log where actor_id in (tests.id('agent_b'), tests.id('outsider'))), 0::bigint,
  'and audited nothing');

-- Take over, hand back ------------------------------------------------------------------------------
select results_eq(
  $$ select status::text, assignee_id, handed_off_at is not null
     from public.take_over_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('agent_a')) $$,
  $$ values ('human', tests.id('agent_a'), true) $$, 'taking over: status human, assigned to the agent, handoff time set');
select is(pg_temp.audits('agent_a', 'conversation.taken_over', tests.id('conversation_a')), 1::bigint, 'the take-over is audited');
select is((select details ->> 'from_status' from public.audit_log where actor_id = tests.id('agent_a')
           and action = 'conversation.taken_over'), 'bot', 'the audit entry says from which status');
select lives_ok($$ select public.take_over_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('agent_a')) $$,
  'taking over again is fine');
select is(pg_temp.audits('agent_a', 'conversation.taken_over', tests.id('conversation_a')), 1::bigint,
  'but nothing happened, so nothing more is audited');
select is((select assignee_id from public.take_over_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('admin_a'))),
  tests.id('admin_a'), 'a colleague can take it over');
select is((select details ->> 'from_assignee_id' from public.audit_log where actor_id = tests.id('admin_a')
           and action = 'conversation.taken_over'), tests.id('agent_a')::text, 'from whom is audited');
select results_eq(
  $$ select status::text, assignee_id from public.hand_back_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('agent_a')) $$,
  $$ values ('bot', null::uuid) $$, 'handing back: the bot answers, nobody is assigned');
select is(pg_temp.audits('agent_a', 'conversation.handed_back', tests.id('conversation_a')), 1::bigint, 'the hand-back is audited');

-- Assign ----------------------------------------------------------------------------------------------
select throws_ok($$ select public.assign_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('agent_a'), tests.id('admin_a')) $$,
  '42501', 'only owners and admins assign conversations to others', 'an agent cannot assign a colleague');
select is((select assignee_id from public.assign_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('agent_a'), tests.id('agent_a'))),
  tests.id('agent_a'), 'an agent can assign themselves');
select is((select status::text from pg_temp.conversation('conversation_a')), 'bot', 'assigning does not change the status');
select is((select assignee_id from public.assign_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('agent_a'), null)),
  null, 'and let go of their own conversation');
select is((select assignee_id from public.assign_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('admin_a'), tests.id('agent_a'))),
  tests.id('agent_a'), 'an admin assigns anyone of the store');
select is(pg_temp.audits('admin_a', 'conversation.assigned', tests.id('conversation_a')), 1::bigint, 'assignments are audited');
select throws_ok($$ select public.assign_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('admin_a'), tests.id('agent_b')) $$,
  '22023', 'the assignee is not a member of this store', 'nobody of another store can be assigned');
select throws_ok($$ select public.assign_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('owner_a'), tests.id('outsider')) $$,
  '22023', 'the assignee is not a member of this store', 'nor a user of no store');

-- Agent replies ---------------------------------------------------------------------------------------
create temporary table reply as
  select * from public.record_agent_message(tests.id('store_a'), tests.id('conversation_a'), tests.id('admin_a'), 'Halo kak, saya bantu ya');
select results_eq($$ select direction::text, sender::text, status::text, body, (metadata ->> 'agent_id')::uuid from reply $$,
  $$ values ('outbound', 'agent', 'queued', 'Halo kak, saya bantu ya', tests.id('admin_a')) $$,
  'an agent''s reply is stored as a queued outbound agent message');
select results_eq($$ select status::text, assignee_id from pg_temp.conversation('conversation_a') $$,
  $$ values ('human', tests.id('admin_a')) $$, 'replying to a conversation the bot has takes it over');
select is((select details ->> 'by' from public.audit_log where actor_id = tests.id('admin_a')
           and action = 'conversation.taken_over' and details ? 'by'), 'reply', 'the implied take-over is audited');
select is(pg_temp.audits('admin_a', 'conversation.agent_replied', (select id from reply)), 1::bigint, 'the reply is audited');
select is((select (metadata -> 'template' ->> 'content_sid') from public.record_agent_message(tests.id('store_a'),
  tests.id('conversation_a'), tests.id('agent_a'), 'Halo Budi', '{"content_sid": "HXaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "variables": {"1": "Budi"}}')),
  'HX' || repeat('a', 32), 'a template reply records what was sent in its place');
select is((select assignee_id from pg_temp.conversation('conversation_a')), tests.id('admin_a'),
  'a colleague''s reply to an assigned conversation does not take it from them');
select throws_ok($$ select public.record_agent_message(tests.id('store_a'), tests.id('conversation_a'), tests.id('agent_b'), 'hi') $$,
  '42501', null, 'an agent of B cannot reply in A');

-- Notes -------------------------------------------------------------------------------------------------
create temporary table note as
  select * from public.add_conversation_note(tests.id('store_a'), tests.id('conversation_a'), tests.id('agent_a'), 'VIP customer');
select results_eq($$ select author_id, body from note $$, $$ values (tests.id('agent_a'), 'VIP customer') $$,
  'a note is stored with its author');
select is(pg_temp.audits('agent_a', 'conversation.note_added', (select id from note)), 1::bigint, 'the note is audited');
select is((select count(*) from public.messages where body = 'VIP customer'), 0::bigint, 'a note is never a message');
select ok(exists (select from realtime.messages where topic = 'store:' || tests.id('store_a')
                  and payload ->> 'table' = 'conversation_notes'), 'a note is broadcast to the store''s topic');
select throws_ok($$ select public.add_conversation_note(tests.id('store_b'), tests.id('conversation_a'), tests.id('agent_b'), 'x') $$,
  'P0002', null, 'no note on a conversation of another store');
select tests.authenticate_as(tests.id('agent_a'));
select results_eq($$ select body from public.conversation_notes $$, $$ values ('VIP customer') $$, 'members read their store''s notes');
select tests.authenticate_as(tests.id('agent_b'));
select is_empty($$ select * from public.conversation_notes $$, 'an agent of B reads no note of A');

-- Tickets -----------------------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select throws_ok($$ select public.open_ticket(tests.id('store_a'), tests.id('conversation_a'), tests.id('agent_a'), 'x', 'normal', tests.id('agent_b')) $$,
  '22023', null, 'a ticket cannot be assigned to someone of another store');
create temporary table ticket as
  select * from public.open_ticket(tests.id('store_a'), tests.id('conversation_a'), tests.id('agent_a'), 'Refund', 'high', tests.id('admin_a'));
select results_eq($$ select status::text, priority::text, subject, assignee_id, created_by from ticket $$,
  $$ values ('open', 'high', 'Refund', tests.id('admin_a'), tests.id('agent_a')) $$, 'a ticket is opened with who opened it');
select is(pg_temp.audits('agent_a', 'ticket.opened', (select id from ticket)), 1::bigint, 'opening a ticket is audited');
select results_eq(
  $$ select status::text, resolved_at is not null, priority::text
     from public.update_ticket(tests.id('store_a'), (select id from ticket), tests.id('agent_a'), '{"status": "resolved"}') $$,
  $$ values ('resolved', true, 'high') $$, 'resolving a ticket stamps resolved_at and changes nothing else');
select is((select details -> 'changes' -> 'status' from public.audit_log
           where action = 'ticket.updated' and store_id = tests.id('store_a')),
  '{"from": "open", "to": "resolved"}'::jsonb, 'the change is audited from and to');
select lives_ok($$ select public.update_ticket(tests.id('store_a'), (select id from ticket), tests.id('agent_a'), '{"status": "resolved"}') $$,
  'the same change again is fine');
select is(pg_temp.audits('agent_a', 'ticket.updated', (select id from ticket)), 1::bigint, 'but not audited twice');
select results_eq(
  $$ select status::text, resolved_at, assignee_id
     from public.update_ticket(tests.id('store_a'), (select id from ticket), tests.id('agent_a'), '{"status": "open", "assignee_id": null}') $$,
  $$ values ('open', null::timestamptz, null::uuid) $$, 'reopening clears resolved_at; a null assignee unassigns');
select throws_ok($$ select public.update_ticket(tests.id('store_a'), tests.id('ticket_b'), tests.id('agent_a'), '{"status": "resolved"}') $$,
  'P0002', null, 'a ticket of B cannot be reached through A');
select throws_ok($$ select public.update_ticket(tests.id('store_a'), (select id from ticket), tests.id('agent_a'), '{"store_id": "x"}') $$,
  '22023', null, 'only the ticket''s working fields can change');

-- Resolve -----------------------------------------------------------------------------------------------
select results_eq(
  $$ select status::text, resolution::text, resolved_at is not null
     from public.resolve_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('agent_a')) $$,
  $$ values ('resolved', 'human', true) $$, 'resolving: status resolved by a person');
select is((select count(*) from public.tickets where conversation_id = tests.id('conversation_a') and status = 'open'), 2::bigint,
  'open tickets stay open');
select lives_ok($$ select public.resolve_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('admin_a')) $$,
  'resolving again is fine');
select is((select count(*) from public.audit_log where action = 'conversation.resolved' and store_id = tests.id('store_a')),
  1::bigint, 'but audited once');
select throws_ok($$ select public.take_over_conversation(tests.id('store_a'), tests.id('conversation_a'), tests.id('agent_a')) $$,
  '55000', 'the conversation is resolved', 'a resolved conversation cannot be taken over');
select throws_ok($$ select public.record_agent_message(tests.id('store_a'), tests.id('conversation_a'), tests.id('agent_a'), 'hi') $$,
  '55000', 'the conversation is resolved', 'nor replied to');

-- Templates, destination, team ------------------------------------------------------------------------
select throws_ok($$ insert into public.whatsapp_templates (store_id, name, content_sid, body) values (tests.id('store_a'), 'x', 'SM123', 'x') $$,
  '23514', null, 'a template needs a Twilio ContentSid');
select tests.authenticate_as(tests.id('agent_a'));
select results_eq($$ select content_sid from public.whatsapp_templates $$, $$ values ('HX' || repeat('a', 32)) $$,
  'members read their store''s templates only');
select tests.authenticate_as_service_role();
update public.stores set whatsapp_number = '+6281100000777' where id = tests.id('store_b');
select results_eq(
  $$ select d ->> 'status', d -> 'destination' ->> 'from_phone', d -> 'destination' ->> 'to_phone'
     from public.conversation_destination(tests.id('store_b'), tests.id('conversation_b')) d $$,
  $$ values ('bot', '+6281100000777', '+628120000002') $$, 'an agent reply''s destination is the customer''s phone');
select is(public.conversation_destination(tests.id('store_b'), tests.id('conversation_a')), null,
  'no destination for a conversation of another store');
select results_eq($$ select role::text, email from public.store_team(tests.id('store_a')) $$,
  $$ values ('owner', 'owner_a@test.sapa.local'), ('admin', 'admin_a@test.sapa.local'), ('agent', 'agent_a@test.sapa.local') $$,
  'the team, owners first, with their e-mail addresses');

-- The summary's debounce --------------------------------------------------------------------------------
create function pg_temp.add_messages(p_count integer) returns void language sql as $$
  insert into public.messages (store_id, conversation_id, direction, sender, body, status)
  select tests.id('store_b'), tests.id('conversation_b'), 'inbound', 'customer', 'msg ' || i, 'received'
  from generate_series(1, p_count) i
$$;
select is(public.request_summary(tests.id('conversation_b')), true, 'the first request for a summary is due');
select is(public.request_summary(tests.id('conversation_b')), false, 'asking again right away is not');
select is((select summary_message_count from pg_temp.conversation('conversation_b')), 2, 'the request counts the messages');
select pg_temp.add_messages(5);
select is(public.request_summary(tests.id('conversation_b')), false, 'five new messages are not enough');
select pg_temp.add_messages(1);
select is(public.request_summary(tests.id('conversation_b')), true, 'six are');
update public.conversations set summary_requested_at = now() - interval '11 minutes' where id = tests.id('conversation_b');
select is(public.request_summary(tests.id('conversation_b')), false, 'time alone, without a new message, is not');
select pg_temp.add_messages(1);
select is((select public.request_summary_for_message(max(id::text)::uuid) from public.messages
           where conversation_id = tests.id('conversation_b')), tests.id('conversation_b'),
  'a new message after ten minutes is (asked for through a message of the conversation)');
update public.conversations set summary_requested_at = now() - interval '1 minute', handed_off_at = now(), status = 'human'
where id = tests.id('conversation_b');
select is(public.request_summary(tests.id('conversation_b')), true, 'a handoff since the last request is');
select is((select public.request_summary_for_message(id) from public.messages where provider_message_id = 'SM-in-b'), null,
  'after which nothing is due');

-- What a summary is made from, and where it goes --------------------------------------------------------
update public.messages set category = 'delivery', urgency = 'high' where provider_message_id = 'SM-in-a';
select results_eq(
  $$ select c ->> 'status', c ->> 'customer_name', c ->> 'category', c ->> 'urgency', (c ->> 'message_count')::int,
            c -> 'messages' -> -1 ->> 'body', c -> 'orders' -> 0 ->> 'number'
     from public.summary_context(tests.id('conversation_a')) c $$,
  $$ values ('resolved', 'Customer A', 'delivery', 'high', 4, 'Halo Budi', '100') $$,
  'the context has the labels, the messages oldest first and the customer''s orders');
select public.record_summary(tests.id('conversation_a'), 'Customer A wants order 100.',
  '{"want": "Order status", "order_number": "100", "sentiment": "neutral", "next_step": "Check it", "responder": "offline"}');
select results_eq($$ select summary, summary_data ->> 'order_number', summary_updated_at is not null from pg_temp.conversation('conversation_a') $$,
  $$ values ('Customer A wants order 100.', '100', true) $$, 'the summary is stored on the conversation');

select * from finish();
rollback;
