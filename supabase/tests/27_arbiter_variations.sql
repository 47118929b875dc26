-- The shop as arbiter for variations: a variation fetched from the shop with the same date_modified as the
-- mirror's replaces it (two states within one second), a trash Sapa stamped gives way, a strictly newer
-- mirror row stays; an order fetched from the shop keeps the variation bought on its line.
begin;
\ir _helpers.psql
select plan(10);
select tests.seed_two_stores();

create function tests.size_xl(p_modified text, p_stock integer) returns jsonb
language sql immutable set search_path = '' as $$
  select jsonb_build_object('external_id', 702, 'parent_external_id', 700, 'sku', 'KW-XL',
    'attributes', jsonb_build_array(jsonb_build_object('name', 'Size', 'option', 'XL')), 'price', '125000',
    'stock_status', case when p_stock > 0 then 'instock' else 'outofstock' end, 'stock_quantity', p_stock,
    'status', 'publish', 'date_modified', p_modified)
$$;
select tests.authenticate_as_service_role();
select is(public.woocommerce_apply_product_or_variation(tests.id('store_a'),
  jsonb_build_object('external_id', 700, 'name', 'Kaos Batik Kawung', 'price', '120000', 'status', 'publish',
    'type', 'variable', 'variation_ids', '[702]', 'date_modified', '2030-03-01T10:00:00+00:00')),
  'created', 'the parent is mirrored');
select is(public.woocommerce_apply_product_or_variation(tests.id('store_a'), tests.size_xl('2030-03-01T10:00:05+00:00', 2)),
  'created', 'its XL variation is mirrored, two in stock');

select is(public.woocommerce_apply_product_or_variation(tests.id('store_a'), tests.size_xl('2030-03-01T10:00:05+00:00', 0)),
  'unchanged', 'a delivery of the same second is not applied by the ordinary rule');
select is(public.woocommerce_apply_from_shop(tests.id('store_a'), 'product', tests.size_xl('2030-03-01T10:00:05+00:00', 0)),
  'updated', 'the shop''s answer of the same second replaces the variation');
select is((select (stock_quantity, stock_status) from public.product_variations
           where store_id = tests.id('store_a') and external_id = 702),
  row(0, 'outofstock'::text), 'the variation holds what the shop says: sold out');
select is((select count(*)::integer from public.products where store_id = tests.id('store_a') and external_id = 702),
  0, 'the variation never becomes a product of its own');
select is(public.woocommerce_apply_from_shop(tests.id('store_a'), 'product', tests.size_xl('2030-03-01T10:00:04+00:00', 9)),
  'stale', 'a shop answer older than the mirror''s row does not replace it');

select is(public.woocommerce_apply_product_deletion(tests.id('store_a'), 702), 'deleted', 'the variation is trashed');
select is(public.woocommerce_apply_from_shop(tests.id('store_a'), 'product', tests.size_xl('2030-03-01T10:00:05+00:00', 1)),
  'updated', 'a trash Sapa stamped gives way to the shop''s answer (a restore)');
select is((select status from public.product_variations where store_id = tests.id('store_a') and external_id = 702),
  'publish', 'the variation is back from the trash');

select * from finish();
rollback;
