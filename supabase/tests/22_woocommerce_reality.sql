-- WooCommerce as it really behaves (migration 20261203000020): the shop's answer as arbiter of a same-second
-- conflict (woocommerce_apply_from_shop), a trash stamped at a whole second, the webhooks' health, and
-- reconnecting a connected shop. Service role only; members read their store's webhook health.
begin;
\ir _helpers.psql
select plan(40);
select tests.seed_two_stores();

-- Who may touch what -------------------------------------------------------------------------------
create function tests.reality_functions() returns setof regprocedure language sql stable set search_path = '' as $$
  select p.oid::regprocedure from pg_catalog.pg_proc p
  where p.pronamespace = 'public'::regnamespace
    and p.proname in ('woocommerce_apply_from_shop', 'record_woocommerce_webhooks', 'reconnect_woocommerce_store')
$$;
select is((select count(*)::integer from tests.reality_functions()), 3, 'the three functions exist');
select is_empty($$ select f from tests.reality_functions() f
                   where pg_catalog.has_function_privilege('authenticated', f, 'execute')
                      or pg_catalog.has_function_privilege('anon', f, 'execute') $$,
  'neither anon nor authenticated may execute them');
select is_empty($$ select f from tests.reality_functions() f
                   where not pg_catalog.has_function_privilege('service_role', f, 'execute') $$,
  'the service role may execute them');
select is_empty($$ select f from tests.reality_functions() f join pg_catalog.pg_proc p on p.oid = f
                   where p.prosecdef or not 'search_path=""' = any(p.proconfig) $$,
  'they run with the caller''s rights and a pinned search_path');
select ok((select relrowsecurity from pg_catalog.pg_class where oid = 'public.woocommerce_webhooks'::regclass),
  'woocommerce_webhooks has row level security enabled');
select table_privs_are('public', 'woocommerce_webhooks', 'anon', array[]::name[], 'anon has no privileges on woocommerce_webhooks');
select table_privs_are('public', 'woocommerce_webhooks', 'authenticated', array['SELECT']::name[],
  'authenticated may only read woocommerce_webhooks');
select ok(not pg_catalog.has_function_privilege('authenticated', 'public.woocommerce_apply_deletion(uuid, text, bigint)', 'execute'),
  'the replaced woocommerce_apply_deletion kept its grants');

-- A same-second conflict: the shop decides -----------------------------------------------------------
create function tests.order(p_id bigint, p_modified timestamptz, p_status text)
returns jsonb language sql immutable set search_path = '' as $$
  select jsonb_build_object('external_id', p_id, 'number', p_id::text, 'status', p_status, 'total', '99000',
    'currency', 'IDR', 'created_at', p_modified, 'date_modified', p_modified, 'whatsapp_phone', null, 'items', '[]'::jsonb)
$$;
create function tests.order_status(p_id bigint) returns text language sql stable set search_path = '' as $$
  select o.status::text from public.orders o where o.store_id = tests.id('store_a') and o.external_id = p_id
$$;
select tests.authenticate_as_service_role();
select is(public.woocommerce_apply_order(tests.id('store_a'), tests.order(19, '2030-02-01T06:05:23+00', 'pending')), 'created',
  'order 19 arrives pending');
select is(public.woocommerce_apply_order(tests.id('store_a'), tests.order(19, '2030-02-01T06:05:23+00', 'processing')), 'unchanged',
  'paid in the same second: the ordinary rule cannot tell the two states apart');
select is(tests.order_status(19), 'pending', '(so the mirror alone would keep pending)');
select is(public.woocommerce_apply_from_shop(tests.id('store_a'), 'order', tests.order(19, '2030-02-01T06:05:23+00', 'processing')),
  'updated', 'the shop''s answer of the same second wins');
select is(tests.order_status(19), 'processing', 'the order is paid in the mirror');
select is((select date_modified from public.orders where store_id = tests.id('store_a') and external_id = 19),
  '2030-02-01T06:05:23+00'::timestamptz, 'with the shop''s date_modified, not a rewound one');
select is(public.woocommerce_apply_order(tests.id('store_a'), tests.order(19, '2030-02-01T06:05:22+00', 'pending')), 'stale',
  'a late older delivery is stale');
select is(public.woocommerce_apply_from_shop(tests.id('store_a'), 'order', tests.order(19, '2030-02-01T06:05:20+00', 'pending')),
  'stale', 'even an older answer does not replace a newer row that is not in the trash');
select is(tests.order_status(19), 'processing', 'the order stays paid');

-- A trash at a whole second -------------------------------------------------------------------------------
select is(public.woocommerce_apply_order(tests.id('store_a'), tests.order(20, date_trunc('second', now()) - interval '5 seconds', 'processing')),
  'created', 'order 20 arrives');
select is(public.woocommerce_apply_deletion(tests.id('store_a'), 'order', 20), 'deleted', 'it is trashed');
select is((select date_modified from public.orders where store_id = tests.id('store_a') and external_id = 20),
  date_trunc('second', now()), 'the trash is stamped at the whole second');
select is(public.woocommerce_apply_order(tests.id('store_a'), tests.order(20, date_trunc('second', now()), 'processing')), 'unchanged',
  'an update in the same second after the trash is not older than it (it goes to the shop, not away)');
select is(public.woocommerce_apply_from_shop(tests.id('store_a'), 'order', tests.order(20, date_trunc('second', now()), 'processing')),
  'updated', 'and the shop''s answer restores it');
select is(public.woocommerce_apply_deletion(tests.id('store_a'), 'order', 20), 'deleted', 'trashed again');
select is(public.woocommerce_apply_from_shop(tests.id('store_a'), 'order', tests.order(20, date_trunc('second', now()) - interval '1 second', 'on-hold')),
  'updated', 'a restore the shop confirms wins over Sapa''s own trash stamp, even a second older');
select is(tests.order_status(20), 'on-hold', 'restored with the status the shop gives');

-- Products and customers ----------------------------------------------------------------------------------
select is(public.woocommerce_apply_product(tests.id('store_a'), jsonb_build_object('external_id', 21, 'name', 'Kain', 'status', 'publish',
  'date_modified', '2030-02-01T06:00:00+00')), 'created', 'product 21 arrives');
select is(public.woocommerce_apply_from_shop(tests.id('store_a'), 'product', jsonb_build_object('external_id', 21, 'name', 'Kain Tenun',
  'status', 'publish', 'date_modified', '2030-02-01T06:00:00+00')), 'updated', 'a product of the same second: the shop wins');
select is(public.woocommerce_apply_customer(tests.id('store_a'), jsonb_build_object('external_id', 2, 'name', 'Budi',
  'date_modified', '2030-02-01T06:00:00+00')), 'created', 'customer 2 arrives');
select is(public.woocommerce_apply_from_shop(tests.id('store_a'), 'customer', jsonb_build_object('external_id', 2, 'name', 'Budi Santoso',
  'date_modified', '2030-02-01T06:00:00+00')), 'updated', 'a customer of the same second: the shop wins');
select throws_ok($$ select public.woocommerce_apply_from_shop(tests.id('store_a'), 'coupon', '{"external_id": 1, "date_modified": "2030-01-01"}') $$,
  '22023', null, 'an unknown resource is refused');

-- Webhook health ------------------------------------------------------------------------------------------
insert into public.store_credentials (store_id) values (tests.id('store_a')) on conflict do nothing;
select lives_ok($$ select public.record_woocommerce_webhooks(tests.id('store_a'),
  '[{"webhook_id": 2, "topic": "order.created", "status": "active", "reenabled": false},
    {"webhook_id": 3, "topic": "order.updated", "status": "active", "reenabled": true},
    {"webhook_id": 4, "topic": "order.restored", "status": "missing", "reenabled": false}]') $$, 'a check is recorded');
select public.record_woocommerce_webhooks(tests.id('store_a'),
  '[{"webhook_id": 2, "topic": "order.created", "status": "active", "reenabled": false},
    {"webhook_id": 3, "topic": "order.updated", "status": "active", "reenabled": true}]');
select results_eq($$ select webhook_id, status, failures from public.woocommerce_webhooks
                     where store_id = tests.id('store_a') order by webhook_id $$,
  $$ values (2::bigint, 'active', 0), (3::bigint, 'active', 2) $$,
  'each re-enable counts; a webhook no longer listed goes');
select is((select woocommerce_webhook_ids from public.store_credentials where store_id = tests.id('store_a')), array[2, 3]::bigint[],
  'the store''s webhook ids follow the check (a disconnect deletes what it re-created)');
select tests.clear_authentication();
select tests.authenticate_as(tests.id('agent_a'));
select is((select count(*)::integer from public.woocommerce_webhooks), 2, 'members see their store''s webhooks');
select tests.clear_authentication();
select tests.authenticate_as(tests.id('owner_b'));
select is((select count(*)::integer from public.woocommerce_webhooks), 0, 'other stores'' members see none');
select tests.clear_authentication();

-- Reconnecting --------------------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
insert into public.store_api_keys (store_id, key_hash, key_prefix) values (tests.id('store_a'), repeat('a', 64), 'sapa_sk_old1');
select is(public.reconnect_woocommerce_store(tests.id('store_a'), 'Store A', 'IDR', 'Asia/Jakarta', 'ID',
    '{"woocommerce_webhook_secret": "new-secret", "woocommerce_consumer_key_encrypted": "k", "woocommerce_consumer_secret_encrypted": "s",
      "woocommerce_webhook_ids": [31, 32], "webhooks_deleted": 9}', repeat('b', 64), 'sapa_sk_new1', now() - interval '183 days'),
  (select whatsapp_number from public.stores where id = tests.id('store_a')), 'a reconnect answers the store''s own WhatsApp number');
select results_eq($$ select key_prefix, revoked_at is null from public.store_api_keys where store_id = tests.id('store_a') order by created_at, key_prefix $$,
  $$ values ('sapa_sk_new1', true), ('sapa_sk_old1', false) $$, 'the old key is revoked, the new one live');
select results_eq($$ select woocommerce_webhook_secret, woocommerce_webhook_ids from public.store_credentials where store_id = tests.id('store_a') $$,
  $$ values ('new-secret', array[31, 32]::bigint[]) $$, 'the new secret and webhooks replace the old');
select is((select count(*)::integer from public.woocommerce_webhooks where store_id = tests.id('store_a')), 0,
  'the old webhooks'' health is forgotten');
select results_eq($$ select action, details ->> 'api_keys_revoked' from public.audit_log where store_id = tests.id('store_a') and action = 'store.reconnected' $$,
  $$ values ('store.reconnected', '1') $$, 'the reconnect is audited');

select * from finish();
rollback;
