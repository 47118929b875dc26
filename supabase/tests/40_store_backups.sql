-- Store backups: only owners ask for one (audited); only owners read their store's backups; the import
-- function is the service role's, restores only the backup's tables and only rows of the target store.
begin;
\ir _helpers.psql
select plan(11);
select tests.seed_two_stores();

select tests.authenticate_as(tests.id('owner_a'));
select throws_ok($$ select public.request_store_backup(tests.id('store_a'), tests.id('owner_a')) $$,
  '42501', null, 'a signed-in owner cannot call request_store_backup directly (only the functions API can)');
select throws_ok($$ select public.import_store_rows(tests.id('store_a'), 'customers', '[]') $$,
  '42501', null, 'nor import_store_rows');

select tests.authenticate_as_service_role();
select throws_ok($$ select public.request_store_backup(tests.id('store_a'), tests.id('admin_a')) $$,
  '42501', 'only an owner of the store can download the whole store', 'an admin cannot ask for a backup');
select throws_ok($$ select public.request_store_backup(tests.id('store_a'), tests.id('owner_b')) $$,
  '42501', 'you are not a member of this store', 'the owner of B cannot ask for a backup of A');
select lives_ok($$ select public.request_store_backup(tests.id('store_a'), tests.id('owner_a')) $$, 'the owner asks for one');
select results_eq(
  $$ select b.status, a.action, a.actor_id from public.store_backups b
     join public.audit_log a on a.target_id = b.id::text where b.store_id = tests.id('store_a') $$,
  $$ values ('working', 'store.backup_requested', tests.id('owner_a')) $$,
  'the backup starts working and the request is audited with its owner');

select tests.authenticate_as(tests.id('admin_a'));
select is_empty($$ select * from public.store_backups $$, 'an admin does not see the backups');
select tests.authenticate_as(tests.id('owner_b'));
select is_empty($$ select * from public.store_backups $$, 'the owner of B does not see A''s backups');
select tests.authenticate_as(tests.id('owner_a'));
select is((select count(*) from public.store_backups), 1::bigint, 'the owner of A sees theirs');

select tests.authenticate_as_service_role();
select throws_ok(
  format($$ select public.import_store_rows(%L, 'customers', '[{"store_id": %s, "phone": "+628129999999"}]') $$,
         tests.id('store_a'), to_jsonb(tests.id('store_b')::text)),
  '22023', null, 'an import refuses rows of another store');
select throws_ok($$ select public.import_store_rows(tests.id('store_a'), 'store_members', '[]') $$,
  '22023', 'a backup does not restore table store_members', 'and any table a backup does not hold');

select * from finish();
rollback;
