-- A reply job that failed its last try hands the conversation to a person, visibly, once; only the
-- service role (the worker) may call it.
begin;
\ir _helpers.psql
select plan(9);
select tests.seed_two_stores();

create temporary table inbound as
  select id from public.messages where provider_message_id = 'SM-in-a';
create function pg_temp.inbound_id() returns uuid language sql as $$ select id from inbound $$;
delete from public.tickets where conversation_id = tests.id('conversation_a');  -- the seed's ticket

select lives_ok($$ select public.give_up_reply(pg_temp.inbound_id(), E'TimeoutError: OpenAI did not answer\nTraceback') $$,
  'the worker gives a reply up after its last try');
select results_eq($$ select status::text, last_error from public.reply_jobs where message_id = pg_temp.inbound_id() $$,
  $$ values ('failed', E'TimeoutError: OpenAI did not answer\nTraceback') $$, 'the job is failed with its error');
select results_eq($$ select status::text, handed_off_at is not null from public.conversations where id = tests.id('conversation_a') $$,
  $$ values ('human', true) $$, 'the conversation goes to a person');
select results_eq($$ select subject, status::text from public.tickets
                     where conversation_id = tests.id('conversation_a') and status <> 'resolved' $$,
  $$ values ('The bot could not reply: TimeoutError: OpenAI did not answer', 'open') $$,
  'a ticket names the error''s first line');

select public.give_up_reply(pg_temp.inbound_id(), 'TimeoutError: again');
select is((select count(*) from public.tickets where conversation_id = tests.id('conversation_a') and status <> 'resolved'),
  1::bigint,
  'a second call opens no second ticket');

-- A reply that succeeded after all is not handed over.
update public.conversations set status = 'bot', handed_off_at = null where id = tests.id('conversation_a');
update public.reply_jobs set status = 'done', last_error = null where message_id = pg_temp.inbound_id();
select public.give_up_reply(pg_temp.inbound_id(), 'late');
select results_eq($$ select j.status::text, c.status::text from public.reply_jobs j, public.conversations c
                     where j.message_id = pg_temp.inbound_id() and c.id = tests.id('conversation_a') $$,
  $$ values ('done', 'bot') $$, 'a done reply stays done and the bot keeps the conversation');

select throws_ok($$ select public.give_up_reply((select id from public.messages where provider_message_id = 'SM-out-a'), 'x') $$,
  'P0002', null, 'an outbound message cannot be given up');

set local role authenticated;
select throws_ok($$ select public.give_up_reply(gen_random_uuid(), 'x') $$, '42501', null,
  'a signed-in user cannot call it');
reset role;
set local role anon;
select throws_ok($$ select public.give_up_reply(gen_random_uuid(), 'x') $$, '42501', null, 'anon cannot call it');
reset role;

select * from finish();
rollback;
