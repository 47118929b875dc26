-- The team's rules through the team API's functions (invite, resend, revoke, change role, remove) and
-- the acceptance of an invitation at first sign-in: what each role may do, and what is refused.
begin;
\ir _helpers.psql
select plan(54);
select tests.seed_two_stores();

create function tests.invite(p_actor text, p_email text, p_role public.store_role) returns jsonb
language sql
set search_path = ''
as $$ select public.invite_to_store(tests.id('store_a'), p_email, p_role, tests.id(p_actor)) $$;

create function tests.role_of(p_user uuid) returns public.store_role
language sql stable security definer
set search_path = ''
as $$ select role from public.store_members where store_id = tests.id('store_a') and user_id = p_user $$;

create function tests.open_invitation(p_email text) returns uuid
language sql stable security definer
set search_path = ''
as $$
  select id from public.store_invitations
  where store_id = tests.id('store_a') and email = p_email and accepted_at is null and revoked_at is null
$$;
grant execute on all functions in schema tests to authenticated, service_role;

-- The API roles cannot call the team functions directly ------------------------------------------
select tests.authenticate_as(tests.id('owner_a'));
select throws_ok($$ select public.invite_to_store(tests.id('store_a'), 'x@example.com', 'agent', tests.id('owner_a')) $$,
  '42501', null, 'a signed-in user cannot call invite_to_store directly (only the API, as service role)');
select throws_ok($$ select public.remove_member(tests.id('store_a'), tests.id('agent_a'), tests.id('owner_a')) $$,
  '42501', null, 'a signed-in user cannot call remove_member directly');
select throws_ok($$ insert into public.store_invitations (store_id, email) values (tests.id('store_a'), 'x@example.com') $$,
  '42501', null, 'a signed-in user cannot write invitations');
select tests.clear_authentication();

-- Inviting ---------------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select is(tests.invite('owner_a', 'New.Agent@Example.com ', 'agent') ->> 'status', 'invited',
  'an owner invites a new e-mail as agent');
select isnt(tests.open_invitation('new.agent@example.com'), null, 'the invitation is kept lower-cased and open');
select is(tests.invite('admin_a', 'second.agent@example.com', 'agent') ->> 'status', 'invited',
  'an admin invites an agent');
select throws_ok($$ select tests.invite('admin_a', 'boss@example.com', 'owner') $$,
  '42501', 'admins manage agents only: an owner manages owners and admins', 'an admin cannot invite an owner');
select throws_ok($$ select tests.invite('admin_a', 'boss@example.com', 'admin') $$,
  '42501', null, 'an admin cannot invite an admin');
select throws_ok($$ select tests.invite('agent_a', 'friend@example.com', 'agent') $$,
  '42501', 'agents cannot change the team', 'an agent cannot invite');
select throws_ok($$ select public.invite_to_store(tests.id('store_b'), 'x@example.com', 'agent', tests.id('owner_a')) $$,
  '42501', 'you are not a member of this store', 'an owner of A cannot invite to B');
select is(tests.invite('owner_a', 'co.owner@example.com', 'owner') ->> 'status', 'invited', 'an owner invites an owner');
select is((tests.invite('owner_a', 'new.agent@example.com', 'admin') -> 'invitation' ->> 'send_count')::integer, 2,
  'inviting the same e-mail again renews the open invitation');
select is((select count(*)::integer from public.store_invitations where email = 'new.agent@example.com'), 1,
  'still one invitation for that e-mail');
select is((select role from public.store_invitations where email = 'new.agent@example.com'), 'admin'::public.store_role,
  'with the new role');
select is(tests.invite('admin_a', 'outsider@test.sapa.local', 'agent') ->> 'status', 'added',
  'a confirmed Sapa user is added at once');
select is(tests.role_of(tests.id('outsider')), 'agent'::public.store_role, 'as an agent of A');
select throws_ok($$ select tests.invite('owner_a', 'agent_a@test.sapa.local', 'agent') $$,
  '23505', null, 'inviting a member again is refused');
select throws_ok($$ select tests.invite('owner_a', 'not-an-address', 'agent') $$,
  '22023', null, 'an address that is not one is refused');
select is(public.invite_to_store(tests.id('store_a'), 'shop.owner@example.com', 'owner', null) ->> 'status', 'invited',
  'Sapa itself (no actor: the plugin''s connect) invites the shop''s owner');
select is(public.store_owner_invitation(tests.id('store_a')) ->> 'status', 'pending', 'the owner''s invitation is pending');

-- Resend and revoke ------------------------------------------------------------------------------
select throws_ok($$ select public.revoke_invitation(tests.id('store_a'), tests.open_invitation('co.owner@example.com'), tests.id('admin_a')) $$,
  '42501', null, 'an admin cannot revoke an owner''s invitation');
select throws_ok($$ select public.resend_invitation(tests.id('store_a'), tests.open_invitation('second.agent@example.com'), tests.id('agent_a')) $$,
  '42501', null, 'an agent cannot resend an invitation');
select throws_ok($$ select public.revoke_invitation(tests.id('store_a'), tests.open_invitation('second.agent@example.com'), tests.id('agent_a')) $$,
  '42501', null, 'an agent cannot revoke an invitation');
select is((public.resend_invitation(tests.id('store_a'), tests.open_invitation('second.agent@example.com'), tests.id('admin_a'))).send_count,
  2, 'an admin resends an agent''s invitation');
create temp table revoked on commit drop as
  select public.revoke_invitation(tests.id('store_a'), tests.open_invitation('co.owner@example.com'), tests.id('owner_a')) as r;
select isnt((select (r).revoked_at from revoked), null, 'an owner revokes an owner''s invitation');
select lives_ok($$ select public.revoke_invitation(tests.id('store_a'), (select (r).id from revoked), tests.id('owner_a')) $$,
  'revoking twice changes nothing');
select throws_ok($$ select public.resend_invitation(tests.id('store_a'), (select (r).id from revoked), tests.id('owner_a')) $$,
  '55000', null, 'a revoked invitation cannot be resent');
select throws_ok($$ select public.revoke_invitation(tests.id('store_b'), tests.open_invitation('second.agent@example.com'), tests.id('owner_b')) $$,
  'P0002', null, 'an owner of B cannot touch A''s invitations');
select tests.clear_authentication();

-- Who sees invitations ---------------------------------------------------------------------------
select tests.authenticate_as(tests.id('agent_a'));
select is((select count(*)::integer from public.store_invitations), 4, 'an agent of A sees A''s invitations');
select tests.authenticate_as(tests.id('agent_b'));
select is((select count(*)::integer from public.store_invitations), 0, 'a member of B sees none of A''s');
select tests.clear_authentication();

-- Accepting at first sign-in ---------------------------------------------------------------------
insert into auth.users (id, email, aud, role) values
  ('00000000-0000-4000-8000-000000000a01', 'second.agent@example.com', 'authenticated', 'authenticated'),
  ('00000000-0000-4000-8000-000000000a02', 'co.owner@example.com', 'authenticated', 'authenticated');
select is(tests.role_of('00000000-0000-4000-8000-000000000a01'), null, 'an invited user is not a member before the link');
update auth.users set email_confirmed_at = now(), last_sign_in_at = now()
where id in ('00000000-0000-4000-8000-000000000a01', '00000000-0000-4000-8000-000000000a02');
select is(tests.role_of('00000000-0000-4000-8000-000000000a01'), 'agent'::public.store_role,
  'the first sign-in after the invite link makes them a member in the invited role');
select isnt((select accepted_at from public.store_invitations where email = 'second.agent@example.com'), null,
  'the invitation is marked accepted');
select is((select count(*)::integer from public.audit_log where action = 'invitation.accepted'
           and actor_id = '00000000-0000-4000-8000-000000000a01'), 1, 'and the acceptance audited');
select is(tests.role_of('00000000-0000-4000-8000-000000000a02'), null, 'a revoked invitation makes no member');
update public.store_invitations set expires_at = now() - interval '1 minute' where email = 'shop.owner@example.com';
insert into auth.users (id, email, aud, role, email_confirmed_at)
  values ('00000000-0000-4000-8000-000000000a03', 'shop.owner@example.com', 'authenticated', 'authenticated', now());
select is(tests.role_of('00000000-0000-4000-8000-000000000a03'), null, 'an expired invitation makes no member');
select is(public.store_owner_invitation(tests.id('store_a')) ->> 'status', 'expired', 'and shows as expired');

-- Changing roles ---------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select throws_ok($$ select public.change_member_role(tests.id('store_a'), tests.id('agent_a'), 'admin', tests.id('admin_a')) $$,
  '42501', null, 'an admin cannot promote an agent to admin');
select throws_ok($$ select public.change_member_role(tests.id('store_a'), tests.id('agent_a'), 'owner', tests.id('admin_a')) $$,
  '42501', null, 'an admin cannot make an owner');
select throws_ok($$ select public.change_member_role(tests.id('store_a'), tests.id('owner_a'), 'agent', tests.id('admin_a')) $$,
  '42501', null, 'an admin cannot demote an owner');
select throws_ok($$ select public.change_member_role(tests.id('store_a'), tests.id('admin_a'), 'agent', tests.id('agent_a')) $$,
  '42501', 'agents cannot change the team', 'an agent cannot change a role');
select throws_ok($$ select public.change_member_role(tests.id('store_a'), tests.id('owner_a'), 'admin', tests.id('owner_a')) $$,
  '23514', 'a store must keep at least one owner', 'the last owner cannot be demoted');
select is((public.change_member_role(tests.id('store_a'), tests.id('agent_a'), 'admin', tests.id('owner_a'))).role,
  'admin'::public.store_role, 'an owner promotes an agent to admin');
select is((select actor_id from public.audit_log where action = 'member.role_changed' and target_id = tests.id('agent_a')::text),
  tests.id('owner_a'), 'the role change is audited with the owner as actor');
select is((public.change_member_role(tests.id('store_a'), tests.id('agent_a'), 'agent', tests.id('owner_a'))).role,
  'agent'::public.store_role, 'and demotes them again');

-- Removing ---------------------------------------------------------------------------------------
select throws_ok($$ select public.remove_member(tests.id('store_a'), tests.id('owner_a'), tests.id('admin_a')) $$,
  '42501', null, 'an admin cannot remove an owner');
select throws_ok($$ select public.remove_member(tests.id('store_a'), tests.id('admin_a'), tests.id('agent_a')) $$,
  '42501', null, 'an agent cannot remove anyone');
select throws_ok($$ select public.remove_member(tests.id('store_a'), tests.id('owner_a'), tests.id('owner_a')) $$,
  '23514', 'a store must keep at least one owner', 'the last owner cannot leave');
update public.conversations set status = 'human', assignee_id = tests.id('agent_a') where id = tests.id('conversation_a');
update public.tickets set assignee_id = tests.id('agent_a') where id = tests.id('ticket_a');
select is(public.remove_member(tests.id('store_a'), tests.id('agent_a'), tests.id('admin_a')),
  jsonb_build_object('user_id', tests.id('agent_a'), 'role', 'agent', 'conversations_unassigned', 1, 'tickets_unassigned', 1),
  'an admin removes an agent; their open conversation and ticket are unassigned');
select is((select assignee_id from public.conversations where id = tests.id('conversation_a')), null,
  'the conversation has no assignee');
select is((select array_agg(action order by id) from public.audit_log where target_id = tests.id('agent_a')::text
           and action like 'member.%' and actor_id = tests.id('admin_a')),
  array['member.removed', 'member.work_unassigned'], 'the removal is audited with the admin as actor');
select is(public.remove_member(tests.id('store_a'), tests.id('outsider'), tests.id('outsider')) ->> 'role', 'agent',
  'an agent may leave');
select lives_ok($$ select public.change_member_role(tests.id('store_a'), '00000000-0000-4000-8000-000000000a01', 'owner', tests.id('owner_a')) $$,
  'an owner makes a second owner');
select is(public.remove_member(tests.id('store_a'), tests.id('owner_a'), tests.id('owner_a')) ->> 'role', 'owner',
  'an owner who is not the last may leave');
select tests.clear_authentication();

select * from finish();
rollback;
