-- Customers' city and province (what the segments' rules read): from the WooCommerce mirror (customer
-- records by date_modified, orders by created_at, the newest winning) and from a CSV import (dated now);
-- never onto an erased customer; only the service role calls the functions that write them.
begin;
\ir _helpers.psql
select plan(15);
select tests.seed_two_stores();

select function_privs_are(s, f, args, r, privs, format('%s has %s on %s.%s', r, privs, s, f))
from (values ('private', 'apply_customer_address', array['uuid', 'jsonb', 'timestamp with time zone']),
             ('public', 'woocommerce_apply_customer', array['uuid', 'jsonb']),
             ('public', 'import_customers', array['uuid', 'jsonb', 'uuid'])) as fns (s, f, args),
     (values ('authenticated', array[]::name[]), ('service_role', array['EXECUTE']::name[])) as expected (r, privs);

select tests.authenticate_as_service_role();
-- A WooCommerce customer record, then an older one (a late redelivery): the newer address stays.
select is(public.woocommerce_apply_customer(tests.id('store_a'), '{"external_id": 501, "phone": "+6281255500001",
  "name": "Rina", "date_modified": "2026-11-10T08:00:00Z", "address": {"city": "Semarang", "province": "Jawa Tengah"}}'),
  'created', 'a new WooCommerce customer is created');
select is(public.woocommerce_apply_customer(tests.id('store_a'), '{"external_id": 501, "phone": "+6281255500001",
  "name": "Rina", "date_modified": "2026-11-01T08:00:00Z", "address": {"city": "Solo", "province": "Jawa Tengah"}}'),
  'stale', 'an older record of the same customer is stale');
select results_eq($$ select city, province from public.customers where store_id = tests.id('store_a') and external_id = 501 $$,
  $$ values ('Semarang'::text, 'Jawa Tengah'::text) $$, 'the customer keeps the address of the newer record');

-- An order placed later than that record moves them; an order placed earlier does not.
select is(public.woocommerce_apply_order(tests.id('store_a'), '{"external_id": 9001, "number": "9001",
  "status": "processing", "total": "100000", "currency": "IDR", "customer_external_id": 501,
  "created_at": "2026-11-20T08:00:00Z", "date_modified": "2026-11-20T08:00:00Z", "whatsapp_phone": "+6281255500001",
  "address": {"city": "Bandung", "province": "Jawa Barat"}}'), 'created', 'a later order is mirrored');
select is(public.woocommerce_apply_order(tests.id('store_a'), '{"external_id": 9000, "number": "9000",
  "status": "completed", "total": "100000", "currency": "IDR", "customer_external_id": 501,
  "created_at": "2026-10-20T08:00:00Z", "date_modified": "2026-11-21T08:00:00Z", "whatsapp_phone": "+6281255500001",
  "address": {"city": "Medan", "province": "Sumatera Utara"}}'), 'created', 'an earlier order arrives late');
select results_eq($$ select city, province from public.customers where store_id = tests.id('store_a') and external_id = 501 $$,
  $$ values ('Bandung'::text, 'Jawa Barat'::text) $$, 'the newest source wins, whatever the arrival order');

-- A CSV import is the shop's own, newer list.
select lives_ok($$ select public.import_customers(tests.id('store_a'),
  '[{"phone": "+6281255500001", "address": {"city": "Denpasar", "province": "Bali"}}, {"phone": "+6281255500002"}]',
  tests.id('owner_a')) $$, 'an import with an address and one without');
select results_eq($$ select phone, city, province from public.customers
  where store_id = tests.id('store_a') and phone in ('+6281255500001', '+6281255500002') order by phone $$,
  $$ values ('+6281255500001'::text, 'Denpasar'::text, 'Bali'::text), ('+6281255500002', null, null) $$,
  'the import sets the address it carries and leaves the others empty');

-- An erased customer gets no address again.
update public.customers set name = null, email = null, phone = null, city = null, province = null, erased_at = now()
where id = tests.id('customer_a');
select private.apply_customer_address(tests.id('customer_a'), '{"city": "Makassar"}', now());
select results_eq($$ select city from public.customers where id = tests.id('customer_a') $$,
  $$ values (null::text) $$, 'nothing is written onto an erased customer');

select * from finish();
rollback;
