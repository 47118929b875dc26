-- The audit log: team changes are recorded where they happen, with their actor; owners and admins
-- read their store's entries; only the service role appends; nobody changes or deletes an entry.
begin;
\ir _helpers.psql
select plan(20);
select tests.seed_two_stores();

create function tests.member_audit(p_user text) returns table (action text, actor_id uuid, details jsonb)
language sql stable security definer
set search_path = ''
as $$
  select a.action, a.actor_id, a.details from public.audit_log a
  where a.target_table = 'store_members' and a.target_id = tests.id(p_user)::text
  order by a.id
$$;

-- Member changes are audited, with their actor -----------------------------------------------------
select tests.authenticate_as(tests.id('owner_a'));
insert into public.store_members (store_id, user_id, role) values (tests.id('store_a'), tests.id('newcomer'), 'agent');
update public.store_members set role = 'admin' where user_id = tests.id('newcomer');
update public.store_members set role = 'admin' where user_id = tests.id('newcomer');  -- no change: not audited
select tests.authenticate_as(tests.id('admin_a'));
delete from public.store_members where user_id = tests.id('agent_a');
select tests.authenticate_as(tests.id('owner_a'));
delete from public.store_members where user_id = tests.id('newcomer');
select tests.clear_authentication();

select results_eq($$ select * from tests.member_audit('newcomer') $$,
  $$ values ('member.added', tests.id('owner_a'), '{"new_role": "agent"}'::jsonb),
            ('member.role_changed', tests.id('owner_a'), '{"old_role": "agent", "new_role": "admin"}'::jsonb),
            ('member.removed', tests.id('owner_a'), '{"old_role": "admin"}'::jsonb) $$,
  'adding, promoting and removing a member are audited with the owner as actor');
select results_eq($$ select * from tests.member_audit('agent_a') $$,
  $$ values ('member.added', null::uuid, '{"new_role": "agent"}'::jsonb),
            ('member.removed', tests.id('admin_a'), '{"old_role": "agent"}'::jsonb) $$,
  'an admin removing an agent is audited with the admin as actor (fixture rows have no actor)');
select is(
  (select count(*) from public.audit_log where target_id = tests.id('newcomer')::text and store_id = tests.id('store_a')),
  3::bigint, 'the entries belong to the store whose team changed');

select tests.authenticate_as(tests.id('outsider'));
select lives_ok($$ select public.create_store('Toko Audit') $$, 'a user creates a store');
select tests.clear_authentication();
select results_eq(
  $$ select a.action, a.actor_id, a.details from public.audit_log a join public.stores s on s.id = a.store_id where s.name = 'Toko Audit' $$,
  $$ values ('member.added', tests.id('outsider'), '{"new_role": "owner"}'::jsonb) $$,
  'create_store audits its creator joining as owner');

-- Who reads it ---------------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('agent_b'));
select is_empty($$ select * from public.audit_log $$, 'an agent cannot read the audit log');
select tests.authenticate_as(tests.id('admin_a'));
select set_eq($$ select distinct store_id from public.audit_log $$, array[tests.id('store_a')],
  'an admin reads the audit log of their store only');
select isnt_empty($$ select * from public.audit_log where action = 'member.removed' $$,
  'an admin sees the team changes of their store');
select tests.authenticate_as(tests.id('owner_b'));
select set_eq($$ select distinct store_id from public.audit_log $$, array[tests.id('store_b')],
  'the owner of B reads the audit log of B only');

-- Who writes it ---------------------------------------------------------------------------------------
select tests.clear_authentication();
create table tests.audit_attempts (who text, what text, statement text);
insert into tests.audit_attempts values
  ('agent_b', 'append', $$ insert into public.audit_log (store_id, action) values (tests.id('store_b'), 'conversation.taken_over') $$),
  ('admin_a', 'append', $$ insert into public.audit_log (store_id, action) values (tests.id('store_a'), 'conversation.taken_over') $$),
  ('owner_a', 'append', $$ insert into public.audit_log (store_id, action) values (tests.id('store_a'), 'conversation.taken_over') $$),
  ('admin_a', 'rewrite', $$ update public.audit_log set actor_id = null where store_id = tests.id('store_a') $$),
  ('owner_a', 'rewrite', $$ update public.audit_log set details = '{}' where store_id = tests.id('store_a') $$),
  ('owner_a', 'delete', $$ delete from public.audit_log where store_id = tests.id('store_a') $$);

-- Runs one attempt as the given member and asserts it is refused.
create function tests.refused_as(p_who text, p_what text, p_statement text) returns text
language plpgsql
set search_path = extensions, pg_catalog
as $$
begin
  perform tests.authenticate_as(tests.id(p_who));
  return throws_ok(p_statement, '42501', 'permission denied for table audit_log',
    format('%s cannot %s audit entries', p_who, p_what));
end;
$$;
select tests.refused_as(who, what, statement) from tests.audit_attempts;

select tests.authenticate_as_service_role();
select lives_ok(
  $$ insert into public.audit_log (store_id, action, target_table, target_id, details)
     values (tests.id('store_a'), 'customer.erased', 'customers', tests.id('customer_a')::text, '{"reason": "gdpr"}') $$,
  'the service role appends to the audit log');
select throws_ok($$ update public.audit_log set details = '{}' where store_id = tests.id('store_a') $$,
  '42501', 'permission denied for table audit_log', 'not even the service role rewrites an entry');
select throws_ok($$ delete from public.audit_log where store_id = tests.id('store_a') $$,
  '42501', 'permission denied for table audit_log', 'not even the service role deletes an entry');
select throws_ok($$ truncate public.audit_log $$,
  '42501', 'permission denied for table audit_log', 'not even the service role truncates the log');
select is((select count(*) from public.audit_log), tests.row_count('public.audit_log'), 'the service role reads every entry');

select * from finish();
rollback;
