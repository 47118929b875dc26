-- Tenant isolation on every table: members see their store only, a user of no store sees nothing,
-- anon can neither read nor write, and the service role sees everything.
begin;
\ir _helpers.psql
select plan(89);
select tests.seed_two_stores();

-- Which stores' rows does the current role see in each table? (stores is keyed by id, the rest by store_id.)
create function tests.visible_store_ids(p_table text) returns setof uuid
language plpgsql
set search_path = ''
as $$
begin
  return query execute format('select distinct %I from public.%I',
    case p_table when 'stores' then 'id' else 'store_id' end, p_table);
end;
$$;
create function tests.visible_row_count(p_table text) returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_count bigint;
begin
  execute format('select count(*) from public.%I', p_table) into v_count;
  return v_count;
end;
$$;
grant execute on function tests.visible_store_ids, tests.visible_row_count to anon, authenticated, service_role;

create table tests.tenant_tables (name text primary key);
insert into tests.tenant_tables values ('stores'), ('store_members'), ('customers'), ('conversations'), ('messages'),
  ('products'), ('orders'), ('order_items'), ('tickets'), ('audit_log');
grant select on tests.tenant_tables to anon, authenticated, service_role;

-- The fixture really has rows of both stores in every table, so the checks below can fail.
select is_empty(
  $$ select t.name from tests.tenant_tables t
     where not array[tests.id('store_a'), tests.id('store_b')] <@ array(select tests.visible_store_ids(t.name)) $$,
  'the fixture has rows of both stores in all ten tables');

-- Members see their own store only ------------------------------------------------------------------
select tests.authenticate_as(tests.id('agent_a'));
select set_eq(format('select tests.visible_store_ids(%L)', name), array[tests.id('store_a')],
  format('an agent of A sees only store A in %s', name))
from tests.tenant_tables where name <> 'audit_log' order by name;
select is_empty($$ select * from public.audit_log $$, 'an agent of A sees no audit log at all');

select tests.authenticate_as(tests.id('agent_b'));
select set_eq(format('select tests.visible_store_ids(%L)', name), array[tests.id('store_b')],
  format('an agent of B sees only store B in %s', name))
from tests.tenant_tables where name <> 'audit_log' order by name;
select is_empty($$ select * from public.audit_log $$, 'an agent of B sees no audit log at all');

select tests.authenticate_as(tests.id('admin_a'));
select set_eq($$ select tests.visible_store_ids('audit_log') $$, array[tests.id('store_a')],
  'an admin of A sees the audit log of store A only');
select tests.authenticate_as(tests.id('owner_b'));
select set_eq($$ select tests.visible_store_ids('audit_log') $$, array[tests.id('store_b')],
  'the owner of B sees the audit log of store B only');

-- Looking a row of B up by id from A finds nothing.
select tests.authenticate_as(tests.id('agent_a'));
select is_empty(format('select * from public.%I where id = %L', t, tests.id(f)),
  format('an agent of A cannot fetch %s of B by id', t))
from (values ('stores', 'store_b'), ('customers', 'customer_b'), ('conversations', 'conversation_b'),
             ('products', 'product_b'), ('orders', 'order_b'), ('tickets', 'ticket_b')) v (t, f);

-- A user of no store sees nothing ------------------------------------------------------------------
select tests.authenticate_as(tests.id('outsider'));
select is_empty(format('select * from public.%I', name), format('a user of no store sees nothing in %s', name))
from tests.tenant_tables order by name;

-- anon can neither read nor write ------------------------------------------------------------------
select tests.authenticate_as_anon();
select throws_ok(format('select * from public.%I', name), '42501', format('permission denied for table %s', name),
  format('anon cannot read %s', name))
from tests.tenant_tables order by name;
select throws_ok(format('insert into public.%I default values', name), '42501', format('permission denied for table %s', name),
  format('anon cannot insert into %s', name))
from tests.tenant_tables order by name;
select throws_ok(format('update public.%I set created_at = now()', name), '42501', format('permission denied for table %s', name),
  format('anon cannot update %s', name))
from tests.tenant_tables where name <> 'order_items' order by name;  -- order_items has no created_at
select throws_ok('update public.order_items set quantity = 1', '42501', 'permission denied for table order_items',
  'anon cannot update order_items');
select throws_ok(format('delete from public.%I', name), '42501', format('permission denied for table %s', name),
  format('anon cannot delete from %s', name))
from tests.tenant_tables order by name;

-- The service role sees everything -----------------------------------------------------------------
select tests.authenticate_as_service_role();
select is(tests.visible_row_count(name), tests.row_count('public.' || name),
  format('the service role sees every row of %s', name))
from tests.tenant_tables order by name;

select * from finish();
rollback;
