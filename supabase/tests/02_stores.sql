-- Stores: who sees and edits them, create_store, and has_role_on_store.
begin;
\ir _helpers.psql
select plan(27);
select tests.seed_two_stores();

-- has_role_on_store ---------------------------------------------------------------------------------
-- Each row: does the caller hold at least owner / admin / agent on store A?
create function tests.roles_on_store_a() returns boolean[]
language sql
as $$
  select array_agg(public.has_role_on_store(tests.id('store_a'), r) order by r)
  from unnest(enum_range(null::public.store_role)) r
$$;
grant execute on function tests.roles_on_store_a to authenticated;

select tests.authenticate_as(tests.id('owner_a'));
select is(tests.roles_on_store_a(), array[true, true, true], 'the owner of A holds owner, admin and agent on A');
select tests.authenticate_as(tests.id('admin_a'));
select is(tests.roles_on_store_a(), array[false, true, true], 'an admin of A holds admin and agent on A, not owner');
select tests.authenticate_as(tests.id('agent_a'));
select is(tests.roles_on_store_a(), array[false, false, true], 'an agent of A holds only agent on A');
select is(public.has_role_on_store(tests.id('store_a')), true, 'has_role_on_store defaults to "any member"');
select is(public.has_role_on_store(tests.id('store_b')), false, 'an agent of A has no role on B');
select tests.authenticate_as(tests.id('owner_b'));
select is(tests.roles_on_store_a(), array[false, false, false], 'the owner of B holds no role on A');
select tests.authenticate_as(tests.id('outsider'));
select is(tests.roles_on_store_a(), array[false, false, false], 'a user of no store holds no role on A');
select tests.clear_authentication();
set local role authenticated;
select is(tests.roles_on_store_a(), array[false, false, false], 'without a JWT subject nobody holds a role');
select tests.authenticate_as_anon();
select throws_ok($$ select public.has_role_on_store(gen_random_uuid()) $$, '42501',
  'permission denied for function has_role_on_store', 'anon cannot call has_role_on_store');

-- Editing a store --------------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('admin_a'));
select is(tests.affected_rows($$ update public.stores set name = 'Store A (renamed)' where id = tests.id('store_a') $$), 1::bigint,
  'an admin of A can rename store A');
select is(tests.affected_rows($$ update public.stores set name = 'hijacked' where id = tests.id('store_b') $$), 0::bigint,
  'an admin of A cannot rename store B');
select throws_ok($$ update public.stores set whatsapp_number = '+6281999999999' where id = tests.id('store_a') $$, '42501',
  'permission denied for table stores', 'an admin cannot change the WhatsApp sender (webhook routing key)');
select throws_ok($$ update public.stores set timezone = 'Mars/Olympus' where id = tests.id('store_a') $$, '23514', null,
  'an unknown time zone is rejected');
select tests.authenticate_as(tests.id('owner_a'));
select is(tests.affected_rows($$ update public.stores set timezone = 'Asia/Makassar' where id = tests.id('store_a') $$), 1::bigint,
  'the owner of A can change its time zone');
select throws_ok($$ delete from public.stores where id = tests.id('store_a') $$, '42501',
  'permission denied for table stores', 'not even the owner deletes a store through the API');
select throws_ok($$ insert into public.stores (name) values ('Sneaky') $$, '42501',
  'permission denied for table stores', 'stores are not inserted directly: create_store does it');
select tests.authenticate_as(tests.id('agent_a'));
select is(tests.affected_rows($$ update public.stores set name = 'agent was here' where id = tests.id('store_a') $$), 0::bigint,
  'an agent cannot edit their store');
select results_eq($$ select name, timezone from public.stores $$,
  $$ values ('Store A (renamed)', 'Asia/Makassar') $$, 'an agent of A sees only store A, with the edits made');

-- create_store -------------------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('outsider'));
select lives_ok($$ select public.create_store('Toko Baru', 'https://toko.example', 'Asia/Jakarta') $$,
  'a signed-in user can create a store');
select results_eq(
  $$ select s.name, s.site_url, m.user_id, m.role from public.stores s join public.store_members m on m.store_id = s.id $$,
  $$ values ('Toko Baru', 'https://toko.example', tests.id('outsider'), 'owner'::public.store_role) $$,
  'create_store makes the caller its one owner, and the new store is visible to them'
);
select is(tests.affected_rows($$ update public.stores set currency = 'USD' where name = 'Toko Baru' $$), 1::bigint,
  'the creator can edit the new store');
select throws_ok($$ select public.create_store('Bad zone', null, 'Nowhere/Nothing') $$, '23514', null,
  'create_store validates the time zone');
select tests.clear_authentication();
set local role authenticated;
select throws_ok($$ select public.create_store('No one') $$, '42501', 'sign in to create a store',
  'create_store refuses a caller without a user id');
select tests.authenticate_as_anon();
select throws_ok($$ select public.create_store('Anon shop') $$, '42501', 'permission denied for function create_store',
  'anon cannot create a store');

-- The service role and store deletion -----------------------------------------------------------------
select tests.authenticate_as_service_role();
select is((select count(*) from public.stores), tests.row_count('public.stores'), 'the service role sees every store');
select lives_ok($$ delete from public.stores where id = tests.id('store_b') $$,
  'the service role can delete a store: its last owner goes with it without tripping keep_an_owner');
select tests.clear_authentication();
select is(
  (select count(*) from public.store_members where store_id = tests.id('store_b'))
  + (select count(*) from public.audit_log where store_id = tests.id('store_b'))
  + (select count(*) from public.messages where store_id = tests.id('store_b')),
  0::bigint, 'deleting a store removes its members, audit entries and messages');

select * from finish();
rollback;
