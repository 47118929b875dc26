-- GDPR: export and erase one customer. What can hold a customer's personal data is declared once, in
-- two registry tables, and the export, the erase and the pgTAP catalog check all read the registry:
-- a new table is added to the erase with one insert into private.personal_data_tables (plus its columns
-- in private.personal_data_columns when its rows are redacted rather than deleted).
-- Erase keeps what the shop's books and the KPIs need (orders, the customer row as a tombstone,
-- message counts and timestamps) and removes every personal field; the functions are the service
-- role's, called by the functions API after it checked the caller, and check the actor again here.

-- Tables ------------------------------------------------------------------------------------------
alter table public.customers add column erased_at timestamptz;
comment on column public.customers.erased_at is
  'Set when the customer was erased (GDPR): the row stays as a tombstone without personal data, so orders and KPIs keep their link; a later message from the same phone starts a new customer.';
-- A tombstone has no phone, e-mail or WooCommerce id left.
alter table public.customers drop constraint customers_check;
alter table public.customers add constraint customers_identified
  check (phone is not null or external_id is not null or email is not null or erased_at is not null);

create table private.personal_data_tables (
  table_name name primary key,
  link text not null check (link in ('self', 'customer', 'conversation', 'message', 'order', 'woocommerce_resource')),
  erase text not null check (erase in ('delete', 'redact')),
  position integer not null unique
);
comment on table private.personal_data_tables is
  'Tables of public holding a customer''s data, how their rows are found from the customer (link) and what erase does to them (delete the rows, or redact the personal columns listed in personal_data_columns), in position order.';

create table private.personal_data_columns (
  table_name name not null references private.personal_data_tables (table_name) on delete cascade,
  column_name name not null,
  personal boolean not null,
  erased_value text,
  primary key (table_name, column_name),
  check (personal = (erased_value is not null))
);
comment on table private.personal_data_columns is
  'Every text, json and array column of a redacted table, declared personal (erase sets it to erased_value, an SQL expression) or not personal. supabase/tests/39 fails on a column declared in neither way.';

insert into private.personal_data_tables (table_name, link, erase, position) values
  ('conversation_notes', 'conversation', 'delete', 10),
  ('reply_jobs', 'message', 'redact', 20),
  ('messages', 'conversation', 'redact', 30),
  ('tickets', 'conversation', 'redact', 40),
  ('conversations', 'customer', 'redact', 50),
  ('woocommerce_deliveries', 'woocommerce_resource', 'redact', 60),
  ('order_items', 'order', 'redact', 70),
  ('orders', 'customer', 'redact', 80),
  ('customers', 'self', 'redact', 1000);

insert into private.personal_data_columns (table_name, column_name, personal, erased_value) values
  ('reply_jobs', 'last_error', true, 'null'),
  ('messages', 'body', true, $$''$$),
  ('messages', 'media', true, $$'[]'::jsonb$$),
  ('messages', 'metadata', true, $$'{}'::jsonb$$),
  ('messages', 'provider_message_id', false, null),
  ('tickets', 'subject', true, 'null'),
  ('conversations', 'summary', true, 'null'),
  ('conversations', 'summary_data', true, 'null'),
  ('woocommerce_deliveries', 'payload', true, $$'{"erased": true}'::jsonb$$),
  ('woocommerce_deliveries', 'error', true, $$case when error is null then null else 'erased' end$$),
  ('woocommerce_deliveries', 'topic', false, null),
  ('woocommerce_deliveries', 'body_sha256', false, null),
  ('woocommerce_deliveries', 'delivery_id', false, null),
  ('woocommerce_deliveries', 'outcome', false, null),
  ('order_items', 'name', false, null),
  ('order_items', 'variation_attributes', false, null),
  ('order_items', 'variation_label', false, null),
  ('orders', 'billing_name', true, 'null'),
  ('orders', 'billing_phone', true, 'null'),
  ('orders', 'billing_email', true, 'null'),
  ('orders', 'tracking_number', true, 'null'),
  ('orders', 'number', false, null),
  ('orders', 'currency', false, null),
  ('orders', 'payment_method', false, null),
  ('orders', 'shipping_method', false, null),
  ('customers', 'phone', true, 'null'),
  ('customers', 'name', true, 'null'),
  ('customers', 'email', true, 'null'),
  ('customers', 'external_id', true, 'null'),
  ('customers', 'marketing_opt_in', true, 'false'),
  ('customers', 'marketing_opt_in_at', true, 'null'),
  ('customers', 'erased_at', true, 'now()');

-- Grants ------------------------------------------------------------------------------------------
revoke all on private.personal_data_tables, private.personal_data_columns from public, anon, authenticated, service_role;
grant select on private.personal_data_tables, private.personal_data_columns to service_role;

-- Functions ---------------------------------------------------------------------------------------
-- Which rows of a registered table belong to the customer: a predicate over $1 (store) and $2 (customer).
create function private.customer_rows_predicate(p_link text) returns text
language sql immutable
set search_path = ''
as $$
  select 'store_id = $1 and ' || case p_link
    when 'self' then 'id = $2'
    when 'customer' then 'customer_id = $2'
    when 'conversation' then
      'conversation_id in (select c.id from public.conversations c where c.store_id = $1 and c.customer_id = $2)'
    when 'message' then
      'message_id in (select m.id from public.messages m join public.conversations c on c.id = m.conversation_id '
      'where c.store_id = $1 and c.customer_id = $2)'
    when 'order' then 'order_id in (select o.id from public.orders o where o.store_id = $1 and o.customer_id = $2)'
    when 'woocommerce_resource' then
      '((topic like ''customer.%'' and resource_id = (select x.external_id from public.customers x where x.id = $2)) '
      'or (topic like ''order.%'' and resource_id in (select o.external_id from public.orders o where o.store_id = $1 and o.customer_id = $2)))'
  end
$$;

-- The customer, checked: the store has them, and the actor is an owner of the store (a null actor is the
-- store's WordPress plugin, whose API key the functions API checked). 42501 / P0002 otherwise.
create function private.privacy_customer(p_store_id uuid, p_customer_id uuid, p_actor_id uuid)
returns public.customers
language plpgsql stable
set search_path = ''
as $$
declare
  v_customer public.customers;
begin
  if p_actor_id is not null and private.actor_role(p_store_id, p_actor_id) <> 'owner' then
    raise exception 'only an owner of the store can export or erase a customer' using errcode = 'insufficient_privilege';
  end if;
  select * into v_customer from public.customers c where c.store_id = p_store_id and c.id = p_customer_id;
  if v_customer.id is null then
    raise exception 'this store has no such customer' using errcode = 'no_data_found';
  end if;
  return v_customer;
end;
$$;

-- Everything the store holds about the customer: {table: [row, …]} over the registry, and an audit row.
create function public.export_customer(p_store_id uuid, p_customer_id uuid, p_actor_id uuid, p_via text default 'dashboard')
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_table record;
  v_rows jsonb;
  v_result jsonb := '{}';
  v_counts jsonb := '{}';
begin
  perform private.privacy_customer(p_store_id, p_customer_id, p_actor_id);
  for v_table in select * from private.personal_data_tables order by position loop
    -- Oldest first (created_at when the table has one; its JSON text sorts as the instant does).
    execute format('select coalesce(jsonb_agg(r.row order by r.row ->> ''created_at'', r.row ->> ''id''), ''[]'') '
                   'from (select to_jsonb(t) as row from public.%I t where %s) r',
                   v_table.table_name, private.customer_rows_predicate(v_table.link))
      into v_rows using p_store_id, p_customer_id;
    v_result := v_result || jsonb_build_object(v_table.table_name, v_rows);
    v_counts := v_counts || jsonb_build_object(v_table.table_name, jsonb_array_length(v_rows));
  end loop;
  insert into public.audit_log (store_id, actor_id, action, target_table, target_id, details)
  values (p_store_id, p_actor_id, 'customer.exported', 'customers', p_customer_id::text,
          jsonb_build_object('rows', v_counts, 'via', p_via));
  return v_result;
end;
$$;

-- Erases the customer in one transaction: rows of 'delete' tables deleted, personal columns of
-- 'redact' tables set to their erased value, the customer row last (a tombstone). Returns
-- {"erased": {table: rows}, "media_keys": [the object-storage keys of their attachments, to delete]}.
create function public.erase_customer(p_store_id uuid, p_customer_id uuid, p_actor_id uuid, p_via text default 'dashboard')
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_table record;
  v_set text;
  v_count bigint;
  v_counts jsonb := '{}';
  v_media_keys jsonb;
begin
  perform private.privacy_customer(p_store_id, p_customer_id, p_actor_id);
  select coalesce(jsonb_agg(item ->> 'storage_key'), '[]') into v_media_keys
  from public.messages m
  join public.conversations c on c.id = m.conversation_id
  cross join jsonb_array_elements(m.media) item
  where c.store_id = p_store_id and c.customer_id = p_customer_id and item ->> 'storage_key' is not null;

  for v_table in select * from private.personal_data_tables order by position loop
    v_set := null;
    if v_table.erase = 'delete' then
      execute format('delete from public.%I where %s', v_table.table_name, private.customer_rows_predicate(v_table.link))
        using p_store_id, p_customer_id;
    else
      select string_agg(format('%I = %s', c.column_name, c.erased_value), ', ' order by c.column_name) into v_set
      from private.personal_data_columns c where c.table_name = v_table.table_name and c.personal;
      if v_set is null then
        v_count := 0;  -- nothing personal in this table's own columns
      else
        execute format('update public.%I set %s where %s', v_table.table_name, v_set,
                       private.customer_rows_predicate(v_table.link))
          using p_store_id, p_customer_id;
      end if;
    end if;
    if v_set is not null or v_table.erase = 'delete' then
      get diagnostics v_count = row_count;
    end if;
    v_counts := v_counts || jsonb_build_object(v_table.table_name, v_count);
  end loop;

  insert into public.audit_log (store_id, actor_id, action, target_table, target_id, details)
  values (p_store_id, p_actor_id, 'customer.erased', 'customers', p_customer_id::text,
          jsonb_build_object('erased', v_counts, 'media_objects', jsonb_array_length(v_media_keys), 'via', p_via));
  return jsonb_build_object('erased', v_counts, 'media_keys', v_media_keys);
end;
$$;

-- A tombstone stays empty: nobody (an agent correcting a name, a late WooCommerce delivery) writes
-- personal data into an erased customer again.
create function private.keep_tombstone_empty() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if old.erased_at is not null
     and (new.phone is not null or new.name is not null or new.email is not null or new.external_id is not null) then
    raise exception 'this customer was erased: their data cannot be written again' using errcode = 'object_not_in_prerequisite_state';
  end if;
  return new;
end;
$$;

create trigger keep_tombstone_empty before update on public.customers
  for each row execute function private.keep_tombstone_empty();

-- The store's customers with this e-mail (WordPress's privacy tools look people up by e-mail): the
-- customer rows themselves and those whose orders were billed to it.
create function public.customers_by_email(p_store_id uuid, p_email text) returns jsonb
language sql stable
set search_path = ''
as $$
  select coalesce(jsonb_agg(distinct found.id), '[]') from (
    select c.id from public.customers c
    where c.store_id = p_store_id and c.erased_at is null and lower(c.email) = lower(btrim(p_email))
    union
    select o.customer_id from public.orders o
    join public.customers c on c.id = o.customer_id and c.erased_at is null
    where o.store_id = p_store_id and lower(o.billing_email) = lower(btrim(p_email))
  ) found
$$;

revoke execute on function public.export_customer(uuid, uuid, uuid, text), public.erase_customer(uuid, uuid, uuid, text),
  public.customers_by_email(uuid, text), private.privacy_customer(uuid, uuid, uuid) from public, anon, authenticated;
grant execute on function public.export_customer(uuid, uuid, uuid, text), public.erase_customer(uuid, uuid, uuid, text),
  public.customers_by_email(uuid, text), private.privacy_customer(uuid, uuid, uuid) to service_role;
