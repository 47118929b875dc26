-- A CSV import may carry each contact's city and province ({"address": {"city", "province"}} on a row):
-- stored as the customer's place, dated now (the shop's own list is newer than any order it has).
-- The import keeps its body; the wrapper of the same name applies the addresses after it.

alter function public.import_customers(uuid, jsonb, uuid) rename to import_customer_rows;
alter function public.import_customer_rows(uuid, jsonb, uuid) set schema private;

create function public.import_customers(p_store_id uuid, p_rows jsonb, p_actor_id uuid) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_result jsonb := private.import_customer_rows(p_store_id, p_rows, p_actor_id);
begin
  perform private.apply_customer_address(c.id, r -> 'address', now())
  from jsonb_array_elements(p_rows) r
  join public.customers c on c.store_id = p_store_id and c.phone = r ->> 'phone'
  where jsonb_typeof(r -> 'address') = 'object';
  return v_result;
end;
$$;

revoke execute on function public.import_customers from public, anon, authenticated;
grant execute on function public.import_customers to service_role;
