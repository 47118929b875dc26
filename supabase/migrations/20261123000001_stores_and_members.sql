-- Stores and the people who work them.
-- Order (as in every migration here): types → tables → grants → RLS → policies → functions/triggers.

create extension if not exists vector with schema extensions;

-- Helpers that policies call; not exposed through PostgREST (only `public` is).
create schema if not exists private;
grant usage on schema private to authenticated, service_role;

create type public.store_role as enum ('owner', 'admin', 'agent');

create function private.is_valid_timezone(p_timezone text) returns boolean
language sql stable
set search_path = ''
as $$
  select exists (select 1 from pg_catalog.pg_timezone_names where name = p_timezone)
$$;

create function private.set_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

-- Tables ------------------------------------------------------------------------------------------
create table public.stores (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(btrim(name)) between 1 and 200),
  site_url text check (site_url ~* '^https?://[^\s]+$'),
  whatsapp_number text unique check (whatsapp_number ~ '^\+[1-9][0-9]{6,14}$'),
  timezone text not null default 'Asia/Jakarta' check (private.is_valid_timezone(timezone)),
  currency text not null default 'IDR' check (currency ~ '^[A-Z]{3}$'),
  default_country text not null default 'ID' check (default_country ~ '^[A-Z]{2}$'),
  retention interval not null default interval '6 months' check (retention >= interval '1 day'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.stores is 'A shop: one WooCommerce site and one WhatsApp sender.';
comment on column public.stores.whatsapp_number is 'The WhatsApp sender in E.164; identifies the store on inbound Twilio webhooks.';
comment on column public.stores.retention is 'Messages and conversations older than this are purged.';

create table public.store_members (
  store_id uuid not null references public.stores (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role public.store_role not null default 'agent',
  created_at timestamptz not null default now(),
  primary key (store_id, user_id)
);
create index store_members_user_id_idx on public.store_members (user_id);
comment on table public.store_members is 'Who works a store, and in which role (owner > admin > agent).';

create trigger set_updated_at before update on public.stores
  for each row execute function private.set_updated_at();

-- Grants ------------------------------------------------------------------------------------------
revoke all on public.stores, public.store_members from anon, authenticated;
grant select on public.stores to authenticated;
grant update (name, site_url, timezone, currency, default_country, retention) on public.stores to authenticated;
grant select, insert, delete on public.store_members to authenticated;
grant update (role) on public.store_members to authenticated;
grant all on public.stores, public.store_members to service_role;

-- RLS helpers -------------------------------------------------------------------------------------
create function private.role_rank(p_role public.store_role) returns integer
language sql immutable
set search_path = ''
as $$
  select case p_role when 'owner' then 3 when 'admin' then 2 when 'agent' then 1 end
$$;

-- Does the caller hold at least p_role in the store? security definer: reads store_members without
-- recursing into its own policies.
create function public.has_role_on_store(p_store_id uuid, p_role public.store_role default 'agent')
returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.store_members m
    where m.store_id = p_store_id
      and m.user_id = (select auth.uid())
      and private.role_rank(m.role) >= private.role_rank(p_role)
  )
$$;
comment on function public.has_role_on_store is 'True when the calling user holds at least the given role in the store.';

create function private.is_member_of_store(p_store_id uuid, p_user_id uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.store_members m where m.store_id = p_store_id and m.user_id = p_user_id
  )
$$;

-- May the caller grant, change or take away this membership role? Owners: any; admins: agents only.
create function private.can_manage_role(p_store_id uuid, p_role public.store_role) returns boolean
language sql stable
set search_path = ''
as $$
  select public.has_role_on_store(p_store_id, 'owner')
      or (p_role = 'agent' and public.has_role_on_store(p_store_id, 'admin'))
$$;

revoke execute on function public.has_role_on_store, private.is_member_of_store, private.can_manage_role
  from public, anon;
grant execute on function public.has_role_on_store, private.is_member_of_store, private.can_manage_role,
  private.role_rank, private.is_valid_timezone to authenticated, service_role;

-- RLS ---------------------------------------------------------------------------------------------
alter table public.stores enable row level security;
alter table public.store_members enable row level security;

create policy "members can view their stores" on public.stores
  for select to authenticated using (public.has_role_on_store(id));
create policy "owners and admins can update their stores" on public.stores
  for update to authenticated
  using (public.has_role_on_store(id, 'admin')) with check (public.has_role_on_store(id, 'admin'));

create policy "members can view their store's team" on public.store_members
  for select to authenticated using (public.has_role_on_store(store_id));
create policy "owners add anyone and admins add agents" on public.store_members
  for insert to authenticated with check (private.can_manage_role(store_id, role));
create policy "owners change any role and admins change agents to agents" on public.store_members
  for update to authenticated
  using (private.can_manage_role(store_id, role)) with check (private.can_manage_role(store_id, role));
create policy "owners remove anyone and admins remove agents" on public.store_members
  for delete to authenticated using (private.can_manage_role(store_id, role));

-- A store always keeps an owner ------------------------------------------------------------------
create function private.keep_an_owner() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if old.role = 'owner'
     and (tg_op = 'DELETE' or new.role <> 'owner')
     and exists (select 1 from public.stores s where s.id = old.store_id)
     and not exists (
       select 1 from public.store_members m
       where m.store_id = old.store_id and m.role = 'owner' and m.user_id <> old.user_id
     ) then
    raise exception 'a store must keep at least one owner' using errcode = 'check_violation';
  end if;
  return coalesce(new, old);
end;
$$;

create trigger keep_an_owner before update of role or delete on public.store_members
  for each row execute function private.keep_an_owner();

-- Creating a store makes the caller its owner, in one step -----------------------------------------
create function public.create_store(
  p_name text,
  p_site_url text default null,
  p_timezone text default 'Asia/Jakarta',
  p_currency text default 'IDR',
  p_default_country text default 'ID'
) returns public.stores
language plpgsql security definer
set search_path = ''
as $$
declare
  v_store public.stores;
begin
  if (select auth.uid()) is null then
    raise exception 'sign in to create a store' using errcode = 'insufficient_privilege';
  end if;
  insert into public.stores (name, site_url, timezone, currency, default_country)
  values (p_name, p_site_url, p_timezone, p_currency, p_default_country)
  returning * into v_store;
  insert into public.store_members (store_id, user_id, role) values (v_store.id, (select auth.uid()), 'owner');
  return v_store;
end;
$$;
revoke execute on function public.create_store from public, anon;
grant execute on function public.create_store to authenticated, service_role;
