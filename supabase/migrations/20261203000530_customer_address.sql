-- The segments' city and province rules read customers.city and customers.province: filled from
-- WooCommerce, from the customer's billing address (customer webhooks, the sync) and from their orders'
-- billing address (a guest checkout has no WooCommerce customer). The most recent source wins: a
-- customer record by its date_modified, an order by its created_at. The functions send the province by
-- name (WooCommerce's state code "JT" → "Jawa Tengah", sapa.commerce.woocommerce.parse).
--
-- The two mirror functions keep their bodies; each is wrapped by one of the same name that applies the
-- address after it (callers, in SQL and in the functions, call the wrappers by the old names).

alter table public.customers add column address_at timestamptz;
comment on column public.customers.address_at is
  'When the city and province were true: the date of the WooCommerce customer record or order they came from.';

-- p_address: {"city", "province"}; nothing changes when both are empty, when a newer address is already
-- stored, or when the customer was erased.
create function private.apply_customer_address(p_customer_id uuid, p_address jsonb, p_at timestamptz)
returns void
language sql
set search_path = ''
as $$
  update public.customers c
  set city = left(nullif(btrim(p_address ->> 'city'), ''), 200),
      province = left(nullif(btrim(p_address ->> 'province'), ''), 200),
      address_at = p_at
  where c.id = p_customer_id
    and c.erased_at is null
    and p_at is not null
    and (c.address_at is null or c.address_at <= p_at)
    and coalesce(nullif(btrim(p_address ->> 'city'), ''), nullif(btrim(p_address ->> 'province'), '')) is not null;
$$;

alter function public.woocommerce_apply_customer(uuid, jsonb) rename to woocommerce_apply_customer_fields;
alter function public.woocommerce_apply_customer_fields(uuid, jsonb) set schema private;

create function public.woocommerce_apply_customer(p_store_id uuid, p_customer jsonb) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_result text := private.woocommerce_apply_customer_fields(p_store_id, p_customer);
begin
  if v_result in ('created', 'updated') then
    perform private.apply_customer_address(c.id, p_customer -> 'address', (p_customer ->> 'date_modified')::timestamptz)
    from public.customers c
    where c.store_id = p_store_id and c.external_id = (p_customer ->> 'external_id')::bigint;
  end if;
  return v_result;
end;
$$;
comment on function public.woocommerce_apply_customer is
  'Mirror one WooCommerce customer onto the store''s customer with that WooCommerce id (else the WhatsApp contact with its phone), its billing city and province included.';

alter function private.woocommerce_order_customer(uuid, jsonb) rename to woocommerce_order_customer_fields;

create function private.woocommerce_order_customer(p_store_id uuid, p_order jsonb) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid := private.woocommerce_order_customer_fields(p_store_id, p_order);
begin
  if v_id is not null then
    perform private.apply_customer_address(v_id, p_order -> 'address', (p_order ->> 'created_at')::timestamptz);
  end if;
  return v_id;
end;
$$;

revoke execute on function public.woocommerce_apply_customer, private.woocommerce_order_customer,
  private.apply_customer_address from public, anon, authenticated;
grant execute on function public.woocommerce_apply_customer, private.woocommerce_order_customer,
  private.apply_customer_address to service_role;
