-- The Customers page's figures on a hand-computed fixture, labels and notes under RLS, and the CSV import.
begin;
\ir _helpers.psql
select plan(32);
-- The stored Customers list (migration 660) is recomputed at commit; this test's one transaction sees each
-- write in it at the statement's end instead.
set constraints private.customer_list_pending_refresh immediate;
select tests.seed_two_stores();

-- Fixture (as postgres; the webhooks write as the service role): in store A
--   Ani:  processing 100,000 (Jan 1) + completed 50,000 (Feb 1) + cancelled 70,000 (Mar 1) + a checkout draft
--         → 3 orders, 2 paid, spent 150,000, AOV 75,000, last order Mar 1; two conversations, last message Mar 5
--   Budi: no orders, no conversation, opted in
with c as (
  insert into public.customers (store_id, phone, name, email, first_seen_at)
  values (tests.id('store_a'), '+628111000001', 'Ani', 'ani@example.com', '2025-12-01T00:00Z') returning id
) insert into tests.fixture select 'ani', id from c;
with c as (
  insert into public.customers (store_id, phone, name, marketing_opt_in, marketing_opt_in_at, first_seen_at)
  values (tests.id('store_a'), '+628111000002', 'Budi', true, '2026-01-10T00:00Z', '2026-01-10T00:00Z') returning id
) insert into tests.fixture select 'budi', id from c;
insert into public.orders (store_id, external_id, number, status, total, currency, customer_id, created_at, date_modified)
values (tests.id('store_a'), 201, '201', 'processing', 100000, 'IDR', tests.id('ani'), '2026-01-01T00:00Z', now()),
       (tests.id('store_a'), 202, '202', 'completed', 50000, 'IDR', tests.id('ani'), '2026-02-01T00:00Z', now()),
       (tests.id('store_a'), 203, '203', 'cancelled', 70000, 'IDR', tests.id('ani'), '2026-03-01T00:00Z', now()),
       (tests.id('store_a'), 204, '204', 'checkout-draft', 999, 'IDR', tests.id('ani'), '2026-04-01T00:00Z', now());
insert into public.conversations (store_id, customer_id, status, resolved_at, resolution, last_message_at)
values (tests.id('store_a'), tests.id('ani'), 'resolved', '2026-02-03T00:00Z', 'human', '2026-02-02T00:00Z'),
       (tests.id('store_a'), tests.id('ani'), 'bot', null, null, '2026-03-05T00:00Z');

select tests.authenticate_as(tests.id('agent_a'));
select results_eq(
  $$ select orders, paid_orders, total_spent, average_order_value, first_order_at, last_order_at, conversations,
            last_message_at, last_seen_at, consent
     from public.customer_overview where id = tests.id('ani') $$,
  $$ values (3::bigint, 2::bigint, 150000.00::numeric, 75000.00::numeric, '2026-01-01T00:00Z'::timestamptz,
             '2026-03-01T00:00Z'::timestamptz, 2::bigint, '2026-03-05T00:00Z'::timestamptz,
             '2026-03-05T00:00Z'::timestamptz, 'none') $$,
  'an agent reads Ani''s figures: drafts are no orders, cancelled ones are not spent');
select results_eq(
  $$ select orders, paid_orders, total_spent, average_order_value, conversations, last_message_at, consent, labels
     from public.customer_overview where id = tests.id('budi') $$,
  $$ values (0::bigint, 0::bigint, 0::numeric, null::numeric, 0::bigint, null::timestamptz, 'opted_in', '{}'::text[]) $$,
  'a customer without orders or conversations has zeros and the consent they gave');
select is((select count(*) from public.customer_overview), 3::bigint, 'an agent of A sees the three customers of A');
select is((select array_agg(name order by total_spent desc, name) from public.customer_overview),
  array['Ani', 'Customer A', 'Budi'], 'the list sorts by total spent in SQL');

-- Labels and notes: agents add them; nobody writes into another store.
select lives_ok($$ insert into public.customer_labels (store_id, customer_id, label) values (tests.id('store_a'), tests.id('ani'), 'vip') $$,
  'an agent labels a customer');
select lives_ok($$ insert into public.customer_notes (store_id, customer_id, body) values (tests.id('store_a'), tests.id('ani'), 'Prefers delivery after 5 pm') $$,
  'an agent writes a private note');
select results_eq($$ select labels from public.customer_overview where id = tests.id('ani') $$, $$ values (array['vip']) $$,
  'the label is in the list');
select is((select author_id from public.customer_notes where customer_id = tests.id('ani')), tests.id('agent_a'),
  'the note is signed by its author');
select is((select array_agg(id) from public.customer_overview where labels @> array['vip']), array[tests.id('ani')],
  'the list filters by label');
select throws_ok($$ insert into public.customer_labels (store_id, customer_id, label, created_by) values (tests.id('store_a'), tests.id('ani'), 'x', tests.id('owner_a')) $$,
  '42501', null, 'an agent cannot sign a label as someone else');
select throws_ok($$ insert into public.customer_labels (store_id, customer_id, label) values (tests.id('store_b'), tests.id('customer_b'), 'vip') $$,
  '42501', null, 'an agent of A cannot label a customer of B');
select throws_ok($$ insert into public.customer_labels (store_id, customer_id, label) values (tests.id('store_a'), tests.id('customer_b'), 'vip') $$,
  '23503', null, 'a customer of B cannot be labelled as one of A');

-- Contact data and consent: not for agents.
select throws_ok($$ select public.import_customers(tests.id('store_a'), '[]', tests.id('agent_a')) $$,
  '42501', null, 'an agent cannot import customers');
select throws_ok($$ update public.customers set phone = '+628999999999' where id = tests.id('ani') $$,
  '42501', null, 'an agent cannot change a phone number');
select throws_ok($$ select public.set_customer_marketing_consent(tests.id('budi'), false) $$,
  '42501', 'only owners and admins change marketing consent', 'an agent cannot change marketing consent');

select results_eq(
  $$ select id, orders, total_spent, labels from public.customer_list(tests.id('store_a')) order by total_spent desc, name $$,
  $$ select id, orders, total_spent, labels from public.customer_overview order by total_spent desc, name $$,
  'customer_list gives an agent the same rows and figures as the view');

select tests.authenticate_as(tests.id('agent_b'));
select is((select count(*) from public.customer_overview where store_id = tests.id('store_a')), 0::bigint,
  'a member of B sees no customer of A');
select is((select count(*) from public.customer_list(tests.id('store_a'))), 0::bigint,
  'customer_list gives a member of B nothing of A');
select is((select count(*) from public.customer_list(tests.id('store_b'))), 1::bigint, '... and their own store''s customers');
select is((select count(*) from public.customer_labels) + (select count(*) from public.customer_notes), 0::bigint,
  'a member of B sees no labels or notes of A');
select tests.authenticate_as(tests.id('outsider'));
select is((select count(*) from public.customer_overview), 0::bigint, 'a user of no store sees no customer');
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.customer_list(tests.id('store_a')) $$, '42501', null, 'anonymous callers cannot call customer_list');

-- An admin records a withdrawal (consent history: agent, with the actor).
select tests.authenticate_as(tests.id('admin_a'));
select is((public.set_customer_marketing_consent(tests.id('budi'), false)).marketing_opt_in, false,
  'an admin withdraws consent given by phone');
select results_eq($$ select given, source::text, actor_id from public.customer_consent_events where customer_id = tests.id('budi') order by id $$,
  $$ values (true, 'system', null::uuid), (false, 'agent', tests.id('admin_a')) $$,
  'the consent history has the consent given at creation and the admin''s withdrawal');

-- The CSV import (rows checked by the API): one transaction, existing customers merged by phone.
select tests.authenticate_as_service_role();
update public.customers set opted_out_at = now() where id = tests.id('budi');
select tests.authenticate_as(tests.id('admin_a'));
select throws_ok($$ select public.set_customer_marketing_consent(tests.id('budi'), true) $$, '55000', null,
  'not even an admin opts in a customer who opted out: only they can');
select tests.authenticate_as_service_role();
select is(public.import_customers(tests.id('store_a'), $$[
    {"phone": "+628111000001", "name": "Ani Lestari", "email": null, "marketing_opt_in": true, "labels": ["reseller"]},
    {"phone": "+628111000002", "name": null, "email": "budi@example.com", "marketing_opt_in": true, "labels": []},
    {"phone": "+628111000003", "name": "Citra", "email": "citra@example.com", "marketing_opt_in": null, "labels": ["vip", " "]}
  ]$$::jsonb, tests.id('owner_a')),
  '{"created": 1, "updated": 2, "opted_in": 1, "opted_out": 0}'::jsonb,
  'the import creates one customer, merges two and opts in the one who asked');
select results_eq($$ select name, email, marketing_opt_in, opted_out_at is not null from public.customers
                     where store_id = tests.id('store_a') and phone like '+62811100000%' order by phone $$,
  $$ values ('Ani', 'ani@example.com', true, false), ('Budi', 'budi@example.com', false, true),
            ('Citra', 'citra@example.com', false, false) $$,
  'known names stay, blanks are filled, and an opted-out customer stays out');
select results_eq($$ select given, source::text from public.customer_consent_events where customer_id = tests.id('ani') $$,
  $$ values (true, 'import') $$, 'the import''s consent is in the history');
select results_eq($$ select c.phone, l.label from public.customer_labels l join public.customers c on c.id = l.customer_id
                     where l.store_id = tests.id('store_a') order by 1, 2 $$,
  $$ values ('+628111000001', 'reseller'), ('+628111000001', 'vip'), ('+628111000003', 'vip') $$,
  'labels are added, blank ones ignored');
select throws_ok($$ select public.import_customers(tests.id('store_a'), '[
    {"phone": "+628111000009", "name": "Dewi"},
    {"phone": "+628111000010", "name": "Eko", "email": "$$ || repeat('e', 400) || $$"}
  ]'::jsonb, tests.id('owner_a')) $$, '23514', null, 'a row the database refuses fails the whole import');
select is((select count(*) from public.customers where phone = '+628111000009'), 0::bigint, 'nothing is half-imported');
select throws_ok($$ select public.import_customers(tests.id('store_a'), '[{"phone": "+628111000011"}, {"phone": "+628111000011"}]', null) $$,
  '22023', 'every row needs a phone, once', 'duplicates must be merged before the import');

select * from finish();
rollback;
