-- Customers are fed by webhooks; members may only correct a customer's name and email.
begin;
\ir _helpers.psql
select plan(14);
select tests.seed_two_stores();

select tests.authenticate_as(tests.id('agent_a'));
select is(
  tests.affected_rows($$ update public.customers set name = 'Ibu Sari', email = 'sari@example.com' where id = tests.id('customer_a') $$),
  1::bigint, 'an agent of A can correct the name and email of a customer of A');
select results_eq($$ select name, email, phone from public.customers where id = tests.id('customer_a') $$,
  $$ values ('Ibu Sari', 'sari@example.com', '+628120000001') $$, 'the correction is stored and the phone is untouched');
select throws_ok($$ update public.customers set phone = '+628999999999' where id = tests.id('customer_a') $$,
  '42501', 'permission denied for table customers', 'an agent cannot change a customer''s phone');
select throws_ok($$ update public.customers set marketing_opt_in = true where id = tests.id('customer_a') $$,
  '42501', 'permission denied for table customers', 'an agent cannot opt a customer in to marketing');
select throws_ok($$ update public.customers set store_id = tests.id('store_b') where id = tests.id('customer_a') $$,
  '42501', 'permission denied for table customers', 'an agent cannot move a customer to another store');
select is(tests.affected_rows($$ update public.customers set name = 'hijacked' where id = tests.id('customer_b') $$), 0::bigint,
  'an agent of A cannot edit a customer of B');
select throws_ok($$ insert into public.customers (store_id, phone) values (tests.id('store_a'), '+628123456789') $$,
  '42501', 'permission denied for table customers', 'an agent cannot create customers');
select throws_ok($$ delete from public.customers where id = tests.id('customer_a') $$,
  '42501', 'permission denied for table customers', 'an agent cannot delete customers');

select tests.authenticate_as(tests.id('owner_a'));
select throws_ok($$ update public.customers set phone = '+628999999999' where id = tests.id('customer_a') $$,
  '42501', 'permission denied for table customers', 'not even the owner changes a customer''s phone');
select throws_ok($$ delete from public.customers where id = tests.id('customer_a') $$,
  '42501', 'permission denied for table customers', 'not even the owner deletes customers through the API');

select tests.clear_authentication();
select is((select name from public.customers where id = tests.id('customer_b')), 'Customer B', 'the customer of B is unchanged');

-- The service role writes what the webhooks bring.
select tests.authenticate_as_service_role();
select lives_ok($$ insert into public.customers (store_id, phone, name) values (tests.id('store_a'), '+628123456789', 'Pak Budi') $$,
  'the service role creates customers');
select throws_ok($$ insert into public.customers (store_id, phone) values (tests.id('store_a'), '+628123456789') $$,
  '23505', null, 'a phone number is one customer per store');
select lives_ok($$ insert into public.customers (store_id, phone) values (tests.id('store_b'), '+628123456789') $$,
  'the same phone number may be a customer of another store');

select * from finish();
rollback;
