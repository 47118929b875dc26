-- Product variations: who may read and write them; variations mirrored, linked to their parent whichever
-- arrives first, newer date_modified wins; a parent that no longer lists a variation trashes it; a deleted
-- variation is trashed, never a product; an older Sapa's stray product row goes; order lines record the
-- variation bought; the assistant's search returns variations; members see only their store's.
begin;
\ir _helpers.psql
select plan(33);
select tests.seed_two_stores();

-- Who may touch what -------------------------------------------------------------------------------
select ok((select relrowsecurity from pg_catalog.pg_class where oid = 'public.product_variations'::regclass),
  'product_variations has row level security enabled');
select table_privs_are('public', 'product_variations', 'anon', array[]::name[], 'anon has no privileges on product_variations');
select table_privs_are('public', 'product_variations', 'authenticated', array['SELECT']::name[],
  'authenticated may only read product_variations');

create function tests.variation_functions() returns setof regprocedure language sql stable set search_path = '' as $$
  select p.oid::regprocedure from pg_catalog.pg_proc p
  where p.pronamespace = 'public'::regnamespace
    and p.proname in ('woocommerce_apply_variation', 'woocommerce_apply_product_or_variation',
                      'woocommerce_apply_order_and_variations', 'woocommerce_apply_product_deletion', 'search_products')
$$;
select is((select count(*)::integer from tests.variation_functions()), 5, 'the five functions exist');
select is_empty($$ select f from tests.variation_functions() f
                   where pg_catalog.has_function_privilege('authenticated', f, 'execute')
                      or pg_catalog.has_function_privilege('anon', f, 'execute') $$,
  'neither anon nor authenticated may execute any of them');
select is_empty($$ select f from tests.variation_functions() f
                   where not pg_catalog.has_function_privilege('service_role', f, 'execute') $$,
  'the service role may execute all of them');
select is_empty($$ select f from tests.variation_functions() f join pg_catalog.pg_proc p on p.oid = f
                   where p.prosecdef or not 'search_path=""' = any(p.proconfig) $$,
  'they run with the caller''s rights and a pinned search_path');

-- Mirroring ----------------------------------------------------------------------------------------
create function tests.kaos(p_modified text, p_variations jsonb default '[601, 602]') returns jsonb
language sql immutable set search_path = '' as $$
  select jsonb_build_object('external_id', 600, 'name', 'Kaos Batik Kawung', 'sku', 'KAOS', 'price', '120000',
    'stock_status', 'instock', 'status', 'publish', 'type', 'variable', 'variation_ids', p_variations,
    'date_modified', p_modified)
$$;
create function tests.size(p_id bigint, p_size text, p_modified text, p_stock integer default 3) returns jsonb
language sql immutable set search_path = '' as $$
  select jsonb_build_object('external_id', p_id, 'parent_external_id', 600, 'sku', 'KW' || p_id,
    'attributes', jsonb_build_array(jsonb_build_object('name', 'Size', 'option', p_size)), 'price', '125000',
    'stock_status', case when p_stock > 0 then 'instock' else 'outofstock' end, 'stock_quantity', p_stock,
    'status', 'publish', 'date_modified', p_modified)
$$;

select tests.authenticate_as_service_role();
-- An older Sapa stored variation 602 as a product of its own.
insert into public.products (store_id, external_id, name, date_modified)
values (tests.id('store_a'), 602, 'Kaos Batik Kawung - XL', '2030-01-01T00:00:00+00:00');
select is(public.woocommerce_apply_product_or_variation(tests.id('store_a'), tests.size(601, 'L', '2030-01-02T10:00:00+00:00')),
  'created', 'a variation arriving before its parent is created');
select is((select product_id from public.product_variations where store_id = tests.id('store_a') and external_id = 601),
  null, 'it waits for its parent, keeping the parent''s WooCommerce id');
select is(public.woocommerce_apply_product_or_variation(tests.id('store_a'), tests.kaos('2030-01-02T10:00:00+00:00')),
  'created', 'the parent is created');
select is(public.woocommerce_apply_product_or_variation(tests.id('store_a'), tests.size(602, 'XL', '2030-01-02T10:00:00+00:00', 0)),
  'created', 'a variation after its parent is created');
select is(public.woocommerce_apply_product_or_variation(tests.id('store_a'), tests.size(601, 'L', '2030-01-03T10:00:00+00:00', 1)),
  'updated', 'a newer delivery of a variation updates it');
select is(public.woocommerce_apply_variation(tests.id('store_a'), tests.size(601, 'L', '2030-01-02T10:00:00+00:00', 9)),
  'stale', 'an older one is stale');
select is(public.woocommerce_apply_variation(tests.id('store_a'), tests.size(601, 'L', '2030-01-03T10:00:00+00:00', 1)),
  'unchanged', 'a replay is unchanged');
select throws_ok($$ select public.woocommerce_apply_variation(tests.id('store_a'), '{"external_id": 603, "date_modified": "2030-01-02T10:00:00Z"}') $$,
  '23502', 'a variation needs its id, its parent''s id and date_modified', 'a variation without its parent is refused');
select tests.clear_authentication();

select results_eq(
  $$ select v.external_id, p.external_id, v.label, v.stock_status, v.stock_quantity from public.product_variations v
     join public.products p on p.id = v.product_id where v.store_id = tests.id('store_a') order by v.external_id $$,
  $$ values (601::bigint, 600::bigint, 'Size: L', 'instock', 1), (602::bigint, 600::bigint, 'Size: XL', 'outofstock', 0) $$,
  'both variations are linked to their parent, with the newest stock and a label made of their attributes');
select results_eq($$ select external_id, type from public.products where store_id = tests.id('store_a') and external_id in (600, 602) $$,
  $$ values (600::bigint, 'variable') $$, 'the parent keeps its type; the stray product row of variation 602 is gone');

-- Order lines --------------------------------------------------------------------------------------
create function tests.order_of(p_variation bigint, p_modified text) returns jsonb language sql immutable set search_path = '' as $$
  select jsonb_build_object('external_id', 9601, 'number', '9601', 'status', 'processing', 'total', '125000',
    'currency', 'IDR', 'created_at', '2030-01-04T08:00:00+00:00', 'date_modified', p_modified,
    'billing_phone', '+628120000001', 'whatsapp_phone', '+628120000001',
    'items', jsonb_build_array(jsonb_build_object('external_id', 1, 'product_external_id', 600,
      'variation_external_id', p_variation, 'variation_attributes', '[{"name": "Size", "option": "L"}]'::jsonb,
      'name', 'Kaos Batik Kawung - L', 'quantity', 1, 'unit_price', '125000', 'total', '125000')))
$$;
select tests.authenticate_as_service_role();
select is(public.woocommerce_apply_order_and_variations(tests.id('store_a'), tests.order_of(601, '2030-01-04T08:00:00+00:00')),
  'created', 'an order with a variation line is created');
select tests.clear_authentication();
select results_eq(
  $$ select p.external_id, v.external_id, i.variation_external_id, i.variation_label from public.order_items i
     join public.products p on p.id = i.product_id join public.product_variations v on v.id = i.variation_id
     where i.store_id = tests.id('store_a') $$,
  $$ values (600::bigint, 601::bigint, 601::bigint, 'Size: L') $$,
  'its line names the product and the variation bought');
select tests.authenticate_as_service_role();
select is(public.woocommerce_apply_order_and_variations(tests.id('store_a'), tests.order_of(604, '2030-01-05T08:00:00+00:00')),
  'updated', 'the order changed to a variation not mirrored yet');
select is((select i.variation_id from public.order_items i join public.orders o on o.id = i.order_id
           where o.store_id = tests.id('store_a') and o.external_id = 9601), null,
  'the line waits for that variation');
select is(public.woocommerce_apply_variation(tests.id('store_a'), tests.size(604, 'M', '2030-01-05T08:00:00+00:00')),
  'created', 'the variation arrives');
select tests.clear_authentication();
select is((select v.external_id from public.order_items i join public.product_variations v on v.id = i.variation_id
           join public.orders o on o.id = i.order_id where o.store_id = tests.id('store_a') and o.external_id = 9601),
  604::bigint, 'the line is linked to it when it arrives');

-- Removed and deleted variations -------------------------------------------------------------------
select tests.authenticate_as_service_role();
select is(public.woocommerce_apply_product_or_variation(tests.id('store_a'), tests.kaos('2030-01-06T10:00:00+00:00', '[601]')),
  'updated', 'the parent now lists only variation 601');
select is(public.woocommerce_apply_product_deletion(tests.id('store_a'), 601), 'deleted', 'product.deleted with a variation''s id trashes it');
select is(public.woocommerce_apply_product_deletion(tests.id('store_a'), 601), 'unchanged', 'twice changes nothing');
select tests.clear_authentication();
select results_eq($$ select external_id, status from public.product_variations where store_id = tests.id('store_a') order by external_id $$,
  $$ values (601::bigint, 'trash'), (602::bigint, 'trash'), (604::bigint, 'trash') $$,
  'the variations the parent no longer lists and the deleted one are in the trash');
select results_eq($$ select external_id, status from public.products where store_id = tests.id('store_a') and external_id in (600, 601) $$,
  $$ values (600::bigint, 'publish') $$, 'the parent stays; no product was made of the variation''s id');

-- The assistant's search -----------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select is(public.woocommerce_apply_variation(tests.id('store_a'), tests.size(605, 'S', '2030-01-07T10:00:00+00:00', 4)),
  'created', 'a new variation S');
select is((select s.variations from public.search_products(tests.id('store_a'), 'kaos') s),
  '[{"label": "Size: S", "attributes": [{"name": "Size", "option": "S"}], "sku": "KW605", "price": 125000.00,
     "stock_status": "instock", "stock_quantity": 4, "permalink": null}]'::jsonb,
  'search_products returns the product with its variations on sale (trashed ones left out)');
select is((select s.name from public.search_products(tests.id('store_a'), 'kw605') s), 'Kaos Batik Kawung',
  'a variation''s SKU finds its product');
select tests.clear_authentication();

-- Members read their own store's variations only ----------------------------------------------------
select tests.authenticate_as(tests.id('agent_b'));
select is_empty($$ select 1 from public.product_variations $$, 'a member of another store sees none of them');
select tests.authenticate_as(tests.id('agent_a'));
select is((select count(*)::integer from public.product_variations), 4, 'a member of the store sees them');

select * from finish();
rollback;
