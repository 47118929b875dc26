-- Scheduled jobs in SQL: job_runs (owners read their store's runs; the lease lets one run per job and
-- store at a time and hands a dead one's work on), the assumed-resolutions batch (DESIGN §6: the KPI
-- figure is the same before and after the job stores it), and the delayed sends of an outage (order,
-- backoff, give-up after 24 h, the banner's rows readable by members only).
begin;
\ir _helpers.psql
select plan(34);
select tests.seed_two_stores();

-- job_runs: the lease ---------------------------------------------------------------------------
set local role service_role;
create temporary table first_run as select public.start_job_run('retention', tests.id('store_a'), 60) as id;
select isnt((select id from first_run), null, 'a run starts');
select is(public.start_job_run('retention', tests.id('store_a'), 60), null,
  'a second runner of the same job and store gets no lease while the first runs');
select isnt(public.start_job_run('stale-sends', tests.id('store_a'), 60), null, 'another job runs beside it');
select isnt(public.start_job_run('retention', tests.id('store_b'), 60), null, 'and the same job on another store');
select ok(public.touch_job_run((select id from first_run), 40), 'the running run beats (and counts rows)');
reset role;
update public.job_runs set heartbeat_at = now() - interval '2 minutes' where id = (select id from first_run);
set local role service_role;
create temporary table second_run as select public.start_job_run('retention', tests.id('store_a'), 60) as id;
select isnt((select id from second_run), null, 'a run silent for longer than its lease is taken over');
select results_eq($$ select finished_at is not null, more, error like 'abandoned%', rows_touched from public.job_runs
                     where id = (select id from first_run) $$,
  $$ values (true, true, true, 40::bigint) $$, 'the dead run is closed as abandoned, with the rows it had done');
select ok(not public.touch_job_run((select id from first_run), 41), 'the dead runner, if it wakes, learns it lost the lease');
select lives_ok($$ select public.finish_job_run((select id from second_run), 12, false) $$, 'the new run finishes');
select results_eq($$ select job, rows_touched, more, error from public.job_last_runs() where job = 'retention' $$,
  $$ values ('retention', 12::bigint, false, null::text) $$, 'sapa jobs list reads the last run');
reset role;
update public.job_runs set started_at = now() - interval '1 minute', heartbeat_at = now() - interval '1 minute'
where store_id = tests.id('store_b');
set local role service_role;
select is((select array_agg(s) from public.job_stores('retention', array[tests.id('store_a'), tests.id('store_b')]) s),
  array[tests.id('store_b'), tests.id('store_a')], 'the store visited longest ago goes first');
reset role;

-- job_runs: who reads them.
select tests.authenticate_as(tests.id('owner_a'));
select is((select count(*) from public.job_runs), 3::bigint, 'an owner reads their store''s runs');
select throws_ok($$ insert into public.job_runs (job, store_id) values ('retention', tests.id('store_a')) $$, '42501', null,
  'an owner cannot write a run');
select tests.authenticate_as(tests.id('admin_a'));
select is((select count(*) from public.job_runs), 0::bigint, 'an admin does not see them');
select tests.authenticate_as(tests.id('owner_b'));
select is((select count(*) from public.job_runs where store_id = tests.id('store_a')), 0::bigint, 'another store''s owner does not');
select throws_ok($$ select public.start_job_run('retention', tests.id('store_b')) $$, '42501', null, 'only the service role starts runs');
select tests.clear_authentication();

-- assumed-resolutions -------------------------------------------------------------------------
-- Store A's seeded conversation: customer at T, bot at T + 10 s. Moved 2 days back it is silent 24 h
-- after the bot's answer; a second conversation where the customer wrote after the bot is not.
update public.messages set created_at = now() - interval '2 days' where provider_message_id = 'SM-in-a';
update public.messages set created_at = now() - interval '2 days' + interval '10 seconds' where provider_message_id = 'SM-out-a';
update public.conversations
set created_at = now() - interval '2 days', last_inbound_at = now() - interval '2 days',
    last_message_at = now() - interval '2 days' + interval '10 seconds'
where id = tests.id('conversation_a');
insert into public.customers (store_id, phone) values (tests.id('store_a'), '+6281299990001');
insert into public.conversations (store_id, customer_id, created_at)
select tests.id('store_a'), id, now() - interval '2 days' from public.customers where phone = '+6281299990001';
insert into tests.fixture select 'talking', id from public.conversations where customer_id = (select id from public.customers where phone = '+6281299990001');
insert into public.messages (store_id, conversation_id, direction, sender, body, status, created_at)
values (tests.id('store_a'), tests.id('talking'), 'inbound', 'customer', 'halo', 'received', now() - interval '2 days'),
       (tests.id('store_a'), tests.id('talking'), 'outbound', 'bot', 'halo kak', 'sent', now() - interval '2 days' + interval '5 seconds'),
       (tests.id('store_a'), tests.id('talking'), 'inbound', 'customer', 'masih ada?', 'received', now() - interval '1 day');

select tests.authenticate_as(tests.id('owner_a'));
create temporary table kpi_before as
  select * from public.kpi_bot_resolution(tests.id('store_a'), now() - interval '3 days', now() + interval '1 hour');
select tests.clear_authentication();
select results_eq($$ select assumed from kpi_before $$, $$ values (1::bigint) $$, 'before the job the KPI applies the rule on the fly');

set local role service_role;
select is(public.resolve_assumed_conversations(tests.id('store_a')), 1, 'the job resolves the silent conversation');
select is(public.resolve_assumed_conversations(tests.id('store_a')), 0, 'a second run changes nothing');
reset role;
select results_eq($$ select status::text, resolution::text, resolved_at = (select created_at + interval '24 hours' from public.messages where provider_message_id = 'SM-out-a')
                     from public.conversations where id = tests.id('conversation_a') $$,
  $$ values ('resolved', 'bot_assumed', true) $$, 'bot_assumed, resolved when the rule was met (24 h after the bot''s answer)');
select is((select status::text from public.conversations where id = tests.id('talking')), 'bot', 'a customer who wrote after the bot keeps the bot');
select tests.authenticate_as(tests.id('owner_a'));
select results_eq($$ select * from public.kpi_bot_resolution(tests.id('store_a'), now() - interval '3 days', now() + interval '1 hour') $$,
  $$ select * from kpi_before $$, 'the KPI reads the stored resolution: the same figure after the job');
select tests.clear_authentication();

-- stale-sends: delayed sends ----------------------------------------------------------------------
insert into public.messages (store_id, conversation_id, direction, sender, body, status, created_at)
values (tests.id('store_b'), tests.id('conversation_b'), 'outbound', 'agent', 'first', 'queued', now()),
       (tests.id('store_b'), tests.id('conversation_b'), 'outbound', 'agent', 'second', 'queued', now() + interval '1 second');
create function pg_temp.msg(p_body text) returns uuid language sql as $$ select id from public.messages where body = p_body $$;
set local role service_role;
select is(public.delay_send(pg_temp.msg('first'), 'Twilio answered 503'), 'retrying', 'a 503 makes the message wait for a retry');
select ok(public.hold_send(pg_temp.msg('second')), 'the next message of the conversation waits behind it');
reset role;
select results_eq($$ select attempts, next_attempt_at - now() between interval '29 seconds' and interval '31 seconds'
                     from public.outbound_retries where message_id = pg_temp.msg('first') $$,
  $$ values (1, true) $$, 'first retry after 30 s');
update public.outbound_retries set next_attempt_at = now() - interval '1 second';
set local role service_role;
select results_eq($$ select body from public.due_sends(tests.id('store_b')) $$, $$ values ('first'), ('second') $$,
  'due: the conversation''s waiting messages in their order');
select is((select count(*) from public.due_sends(tests.id('store_b'))), 0::bigint, 'claimed: a second runner gets nothing');
reset role;

select tests.authenticate_as(tests.id('agent_b'));
select is((select count(*) from public.outbound_retries), 2::bigint, 'the store''s agents read the delayed sends (the banner)');
select tests.authenticate_as(tests.id('owner_a'));
select is((select count(*) from public.outbound_retries), 0::bigint, 'another store''s members do not');
select tests.clear_authentication();

-- Sent at last: recorded, and the message leaves the table (the next one is still waiting).
set local role service_role;
select lives_ok($$ select public.record_retried_send(pg_temp.msg('first'), 'queued', 'SM' || repeat('7', 32)) $$,
  'a retried send is recorded');
reset role;
select results_eq($$ select m.status::text, m.provider_message_id, exists (select from public.outbound_retries r where r.message_id = m.id)
                     from public.messages m where m.id = pg_temp.msg('first') $$,
  $$ values ('queued', 'SM' || repeat('7', 32), false) $$, 'with Twilio''s sid, and no longer waiting');
-- 24 hours of failures: the conversation's waiting messages are failed with the reason.
update public.outbound_retries set first_failed_at = now() - interval '25 hours';
set local role service_role;
select is(public.delay_send(pg_temp.msg('second'), 'Twilio answered 503'), 'failed', 'after 24 hours of failures it gives up');
reset role;
select results_eq($$ select status::text, metadata ->> 'error' like 'Not delivered: WhatsApp (Twilio) kept failing for 24.0 hours%'
                     from public.messages where id = pg_temp.msg('second') $$,
  $$ values ('failed', true) $$, 'the message shows why it was not delivered');
select is((select count(*) from public.outbound_retries), 0::bigint, 'and nothing waits any more (the banner goes)');

select * from finish();
rollback;
