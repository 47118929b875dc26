-- The WooCommerce mirror (products, orders, order_items) is written by the service role only.
begin;
\ir _helpers.psql
select plan(24);
select tests.seed_two_stores();

create table tests.mirror_writes (what text, statement text);
insert into tests.mirror_writes values
  ('insert a product', $$ insert into public.products (store_id, external_id, name) values (tests.id('store_a'), 11, 'Sarong') $$),
  ('change a price', $$ update public.products set price = 1 where id = tests.id('product_a') $$),
  ('delete a product', $$ delete from public.products where id = tests.id('product_a') $$),
  ('insert an order', $$ insert into public.orders (store_id, external_id, number, status, total, currency, created_at, date_modified)
                         values (tests.id('store_a'), 101, '101', 'pending', 1, 'IDR', now(), now()) $$),
  ('mark an order completed', $$ update public.orders set status = 'completed' where id = tests.id('order_a') $$),
  ('delete an order', $$ delete from public.orders where id = tests.id('order_a') $$),
  ('insert an order line', $$ insert into public.order_items (store_id, order_id, external_id, name, quantity, unit_price, total)
                              values (tests.id('store_a'), tests.id('order_a'), 1001, 'Sarong', 1, 1, 1) $$),
  ('change an order line', $$ update public.order_items set quantity = 9 where order_id = tests.id('order_a') $$),
  ('delete an order line', $$ delete from public.order_items where order_id = tests.id('order_a') $$);
grant select on tests.mirror_writes to authenticated;

select tests.authenticate_as(tests.id('agent_a'));
select throws_ok(statement, '42501', null, 'an agent cannot ' || what) from tests.mirror_writes;
select tests.authenticate_as(tests.id('owner_a'));
select throws_ok(statement, '42501', null, 'not even the owner can ' || what) from tests.mirror_writes;
select results_eq(
  $$ select o.number, o.status::text, o.total, i.quantity, p.price
     from public.orders o join public.order_items i on i.order_id = o.id join public.products p on p.id = i.product_id $$,
  $$ values ('100', 'processing', 150000.00::numeric, 1, 150000.00::numeric) $$,
  'the owner of A reads the mirror of A, unchanged');

-- The service role keeps the mirror, inside one store per row.
select tests.authenticate_as_service_role();
select lives_ok($$ update public.orders set status = 'completed', date_modified = now() where id = tests.id('order_a') $$,
  'the service role updates orders');
select throws_ok(
  $$ insert into public.orders (store_id, external_id, number, status, total, currency, customer_id, created_at, date_modified)
     values (tests.id('store_a'), 102, '102', 'pending', 1, 'IDR', tests.id('customer_b'), now(), now()) $$,
  '23503', null, 'an order of store A cannot belong to a customer of store B');
select throws_ok(
  $$ insert into public.order_items (store_id, order_id, product_id, external_id, name, quantity, unit_price, total)
     values (tests.id('store_a'), tests.id('order_a'), tests.id('product_b'), 1002, 'Batik', 1, 1, 1) $$,
  '23503', null, 'an order line of store A cannot point at a product of store B');
select throws_ok(
  $$ insert into public.order_items (store_id, order_id, external_id, name, quantity, unit_price, total)
     values (tests.id('store_a'), tests.id('order_b'), 1003, 'Batik', 1, 1, 1) $$,
  '23503', null, 'an order line of store A cannot belong to an order of store B');
select throws_ok($$ insert into public.products (store_id, external_id, name) values (tests.id('store_a'), 10, 'Duplicate') $$,
  '23505', null, 'a WooCommerce product id is one product per store');

select * from finish();
rollback;
