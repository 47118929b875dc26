-- Live KPIs: the KPI page refetches its figures when messages, conversations or orders change. Messages
-- and conversations are broadcast already (migration 05); this adds orders, so a paid order arriving by
-- the WooCommerce webhook moves average order value and conversion on the open page without a reload.
--
-- Unlike migration 05 this broadcasts once per statement and store, and without the rows: the page only
-- needs to know that orders changed (it reads the figures through the KPI functions), a WooCommerce
-- backfill upserting thousands of orders must not become thousands of realtime messages, and billing
-- names and phones have no reason to travel over realtime. Payload: {table, schema, operation, count}.

create function private.broadcast_store_orders_changed() returns trigger
language plpgsql security definer  -- realtime.messages is not writable by the roles that change orders
set search_path = ''
as $$
declare
  v_store record;
begin
  for v_store in select store_id, count(*) as n from changed_orders group by store_id loop
    perform realtime.send(
      pg_catalog.jsonb_build_object(
        'table', tg_table_name, 'schema', tg_table_schema, 'operation', tg_op, 'count', v_store.n
      ),
      tg_op,
      'store:' || v_store.store_id::text,
      true
    );
  end loop;
  return null;
end;
$$;
revoke execute on function private.broadcast_store_orders_changed() from public, anon, authenticated;

-- One trigger per event: Postgres allows a transition table only on a single-event trigger.
create trigger broadcast_orders_inserted after insert on public.orders
  referencing new table as changed_orders
  for each statement execute function private.broadcast_store_orders_changed();
create trigger broadcast_orders_updated after update on public.orders
  referencing new table as changed_orders
  for each statement execute function private.broadcast_store_orders_changed();
create trigger broadcast_orders_deleted after delete on public.orders
  referencing old table as changed_orders
  for each statement execute function private.broadcast_store_orders_changed();
