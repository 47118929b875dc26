-- WooCommerce: the mirror functions (newer date_modified wins, replays change nothing, lines replaced with
-- the order, customers matched by phone, checkout consent), the delivery log, the backfill progress, and
-- connecting/disconnecting a shop. All of it service role only; members read their store's log and sync.
begin;
\ir _helpers.psql
select plan(76);
select tests.seed_two_stores();

-- Who may touch what -------------------------------------------------------------------------------
select ok((select bool_and(relrowsecurity) from pg_catalog.pg_class
           where oid in ('public.store_api_keys'::regclass, 'public.woocommerce_deliveries'::regclass,
                         'public.woocommerce_syncs'::regclass, 'public.woocommerce_sync_resources'::regclass)),
  'the WooCommerce tables have row level security enabled');
select is_empty($$ select 1 from pg_catalog.pg_policies where schemaname = 'public' and tablename = 'store_api_keys' $$,
  'store_api_keys has no policies: only the service role sees key hashes');
select table_privs_are('public', t, 'anon', array[]::name[], format('anon has no privileges on %s', t))
from unnest(array['store_api_keys', 'woocommerce_deliveries', 'woocommerce_syncs', 'woocommerce_sync_resources']) t;
select table_privs_are('public', 'store_api_keys', 'authenticated', array[]::name[],
  'authenticated has no privileges on store_api_keys');
select table_privs_are('public', t, 'authenticated', array['SELECT']::name[], format('authenticated may only read %s', t))
from unnest(array['woocommerce_deliveries', 'woocommerce_syncs', 'woocommerce_sync_resources']) t;

create function tests.woocommerce_functions() returns setof regprocedure language sql stable set search_path = '' as $$
  select p.oid::regprocedure from pg_catalog.pg_proc p
  where p.pronamespace = 'public'::regnamespace
    and p.proname in ('woocommerce_apply_product', 'woocommerce_apply_customer', 'woocommerce_apply_order',
                      'woocommerce_apply_deletion', 'record_woocommerce_delivery', 'finish_woocommerce_delivery',
                      'start_woocommerce_sync', 'woocommerce_apply_page', 'connect_woocommerce_store',
                      'disconnect_woocommerce_store', 'set_store_whatsapp')
$$;
select is((select count(*)::integer from tests.woocommerce_functions()), 11, 'the eleven functions exist');
select is_empty($$ select f from tests.woocommerce_functions() f
                   where pg_catalog.has_function_privilege('authenticated', f, 'execute')
                      or pg_catalog.has_function_privilege('anon', f, 'execute') $$,
  'neither anon nor authenticated may execute any of them');
select is_empty($$ select f from tests.woocommerce_functions() f
                   where not pg_catalog.has_function_privilege('service_role', f, 'execute') $$,
  'the service role may execute all of them');
select is_empty($$ select f from tests.woocommerce_functions() f join pg_catalog.pg_proc p on p.oid = f
                   where p.prosecdef or not 'search_path=""' = any(p.proconfig) $$,
  'they run with the caller''s rights and a pinned search_path');
select is_empty($$ select p.oid::regprocedure from pg_catalog.pg_proc p
                   where p.pronamespace = 'private'::regnamespace
                     and p.proname in ('woocommerce_not_newer', 'woocommerce_order_customer', 'woocommerce_apply', 'user_id_by_email')
                     and pg_catalog.has_function_privilege('authenticated', p.oid, 'execute') $$,
  'their private helpers are not for members either');

select tests.authenticate_as(tests.id('owner_a'));
select throws_ok($$ select public.woocommerce_apply_order(tests.id('store_a'), '{"external_id": 1}') $$,
  '42501', 'permission denied for function woocommerce_apply_order', 'not even an owner writes the mirror directly');
select throws_ok($$ select * from public.store_api_keys $$,
  '42501', 'permission denied for table store_api_keys', 'not even an owner reads the key hashes');
select throws_ok($$ insert into public.woocommerce_deliveries (store_id, topic, resource_id, body_sha256, payload)
                    values (tests.id('store_a'), 'order.created', 1, repeat('a', 64), '{}') $$,
  '42501', 'permission denied for table woocommerce_deliveries', 'members cannot forge deliveries');
select tests.clear_authentication();

-- Products -----------------------------------------------------------------------------------------
create function tests.product(p_id bigint, p_modified text, p_name text default 'Kemeja Batik', p_price text default '150000')
returns jsonb language sql immutable set search_path = '' as $$
  select jsonb_build_object('external_id', p_id, 'name', p_name, 'sku', 'KB-' || p_id, 'description', 'Katun',
    'price', p_price, 'stock_status', 'instock', 'stock_quantity', 5, 'categories', jsonb_build_array('Kemeja'),
    'permalink', 'https://shop.test/p/' || p_id, 'status', 'publish', 'date_modified', p_modified)
$$;
select tests.authenticate_as_service_role();
select is(public.woocommerce_apply_product(tests.id('store_a'), tests.product(501, '2030-01-02T10:00:00+00:00')), 'created',
  'a new product is created');
select is(public.woocommerce_apply_product(tests.id('store_a'), tests.product(501, '2030-01-03T10:00:00+00:00', 'Kemeja Batik Tulis', '175000')),
  'updated', 'a newer delivery updates it');
select is(public.woocommerce_apply_product(tests.id('store_a'), tests.product(501, '2030-01-02T10:00:00+00:00', 'Old name')),
  'stale', 'an older delivery is stale');
select is(public.woocommerce_apply_product(tests.id('store_a'), tests.product(501, '2030-01-03T10:00:00+00:00', 'Kemeja Batik Tulis', '175000')),
  'unchanged', 'a replay is unchanged');
select tests.clear_authentication();
select results_eq($$ select name, price, categories from public.products where store_id = tests.id('store_a') and external_id = 501 $$,
  $$ values ('Kemeja Batik Tulis', 175000.00::numeric, array['Kemeja']) $$, 'the product holds the newest delivery');

-- Orders -------------------------------------------------------------------------------------------
create function tests.order(p_id bigint, p_modified text, p_status text default 'processing', p_phone text default '+628120000001',
                            p_consent boolean default null, p_created text default '2030-01-05T08:00:00+00:00',
                            p_items jsonb default null)
returns jsonb language sql immutable set search_path = '' as $$
  select jsonb_build_object('external_id', p_id, 'number', p_id::text, 'status', p_status, 'total', '325000.00',
    'currency', 'IDR', 'customer_external_id', null, 'created_at', p_created, 'date_modified', p_modified,
    'date_paid', null, 'date_completed', null, 'billing_name', 'Budi Santoso', 'billing_email', 'budi@example.com',
    'billing_phone', p_phone, 'whatsapp_phone', p_phone, 'marketing_opt_in', p_consent, 'payment_method', 'BCA',
    'shipping_method', 'JNE REG', 'tracking_number', null,
    'items', coalesce(p_items, jsonb_build_array(
      jsonb_build_object('external_id', 1, 'product_external_id', 501, 'name', 'Kemeja Batik Tulis', 'quantity', 1,
                         'unit_price', '175000', 'total', '175000'),
      jsonb_build_object('external_id', 2, 'product_external_id', 999, 'name', 'Tas Anyaman', 'quantity', 2,
                         'unit_price', '75000', 'total', '150000'))))
$$;
select tests.authenticate_as_service_role();
select is(public.woocommerce_apply_order(tests.id('store_a'), tests.order(9001, '2030-01-05T08:00:00+00:00', p_consent => true)),
  'created', 'a new order is created');
select tests.clear_authentication();
select results_eq(
  $$ select o.customer_id, o.billing_phone, o.status::text, o.total from public.orders o
     where o.store_id = tests.id('store_a') and o.external_id = 9001 $$,
  $$ values (tests.id('customer_a'), '+628120000001', 'processing', 325000.00::numeric) $$,
  'the order belongs to the WhatsApp customer with its phone');
select results_eq(
  $$ select i.external_id, i.name, i.quantity, i.product_id from public.order_items i
     join public.orders o on o.id = i.order_id where o.store_id = tests.id('store_a') and o.external_id = 9001
     order by i.external_id $$,
  $$ values (1::bigint, 'Kemeja Batik Tulis', 1,
             (select id from public.products where store_id = tests.id('store_a') and external_id = 501)),
            (2::bigint, 'Tas Anyaman', 2, null::uuid) $$,
  'its lines are stored, linked to mirrored products where there is one');
select results_eq(
  $$ select marketing_opt_in, marketing_opt_in_at, opted_out_at from public.customers where id = tests.id('customer_a') $$,
  $$ values (true, '2030-01-05T08:00:00+00:00'::timestamptz, null::timestamptz) $$,
  'the checkout''s opt-in is recorded on the customer, at the order''s time');
select is((select number from public.customer_orders(tests.id('store_a'), '+628120000001', '9001')), '9001',
  'the assistant''s customer_orders finds the order for the customer''s phone');

-- A replay changes nothing; an older delivery never overwrites a newer one; lines follow the order.
create table tests.snapshot as
  select o.id, o.synced_at, (select count(*) from public.order_items i where i.order_id = o.id) as lines,
         (select updated_at from public.customers where id = tests.id('customer_a')) as customer_updated,
         (select count(*) from public.audit_log) as audits
  from public.orders o where o.store_id = tests.id('store_a') and o.external_id = 9001;
select tests.authenticate_as_service_role();
select is(public.woocommerce_apply_order(tests.id('store_a'), tests.order(9001, '2030-01-05T08:00:00+00:00', p_consent => true)),
  'unchanged', 'a replay of the same order is unchanged');
select tests.clear_authentication();
select results_eq(
  $$ select o.id, o.synced_at, (select count(*) from public.order_items i where i.order_id = o.id),
            (select updated_at from public.customers where id = tests.id('customer_a')), (select count(*) from public.audit_log)
     from public.orders o where o.store_id = tests.id('store_a') and o.external_id = 9001 $$,
  $$ select * from tests.snapshot $$,
  'the replay touched no order, line, customer or audit row');

select tests.authenticate_as_service_role();
select is(public.woocommerce_apply_order(tests.id('store_a'), tests.order(9001, '2030-01-07T09:00:00+00:00', 'completed',
  p_items => '[{"external_id": 3, "product_external_id": null, "name": "Selendang", "quantity": 1, "unit_price": "325000", "total": "325000"}]')),
  'updated', 'a newer delivery updates the order');
select is(public.woocommerce_apply_order(tests.id('store_a'), tests.order(9001, '2030-01-06T09:00:00+00:00', 'cancelled')),
  'stale', 'an older delivery arriving late is stale');
select tests.clear_authentication();
select results_eq(
  $$ select o.status::text, o.date_modified, array_agg(i.name order by i.external_id) from public.orders o
     join public.order_items i on i.order_id = o.id
     where o.store_id = tests.id('store_a') and o.external_id = 9001 group by o.id $$,
  $$ values ('completed', '2030-01-07T09:00:00+00:00'::timestamptz, array['Selendang']) $$,
  'the order keeps the newest delivery, its lines replaced with it');

-- Consent: "no" after "yes" opts out; an older checkout does not undo a newer choice.
select tests.authenticate_as_service_role();
select public.woocommerce_apply_order(tests.id('store_a'),
  tests.order(9002, '2030-02-01T08:00:00+00:00', p_consent => false, p_created => '2030-02-01T08:00:00+00:00'));
select public.woocommerce_apply_order(tests.id('store_a'),
  tests.order(9003, '2030-01-20T08:00:00+00:00', p_consent => true, p_created => '2030-01-20T08:00:00+00:00'));
select tests.clear_authentication();
select results_eq(
  $$ select marketing_opt_in, opted_out_at from public.customers where id = tests.id('customer_a') $$,
  $$ values (false, '2030-02-01T08:00:00+00:00'::timestamptz) $$,
  '"no" after "yes" opts the customer out, and an older checkout''s "yes" does not undo it');

-- A guest order from a new phone creates the customer; one without any phone has none.
select tests.authenticate_as_service_role();
select public.woocommerce_apply_order(tests.id('store_a'), tests.order(9004, '2024-01-05T08:00:00+00:00', p_phone => '+6281377778888'));
select public.woocommerce_apply_order(tests.id('store_a'), tests.order(9005, '2030-01-05T08:00:00+00:00', p_phone => null));
select tests.clear_authentication();
select results_eq(
  $$ select c.phone, c.name, c.email from public.orders o join public.customers c on c.id = o.customer_id
     where o.store_id = tests.id('store_a') and o.external_id = 9004 $$,
  $$ values ('+6281377778888', 'Budi Santoso', 'budi@example.com') $$,
  'an order from a new phone creates its customer with the billing name and e-mail');
select is((select customer_id from public.orders where store_id = tests.id('store_a') and external_id = 9005), null,
  'a guest order without a phone belongs to no customer');
select throws_ok(
  $$ select public.woocommerce_apply_order(tests.id('store_a'), tests.order(9006, '2030-01-05T08:00:00+00:00', 'shipped')) $$,
  '22P02', null, 'a status WooCommerce does not have is refused');
select is((select count(*) from public.orders where store_id = tests.id('store_a') and external_id = 9006), 0::bigint,
  'and nothing of that order is stored');

-- Deletions ------------------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select is(public.woocommerce_apply_deletion(tests.id('store_a'), 'order', 9004), 'deleted', 'a deleted order goes to the trash');
select is(public.woocommerce_apply_deletion(tests.id('store_a'), 'order', 9004), 'unchanged', 'deleting it again changes nothing');
select is(public.woocommerce_apply_order(tests.id('store_a'), tests.order(9004, '2024-01-06T08:00:00+00:00')), 'stale',
  'an update made before the deletion and delivered after it stays stale');
select is(public.woocommerce_apply_deletion(tests.id('store_a'), 'customer', 1), 'ignored',
  'a deleted WooCommerce customer is kept (their conversations stay)');
select tests.clear_authentication();
select is((select status::text from public.orders where store_id = tests.id('store_a') and external_id = 9004), 'trash',
  'the trashed order is kept for the records');
select is_empty($$ select 1 from public.customer_orders(tests.id('store_a'), '+6281377778888') $$,
  'and the assistant no longer sees it');

-- Customers ----------------------------------------------------------------------------------------
create function tests.customer(p_id bigint, p_modified text, p_phone text, p_name text default 'Siti Aminah')
returns jsonb language sql immutable set search_path = '' as $$
  select jsonb_build_object('external_id', p_id, 'name', p_name, 'email', 'siti@example.com', 'phone', p_phone,
                            'date_created', '2030-01-01T00:00:00+00:00', 'date_modified', p_modified)
$$;
select tests.authenticate_as_service_role();
select is(public.woocommerce_apply_customer(tests.id('store_a'), tests.customer(77, '2030-01-02T00:00:00+00:00', '+628120000001')),
  'updated', 'a WooCommerce customer with a WhatsApp customer''s phone is linked to them');
select is(public.woocommerce_apply_customer(tests.id('store_a'), tests.customer(77, '2030-01-01T12:00:00+00:00', '+628120000001', 'Old')),
  'stale', 'an older customer delivery is stale');
select is(public.woocommerce_apply_customer(tests.id('store_a'), tests.customer(78, '2030-01-02T00:00:00+00:00', '+628120000001', 'Twin')),
  'created', 'another WooCommerce customer with the same phone gets a row of its own');
select tests.clear_authentication();
select results_eq(
  $$ select external_id, name, phone, date_modified from public.customers where id = tests.id('customer_a') $$,
  $$ values (77::bigint, 'Siti Aminah', '+628120000001', '2030-01-02T00:00:00+00:00'::timestamptz) $$,
  'the linked customer carries the WooCommerce id, name and date_modified, and keeps their phone');
select results_eq(
  $$ select phone, name from public.customers where store_id = tests.id('store_a') and external_id = 78 $$,
  $$ values (null::text, 'Twin') $$, 'the phone stays with the WhatsApp customer it identifies');

-- The delivery log ---------------------------------------------------------------------------------
create table tests.delivery (label text, delivery_id bigint, needs_processing boolean);
grant all on tests.delivery to service_role;
select tests.authenticate_as_service_role();
insert into tests.delivery select 'first', * from public.record_woocommerce_delivery(tests.id('store_a'), 'order.created', 9001,
  repeat('ab', 32), '{"id": 9001}', 'delivery-1', 5);
select public.finish_woocommerce_delivery((select delivery_id from tests.delivery where label = 'first'), 'created');
insert into tests.delivery select 'replay', * from public.record_woocommerce_delivery(tests.id('store_a'), 'order.created', 9001,
  repeat('ab', 32), '{"id": 9001}', 'delivery-2', 5);
insert into tests.delivery select 'bad', * from public.record_woocommerce_delivery(tests.id('store_a'), 'order.updated', 9001,
  repeat('cd', 32), '{"id": 9001}', 'delivery-3', 5);
select public.finish_woocommerce_delivery((select delivery_id from tests.delivery where label = 'bad'), null, 'invalid status');
insert into tests.delivery select 'retry', * from public.record_woocommerce_delivery(tests.id('store_a'), 'order.updated', 9001,
  repeat('cd', 32), '{"id": 9001}', 'delivery-4', 5);
select tests.clear_authentication();
select results_eq($$ select needs_processing from tests.delivery order by label $$,
  $$ values (true), (true), (false), (true) $$,  -- bad, first, replay, retry
  'a replay of a processed delivery needs nothing; a new one, or one that failed, is processed');
select results_eq(
  $$ select d.status::text, d.outcome, d.error, d.attempts, d.delivery_id from public.woocommerce_deliveries d
     where d.store_id = tests.id('store_a') order by d.id $$,
  $$ values ('processed', 'created', null, 1, 'delivery-1'), ('failed', null, 'invalid status', 2, 'delivery-3') $$,
  'the log holds one row per delivery, with its outcome or error and its attempts');
select tests.authenticate_as(tests.id('admin_a'));
select is((select count(*) from public.woocommerce_deliveries), 2::bigint, 'an admin reads their store''s delivery log');
select tests.authenticate_as(tests.id('owner_b'));
select is((select count(*) from public.woocommerce_deliveries), 0::bigint, 'another store''s owner reads none of it');
select tests.authenticate_as(tests.id('agent_a'));
select is((select count(*) from public.woocommerce_deliveries), 0::bigint, 'agents do not read the delivery log');
select tests.clear_authentication();

-- The backfill -------------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select results_eq($$ select * from public.start_woocommerce_sync(tests.id('store_b'), '2029-07-01') $$,
  $$ values ('pending'::public.woocommerce_sync_status, true) $$, 'a new backfill is pending and asks for a job');
select is((public.woocommerce_apply_page(tests.id('store_b'), 'products', 1,
  jsonb_build_array(tests.product(1, '2030-01-01T00:00:00+00:00'), tests.product(2, '2030-01-01T00:00:00+00:00')), 2, 3)).next_page,
  2, 'a page applied moves the progress to the next page');
select is((public.woocommerce_apply_page(tests.id('store_b'), 'products', 1,
  jsonb_build_array(tests.product(1, '2030-01-01T00:00:00+00:00')), 2, 3)).items_done,
  2, 'applying a page other than the next one changes nothing');
select is((public.woocommerce_apply_page(tests.id('store_b'), 'products', 2,
  jsonb_build_array(tests.product(3, '2030-01-01T00:00:00+00:00', null, '-5')), 2, 3, 0, null, true)).items_failed,
  1, 'an item that cannot be applied is counted as failed, and the page still counts');
select tests.clear_authentication();
select results_eq(
  $$ select next_page, items_done, items_total, items_failed, finished_at is not null, last_error like 'products 3:%'
     from public.woocommerce_sync_resources where store_id = tests.id('store_b') and resource = 'products' $$,
  $$ values (3, 2, 3, 1, true, true) $$, 'the last page finishes the resource, with its failure recorded');
select is((select status::text from public.woocommerce_syncs where store_id = tests.id('store_b')), 'running',
  'the sync runs until every resource is finished');
select tests.authenticate_as_service_role();
select public.woocommerce_apply_page(tests.id('store_b'), r, 1, '[]', 0, 0, 0, null, true) from unnest(array['customers', 'orders']) r;
select results_eq($$ select * from public.start_woocommerce_sync(tests.id('store_b'), '2029-08-01') $$,
  $$ values ('pending'::public.woocommerce_sync_status, true) $$, 'starting a finished backfill starts it over');
select tests.clear_authentication();
select results_eq(
  $$ select s.orders_after, (select sum(next_page) from public.woocommerce_sync_resources r where r.store_id = s.store_id)
     from public.woocommerce_syncs s where s.store_id = tests.id('store_b') $$,
  $$ values ('2029-08-01'::timestamptz, 3::bigint) $$, 'from the first pages, with a fresh window');
select tests.authenticate_as(tests.id('agent_b'));
select is((select count(*) from public.woocommerce_sync_resources), 3::bigint, 'members read their store''s sync progress');
select tests.authenticate_as(tests.id('agent_a'));
select is((select count(*) from public.woocommerce_syncs), 0::bigint, 'and nobody else''s');
select tests.clear_authentication();

-- Connecting and disconnecting ---------------------------------------------------------------------
create function tests.connect(p_store uuid, p_site text, p_email text, p_hash text, p_number text default '+6281355550000')
returns table (store_id uuid, owner_id uuid) language sql set search_path = '' as $$
  select * from public.connect_woocommerce_store(p_store, p_site, 'Toko Baru', p_email, 'IDR', 'Asia/Jakarta', 'ID',
    'own', p_number, '{"twilio_account_sid": "AC00000000000000000000000000000000", "twilio_auth_token": "t",
                      "woocommerce_webhook_secret": "s", "woocommerce_consumer_key_encrypted": "gAAA-key",
                      "woocommerce_consumer_secret_encrypted": "gAAA-secret", "woocommerce_webhook_ids": [11, 12]}',
    p_hash, 'sapa_sk_abcd', '2029-07-01')
$$;
select tests.authenticate_as_service_role();
select results_eq($$ select * from tests.connect('00000000-0000-4000-8000-00000000c001', 'https://toko.test', 'NEWCOMER@test.sapa.local', repeat('1', 64)) $$,
  $$ values ('00000000-0000-4000-8000-00000000c001'::uuid, tests.id('newcomer')) $$,
  'connecting creates the store, its owner found by e-mail (any case)');
select throws_ok($$ select * from tests.connect(gen_random_uuid(), 'https://TOKO.test', 'x@y.z', repeat('2', 64), null) $$,
  '23505', 'the shop https://TOKO.test is connected to Sapa already', 'the same site cannot connect twice');
select throws_ok($$ select * from tests.connect(gen_random_uuid(), 'https://other.test', 'x@y.z', repeat('3', 64)) $$,
  '23505', 'another store uses the WhatsApp number +6281355550000', 'nor can another shop take its WhatsApp number');
select tests.clear_authentication();
select results_eq(
  $$ select s.whatsapp_number, s.whatsapp_mode, s.default_country, s.woocommerce_connected_at is not null,
            k.woocommerce_webhook_ids, m.role::text
     from public.stores s join public.store_credentials k on k.store_id = s.id
     join public.store_members m on m.store_id = s.id
     where s.id = '00000000-0000-4000-8000-00000000c001' $$,
  $$ values ('+6281355550000', 'own', 'ID', true, array[11, 12]::bigint[], 'owner') $$,
  'the store has its sender, credentials, webhooks and owner');
select is((select count(*) from public.woocommerce_sync_resources where store_id = '00000000-0000-4000-8000-00000000c001'),
  3::bigint, 'and its backfill is started');
select tests.authenticate_as_service_role();
select ok(public.disconnect_woocommerce_store('00000000-0000-4000-8000-00000000c001', '{"webhooks_deleted": 2}'),
  'disconnecting a connected store succeeds');
select ok(not public.disconnect_woocommerce_store('00000000-0000-4000-8000-00000000c001'), 'disconnecting again does nothing');
select tests.clear_authentication();
select results_eq(
  $$ select k.woocommerce_consumer_key_encrypted, k.woocommerce_webhook_secret, k.woocommerce_webhook_ids,
            (select count(*) from public.store_api_keys a where a.store_id = k.store_id and a.revoked_at is null)
     from public.store_credentials k where k.store_id = '00000000-0000-4000-8000-00000000c001' $$,
  $$ values (null::text, null::text, '{}'::bigint[], 0::bigint) $$,
  'the shop''s keys, secret and webhooks are forgotten and its API key revoked');
select results_eq(
  $$ select action, details from public.audit_log where store_id = '00000000-0000-4000-8000-00000000c001'
     and action like 'store.%' order by id $$,
  $$ values ('store.connected', '{"site_url": "https://toko.test", "whatsapp_mode": "own", "owner_found": true, "webhooks": 2}'::jsonb),
            ('store.disconnected', '{"webhooks_deleted": 2}'::jsonb) $$,
  'connect and disconnect are audited');
select tests.authenticate_as_service_role();
select results_eq($$ select store_id from tests.connect(gen_random_uuid(), 'https://toko.test', 'nobody@x.test', repeat('4', 64)) $$,
  $$ values ('00000000-0000-4000-8000-00000000c001'::uuid) $$,
  'reconnecting a disconnected shop returns to its store (its data stayed)');
select public.set_store_whatsapp(tests.id('store_b'), 'own', '+6281399990000', 'AC11111111111111111111111111111111', 'tok');
select throws_ok($$ select public.set_store_whatsapp(tests.id('store_a'), 'own', '+6281399990000', null, null) $$,
  '23505', 'another store uses the WhatsApp number +6281399990000', 'a number belongs to one store');
select tests.clear_authentication();
select results_eq(
  $$ select s.whatsapp_number, s.whatsapp_mode, k.twilio_account_sid from public.stores s
     join public.store_credentials k on k.store_id = s.id where s.id = tests.id('store_b') $$,
  $$ values ('+6281399990000', 'own', 'AC11111111111111111111111111111111') $$,
  'set_store_whatsapp changes the sender and the account that sends for it');

select * from finish();
rollback;
