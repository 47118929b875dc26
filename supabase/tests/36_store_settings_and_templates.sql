-- Store settings and synced WhatsApp templates (migration 251): only the service role syncs, a sync of the
-- same list changes nothing, templates deleted in Twilio go, typed-in ones of the same name are replaced,
-- members read every template of their store only; only owners change the store's name, zone, currency.
begin;
\ir _helpers.psql
select plan(16);
select tests.seed_two_stores();

create function pg_temp.template(p_sid text, p_name text, p_status text default 'approved', p_body text default 'Halo {{1}}')
returns jsonb language sql as $$
  select jsonb_build_object('content_sid', p_sid, 'name', p_name, 'language', 'id', 'body', p_body,
                            'status', p_status, 'category', 'utility', 'rejection_reason', null)
$$;

insert into public.whatsapp_templates (store_id, name, content_sid, language, body)
values (tests.id('store_a'), 'order_update', 'HX' || repeat('0', 32), 'id', 'typed in by hand');

select ok(not has_function_privilege('authenticated', 'public.sync_whatsapp_templates(uuid, jsonb)', 'execute'),
  'signed-in users cannot sync templates themselves (the functions API does, as the service role)');
select ok(not has_function_privilege('authenticated', 'public.update_store_settings(uuid, uuid, jsonb)', 'execute'),
  'nor change store settings around the owner check');

select results_eq($$ select * from public.sync_whatsapp_templates(tests.id('store_a'), jsonb_build_array(
    pg_temp.template('HX' || repeat('a', 32), 'order_update'),
    pg_temp.template('HX' || repeat('b', 32), 'promo', 'pending'))) $$,
  $$ values (2, 0, 1, 0) $$, 'a first sync adds the account''s templates and replaces the typed-in one of the same name');
select results_eq($$ select source, status from public.whatsapp_templates where store_id = tests.id('store_a') order by name $$,
  $$ values ('twilio', 'approved'), ('twilio', 'pending') $$, 'with their approval state');
select results_eq($$ select * from public.sync_whatsapp_templates(tests.id('store_a'), jsonb_build_array(
    pg_temp.template('HX' || repeat('a', 32), 'order_update'),
    pg_temp.template('HX' || repeat('b', 32), 'promo', 'pending'))) $$,
  $$ values (0, 0, 0, 2) $$, 'the same list again changes nothing (idempotent)');
select is((select count(*) from public.whatsapp_templates where store_id = tests.id('store_a')), 2::bigint,
  'and adds no duplicates');
select results_eq($$ select * from public.sync_whatsapp_templates(tests.id('store_a'), jsonb_build_array(
    pg_temp.template('HX' || repeat('b', 32), 'promo', 'approved'))) $$,
  $$ values (0, 1, 1, 0) $$, 'an approval is updated; a template deleted in Twilio goes');
select is((select status from public.whatsapp_templates where content_sid = 'HX' || repeat('b', 32)), 'approved',
  'the new approval state is stored');
select throws_ok($$ select public.sync_whatsapp_templates(tests.id('store_a'), jsonb_build_array(
    pg_temp.template('HX' || repeat('c', 32), 'broken', 'approved', ''))) $$, '23514', null,
  'a template without text is refused whole');
select is((select count(*) from public.whatsapp_templates where store_id = tests.id('store_a')), 1::bigint,
  'and nothing of that sync is stored');

select tests.authenticate_as(tests.id('agent_a'));
select is((select count(*) from public.whatsapp_templates where store_id = tests.id('store_a')), 1::bigint,
  'members read their store''s templates');
select tests.authenticate_as(tests.id('owner_b'));
select is((select count(*) from public.whatsapp_templates where store_id = tests.id('store_a')), 0::bigint,
  'another store''s owner sees none');

-- Store settings -------------------------------------------------------------------------------------
select tests.clear_authentication();
select is((public.update_store_settings(tests.id('store_a'), tests.id('owner_a'),
  '{"name": "Batik Baru", "timezone": "Asia/Makassar"}')).timezone, 'Asia/Makassar', 'an owner changes the time zone');
select is((select details ->> 'timezone' from public.audit_log where store_id = tests.id('store_a')
           and action = 'store.settings_changed'), 'Asia/Jakarta', 'audited with the old value');
select throws_ok($$ select public.update_store_settings(tests.id('store_a'), tests.id('admin_a'), '{"name": "Admin"}') $$,
  '42501', 'only owners change the store settings', 'an admin cannot');
select throws_ok($$ select public.update_store_settings(tests.id('store_a'), tests.id('owner_a'), '{"timezone": "Mars/Base"}') $$,
  '22023', null, 'an unknown time zone is refused');

select * from finish();
rollback;
