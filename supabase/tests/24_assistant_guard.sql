-- The output guard's store settings (bot_languages, bot_max_reply_chars) and its counts
-- (bot_reply_guard, guard_refusal_rate, guard_reasons): one row per reply however many parts it has,
-- replies without a guard decision left out, RLS decides what a caller sees, anon cannot call them.
begin;
\ir _helpers.psql
select plan(20);
select tests.seed_two_stores();

-- A reply of the bot to a new inbound message of the store's conversation, in `p_parts` parts.
create function pg_temp.reply(p_store text, p_metadata jsonb, p_parts integer default 1,
                              p_at timestamptz default '2026-03-10 05:00+00') returns void
language plpgsql as $$
declare
  v_conversation uuid := tests.id('conversation_' || p_store);
  v_inbound uuid;
begin
  insert into public.messages (store_id, conversation_id, direction, sender, body, provider_message_id, status, created_at)
  values (tests.id('store_' || p_store), v_conversation, 'inbound', 'customer', 'question', 'SM' || gen_random_uuid(),
          'received', p_at)
  returning id into v_inbound;
  insert into public.messages (store_id, conversation_id, direction, sender, body, provider_message_id, status, metadata,
                               reply_to, created_at)
  select tests.id('store_' || p_store), v_conversation, 'outbound', 'bot', 'part ' || i, 'SM' || gen_random_uuid(),
         'sent', p_metadata, v_inbound, p_at + i * interval '1 second'
  from generate_series(1, p_parts) i;
end;
$$;

select pg_temp.reply('a', '{"responder": "llm", "guard": {"decision": "passed", "reasons": []}}', 3);
select pg_temp.reply('a', '{"responder": "llm", "guard": {"decision": "retried", "reasons": ["tool_syntax"]}}');
select pg_temp.reply('a', '{"responder": "offline", "fallback_reason": "GuardRefusedError",
                            "guard": {"decision": "replaced", "reasons": ["amount", "order_status"]}}', 2);
select pg_temp.reply('a', '{"responder": "llm", "guard": {"decision": "passed", "reasons": []}}');
select pg_temp.reply('a', '{"responder": "offline"}');  -- no LLM answer was checked: not counted
select pg_temp.reply('a', '{"responder": "llm", "guard": {"decision": "replaced", "reasons": ["empty"]}}', 1,
                     '2026-03-11 05:00+00');  -- outside the period
select pg_temp.reply('b', '{"responder": "llm", "guard": {"decision": "replaced", "reasons": ["language"]}}');

create function pg_temp.refusals(p_store text) returns text language sql as $$
  select row(r.*)::text from public.guard_refusal_rate(tests.id('store_' || p_store), '2026-03-10 00:00+00',
                                                         '2026-03-11 00:00+00') r
$$;

-- Settings ----------------------------------------------------------------------------------------
select is((select bot_languages from public.stores where id = tests.id('store_a')), '{id,en}'::text[],
  'a store answers in Indonesian and English unless it says otherwise');
select is((select bot_max_reply_chars from public.stores where id = tests.id('store_a')), 1600,
  'the default limit is one WhatsApp message');
select throws_ok($$ update public.stores set bot_languages = '{fr}' where id = tests.id('store_a') $$, '23514', null,
  'only languages the assistant speaks');
select throws_ok($$ update public.stores set bot_languages = '{}' where id = tests.id('store_a') $$, '23514', null,
  'at least one language');
select throws_ok($$ update public.stores set bot_max_reply_chars = 20 where id = tests.id('store_a') $$, '23514', null,
  'a limit too small for any answer is refused');
select column_privs_are('public', 'stores', 'bot_max_reply_chars', 'authenticated', array['SELECT', 'UPDATE'],
  'the limit is a store setting members read and admins may write');
select tests.authenticate_as(tests.id('agent_a'));
select is(tests.affected_rows($$ update public.stores set bot_max_reply_chars = 800 where id = tests.id('store_a') $$),
  0::bigint, 'an agent cannot change the limit');
select tests.authenticate_as(tests.id('admin_a'));
select is(tests.affected_rows($$ update public.stores set bot_languages = '{id}' where id = tests.id('store_a') $$),
  1::bigint, 'an admin can');
select tests.clear_authentication();

-- Counts ------------------------------------------------------------------------------------------
select is(pg_temp.refusals('a'), '(0.5000,2,4)',
  'two of the four checked replies in the period were refused at least once; parts and unchecked replies do not count');
select results_eq(
  $$ select decision, reason, replies from public.guard_reasons(tests.id('store_a'), '2026-03-10 00:00+00', '2026-03-11 00:00+00') $$,
  $$ values ('passed', null::text, 2::bigint), ('replaced', 'amount', 1), ('replaced', 'order_status', 1),
            ('retried', 'tool_syntax', 1) $$,
  'the reasons, per decision');
select results_eq(
  $$ select responder, decision, reasons, fallback_reason
     from public.bot_reply_guard(tests.id('store_a'), '2026-03-10 00:00+00', '2026-03-11 00:00+00')
     where decision = 'replaced' $$,
  $$ values ('offline', 'replaced', '{amount,order_status}'::text[], 'GuardRefusedError') $$,
  'one row per reply, with what answered instead and why');
select is((select count(*) from public.bot_reply_guard(tests.id('store_a'), '2026-03-10 00:00+00', '2026-03-11 00:00+00')),
  4::bigint, 'each checked reply once');
select is(pg_temp.refusals('b'), '(1.0000,1,1)', 'each store is counted on its own');

-- Who sees what -----------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('agent_a'));
select is(pg_temp.refusals('a'), '(0.5000,2,4)', 'an agent of the store reads the same figures as an analyst');
select is(pg_temp.refusals('b'), '(,0,0)', 'another store''s replies are invisible (RLS)');
select is_empty($$ select * from public.guard_reasons(tests.id('store_b'), '2026-03-10 00:00+00', '2026-03-11 00:00+00') $$,
  'nor are its reasons');
select throws_ok($$ select * from public.guard_refusal_rate(tests.id('store_a'), '2026-03-11 00:00+00', '2026-03-10 00:00+00') $$,
  '22023', null, 'an empty period is a clear error');
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.guard_refusal_rate(tests.id('store_a'), '2026-03-10 00:00+00', '2026-03-11 00:00+00') $$,
  '42501', null, 'anon cannot call it');
select throws_ok($$ select * from public.bot_reply_guard(tests.id('store_a'), '2026-03-10 00:00+00', '2026-03-11 00:00+00') $$,
  '42501', null, 'nor the per-reply list');
select tests.clear_authentication();
select is(pg_temp.refusals('a'), '(0.5000,2,4)', 'reading changed nothing');

select * from finish();
rollback;
