-- The team: who may add, promote, demote and remove whom; a store always keeps an owner.
begin;
\ir _helpers.psql
select plan(34);
select tests.seed_two_stores();

create function tests.role_in(p_store text, p_user uuid) returns public.store_role
language sql stable security definer
set search_path = ''
as $$ select role from public.store_members where store_id = tests.id(p_store) and user_id = p_user $$;
grant execute on function tests.role_in to authenticated, service_role;

-- Agents --------------------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('agent_a'));
select results_eq($$ select user_id from public.store_members order by role $$,
  $$ values (tests.id('owner_a')), (tests.id('admin_a')), (tests.id('agent_a')) $$,
  'an agent of A sees the team of A and nobody else');
select is(tests.affected_rows($$ update public.store_members set role = 'owner' where user_id = tests.id('agent_a') $$), 0::bigint,
  'an agent cannot promote themselves to owner');
select is(tests.affected_rows($$ update public.store_members set role = 'admin' where user_id = tests.id('agent_a') $$), 0::bigint,
  'an agent cannot promote themselves to admin');
select is(tests.affected_rows($$ update public.store_members set role = 'agent' where user_id = tests.id('admin_a') $$), 0::bigint,
  'an agent cannot change anyone else''s role');
select throws_ok(
  $$ insert into public.store_members (store_id, user_id, role) values (tests.id('store_a'), tests.id('newcomer'), 'agent') $$,
  '42501', 'new row violates row-level security policy for table "store_members"', 'an agent cannot add members');
select is(tests.affected_rows($$ delete from public.store_members where user_id = tests.id('admin_a') $$), 0::bigint,
  'an agent cannot remove members');
select tests.clear_authentication();
select is(tests.role_in('store_a', tests.id('agent_a')), 'agent'::public.store_role, 'the agent is still an agent');

-- Admins -------------------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('admin_a'));
select lives_ok(
  $$ insert into public.store_members (store_id, user_id, role) values (tests.id('store_a'), tests.id('newcomer'), 'agent') $$,
  'an admin can add an agent');
select throws_ok(
  $$ insert into public.store_members (store_id, user_id, role) values (tests.id('store_a'), tests.id('outsider'), 'admin') $$,
  '42501', null, 'an admin cannot add an admin');
select throws_ok(
  $$ insert into public.store_members (store_id, user_id, role) values (tests.id('store_a'), tests.id('outsider'), 'owner') $$,
  '42501', null, 'an admin cannot add an owner');
select throws_ok(
  $$ update public.store_members set role = 'admin' where user_id = tests.id('agent_a') $$,
  '42501', 'new row violates row-level security policy for table "store_members"', 'an admin cannot promote an agent to admin');
select is(tests.affected_rows($$ update public.store_members set role = 'owner' where user_id = tests.id('admin_a') $$), 0::bigint,
  'an admin cannot promote themselves');
select is(tests.affected_rows($$ update public.store_members set role = 'agent' where user_id = tests.id('owner_a') $$), 0::bigint,
  'an admin cannot demote the owner');
select is(tests.affected_rows($$ delete from public.store_members where user_id = tests.id('owner_a') $$), 0::bigint,
  'an admin cannot remove the owner');
select is(tests.affected_rows($$ delete from public.store_members where user_id = tests.id('admin_a') $$), 0::bigint,
  'an admin cannot remove an admin, themselves included');
select is(tests.affected_rows($$ delete from public.store_members where user_id = tests.id('agent_a') $$), 1::bigint,
  'an admin can remove an agent');
select throws_ok(
  $$ insert into public.store_members (store_id, user_id, role) values (tests.id('store_b'), tests.id('outsider'), 'agent') $$,
  '42501', null, 'an admin of A cannot add members to B');
select is(tests.affected_rows($$ delete from public.store_members where user_id = tests.id('agent_b') $$), 0::bigint,
  'an admin of A cannot remove members of B');
select tests.clear_authentication();
select is(tests.role_in('store_a', tests.id('owner_a')), 'owner'::public.store_role, 'the owner of A is still owner');
select is(tests.role_in('store_a', tests.id('agent_a')), null, 'the removed agent is gone');

-- Owners -------------------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('owner_a'));
select lives_ok(
  $$ insert into public.store_members (store_id, user_id, role) values (tests.id('store_a'), tests.id('outsider'), 'admin') $$,
  'the owner can add an admin');
select is(tests.affected_rows($$ update public.store_members set role = 'admin' where user_id = tests.id('newcomer') $$),
  1::bigint, 'the owner can promote an agent to admin');
select is(tests.affected_rows($$ update public.store_members set role = 'agent' where user_id = tests.id('admin_a') $$), 1::bigint,
  'the owner can demote an admin to agent');
select is(tests.affected_rows($$ delete from public.store_members where user_id = tests.id('newcomer') $$), 1::bigint,
  'the owner can remove an admin');
select throws_ok($$ update public.store_members set role = 'admin' where user_id = tests.id('owner_a') $$,
  '23514', 'a store must keep at least one owner', 'the last owner cannot demote themselves');
select throws_ok($$ delete from public.store_members where user_id = tests.id('owner_a') $$,
  '23514', 'a store must keep at least one owner', 'the last owner cannot leave');
select is(tests.affected_rows($$ update public.store_members set role = 'owner' where user_id = tests.id('outsider') $$), 1::bigint,
  'the owner can make someone a co-owner');
select is(tests.affected_rows($$ update public.store_members set role = 'admin' where user_id = tests.id('owner_a') $$), 1::bigint,
  'with a co-owner, an owner can step down');
select is(tests.affected_rows($$ update public.store_members set role = 'agent' where user_id = tests.id('agent_b') $$), 0::bigint,
  'the owner of A has no say over the team of B');
select tests.clear_authentication();
select results_eq($$ select user_id, role from public.store_members where store_id = tests.id('store_a') order by role, user_id $$,
  $$ select * from (values (tests.id('outsider'), 'owner'::public.store_role), (tests.id('owner_a'), 'admin'), (tests.id('admin_a'), 'agent')) v
     order by 2, 1 $$,
  'the team of A ends as the owners changed it');

-- The new owner now holds the store alone: demoting them is refused for everyone.
select tests.authenticate_as(tests.id('outsider'));
select throws_ok($$ update public.store_members set role = 'agent' where user_id = tests.id('outsider') $$,
  '23514', 'a store must keep at least one owner', 'the new sole owner cannot step down either');

-- The rule is a trigger, not a policy: the service role is bound by it too.
select tests.authenticate_as_service_role();
select throws_ok($$ delete from public.store_members where user_id = tests.id('owner_b') $$,
  '23514', 'a store must keep at least one owner', 'the service role cannot remove the last owner of B');
select throws_ok($$ update public.store_members set role = 'agent' where user_id = tests.id('owner_b') $$,
  '23514', 'a store must keep at least one owner', 'the service role cannot demote the last owner of B');
select lives_ok($$ delete from public.store_members where user_id = tests.id('agent_b') $$,
  'the service role can remove an agent');

select * from finish();
rollback;
