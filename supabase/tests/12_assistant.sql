-- The assistant's knowledge (bot_persona, store_policies) and its read paths (customer_orders,
-- search_products): members read, owners and admins write; the functions are the worker's alone, and
-- customer_orders only ever returns the orders of the phone it is given.
begin;
\ir _helpers.psql
select plan(49);
select tests.seed_two_stores();

insert into public.store_policies (store_id, topic, language, title, body) values
  (tests.id('store_a'), 'shipping', 'id', 'Pengiriman', 'Ongkir mulai Rp 18.000.'),
  (tests.id('store_a'), 'shipping', 'en', 'Shipping', 'Shipping starts at Rp 18.000.'),
  (tests.id('store_b'), 'returns', 'id', 'Retur', 'Retur dalam 7 hari.');

-- Privileges ----------------------------------------------------------------------------------------
select table_privs_are('public', 'store_policies', 'anon', array[]::name[], 'anon has no privileges on store_policies');
select table_privs_are('public', 'store_policies', 'authenticated', array['SELECT', 'DELETE'],
  'authenticated reads and deletes policies (RLS narrows it)');
select column_privs_are('public', 'store_policies', 'store_id', 'authenticated', array['SELECT', 'INSERT'],
  'a policy''s store is set when it is added, never changed');
select column_privs_are('public', 'store_policies', 'body', 'authenticated', array['SELECT', 'INSERT', 'UPDATE'],
  'a policy''s text can be written');
select column_privs_are('public', 'stores', 'bot_persona', 'authenticated', array['SELECT', 'UPDATE'],
  'the persona is a store setting members read and admins may write');

-- Reading ---------------------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('agent_a'));
select results_eq($$ select title from public.store_policies order by title $$,
  $$ values ('Pengiriman'), ('Shipping') $$, 'an agent of A reads the policies of A, not those of B');
select tests.authenticate_as(tests.id('outsider'));
select is_empty($$ select * from public.store_policies $$, 'a user of no store reads no policies');
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.store_policies $$, '42501', null, 'anon cannot read policies');

-- Writing ---------------------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('agent_a'));
select throws_ok(
  $$ insert into public.store_policies (store_id, topic, title, body) values (tests.id('store_a'), 'hours', 'Jam', '9-5') $$,
  '42501', null, 'an agent cannot add a policy');
select is(tests.affected_rows($$ update public.store_policies set body = 'changed' where store_id = tests.id('store_a') $$),
  0::bigint, 'an agent cannot edit a policy');
select is(tests.affected_rows($$ delete from public.store_policies where store_id = tests.id('store_a') $$),
  0::bigint, 'an agent cannot remove a policy');
select is(tests.affected_rows($$ update public.stores set bot_persona = 'rude' where id = tests.id('store_a') $$),
  0::bigint, 'an agent cannot change the persona');

select tests.authenticate_as(tests.id('admin_a'));
select lives_ok(
  $$ insert into public.store_policies (store_id, topic, title, body, language)
     values (tests.id('store_a'), 'hours', 'Opening hours', 'Mon-Sat 9-5.', 'en') $$,
  'an admin of A adds a policy to A');
select is(tests.affected_rows($$ update public.store_policies set body = 'Ongkir mulai Rp 20.000.' where title = 'Pengiriman' $$),
  1::bigint, 'an admin of A edits a policy of A');
select throws_ok(
  $$ insert into public.store_policies (store_id, topic, title, body) values (tests.id('store_b'), 'hours', 'Jam', '9-5') $$,
  '42501', null, 'an admin of A cannot add a policy to B');
select is(tests.affected_rows($$ update public.store_policies set body = 'hijacked' where store_id = tests.id('store_b') $$),
  0::bigint, 'an admin of A cannot edit the policies of B');
select is(tests.affected_rows($$ delete from public.store_policies where store_id = tests.id('store_b') $$),
  0::bigint, 'an admin of A cannot remove the policies of B');
select throws_ok($$ update public.store_policies set store_id = tests.id('store_b') where title = 'Pengiriman' $$,
  '42501', null, 'a policy cannot be moved to another store');
select is(tests.affected_rows($$ update public.stores set bot_persona = 'Ramah dan singkat.' where id = tests.id('store_a') $$),
  1::bigint, 'an admin of A sets the persona of A');
select is(tests.affected_rows($$ update public.stores set bot_persona = 'rude' where id = tests.id('store_b') $$),
  0::bigint, 'an admin of A cannot set the persona of B');

select tests.authenticate_as(tests.id('owner_a'));
select is(tests.affected_rows($$ delete from public.store_policies where title = 'Shipping' $$),
  1::bigint, 'the owner of A removes a policy of A');
select throws_ok(
  $$ insert into public.store_policies (store_id, topic, title, body) values (tests.id('store_a'), 'gossip', 'x', 'y') $$,
  '23514', null, 'a policy has one of the known topics');
select throws_ok(
  $$ insert into public.store_policies (store_id, topic, title, body, language) values (tests.id('store_a'), 'hours', 'x', 'y', 'fr') $$,
  '23514', null, 'a policy is in Indonesian or English');
select throws_ok(
  $$ insert into public.store_policies (store_id, topic, title, body) values (tests.id('store_a'), 'shipping', 'Pengiriman', 'again') $$,
  '23505', null, 'one policy per store, topic, language and title');
select throws_ok($$ update public.stores set bot_persona = repeat('x', 2001) where id = tests.id('store_a') $$,
  '23514', null, 'a persona is at most 2000 characters');
select results_eq($$ select bot_persona from public.stores $$, $$ values ('Ramah dan singkat.') $$,
  'the owner of A reads the persona of A');

-- The assistant's read paths: the worker's (service role) alone -----------------------------------
select tests.clear_authentication();
select function_privs_are('public', 'customer_orders', array['uuid', 'text', 'text', 'integer'], 'anon', array[]::name[],
  'anon cannot execute customer_orders');
select function_privs_are('public', 'customer_orders', array['uuid', 'text', 'text', 'integer'], 'authenticated', array[]::name[],
  'authenticated cannot execute customer_orders');
select function_privs_are('public', 'customer_orders', array['uuid', 'text', 'text', 'integer'], 'service_role', array['EXECUTE'],
  'the service role executes customer_orders');
select function_privs_are('public', 'search_products', array['uuid', 'text', 'integer'], 'anon', array[]::name[],
  'anon cannot execute search_products');
select function_privs_are('public', 'search_products', array['uuid', 'text', 'integer'], 'authenticated', array[]::name[],
  'authenticated cannot execute search_products');
select function_privs_are('public', 'search_products', array['uuid', 'text', 'integer'], 'service_role', array['EXECUTE'],
  'the service role executes search_products');
select tests.authenticate_as(tests.id('owner_a'));
select throws_ok($$ select * from public.customer_orders(tests.id('store_a'), '+628120000001') $$, '42501', null,
  'not even an owner calls customer_orders through the API');

-- customer_orders: only the orders of the phone it is given.
select tests.authenticate_as_service_role();
select results_eq(
  $$ select number, status, total, items from public.customer_orders(tests.id('store_a'), '+628120000001') $$,
  $$ values ('100', 'processing', 150000.00::numeric, '[{"name": "Batik shirt a", "quantity": 1, "total": 150000.00}]'::jsonb) $$,
  'a customer gets their own order, with its lines');
select is_empty($$ select * from public.customer_orders(tests.id('store_a'), '+628120000002') $$,
  'a phone with no order in A gets nothing, although its order in B has the same number');
select is_empty($$ select * from public.customer_orders(tests.id('store_a'), '+628120000002', '100') $$,
  'asking for another customer''s order number returns nothing');
select results_eq($$ select number from public.customer_orders(tests.id('store_a'), '+628120000001', ' #100 ') $$,
  $$ values ('100') $$, 'an order number may be written with #');
select is_empty($$ select * from public.customer_orders(tests.id('store_a'), '+628120000001', '101') $$,
  'an order number the customer does not have returns nothing');
select is_empty($$ select * from public.customer_orders(tests.id('store_a'), null) $$, 'without a phone, nothing');
select is_empty($$ select * from public.customer_orders(tests.id('store_a'), '+628120000001', '100'' or ''1''=''1') $$,
  'an order number is a value, not SQL');
update public.orders set billing_phone = '+6281299999999' where id = tests.id('order_a');
select results_eq($$ select number from public.customer_orders(tests.id('store_a'), '+628120000001') $$,
  $$ values ('100') $$, 'the phone of the order''s customer counts');
select results_eq($$ select number from public.customer_orders(tests.id('store_a'), '+6281299999999') $$,
  $$ values ('100') $$, 'and so does the billing phone');
update public.orders set status = 'trash' where id = tests.id('order_a');
select is_empty($$ select * from public.customer_orders(tests.id('store_a'), '+628120000001') $$,
  'trashed orders are not shown');

-- search_products: published products of one store.
select results_eq($$ select name from public.search_products(tests.id('store_a'), 'batik shirt') $$,
  $$ values ('Batik shirt a') $$, 'the search finds the product of A, not that of B');
select results_eq($$ select name from public.search_products(tests.id('store_a'), 'kemeja bat') $$,
  $$ values ('Batik shirt a') $$, 'any word matches, as a prefix');
select results_eq($$ select name from public.search_products(tests.id('store_a'), 'bat:* & !shirt') $$,
  $$ values ('Batik shirt a') $$, 'the query is words, not tsquery syntax');
select is_empty($$ select * from public.search_products(tests.id('store_a'), 'sarong') $$, 'no match, no product');
select is_empty($$ select * from public.search_products(tests.id('store_a'), ' ') $$, 'no words, no product');
update public.products set status = 'draft' where id = tests.id('product_a');
select is_empty($$ select * from public.search_products(tests.id('store_a'), 'batik') $$, 'drafts are not offered');

select * from finish();
rollback;
