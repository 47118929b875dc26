-- Assistant settings (migration 250): owners and admins save and revert, agents and other stores only read
-- or see nothing, every save is a new numbered version with who and when, a revert is a new version equal
-- to the old one, bad settings are refused with nothing stored, and saving sets the store's own columns.
begin;
\ir _helpers.psql
select plan(27);
select tests.seed_two_stores();

create function pg_temp.settings(p_name text, p_max integer default 1600, p_timezone text default 'Asia/Jakarta')
returns jsonb language sql as $$
  select jsonb_build_object(
    'name', p_name, 'greeting', null, 'enabled', true, 'business_hours', '{"mon": [{"open": "09:00", "close": "17:00"}]}'::jsonb,
    'handoff_topics', '["wholesale"]'::jsonb, 'languages', '["id"]'::jsonb, 'max_answer_chars', p_max,
    'timezone', p_timezone, 'outside_hours', 'answer', 'persona_notes', 'Ramah dan singkat.')
$$;

-- Privileges --------------------------------------------------------------------------------------
select table_privs_are('public', 'assistant_settings_versions', 'authenticated', array['SELECT'],
  'members only read versions directly: writes go through the functions');
select table_privs_are('public', 'assistant_settings_versions', 'anon', array[]::text[], 'anon has no access');
select ok(not has_function_privilege('anon', 'public.save_assistant_settings(uuid, jsonb, uuid)', 'execute'),
  'anon cannot save settings');

-- Saving ------------------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('admin_a'));
select is((public.save_assistant_settings(tests.id('store_a'), pg_temp.settings('Dewi'))).version, 1,
  'an admin saves the first version');
select tests.authenticate_as(tests.id('owner_a'));
select is((public.save_assistant_settings(tests.id('store_a'), pg_temp.settings('Sari', 800, 'Europe/Amsterdam'))).version, 2,
  'an owner saves the next version');
select is((select created_by from public.assistant_settings_versions where store_id = tests.id('store_a') and version = 2),
  tests.id('owner_a'), 'each version records who saved it');
select ok((select created_at is not null from public.assistant_settings_versions where store_id = tests.id('store_a') and version = 2),
  'and when');
select throws_ok($$ select public.save_assistant_settings(tests.id('store_a'), pg_temp.settings('X'), tests.id('admin_a')) $$,
  '42501', 'you can only change settings as yourself', 'a user cannot save in someone else''s name');

select tests.authenticate_as(tests.id('agent_a'));
select throws_ok($$ select public.save_assistant_settings(tests.id('store_a'), pg_temp.settings('Agen')) $$,
  '42501', 'only owners and admins change the assistant settings', 'an agent cannot save');
select is((select count(*) from public.assistant_settings_versions where store_id = tests.id('store_a')), 2::bigint,
  'an agent reads the store''s versions');
select throws_ok($$ insert into public.assistant_settings_versions (store_id, version, settings)
  values (tests.id('store_a'), 9, pg_temp.settings('Sneaky')) $$, '42501', null, 'nor insert a version directly');

select tests.authenticate_as(tests.id('owner_b'));
select throws_ok($$ select public.save_assistant_settings(tests.id('store_a'), pg_temp.settings('Other')) $$,
  '42501', 'you are not a member of this store', 'the owner of another store cannot save');
select is((select count(*) from public.assistant_settings_versions where store_id = tests.id('store_a')), 0::bigint,
  'nor see the store''s versions');
select tests.authenticate_as(tests.id('outsider'));
select throws_ok($$ select public.revert_assistant_settings(tests.id('store_a'), 1) $$, '42501', null,
  'an outsider cannot revert');

-- What a save sets on the store ---------------------------------------------------------------------
select tests.clear_authentication();
select results_eq($$ select timezone, bot_languages, bot_max_reply_chars, bot_persona from public.stores where id = tests.id('store_a') $$,
  $$ values ('Europe/Amsterdam', '{id}'::text[], 800, 'Ramah dan singkat.') $$,
  'saving sets the store''s time zone, languages, answer limit and persona, which the guard and analysts read');
select is((select count(*) from public.audit_log where store_id = tests.id('store_a') and action = 'assistant_settings.saved'),
  2::bigint, 'every save is audited');

-- Bad settings ------------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('owner_a'));
select throws_ok($$ select public.save_assistant_settings(tests.id('store_a'), pg_temp.settings('Sari', 20)) $$,
  '23514', null, 'an answer limit below 160 characters is refused');
select throws_ok($$ select public.save_assistant_settings(tests.id('store_a'), pg_temp.settings('Sari', 800, 'Mars/Base')) $$,
  '23514', null, 'an unknown time zone is refused');
select throws_ok($$ select public.save_assistant_settings(tests.id('store_a'), pg_temp.settings('Sari') - 'enabled') $$,
  '23514', null, 'settings without "enabled" are refused');
select throws_ok($$ select public.save_assistant_settings(tests.id('store_a'), pg_temp.settings('') ) $$,
  '23514', null, 'an empty name is refused');
select throws_ok($$ select public.save_assistant_settings(tests.id('store_a'),
    jsonb_set(pg_temp.settings('Sari'), '{languages}', '["fr"]')) $$, '23514', null, 'a language the assistant does not speak is refused');
select is((select max(version) from public.assistant_settings_versions where store_id = tests.id('store_a')), 2,
  'refused saves store nothing');

-- Reverting ---------------------------------------------------------------------------------------
select is((public.revert_assistant_settings(tests.id('store_a'), 1)).version, 3, 'a revert is a new version');
select is((select settings from public.assistant_settings_versions where store_id = tests.id('store_a') and version = 3),
  (select settings from public.assistant_settings_versions where store_id = tests.id('store_a') and version = 1),
  'equal to the version reverted to');
select is((select reverted_from from public.assistant_settings_versions where store_id = tests.id('store_a') and version = 3),
  1, 'and says which version it came from');
select is((select timezone from public.stores where id = tests.id('store_a')), 'Asia/Jakarta',
  'the store''s columns follow the revert');
select throws_ok($$ select public.revert_assistant_settings(tests.id('store_a'), 42) $$, 'P0002', null,
  'reverting to a version the store does not have is refused');

select * from finish();
rollback;
