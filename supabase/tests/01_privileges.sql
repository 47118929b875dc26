-- The grants and RLS switches every other test relies on: what each role may touch at all.
begin;
\ir _helpers.psql
select plan(37);

select is_empty(
  $$ select c.relname from pg_catalog.pg_class c
     where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relrowsecurity $$,
  'every table in public has row level security enabled'
);
select ok(
  (select relrowsecurity from pg_catalog.pg_class where oid = 'realtime.messages'::regclass),
  'realtime.messages has row level security enabled'
);

-- anon gets nothing on any table.
select table_privs_are('public', t, 'anon', array[]::name[], format('anon has no privileges on %s', t))
from unnest(array['stores', 'store_members', 'customers', 'conversations', 'messages', 'products', 'orders',
                  'order_items', 'tickets', 'audit_log']) t;

-- authenticated: reads everywhere; writes only where the dashboard writes (RLS narrows them further).
select table_privs_are('public', t, 'authenticated', privs, format('authenticated has exactly %s on %s', privs, t))
from (values
  ('stores', array['SELECT']::name[]),
  ('store_members', array['SELECT', 'INSERT', 'DELETE']::name[]),
  ('customers', array['SELECT']::name[]),
  ('conversations', array['SELECT']::name[]),
  ('messages', array['SELECT']::name[]),
  ('products', array['SELECT']::name[]),
  ('orders', array['SELECT']::name[]),
  ('order_items', array['SELECT']::name[]),
  ('tickets', array['SELECT', 'DELETE']::name[]),
  ('audit_log', array['SELECT']::name[])
) as expected (t, privs);

-- Column grants: the only columns authenticated may write.
select column_privs_are('public', t, c, 'authenticated', privs, format('authenticated has exactly %s on %s.%s', privs, t, c))
from (values
  ('stores', 'name', array['SELECT', 'UPDATE']::name[]),
  ('stores', 'whatsapp_number', array['SELECT']::name[]),
  ('store_members', 'role', array['SELECT', 'INSERT', 'UPDATE']::name[]),
  ('store_members', 'user_id', array['SELECT', 'INSERT']::name[]),
  ('customers', 'name', array['SELECT', 'UPDATE']::name[]),
  ('customers', 'email', array['SELECT', 'UPDATE']::name[]),
  ('customers', 'phone', array['SELECT']::name[]),
  ('tickets', 'assignee_id', array['SELECT', 'INSERT', 'UPDATE']::name[]),
  ('tickets', 'store_id', array['SELECT', 'INSERT']::name[]),
  ('tickets', 'created_by', array['SELECT']::name[])
) as expected (t, c, privs);

select table_privs_are('public', 'audit_log', 'service_role', array['SELECT', 'INSERT'],
  'service_role may only read and append to the audit log');

select function_privs_are('public', 'create_store', array['text', 'text', 'text', 'text', 'text'], 'anon', array[]::name[],
  'anon cannot execute create_store');
select function_privs_are('public', 'create_store', array['text', 'text', 'text', 'text', 'text'], 'authenticated', array['EXECUTE'],
  'authenticated can execute create_store');
select function_privs_are('public', 'has_role_on_store', array['uuid', 'public.store_role'], 'anon', array[]::name[],
  'anon cannot execute has_role_on_store');
select function_privs_are('public', 'has_role_on_store', array['uuid', 'public.store_role'], 'authenticated', array['EXECUTE'],
  'authenticated can execute has_role_on_store');

select * from finish();
rollback;
