-- Supabase fidelity: the platform the migrations run on behaves as Supabase's (supabase/postgres init
-- scripts and migrations, GoTrue's and Realtime's migrations). Locally that platform is the shim in
-- functions/sapa/local/shim.sql; on Supabase these facts hold by themselves. One block per fact.
begin;
\ir _helpers.psql
select plan(34);

-- 1. auth.users.id has no default: GoTrue gives every user its id -----------------------------------
select col_hasnt_default('auth', 'users', 'id', 'auth.users.id has no default, as GoTrue''s schema');
select col_hasnt_default('auth', 'sessions', 'id', 'auth.sessions.id has no default, as GoTrue''s schema');
select throws_ok(
  $$ insert into auth.users (email) values ('no-id@test.sapa.local') $$,
  '23502', null, 'a user inserted without an id is refused');
select lives_ok($$ select tests.create_user('with-id@test.sapa.local') $$, 'tests.create_user gives the id');

-- 2. `postgres` is not a superuser; the cluster's superuser is supabase_admin ------------------------
select is(current_user::text, 'postgres', 'the tests run as postgres, as `supabase test db` runs them');
select is(current_setting('is_superuser'), 'off', 'postgres is not a superuser');
select results_eq(
  $$ select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolcanlogin from pg_catalog.pg_roles
     where rolname = 'postgres' $$,
  $$ values (false, true, true, true, true) $$,
  'postgres has BYPASSRLS, CREATEROLE and CREATEDB, as on Supabase');
select is((select rolname::text from pg_catalog.pg_roles where oid = 10), 'supabase_admin',
  'the bootstrap superuser is supabase_admin');
select ok((select rolsuper from pg_catalog.pg_roles where rolname = 'supabase_admin'), 'supabase_admin is a superuser');
select is((select pg_catalog.pg_get_userbyid(datdba)::text from pg_catalog.pg_database where datname = 'postgres'),
  'postgres', 'postgres owns the database postgres');
select ok(pg_catalog.has_parameter_privilege('postgres', 'session_replication_role', 'SET'),
  'postgres may set session_replication_role (supautils'' privileged_role_allowed_configs on Supabase)');
select throws_ok($$ create extension if not exists file_fdw $$, '42501', null,
  'postgres cannot create an untrusted extension that the platform did not provide');
select throws_ok($$ alter role postgres superuser $$, '42501', null, 'postgres cannot make itself a superuser');

-- 3. The platform schemas are supabase_admin's --------------------------------------------------------
select schema_owner_is('auth', 'supabase_admin', 'schema auth is owned by supabase_admin');
select schema_owner_is('realtime', 'supabase_admin', 'schema realtime is owned by supabase_admin');
select table_owner_is('auth', 'users', 'supabase_auth_admin', 'auth.users is owned by supabase_auth_admin (GoTrue)');
select table_owner_is('realtime', 'messages', 'supabase_realtime_admin',
  'realtime.messages is owned by supabase_realtime_admin');

-- 4. The API roles' settings -------------------------------------------------------------------------
create function tests.role_setting(p_role text, p_name text) returns text
language sql stable
set search_path = ''
as $$
  select split_part(s.setting, '=', 2)
  from pg_catalog.pg_db_role_setting c, unnest(c.setconfig) as s(setting)
  where c.setrole = p_role::regrole and c.setdatabase = 0 and split_part(s.setting, '=', 1) = p_name
$$;
select is(tests.role_setting('anon', 'statement_timeout'), '3s', 'anon: statement_timeout 3s');
select is(tests.role_setting('authenticated', 'statement_timeout'), '8s', 'authenticated: statement_timeout 8s');
select is(tests.role_setting('authenticator', 'statement_timeout'), '8s', 'authenticator: statement_timeout 8s');
select is(tests.role_setting('authenticator', 'lock_timeout'), '8s', 'authenticator: lock_timeout 8s');

-- 5. UPDATE/DELETE without WHERE refused in API sessions ---------------------------------------------
select is(tests.role_setting('authenticator', 'session_preload_libraries'), '"$libdir/plugins/sapa_safeupdate"',
  'authenticator''s sessions load the safe-update check, as Supabase loads pg-safeupdate');
-- The same module, loaded into this session as PostgREST's sessions load it.
load '$libdir/plugins/sapa_safeupdate';
create table tests.scratch (id int primary key, note text);
insert into tests.scratch values (1, 'a'), (2, 'b');
create function tests.delete_everything() returns void
language plpgsql
set search_path = ''
as $$ begin delete from tests.scratch; end; $$;
set sapa_safeupdate.enabled = on;
select throws_ok($$ delete from tests.scratch $$, '21000', 'DELETE requires a WHERE clause',
  'a DELETE without WHERE is refused');
select throws_ok($$ update tests.scratch set note = 'x' $$, '21000', 'UPDATE requires a WHERE clause',
  'an UPDATE without WHERE is refused');
select throws_ok($$ with gone as (delete from tests.scratch returning id) select count(*) from gone $$, '21000',
  'DELETE requires a WHERE clause', 'a DELETE without WHERE inside WITH is refused');
select throws_ok($$ select tests.delete_everything() $$, '21000', 'DELETE requires a WHERE clause',
  'a function''s DELETE without WHERE is refused too, as pg-safeupdate refuses it');
select is(tests.affected_rows($$ update tests.scratch set note = 'x' where id = 1 $$), 1::bigint,
  'an UPDATE with a WHERE clause runs');
select is(tests.affected_rows($$ delete from tests.scratch where true $$), 2::bigint,
  'a DELETE with any WHERE clause runs (pg-safeupdate checks for the clause, not what it selects)');
set sapa_safeupdate.enabled = off;

-- 6. service_role has no rights on auth.* tables -----------------------------------------------------
select is_empty(
  $$ select table_name, privilege_type from information_schema.role_table_grants
     where grantee in ('service_role', 'anon', 'authenticated') and table_schema = 'auth' $$,
  'no API role holds a privilege on an auth table');
select ok(not pg_catalog.has_table_privilege('service_role', 'auth.users', 'select')
          and not pg_catalog.has_table_privilege('service_role', 'auth.sessions', 'select')
          and not pg_catalog.has_table_privilege('service_role', 'auth.refresh_tokens', 'select'),
  'service_role cannot read users, sessions or refresh tokens');
select tests.authenticate_as_service_role();
select throws_ok($$ select count(*) from auth.users $$, '42501', null, 'service_role reading auth.users is refused');
select tests.clear_authentication();

-- 7. realtime.messages is partitioned by day on inserted_at ------------------------------------------
select is(pg_catalog.pg_get_partkeydef('realtime.messages'::regclass), 'RANGE (inserted_at)',
  'realtime.messages is partitioned by range of inserted_at');
select ok(
  (select count(*) from pg_catalog.pg_inherits i join pg_catalog.pg_class c on c.oid = i.inhrelid
   where i.inhparent = 'realtime.messages'::regclass
     and c.relname in ('messages_' || to_char(now() at time zone 'utc' - interval '1 day', 'YYYY_MM_DD'),
                       'messages_' || to_char(now() at time zone 'utc', 'YYYY_MM_DD'),
                       'messages_' || to_char(now() at time zone 'utc' + interval '3 days', 'YYYY_MM_DD'))) = 3,
  'partitions exist from yesterday to three days ahead, named as Realtime names them');
select realtime.send('{"fact": 7}', 'fact', 'platform:fact-7', false);
select is(
  (select tableoid::regclass::text from realtime.messages where topic = 'platform:fact-7'),
  'realtime.messages_' || to_char(now()::timestamp, 'YYYY_MM_DD'),
  'realtime.send stores the message in today''s partition');

select * from finish();
rollback;
