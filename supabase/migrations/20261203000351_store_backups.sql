-- Store backups: an owner asks for the whole store as one archive; a background job writes it to object
-- storage and records here where it is and what it holds (the manifest). `sapa store import` restores
-- such an archive into an empty store.

-- Tables ------------------------------------------------------------------------------------------
create table public.store_backups (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references public.stores (id) on delete cascade,
  requested_by uuid references auth.users (id) on delete set null,
  status text not null default 'working' check (status in ('working', 'ready', 'failed')),
  storage_key text check (length(storage_key) <= 1024),
  size_bytes bigint check (size_bytes >= 0),
  manifest jsonb check (manifest is null or jsonb_typeof(manifest) = 'object'),
  error text check (length(error) <= 2000),
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  check ((status = 'ready') = (storage_key is not null and manifest is not null)),
  check ((status = 'failed') = (error is not null))
);
comment on table public.store_backups is
  'Archives of a whole store an owner asked for: working, then ready (storage_key, manifest: counts, schema version, checksums) or failed (error).';
create index store_backups_store_created_idx on public.store_backups (store_id, created_at desc);

-- Grants ------------------------------------------------------------------------------------------
revoke all on public.store_backups from anon, authenticated;
grant select on public.store_backups to authenticated;
grant all on public.store_backups to service_role;

-- RLS ---------------------------------------------------------------------------------------------
alter table public.store_backups enable row level security;
create policy "owners can view their store's backups" on public.store_backups
  for select to authenticated using (public.has_role_on_store(store_id, 'owner'));

-- Functions ---------------------------------------------------------------------------------------
-- An owner asks for a backup: the row the job fills in, and an audit row. 42501 for anyone else.
create function public.request_store_backup(p_store_id uuid, p_actor_id uuid) returns public.store_backups
language plpgsql
set search_path = ''
as $$
declare
  v_backup public.store_backups;
begin
  if private.actor_role(p_store_id, p_actor_id) <> 'owner' then
    raise exception 'only an owner of the store can download the whole store' using errcode = 'insufficient_privilege';
  end if;
  insert into public.store_backups (store_id, requested_by) values (p_store_id, p_actor_id) returning * into v_backup;
  insert into public.audit_log (store_id, actor_id, action, target_table, target_id)
  values (p_store_id, p_actor_id, 'store.backup_requested', 'store_backups', v_backup.id::text);
  return v_backup;
end;
$$;

-- What an archive's rows may be inserted with: per table, the columns that are neither generated nor
-- identity-always (those the database computes again on import).
create function public.store_backup_columns(p_tables text[]) returns jsonb
language sql stable
set search_path = ''
as $$
  select coalesce(jsonb_object_agg(t.name, cols.names), '{}')
  from unnest(p_tables) t (name)
  cross join lateral (
    select jsonb_agg(a.attname order by a.attnum) as names
    from pg_catalog.pg_attribute a
    where a.attrelid = format('public.%I', t.name)::regclass and a.attnum > 0 and not a.attisdropped
      and a.attgenerated = '' and a.attidentity <> 'a'
  ) cols
$$;

-- The last migration applied: an archive records it, and an import refuses an archive from a newer schema.
create function public.schema_version() returns text
language sql stable security definer
set search_path = ''
as $$
  select max(version) from supabase_migrations.schema_migrations
$$;

revoke execute on function public.request_store_backup(uuid, uuid), public.store_backup_columns(text[]),
  public.schema_version() from public, anon, authenticated;
grant execute on function public.request_store_backup(uuid, uuid), public.store_backup_columns(text[]),
  public.schema_version() to service_role;
