-- The shop as arbiter (migration 20) meets variations (migration 30): what the shop's REST API answers is
-- applied through the wrappers that keep variations linked, and a variation of the same date_modified (or
-- in a trash Sapa stamped) is replaced by the shop's answer as a product is.
create or replace function public.woocommerce_apply_from_shop(p_store_id uuid, p_resource text, p_item jsonb) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_external bigint := (p_item ->> 'external_id')::bigint;
  v_modified timestamptz := (p_item ->> 'date_modified')::timestamptz;
  v_before timestamptz := v_modified - interval '1 microsecond';
begin
  if v_external is null or v_modified is null then
    raise exception 'a resource needs its id and date_modified' using errcode = 'not_null_violation';
  end if;
  case p_resource
    when 'order' then
      update public.orders o set date_modified = v_before
      where o.store_id = p_store_id and o.external_id = v_external
        and (o.date_modified = v_modified or (o.status = 'trash' and o.date_modified > v_modified));
      return public.woocommerce_apply_order_and_variations(p_store_id, p_item);
    when 'product' then
      if p_item ->> 'parent_external_id' is not null then
        update public.product_variations v set date_modified = v_before
        where v.store_id = p_store_id and v.external_id = v_external
          and (v.date_modified = v_modified or (v.status = 'trash' and v.date_modified > v_modified));
      else
        update public.products p set date_modified = v_before
        where p.store_id = p_store_id and p.external_id = v_external
          and (p.date_modified = v_modified or (p.status = 'trash' and p.date_modified > v_modified));
      end if;
      return public.woocommerce_apply_product_or_variation(p_store_id, p_item);
    when 'customer' then
      update public.customers c set date_modified = v_before
      where c.store_id = p_store_id and c.external_id = v_external and c.date_modified = v_modified;
      return public.woocommerce_apply_customer(p_store_id, p_item);
    else
      raise exception 'unknown WooCommerce resource %', p_resource using errcode = 'invalid_parameter_value';
  end case;
end;
$$;
comment on function public.woocommerce_apply_from_shop is
  'Apply a resource as the shop''s REST API answered it: it wins over a row (product, variation, order or '
  'customer) of the same date_modified and over a trash Sapa stamped; variations stay linked.';
