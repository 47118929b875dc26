-- Who did what, when, to what. Appended by the service role (the functions API records every agent
-- action) and by triggers; read by owners and admins; never changed.

create table public.audit_log (
  id bigint generated always as identity primary key,
  store_id uuid references public.stores (id) on delete cascade,
  actor_id uuid references auth.users (id) on delete set null,
  action text not null check (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
  target_table text,
  target_id text,
  details jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
comment on table public.audit_log is 'Append-only record of actions: action is dotted, e.g. member.role_changed, conversation.taken_over.';
create index audit_log_store_created_idx on public.audit_log (store_id, created_at desc);

-- service_role too: the default privileges in public grant it everything, and it bypasses RLS.
revoke all on public.audit_log from anon, authenticated, service_role;
grant select on public.audit_log to authenticated;
grant select, insert on public.audit_log to service_role;

alter table public.audit_log enable row level security;
create policy "owners and admins can read their store's audit log" on public.audit_log
  for select to authenticated using (public.has_role_on_store(store_id, 'admin'));

-- Team changes are audited where they happen, whoever makes them.
create function private.audit_member_change() returns trigger
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
    (select auth.uid()),
    case tg_op when 'INSERT' then 'member.added' when 'UPDATE' then 'member.role_changed' else 'member.removed' end,
    'store_members',
    v_row.user_id::text,
    jsonb_strip_nulls(jsonb_build_object('old_role', old.role, 'new_role', new.role))
  );
  return null;
end;
$$;

create trigger audit_member_change after insert or update of role or delete on public.store_members
  for each row execute function private.audit_member_change();
