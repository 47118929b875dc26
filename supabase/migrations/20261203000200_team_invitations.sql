-- The team: invitations by e-mail, role changes and removals, with their rules held here.
-- The functions API verifies the caller's JWT and calls these functions with the service role and the
-- caller's id (p_actor_id), as the inbox actions do; each checks the actor's role itself, so the rules
-- hold whoever calls. The rules (same as the store_members policies of migration 1):
--   owners invite, promote, demote and remove anyone; admins invite and remove agents only (they cannot
--   make or remove an owner, nor an admin); agents see the team and change nothing; anyone may leave;
--   the last owner can neither leave nor be demoted (the keep_an_owner trigger).
-- Order: table → grants → RLS → policies → functions → triggers.

create table public.store_invitations (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references public.stores (id) on delete cascade,
  email text not null check (email = lower(btrim(email)) and email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  role public.store_role not null default 'agent',
  invited_by uuid references auth.users (id) on delete set null,
  sent_at timestamptz not null default now(),
  send_count integer not null default 1 check (send_count >= 1),
  expires_at timestamptz not null default now() + interval '7 days',
  accepted_at timestamptz,
  accepted_by uuid references auth.users (id) on delete set null,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  check (accepted_at is null or revoked_at is null)
);
comment on table public.store_invitations is
  'Who was invited to a store by e-mail, in which role, by whom; open until accepted (first sign-in of that e-mail after the invite link), revoked or expired. The link itself (its token) is Supabase Auth''s.';
comment on column public.store_invitations.invited_by is 'The member who invited; null when Sapa invited the shop''s owner on connect.';
-- One open invitation per store and e-mail: inviting again renews it.
create unique index store_invitations_open_idx on public.store_invitations (store_id, email)
  where accepted_at is null and revoked_at is null;
create index store_invitations_email_idx on public.store_invitations (email)
  where accepted_at is null and revoked_at is null;

revoke all on public.store_invitations from anon, authenticated;
grant select on public.store_invitations to authenticated;
grant all on public.store_invitations to service_role;

alter table public.store_invitations enable row level security;
create policy "members can view their store's invitations" on public.store_invitations
  for select to authenticated using (public.has_role_on_store(store_id));

-- Helpers -----------------------------------------------------------------------------------------
-- May this actor grant, change or take away this role? The same rule as private.can_manage_role, for an
-- actor named by id (the API's caller) instead of the JWT.
create function private.actor_may_manage(p_store_id uuid, p_actor_id uuid, p_role public.store_role)
returns boolean
language sql stable
set search_path = ''
as $$
  select exists (
    select 1 from public.store_members m
    where m.store_id = p_store_id and m.user_id = p_actor_id
      and (m.role = 'owner' or (m.role = 'admin' and p_role = 'agent'))
  )
$$;

create function private.require_may_manage(p_store_id uuid, p_actor_id uuid, p_role public.store_role)
returns void
language plpgsql stable
set search_path = ''
as $$
declare
  v_role public.store_role := private.actor_role(p_store_id, p_actor_id);
begin
  if not private.actor_may_manage(p_store_id, p_actor_id, p_role) then
    raise exception '%', case v_role
      when 'agent' then 'agents cannot change the team'
      else 'admins manage agents only: an owner manages owners and admins' end
      using errcode = 'insufficient_privilege';
  end if;
end;
$$;

-- The store_members audit trigger names auth.uid() as the actor; these functions run as the service
-- role, so they name the actor in a transaction-local setting the trigger reads too, for the change
-- they make only: set just before it, cleared just after.
create function private.set_team_actor(p_actor_id uuid) returns void
language sql
set search_path = ''
as $$ select pg_catalog.set_config('sapa.team_actor', coalesce(p_actor_id::text, ''), true) $$;

create function private.clear_team_actor() returns void
language sql
set search_path = ''
as $$ select pg_catalog.set_config('sapa.team_actor', '', true) $$;

create or replace function private.audit_member_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_row public.store_members := coalesce(new, old);
begin
  if tg_op = 'DELETE' and not exists (select 1 from public.stores s where s.id = old.store_id) then
    return null;  -- the store itself is being deleted
  end if;
  if tg_op = 'UPDATE' and old.role = new.role then
    return null;  -- nothing changed
  end if;
  insert into public.audit_log (store_id, actor_id, action, target_table, target_id, details)
  values (
    v_row.store_id,
    coalesce((select auth.uid()), nullif(pg_catalog.current_setting('sapa.team_actor', true), '')::uuid),
    case tg_op when 'INSERT' then 'member.added' when 'UPDATE' then 'member.role_changed' else 'member.removed' end,
    'store_members',
    v_row.user_id::text,
    jsonb_strip_nulls(jsonb_build_object('old_role', old.role, 'new_role', new.role))
  );
  return null;
end;
$$;

create function private.confirmed_user_by_email(p_email text) returns uuid
language sql stable security definer
set search_path = ''
as $$
  select u.id from auth.users u
  where lower(u.email::text) = lower(btrim(p_email)) and u.email_confirmed_at is not null
  order by u.created_at limit 1
$$;

-- The plugin's connect (migration 13) made the user with the WordPress admin's e-mail the owner even when
-- that user had never confirmed it (an invitation to another store, not accepted): only a confirmed user
-- is "a Sapa user"; anyone else is invited as owner (invite_to_store), which proves the address.
create or replace function private.user_id_by_email(p_email text) returns uuid
language sql stable security definer
set search_path = ''
as $$ select private.confirmed_user_by_email(p_email) $$;

create function private.open_invitation(p_store_id uuid, p_invitation_id uuid) returns public.store_invitations
language plpgsql
set search_path = ''
as $$
declare
  v_invitation public.store_invitations;
begin
  select * into v_invitation from public.store_invitations i
  where i.id = p_invitation_id and i.store_id = p_store_id
  for update;
  if not found then
    raise exception 'this store has no invitation %', p_invitation_id using errcode = 'no_data_found';
  end if;
  if v_invitation.accepted_at is not null then
    raise exception 'the invitation was accepted already' using errcode = 'object_not_in_prerequisite_state';
  end if;
  return v_invitation;
end;
$$;

-- Inviting ------------------------------------------------------------------------------------------
-- Invite an e-mail to the store in a role. A confirmed Sapa user with that e-mail is added at once
-- ({"status": "added", "user_id"}); otherwise an open invitation is made, or the open one renewed with
-- the new role and a fresh expiry ({"status": "invited", "invitation": {…}}); the caller then sends
-- Supabase Auth's invite. p_actor_id null means Sapa itself (the plugin's connect inviting the owner).
create function public.invite_to_store(
  p_store_id uuid, p_email text, p_role public.store_role, p_actor_id uuid
) returns jsonb
language plpgsql security definer
set search_path = ''
as $$
declare
  v_email text := lower(btrim(coalesce(p_email, '')));
  v_user uuid;
  v_invitation public.store_invitations;
begin
  if p_actor_id is not null then
    perform private.require_may_manage(p_store_id, p_actor_id, p_role);
  elsif not exists (select 1 from public.stores s where s.id = p_store_id) then
    raise exception 'no store %', p_store_id using errcode = 'no_data_found';
  end if;
  if v_email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then
    raise exception 'not an e-mail address: %', p_email using errcode = 'invalid_parameter_value';
  end if;
  v_user := private.confirmed_user_by_email(v_email);
  if v_user is not null then
    if private.is_member_of_store(p_store_id, v_user) then
      raise exception '% is a member of this store already', v_email using errcode = 'unique_violation';
    end if;
    perform private.set_team_actor(p_actor_id);
    insert into public.store_members (store_id, user_id, role) values (p_store_id, v_user, p_role);
    perform private.clear_team_actor();
    return jsonb_build_object('status', 'added', 'user_id', v_user, 'email', v_email, 'role', p_role);
  end if;
  insert into public.store_invitations as i (store_id, email, role, invited_by)
  values (p_store_id, v_email, p_role, p_actor_id)
  on conflict (store_id, email) where accepted_at is null and revoked_at is null do update
    set role = excluded.role, invited_by = excluded.invited_by, sent_at = now(),
        send_count = i.send_count + 1, expires_at = now() + interval '7 days'
  returning * into v_invitation;
  perform private.audit(p_store_id, p_actor_id, 'invitation.sent', 'store_invitations', v_invitation.id,
    jsonb_build_object('email', v_email, 'role', p_role, 'send_count', v_invitation.send_count));
  return jsonb_build_object('status', 'invited', 'email', v_email, 'role', p_role,
    'invitation', to_jsonb(v_invitation));
end;
$$;
comment on function public.invite_to_store is
  'Team API: add a confirmed user at once, or open (renew) an invitation; owners any role, admins agents only.';

-- Send an open invitation again: a fresh expiry; the caller sends Supabase Auth's invite again.
create function public.resend_invitation(p_store_id uuid, p_invitation_id uuid, p_actor_id uuid)
returns public.store_invitations
language plpgsql security definer
set search_path = ''
as $$
declare
  v_invitation public.store_invitations := private.open_invitation(p_store_id, p_invitation_id);
begin
  perform private.require_may_manage(p_store_id, p_actor_id, v_invitation.role);
  if v_invitation.revoked_at is not null then
    raise exception 'the invitation was revoked: invite again' using errcode = 'object_not_in_prerequisite_state';
  end if;
  update public.store_invitations
  set sent_at = now(), send_count = send_count + 1, expires_at = now() + interval '7 days'
  where id = p_invitation_id
  returning * into v_invitation;
  perform private.audit(p_store_id, p_actor_id, 'invitation.resent', 'store_invitations', p_invitation_id,
    jsonb_build_object('email', v_invitation.email, 'send_count', v_invitation.send_count));
  return v_invitation;
end;
$$;

-- Revoke an open invitation (a second revoke changes nothing); an accepted one cannot be revoked.
create function public.revoke_invitation(p_store_id uuid, p_invitation_id uuid, p_actor_id uuid)
returns public.store_invitations
language plpgsql security definer
set search_path = ''
as $$
declare
  v_invitation public.store_invitations := private.open_invitation(p_store_id, p_invitation_id);
begin
  perform private.require_may_manage(p_store_id, p_actor_id, v_invitation.role);
  if v_invitation.revoked_at is not null then
    return v_invitation;
  end if;
  update public.store_invitations set revoked_at = now() where id = p_invitation_id
  returning * into v_invitation;
  perform private.audit(p_store_id, p_actor_id, 'invitation.revoked', 'store_invitations', p_invitation_id,
    jsonb_build_object('email', v_invitation.email, 'role', v_invitation.role));
  return v_invitation;
end;
$$;

-- Members -----------------------------------------------------------------------------------------
-- Change a member's role: the actor must manage both the old and the new role (admins: agents only);
-- the last owner cannot be demoted (keep_an_owner raises check_violation).
create function public.change_member_role(
  p_store_id uuid, p_user_id uuid, p_role public.store_role, p_actor_id uuid
) returns public.store_members
language plpgsql security definer
set search_path = ''
as $$
declare
  v_member public.store_members;
begin
  perform private.actor_role(p_store_id, p_actor_id);
  select * into v_member from public.store_members m
  where m.store_id = p_store_id and m.user_id = p_user_id for update;
  if not found then
    raise exception 'this store has no member %', p_user_id using errcode = 'no_data_found';
  end if;
  perform private.require_may_manage(p_store_id, p_actor_id, v_member.role);
  perform private.require_may_manage(p_store_id, p_actor_id, p_role);
  perform private.set_team_actor(p_actor_id);
  update public.store_members set role = p_role
  where store_id = p_store_id and user_id = p_user_id
  returning * into v_member;
  perform private.clear_team_actor();
  return v_member;
end;
$$;

-- Remove a member (or leave: p_user_id = p_actor_id). In the same transaction their open conversations
-- and open or pending tickets become unassigned, and the removal is audited with those counts. The last
-- owner cannot leave (keep_an_owner).
create function public.remove_member(p_store_id uuid, p_user_id uuid, p_actor_id uuid)
returns jsonb
language plpgsql security definer
set search_path = ''
as $$
declare
  v_member public.store_members;
  v_conversations integer;
  v_tickets integer;
begin
  perform private.actor_role(p_store_id, p_actor_id);
  select * into v_member from public.store_members m
  where m.store_id = p_store_id and m.user_id = p_user_id for update;
  if not found then
    raise exception 'this store has no member %', p_user_id using errcode = 'no_data_found';
  end if;
  if p_user_id is distinct from p_actor_id then
    perform private.require_may_manage(p_store_id, p_actor_id, v_member.role);
  end if;
  perform private.set_team_actor(p_actor_id);
  delete from public.store_members where store_id = p_store_id and user_id = p_user_id;
  perform private.clear_team_actor();
  update public.conversations set assignee_id = null
  where store_id = p_store_id and assignee_id = p_user_id and status <> 'resolved';
  get diagnostics v_conversations = row_count;
  update public.tickets set assignee_id = null
  where store_id = p_store_id and assignee_id = p_user_id and status <> 'resolved';
  get diagnostics v_tickets = row_count;
  perform private.audit(p_store_id, p_actor_id, 'member.work_unassigned', 'store_members', p_user_id,
    jsonb_build_object('role', v_member.role, 'conversations', v_conversations, 'tickets', v_tickets));
  return jsonb_build_object('user_id', p_user_id, 'role', v_member.role,
    'conversations_unassigned', v_conversations, 'tickets_unassigned', v_tickets);
end;
$$;

-- The team page: members with e-mail, name, when they joined, last sign-in and last action in the
-- store, and the open invitations (also expired ones, so they can be resent). Any member may read.
create function public.store_team_page(p_store_id uuid) returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'members', coalesce((
      select jsonb_agg(jsonb_build_object(
        'user_id', m.user_id, 'role', m.role, 'email', u.email::text,
        'full_name', nullif(btrim(u.raw_user_meta_data ->> 'full_name'), ''),
        'joined_at', m.created_at, 'last_sign_in_at', u.last_sign_in_at,
        'last_active_at', greatest(u.last_sign_in_at, (
          select max(a.created_at) from public.audit_log a
          where a.store_id = m.store_id and a.actor_id = m.user_id))
      ) order by private.role_rank(m.role) desc, u.email)
      from public.store_members m join auth.users u on u.id = m.user_id
      where m.store_id = p_store_id), '[]'::jsonb),
    'invitations', coalesce((
      select jsonb_agg(to_jsonb(i) || jsonb_build_object('expired', i.expires_at <= now())
                       order by i.created_at desc)
      from public.store_invitations i
      where i.store_id = p_store_id and i.accepted_at is null and i.revoked_at is null), '[]'::jsonb)
  )
$$;

-- The owner's invitation as the plugin shows it: accepted, pending, expired, or none.
create function public.store_owner_invitation(p_store_id uuid) returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select coalesce(
    (select jsonb_build_object(
       'email', i.email,
       'status', case when i.accepted_at is not null then 'accepted'
                      when i.revoked_at is not null then 'revoked'
                      when i.expires_at <= now() then 'expired' else 'pending' end,
       'sent_at', i.sent_at, 'accepted_at', i.accepted_at)
     from public.store_invitations i
     where i.store_id = p_store_id and i.role = 'owner' and i.invited_by is null
     order by i.created_at desc limit 1),
    (select jsonb_build_object('email', u.email::text, 'status', 'accepted', 'sent_at', null,
                               'accepted_at', m.created_at)
     from public.store_members m join auth.users u on u.id = m.user_id
     where m.store_id = p_store_id and m.role = 'owner' order by m.created_at limit 1),
    jsonb_build_object('email', null, 'status', 'none', 'sent_at', null, 'accepted_at', null)
  )
$$;

-- Accepting: the first sign-in of a confirmed e-mail (GoTrue's verify of the invite link signs the user
-- in) turns that e-mail's open, unexpired invitations into memberships. A user already in the store keeps
-- the higher of the two roles.
create function private.accept_invitations() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_invitation public.store_invitations;
begin
  for v_invitation in
    select * from public.store_invitations i
    where i.email = lower(new.email::text) and i.accepted_at is null and i.revoked_at is null
      and i.expires_at > now()
    for update
  loop
    perform private.set_team_actor(new.id);
    insert into public.store_members as m (store_id, user_id, role)
    values (v_invitation.store_id, new.id, v_invitation.role)
    on conflict (store_id, user_id) do update set role = excluded.role
      where private.role_rank(excluded.role) > private.role_rank(m.role);
    perform private.clear_team_actor();
    update public.store_invitations set accepted_at = now(), accepted_by = new.id where id = v_invitation.id;
    perform private.audit(v_invitation.store_id, new.id, 'invitation.accepted', 'store_invitations',
      v_invitation.id, jsonb_build_object('email', v_invitation.email, 'role', v_invitation.role));
  end loop;
  return null;
end;
$$;

create trigger accept_store_invitations
  after insert or update of email_confirmed_at, last_sign_in_at on auth.users
  for each row when (new.email_confirmed_at is not null and new.email is not null)
  execute function private.accept_invitations();

-- Grants ------------------------------------------------------------------------------------------
revoke execute on function public.invite_to_store, public.resend_invitation, public.revoke_invitation,
  public.change_member_role, public.remove_member, public.store_team_page, public.store_owner_invitation
  from public, anon, authenticated;
grant execute on function public.invite_to_store, public.resend_invitation, public.revoke_invitation,
  public.change_member_role, public.remove_member, public.store_team_page, public.store_owner_invitation
  to service_role;
revoke execute on function private.actor_may_manage, private.require_may_manage, private.set_team_actor,
  private.clear_team_actor, private.confirmed_user_by_email, private.open_invitation, private.accept_invitations
  from public, anon, authenticated;
grant execute on function private.actor_may_manage, private.require_may_manage, private.set_team_actor,
  private.clear_team_actor, private.confirmed_user_by_email, private.open_invitation to service_role;
