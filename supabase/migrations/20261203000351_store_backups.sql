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

-- Inserts an archive's rows (a JSON array, new ids already given) into one of the store's tables, for
-- `sapa store import`: as the table's owner, since some tables are written only through their own
-- functions (knowledge_chunks). Only the columns the rows carry that are neither generated nor
-- identity-always (the database computes those again); every row must belong to p_store_id.
create function public.import_store_rows(p_store_id uuid, p_table text, p_rows jsonb) returns bigint
language plpgsql security definer
set search_path = ''
as $$
declare
  v_columns text;
  v_count bigint;
begin
  if p_table not in ('store_policies', 'whatsapp_templates', 'customers', 'customer_labels', 'customer_notes',
                     'segments', 'products', 'product_variations', 'orders', 'order_items', 'conversations', 'messages',
                     'tickets', 'conversation_notes', 'knowledge_documents', 'knowledge_chunks') then
    raise exception 'a backup does not restore table %', p_table using errcode = 'invalid_parameter_value';
  end if;
  if jsonb_typeof(p_rows) <> 'array' or jsonb_array_length(p_rows) = 0 then
    return 0;
  end if;
  if exists (select from jsonb_array_elements(p_rows) r where r ->> 'store_id' is distinct from p_store_id::text) then
    raise exception 'every row must belong to store %', p_store_id using errcode = 'invalid_parameter_value';
  end if;
  select string_agg(format('%I', a.attname), ', ' order by a.attnum) into v_columns
  from pg_catalog.pg_attribute a
  where a.attrelid = format('public.%I', p_table)::regclass and a.attnum > 0 and not a.attisdropped
    and a.attgenerated = '' and a.attidentity <> 'a' and p_rows -> 0 ? a.attname;
  execute format('insert into public.%I (%s) select %s from jsonb_populate_recordset(null::public.%I, $1)',
                 p_table, v_columns, v_columns, p_table)
    using p_rows;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

-- The last migration applied: an archive records it, and an import refuses an archive from a newer schema.
create function public.schema_version() returns text
language sql stable security definer
set search_path = ''
as $$
  select max(version) from supabase_migrations.schema_migrations
$$;

revoke execute on function public.request_store_backup(uuid, uuid), public.import_store_rows(uuid, text, jsonb),
  public.schema_version() from public, anon, authenticated;
grant execute on function public.request_store_backup(uuid, uuid), public.import_store_rows(uuid, text, jsonb),
  public.schema_version() to service_role;
