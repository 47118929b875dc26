-- GDPR export and erase of one customer. The catalog decides what is checked: every text, json and
-- array column of every public table linked to a customer (customer_id, conversation_id, order_id,
-- message_id, or the registry) must be declared personal or not personal in the registry, and after an
-- erase no row of any public table may still carry one of the customer's personal values.
begin;
\ir _helpers.psql
select plan(20);
select tests.seed_two_stores();

-- The registry covers the catalog ---------------------------------------------------------------------
create view tests.customer_linked_tables as
  select distinct c.table_name::name as table_name
  from information_schema.columns c
  join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
  where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
    and (c.column_name in ('customer_id', 'conversation_id', 'order_id', 'message_id') or c.table_name = 'customers')
  union
  select table_name from private.personal_data_tables;

select is_empty(
  $$ select l.table_name from tests.customer_linked_tables l
     where not exists (select from private.personal_data_tables p where p.table_name = l.table_name) $$,
  'every public table linked to a customer is in private.personal_data_tables');

select is_empty(
  $$ select format('%s.%s (%s)', a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod))
     from private.personal_data_tables p
     join pg_catalog.pg_attribute a on a.attrelid = format('public.%I', p.table_name)::regclass
     join pg_catalog.pg_type ty on ty.oid = a.atttypid
     where p.erase = 'redact' and a.attnum > 0 and not a.attisdropped
       and (ty.typcategory in ('S', 'A') or ty.typname in ('json', 'jsonb'))
       and not exists (select from private.personal_data_columns c
                       where c.table_name = p.table_name and c.column_name = a.attname) $$,
  'every text, json and array column of a redacted table is declared personal or not personal');

select is_empty(
  $$ select c.table_name, c.column_name from private.personal_data_columns c
     where not exists (select from information_schema.columns i
                       where i.table_schema = 'public' and i.table_name = c.table_name and i.column_name = c.column_name) $$,
  'the registry names only columns that exist');

-- The customer of A, with their data in every personal place ----------------------------------------
create function tests.seed_personal_data() returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  v_message uuid;
  v_template uuid;
  v_broadcast uuid;
begin
  update public.customers set name = 'Siti PERSONAL', external_id = 77, marketing_opt_in = true, marketing_opt_in_at = now()
  where id = tests.id('customer_a');
  update public.conversations set summary = 'Siti PERSONAL wants a refund', summary_data = '{"who": "Siti PERSONAL"}'
  where id = tests.id('conversation_a');
  insert into public.messages (store_id, conversation_id, direction, sender, body, media, metadata, provider_message_id, status)
  values (tests.id('store_a'), tests.id('conversation_a'), 'inbound', 'customer', 'I live at Jl. PERSONAL 5',
          '[{"url": "https://api.twilio.com/m/1", "content_type": "image/jpeg", "storage_key": "media/a/m/0-photo.jpg", "text": "PERSONAL address"}]',
          '{"note": "PERSONAL"}', 'SM-personal', 'received')
  returning id into v_message;
  insert into tests.fixture values ('message_personal', v_message);
  insert into public.reply_jobs (message_id, store_id, status, last_error)
  values (v_message, tests.id('store_a'), 'failed', 'could not answer Siti PERSONAL');
  insert into public.conversation_notes (store_id, conversation_id, body)
  values (tests.id('store_a'), tests.id('conversation_a'), 'Siti PERSONAL calls after 5');
  insert into public.outbound_retries (message_id, store_id, conversation_id, last_error)
  values (v_message, tests.id('store_a'), tests.id('conversation_a'), 'Twilio 503 sending to Siti PERSONAL');
  insert into public.customer_labels (store_id, customer_id, label)
  values (tests.id('store_a'), tests.id('customer_a'), 'PERSONAL-vip');
  insert into public.customer_notes (store_id, customer_id, body)
  values (tests.id('store_a'), tests.id('customer_a'), 'Siti PERSONAL prefers JNE');
  insert into public.whatsapp_templates (store_id, name, content_sid, language, body)
  values (tests.id('store_a'), 'promo', 'HX' || repeat('c', 32), 'id', 'Promo {{1}}') returning id into v_template;
  insert into public.broadcasts (store_id, name, template_id, variables)
  values (tests.id('store_a'), 'Promo', v_template, '{"1": "x"}') returning id into v_broadcast;
  insert into public.broadcast_recipients (store_id, broadcast_id, customer_id, status, error)
  values (tests.id('store_a'), v_broadcast, tests.id('customer_a'), 'failed', 'Twilio 21211: +628120000001 is not valid');
  update public.tickets set subject = 'Refund for Siti PERSONAL' where id = tests.id('ticket_a');
  update public.orders set billing_name = 'Siti PERSONAL', billing_email = 'customer.a@example.com',
                           tracking_number = 'JNE-PERSONAL', tracking_url = 'https://jne.example/?awb=JNE-PERSONAL',
                           pay_url = 'https://toko.example/checkout/order-pay/100/?key=wc_order_PERSONAL'
  where id = tests.id('order_a');
  insert into public.order_notifications (store_id, order_id, event, due_at, status, error)
  values (tests.id('store_a'), tests.id('order_a'), 'completed', now(), 'failed', 'Twilio 21211: +628120000001 is not valid');
  insert into public.woocommerce_deliveries (store_id, topic, resource_id, body_sha256, payload, status, error)
  values (tests.id('store_a'), 'order.updated', 100, repeat('a', 64), '{"billing": {"first_name": "Siti PERSONAL"}}', 'failed', 'PERSONAL'),
         (tests.id('store_a'), 'customer.updated', 77, repeat('b', 64), '{"email": "customer.a@example.com"}', 'received', null),
         (tests.id('store_b'), 'order.updated', 100, repeat('c', 64), '{"billing": {"first_name": "Customer B"}}', 'received', null);
end;
$$;
select tests.seed_personal_data();

-- Rows of any public table (audit_log aside: it names the customer by id only) that still carry one
-- of the customer's personal values.
create function tests.personal_traces() returns setof text
language plpgsql security definer
set search_path = ''
as $$
declare
  v_table record;
  v_count bigint;
begin
  for v_table in
    select c.relname from pg_catalog.pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and c.relname <> 'audit_log'
  loop
    execute format($q$ select count(*) from public.%I t
                        where t::text ~ '(PERSONAL|Customer A|customer\.a@example\.com|\+628120000001|628120000001)' $q$,
                   v_table.relname)
      into v_count;
    if v_count > 0 then
      return next format('%s: %s rows', v_table.relname, v_count);
    end if;
  end loop;
end;
$$;
select isnt_empty($$ select * from tests.personal_traces() $$, 'before the erase the customer''s data is found');

-- Who may -----------------------------------------------------------------------------------------
select tests.authenticate_as(tests.id('owner_a'));
select throws_ok($$ select public.erase_customer(tests.id('store_a'), tests.id('customer_a'), tests.id('owner_a')) $$,
  '42501', null, 'a signed-in owner cannot call erase_customer directly (only the functions API can)');
select throws_ok($$ select public.export_customer(tests.id('store_a'), tests.id('customer_a'), tests.id('owner_a')) $$,
  '42501', null, 'nor export_customer');
select tests.authenticate_as_service_role();
select throws_ok($$ select public.erase_customer(tests.id('store_a'), tests.id('customer_a'), tests.id('admin_a')) $$,
  '42501', 'only an owner of the store can export or erase a customer', 'an admin cannot erase a customer');
select throws_ok($$ select public.export_customer(tests.id('store_a'), tests.id('customer_a'), tests.id('agent_a')) $$,
  '42501', 'only an owner of the store can export or erase a customer', 'an agent cannot export a customer');
select throws_ok($$ select public.erase_customer(tests.id('store_a'), tests.id('customer_a'), tests.id('owner_b')) $$,
  '42501', 'you are not a member of this store', 'the owner of B cannot erase a customer of A');
select throws_ok($$ select public.erase_customer(tests.id('store_b'), tests.id('customer_a'), tests.id('owner_b')) $$,
  'P0002', 'this store has no such customer', 'nor through their own store');

-- Export --------------------------------------------------------------------------------------------
select is(
  (select jsonb_object_agg(key, jsonb_array_length(value)) from jsonb_each(
     public.export_customer(tests.id('store_a'), tests.id('customer_a'), tests.id('owner_a')))),
  '{"customers": 1, "conversations": 1, "messages": 3, "conversation_notes": 1, "reply_jobs": 1, "tickets": 1,
    "orders": 1, "order_items": 1, "woocommerce_deliveries": 2, "outbound_retries": 1, "customer_labels": 1,
    "customer_notes": 1, "customer_consent_events": 1, "broadcast_recipients": 1, "order_notifications": 1}'::jsonb,
  'the export holds every row of the customer in every registered table (and none of store B)');

-- Erase ---------------------------------------------------------------------------------------------
select is(
  public.erase_customer(tests.id('store_a'), tests.id('customer_a'), tests.id('owner_a')),
  '{"erased": {"customers": 1, "conversations": 1, "messages": 3, "conversation_notes": 1, "reply_jobs": 1,
                "tickets": 1, "orders": 1, "order_items": 0, "woocommerce_deliveries": 2, "outbound_retries": 1,
                "customer_labels": 1, "customer_notes": 1, "customer_consent_events": 1, "broadcast_recipients": 1,
                "order_notifications": 1},
    "media_keys": ["media/a/m/0-photo.jpg"]}'::jsonb,
  'erase answers the rows touched per table and the media objects to delete');
select is_empty($$ select * from tests.personal_traces() $$,
  'after the erase no row of any public table carries a personal value of the customer');
select results_eq(
  $$ select phone, name, email, external_id, erased_at is not null from public.customers where id = tests.id('customer_a') $$,
  $$ values (null::text, null::text, null::text, null::bigint, true) $$,
  'the customer row is a tombstone');
select results_eq(
  $$ select number, total, status::text, customer_id from public.orders where id = tests.id('order_a') $$,
  $$ values ('100', 150000.00::numeric, 'processing', tests.id('customer_a')) $$,
  'the order is kept for the books, still linked to the tombstone');
select is((select count(*) from public.messages where conversation_id = tests.id('conversation_a')), 3::bigint,
  'the messages stay (redacted), so past KPIs keep their counts');
select results_eq(
  $$ select action, actor_id, target_id from public.audit_log
     where store_id = tests.id('store_a') and action in ('customer.exported', 'customer.erased') order by id $$,
  $$ values ('customer.exported', tests.id('owner_a'), tests.id('customer_a')::text),
            ('customer.erased', tests.id('owner_a'), tests.id('customer_a')::text) $$,
  'the export and the erase are audited with their owner');
select results_eq($$ select name, phone from public.customers where id = tests.id('customer_b') $$,
  $$ values ('Customer B', '+628120000002') $$, 'the customer of B is untouched');

select tests.authenticate_as(tests.id('agent_a'));
select throws_ok($$ update public.customers set name = 'Siti again' where id = tests.id('customer_a') $$,
  '55000', 'this customer was erased: their data cannot be written again', 'nobody writes a name into a tombstone');
select tests.authenticate_as_service_role();

-- The same phone writing again is a new customer.
insert into public.customers (store_id, phone) values (tests.id('store_a'), '+628120000001');
select is((select count(*) from public.customers where store_id = tests.id('store_a') and phone = '+628120000001'), 1::bigint,
  'the phone is free again for a fresh customer');

select * from finish();
rollback;
