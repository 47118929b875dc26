-- WooCommerce: connecting a shop (its API key for the plugin, its encrypted WooCommerce keys), the signed
-- webhooks that mirror orders, customers and products, and the resumable backfill sync.
--
-- Idempotency: a resource is written only when its WooCommerce date_modified is newer than the stored
-- one, so an older delivery never overwrites a newer one and a replay changes nothing. Deliveries are
-- logged durably before they are applied, keyed on (store, topic, resource id, sha256 of the raw body):
-- WooCommerce's X-WC-Webhook-Delivery-ID changes per attempt and is kept only for support.
-- Everything here is written by the service role (webhook, sync job, connect API) through these
-- functions; members read the delivery log and the sync progress of their store.

-- Types -------------------------------------------------------------------------------------------
create type public.woocommerce_delivery_status as enum ('received', 'processed', 'failed');
create type public.woocommerce_sync_status as enum ('pending', 'running', 'done', 'failed');

-- Tables ------------------------------------------------------------------------------------------
alter table public.stores
  add column whatsapp_mode text check (whatsapp_mode in ('provision', 'own')),
  add column woocommerce_connected_at timestamptz;
comment on column public.stores.whatsapp_mode is
  'How the store got its WhatsApp sender: provision (a Twilio subaccount and number bought by Sapa) or own.';
comment on column public.stores.woocommerce_connected_at is
  'When the WordPress plugin connected the shop; null when not connected (or disconnected).';
comment on column public.stores.default_country is
  'ISO 3166 country whose numbering plan completes phone numbers typed without a country code (WooCommerce billing phones).';

alter table public.customers add column date_modified timestamptz;
comment on column public.customers.date_modified is
  'WooCommerce''s date_modified of the customer record this row mirrors: an older delivery never overwrites a newer one.';

alter table public.store_credentials
  add column woocommerce_consumer_key_encrypted text check (length(woocommerce_consumer_key_encrypted) <= 2000),
  add column woocommerce_consumer_secret_encrypted text check (length(woocommerce_consumer_secret_encrypted) <= 2000),
  add column woocommerce_webhook_ids bigint[] not null default '{}';
comment on column public.store_credentials.woocommerce_consumer_key_encrypted is
  'The shop''s WooCommerce REST consumer key, Fernet-encrypted with the credentials encryption key (a setting).';
comment on column public.store_credentials.woocommerce_consumer_secret_encrypted is
  'The shop''s WooCommerce REST consumer secret, Fernet-encrypted like the key.';
comment on column public.store_credentials.woocommerce_webhook_ids is
  'The WooCommerce webhooks Sapa created in the shop; deleted when the store disconnects.';

create table public.store_api_keys (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references public.stores (id) on delete cascade,
  key_hash text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  key_prefix text not null check (length(key_prefix) between 8 and 20),
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
comment on table public.store_api_keys is
  'The WordPress plugin''s key to the store API: only its sha256 is kept (the key is shown once). Service role only.';
-- One live key per store: connecting again replaces it.
create unique index store_api_keys_one_live_per_store on public.store_api_keys (store_id) where revoked_at is null;

create table public.woocommerce_deliveries (
  id bigint generated always as identity primary key,
  store_id uuid not null references public.stores (id) on delete cascade,
  topic text not null check (topic ~ '^(order|customer|product)\.(created|updated|deleted|restored)$'),
  resource_id bigint not null,
  body_sha256 text not null check (body_sha256 ~ '^[0-9a-f]{64}$'),
  delivery_id text check (length(delivery_id) <= 100),
  webhook_id bigint,
  payload jsonb not null,
  status public.woocommerce_delivery_status not null default 'received',
  outcome text check (outcome in ('created', 'updated', 'unchanged', 'stale', 'deleted', 'ignored')),
  error text check (length(error) <= 2000),
  attempts integer not null default 1 check (attempts >= 1),
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  unique (store_id, topic, resource_id, body_sha256),
  check ((status = 'failed') = (error is not null))
);
comment on table public.woocommerce_deliveries is
  'Every signed WooCommerce webhook delivery, stored before it is applied; status and error show what became of it.';
comment on column public.woocommerce_deliveries.delivery_id is
  'X-WC-Webhook-Delivery-ID of the first attempt (changes per attempt: for support, never a dedupe key).';
comment on column public.woocommerce_deliveries.outcome is
  'created/updated: the mirror changed; unchanged: same date_modified (a replay); stale: older than the stored row; deleted; ignored.';
create index woocommerce_deliveries_store_received_idx on public.woocommerce_deliveries (store_id, received_at desc);

create table public.woocommerce_syncs (
  store_id uuid primary key references public.stores (id) on delete cascade,
  status public.woocommerce_sync_status not null default 'pending',
  error text check (length(error) <= 2000),
  orders_after timestamptz not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  updated_at timestamptz not null default now()
);
comment on table public.woocommerce_syncs is
  'The store''s backfill from the WooCommerce REST API: orders since orders_after, all customers and products.';

create table public.woocommerce_sync_resources (
  store_id uuid not null references public.woocommerce_syncs (store_id) on delete cascade,
  resource text not null check (resource in ('products', 'customers', 'orders')),
  next_page integer not null default 1 check (next_page >= 1),
  total_pages integer check (total_pages >= 0),
  items_total integer check (items_total >= 0),
  items_done integer not null default 0 check (items_done >= 0),
  items_failed integer not null default 0 check (items_failed >= 0),
  last_error text check (length(last_error) <= 2000),
  finished_at timestamptz,
  primary key (store_id, resource)
);
comment on table public.woocommerce_sync_resources is
  'Backfill progress per resource: the next page to fetch (a new job resumes there), items done of the shop''s total.';

create trigger set_updated_at before update on public.woocommerce_syncs
  for each row execute function private.set_updated_at();

-- Grants ------------------------------------------------------------------------------------------
revoke all on public.store_api_keys, public.woocommerce_deliveries, public.woocommerce_syncs,
  public.woocommerce_sync_resources from anon, authenticated;
grant select on public.woocommerce_deliveries, public.woocommerce_syncs, public.woocommerce_sync_resources
  to authenticated;
grant all on public.store_api_keys, public.woocommerce_deliveries, public.woocommerce_syncs,
  public.woocommerce_sync_resources to service_role;

-- RLS ---------------------------------------------------------------------------------------------
alter table public.store_api_keys enable row level security;  -- no policies: service role only
alter table public.woocommerce_deliveries enable row level security;
alter table public.woocommerce_syncs enable row level security;
alter table public.woocommerce_sync_resources enable row level security;

create policy "owners and admins can view their store's webhook deliveries" on public.woocommerce_deliveries
  for select to authenticated using (public.has_role_on_store(store_id, 'admin'));
create policy "members can view their store's sync" on public.woocommerce_syncs
  for select to authenticated using (public.has_role_on_store(store_id));
create policy "members can view their store's sync progress" on public.woocommerce_sync_resources
  for select to authenticated using (public.has_role_on_store(store_id));

-- Functions: mirroring one resource ---------------------------------------------------------------
-- Each takes the resource as Sapa's functions normalised it (phones in E.164, amounts as numbers, dates
-- in UTC) and returns what happened: created, updated, unchanged (same date_modified) or stale (older).

create function public.woocommerce_apply_product(p_store_id uuid, p_product jsonb) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_external bigint := (p_product ->> 'external_id')::bigint;
  v_modified timestamptz := (p_product ->> 'date_modified')::timestamptz;
  v_inserted boolean;
begin
  if v_external is null or v_modified is null then
    raise exception 'a product needs its id and date_modified' using errcode = 'not_null_violation';
  end if;
  insert into public.products as p (store_id, external_id, name, sku, description, price, stock_status,
                                    stock_quantity, categories, permalink, status, date_modified)
  values (p_store_id, v_external, p_product ->> 'name', p_product ->> 'sku', p_product ->> 'description',
          (p_product ->> 'price')::numeric, p_product ->> 'stock_status',
          (p_product ->> 'stock_quantity')::integer,
          coalesce(array(select jsonb_array_elements_text(p_product -> 'categories')), '{}'),
          p_product ->> 'permalink', coalesce(p_product ->> 'status', 'publish'), v_modified)
  on conflict (store_id, external_id) do update
    set name = excluded.name, sku = excluded.sku, description = excluded.description, price = excluded.price,
        stock_status = excluded.stock_status, stock_quantity = excluded.stock_quantity,
        categories = excluded.categories, permalink = excluded.permalink, status = excluded.status,
        date_modified = excluded.date_modified
    where p.date_modified is null or p.date_modified < excluded.date_modified
  returning (xmax = 0) into v_inserted;
  if v_inserted is null then
    return private.woocommerce_not_newer('products', p_store_id, v_external, v_modified);
  end if;
  return case when v_inserted then 'created' else 'updated' end;
end;
$$;
comment on function public.woocommerce_apply_product is
  'Mirror one WooCommerce product unless the stored one is as new or newer: created, updated, unchanged or stale.';

-- unchanged or stale: why a resource was not written.
create function private.woocommerce_not_newer(
  p_table text, p_store_id uuid, p_external_id bigint, p_modified timestamptz
) returns text
language plpgsql stable
set search_path = ''
as $$
declare
  v_stored timestamptz;
begin
  execute format('select date_modified from public.%I where store_id = $1 and external_id = $2', p_table)
    into v_stored using p_store_id, p_external_id;
  return case when v_stored = p_modified then 'unchanged' else 'stale' end;
end;
$$;

create function public.woocommerce_apply_customer(p_store_id uuid, p_customer jsonb) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_external bigint := (p_customer ->> 'external_id')::bigint;
  v_modified timestamptz := (p_customer ->> 'date_modified')::timestamptz;
  v_created timestamptz := coalesce((p_customer ->> 'date_created')::timestamptz, v_modified);
  v_phone text := p_customer ->> 'phone';
  v_row public.customers;
begin
  if v_external is null or v_modified is null then
    raise exception 'a customer needs its id and date_modified' using errcode = 'not_null_violation';
  end if;
  -- The mirror of this WooCommerce customer, else the WhatsApp contact with the same phone.
  select * into v_row from public.customers c
  where c.store_id = p_store_id and c.external_id = v_external for update;
  if not found and v_phone is not null then
    select * into v_row from public.customers c
    where c.store_id = p_store_id and c.phone = v_phone and c.external_id is null for update;
  end if;
  if v_row.id is null then
    insert into public.customers as c (store_id, external_id, phone, name, email, first_seen_at, date_modified)
    values (p_store_id, v_external,
            case when not exists (select from public.customers o where o.store_id = p_store_id and o.phone = v_phone)
                 then v_phone end,
            p_customer ->> 'name', p_customer ->> 'email', coalesce(v_created, now()), v_modified)
    on conflict (store_id, external_id) do nothing;
    if found then
      return 'created';
    end if;
    -- Created by a concurrent delivery of the same customer: apply this one over it if newer.
    select * into v_row from public.customers c
    where c.store_id = p_store_id and c.external_id = v_external for update;
  end if;
  if v_row.date_modified is not null and v_row.date_modified >= v_modified then
    return case when v_row.date_modified = v_modified then 'unchanged' else 'stale' end;
  end if;
  update public.customers c
  set external_id = v_external,
      -- The phone a customer writes from identifies them on WhatsApp: filled in, never replaced.
      phone = coalesce(c.phone, case when not exists (
                select from public.customers o where o.store_id = p_store_id and o.phone = v_phone) then v_phone end),
      name = coalesce(p_customer ->> 'name', c.name),
      email = coalesce(p_customer ->> 'email', c.email),
      first_seen_at = least(c.first_seen_at, v_created),
      date_modified = v_modified
  where c.id = v_row.id;
  return 'updated';
end;
$$;
comment on function public.woocommerce_apply_customer is
  'Mirror one WooCommerce customer onto the store''s customer with that WooCommerce id (else the WhatsApp contact with its phone).';

-- The customer an order belongs to: the WhatsApp contact with the order's WhatsApp phone (the checkout
-- field, else the billing phone), else the mirror of its WooCommerce customer, else a new customer.
-- Null for a guest order without a phone. Fills in a name and email where none is known, and records the
-- checkout's marketing consent when it is newer than the last consent change.
create function private.woocommerce_order_customer(p_store_id uuid, p_order jsonb) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_phone text := p_order ->> 'whatsapp_phone';
  v_external bigint := nullif((p_order ->> 'customer_external_id')::bigint, 0);
  v_at timestamptz := (p_order ->> 'created_at')::timestamptz;
  v_consent boolean := (p_order ->> 'marketing_opt_in')::boolean;
  v_id uuid;
begin
  if v_phone is not null then
    select c.id into v_id from public.customers c where c.store_id = p_store_id and c.phone = v_phone;
  end if;
  if v_id is null and v_external is not null then
    select c.id into v_id from public.customers c where c.store_id = p_store_id and c.external_id = v_external;
    if v_id is not null and v_phone is not null then
      update public.customers c set phone = v_phone where c.id = v_id and c.phone is null;
    end if;
  end if;
  if v_id is null and v_phone is not null then
    insert into public.customers as c (store_id, phone, external_id, name, email, first_seen_at)
    values (p_store_id, v_phone,
            case when not exists (select from public.customers o where o.store_id = p_store_id and o.external_id = v_external)
                 then v_external end,
            p_order ->> 'billing_name', p_order ->> 'billing_email', v_at)
    on conflict (store_id, phone) do update set first_seen_at = c.first_seen_at
    returning c.id into v_id;
  elsif v_id is null and v_external is not null then
    insert into public.customers as c (store_id, external_id, name, email, first_seen_at)
    values (p_store_id, v_external, p_order ->> 'billing_name', p_order ->> 'billing_email', v_at)
    on conflict (store_id, external_id) do update set first_seen_at = c.first_seen_at
    returning c.id into v_id;
  end if;
  if v_id is null then
    return null;
  end if;

  update public.customers c
  set name = coalesce(c.name, p_order ->> 'billing_name'),
      email = coalesce(c.email, p_order ->> 'billing_email'),
      external_id = coalesce(c.external_id, case when not exists (
                      select from public.customers o where o.store_id = p_store_id and o.external_id = v_external)
                    then v_external end),
      first_seen_at = least(c.first_seen_at, v_at)
  where c.id = v_id
    and (c.name is null and p_order ->> 'billing_name' is not null
         or c.email is null and p_order ->> 'billing_email' is not null
         or c.external_id is null and v_external is not null
         or c.first_seen_at > v_at);

  if v_consent is not null then
    update public.customers c
    set marketing_opt_in = v_consent,
        marketing_opt_in_at = case when v_consent then v_at else c.marketing_opt_in_at end,
        opted_out_at = case when v_consent then null else v_at end
    where c.id = v_id
      and c.marketing_opt_in is distinct from v_consent
      and (greatest(c.marketing_opt_in_at, c.opted_out_at) is null
           or greatest(c.marketing_opt_in_at, c.opted_out_at) < v_at);
  end if;
  return v_id;
end;
$$;

create function public.woocommerce_apply_order(p_store_id uuid, p_order jsonb) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_external bigint := (p_order ->> 'external_id')::bigint;
  v_modified timestamptz := (p_order ->> 'date_modified')::timestamptz;
  v_stored timestamptz;
  v_customer uuid;
  v_order uuid;
  v_inserted boolean;
begin
  if v_external is null or v_modified is null then
    raise exception 'an order needs its id and date_modified' using errcode = 'not_null_violation';
  end if;
  -- Checked first so that an old or replayed delivery does not touch the customer either.
  select o.date_modified into v_stored from public.orders o
  where o.store_id = p_store_id and o.external_id = v_external;
  if v_stored >= v_modified then
    return case when v_stored = v_modified then 'unchanged' else 'stale' end;
  end if;

  v_customer := private.woocommerce_order_customer(p_store_id, p_order);
  insert into public.orders as o (store_id, external_id, number, status, total, currency, customer_id,
                                  billing_name, billing_phone, billing_email, payment_method, shipping_method,
                                  tracking_number, date_paid, date_completed, created_at, date_modified)
  values (p_store_id, v_external, p_order ->> 'number', (p_order ->> 'status')::public.order_status,
          (p_order ->> 'total')::numeric, p_order ->> 'currency', v_customer, p_order ->> 'billing_name',
          p_order ->> 'billing_phone', p_order ->> 'billing_email', p_order ->> 'payment_method',
          p_order ->> 'shipping_method', p_order ->> 'tracking_number', (p_order ->> 'date_paid')::timestamptz,
          (p_order ->> 'date_completed')::timestamptz, (p_order ->> 'created_at')::timestamptz, v_modified)
  on conflict (store_id, external_id) do update
    set number = excluded.number, status = excluded.status, total = excluded.total, currency = excluded.currency,
        customer_id = excluded.customer_id, billing_name = excluded.billing_name,
        billing_phone = excluded.billing_phone, billing_email = excluded.billing_email,
        payment_method = excluded.payment_method, shipping_method = excluded.shipping_method,
        tracking_number = coalesce(excluded.tracking_number, o.tracking_number), date_paid = excluded.date_paid,
        date_completed = excluded.date_completed, created_at = excluded.created_at,
        date_modified = excluded.date_modified, synced_at = now()
    where o.date_modified < excluded.date_modified  -- a concurrent newer delivery committed meanwhile
  returning o.id, (xmax = 0) into v_order, v_inserted;
  if v_order is null then
    return private.woocommerce_not_newer('orders', p_store_id, v_external, v_modified);
  end if;

  -- The lines are replaced with the order: WooCommerce always sends all of them.
  delete from public.order_items i where i.order_id = v_order;
  insert into public.order_items (store_id, order_id, product_id, external_id, name, quantity, unit_price, total)
  select p_store_id, v_order, p.id, x.external_id, x.name, x.quantity, x.unit_price, x.total
  from jsonb_to_recordset(coalesce(p_order -> 'items', '[]'::jsonb))
         as x (external_id bigint, product_external_id bigint, name text, quantity integer,
               unit_price numeric, total numeric)
  left join public.products p on p.store_id = p_store_id and p.external_id = x.product_external_id;
  return case when v_inserted then 'created' else 'updated' end;
end;
$$;
comment on function public.woocommerce_apply_order is
  'Mirror one WooCommerce order with its lines and customer unless the stored one is as new or newer.';

-- WooCommerce sends only the id of a deleted (or trashed) resource. Orders and products go to the trash:
-- out of the assistant's and the KPIs' sight, kept for the records; date_modified moves to the time of
-- the deletion, so an update made before it and delivered late stays stale, while a later restore (a
-- newer date_modified) brings the resource back. Customers are kept: they may be WhatsApp contacts with
-- conversations, and erasing a person is the GDPR path's job.
create function public.woocommerce_apply_deletion(p_store_id uuid, p_resource text, p_external_id bigint)
returns text
language plpgsql
set search_path = ''
as $$
begin
  case p_resource
    when 'order' then
      update public.orders o set status = 'trash', date_modified = greatest(o.date_modified, now()), synced_at = now()
      where o.store_id = p_store_id and o.external_id = p_external_id and o.status <> 'trash';
    when 'product' then
      update public.products p set status = 'trash', date_modified = greatest(p.date_modified, now())
      where p.store_id = p_store_id and p.external_id = p_external_id and p.status <> 'trash';
    when 'customer' then
      return 'ignored';
    else
      raise exception 'unknown WooCommerce resource %', p_resource using errcode = 'invalid_parameter_value';
  end case;
  return case when found then 'deleted' else 'unchanged' end;
end;
$$;
comment on function public.woocommerce_apply_deletion is
  'A WooCommerce order or product was deleted: move it to the trash (customers are kept). deleted or unchanged.';

-- Functions: the webhook's delivery log ------------------------------------------------------------
-- Store a delivery before it is applied. needs_processing is false for a replay of a delivery already
-- processed (nothing changes, not even the log); a replay of one that failed or never finished is
-- processed again.
create function public.record_woocommerce_delivery(
  p_store_id uuid,
  p_topic text,
  p_resource_id bigint,
  p_body_sha256 text,
  p_payload jsonb,
  p_delivery_id text default null,
  p_webhook_id bigint default null
) returns table (delivery_id bigint, needs_processing boolean)
language plpgsql
set search_path = ''
as $$
declare
  v_id bigint;
  v_status public.woocommerce_delivery_status;
begin
  insert into public.woocommerce_deliveries as d (store_id, topic, resource_id, body_sha256, payload, delivery_id,
                                                  webhook_id)
  values (p_store_id, p_topic, p_resource_id, p_body_sha256, p_payload, left(p_delivery_id, 100), p_webhook_id)
  on conflict (store_id, topic, resource_id, body_sha256) do nothing
  returning d.id into v_id;
  if v_id is not null then
    return query select v_id, true;
    return;
  end if;
  select d.id, d.status into v_id, v_status from public.woocommerce_deliveries d
  where d.store_id = p_store_id and d.topic = p_topic and d.resource_id = p_resource_id
    and d.body_sha256 = p_body_sha256
  for update;
  if v_status = 'processed' then
    return query select v_id, false;
    return;
  end if;
  update public.woocommerce_deliveries d set attempts = d.attempts + 1 where d.id = v_id;
  return query select v_id, true;
end;
$$;
comment on function public.record_woocommerce_delivery is
  'WooCommerce webhook: log a signed delivery once per (store, topic, resource, body); needs_processing = false for a replay of a processed one.';

create function public.finish_woocommerce_delivery(p_delivery_id bigint, p_outcome text, p_error text default null)
returns void
language sql
set search_path = ''
as $$
  update public.woocommerce_deliveries d
  set status = case when p_error is null then 'processed' else 'failed' end::public.woocommerce_delivery_status,
      outcome = case when p_error is null then p_outcome end,
      error = left(p_error, 2000),
      processed_at = now()
  where d.id = p_delivery_id
$$;
comment on function public.finish_woocommerce_delivery is
  'WooCommerce webhook: record what became of a logged delivery (its outcome, or the error that stopped it).';

-- Functions: the backfill sync ----------------------------------------------------------------------
-- Start the store's backfill, or resume it where it stopped. A finished one starts over (with a fresh
-- 6-month window); one that a job advanced in the last 15 minutes is left running. enqueue tells the
-- caller whether to queue a job.
create function public.start_woocommerce_sync(p_store_id uuid, p_orders_after timestamptz)
returns table (status public.woocommerce_sync_status, enqueue boolean)
language plpgsql
set search_path = ''
as $$
declare
  v_sync public.woocommerce_syncs;
begin
  select * into v_sync from public.woocommerce_syncs s where s.store_id = p_store_id for update;
  if not found then
    insert into public.woocommerce_syncs (store_id, orders_after) values (p_store_id, p_orders_after);
  elsif v_sync.status = 'running' and v_sync.updated_at > now() - interval '15 minutes' then
    return query select v_sync.status, false;
    return;
  elsif v_sync.status = 'done' then
    update public.woocommerce_syncs s
    set status = 'pending', error = null, orders_after = p_orders_after, started_at = now(), finished_at = null
    where s.store_id = p_store_id;
    update public.woocommerce_sync_resources r
    set next_page = 1, total_pages = null, items_total = null, items_done = 0, items_failed = 0, last_error = null,
        finished_at = null
    where r.store_id = p_store_id;
  else
    update public.woocommerce_syncs s set status = 'pending', error = null where s.store_id = p_store_id;
  end if;
  insert into public.woocommerce_sync_resources (store_id, resource)
  select p_store_id, r from unnest(array['products', 'customers', 'orders']) r
  on conflict do nothing;
  return query select 'pending'::public.woocommerce_sync_status, true;
end;
$$;
comment on function public.start_woocommerce_sync is
  'Start or resume the store''s WooCommerce backfill; enqueue = whether a sync job should be queued.';

create function private.woocommerce_apply(p_store_id uuid, p_resource text, p_item jsonb) returns text
language sql
set search_path = ''
as $$
  select case p_resource
    when 'products' then public.woocommerce_apply_product(p_store_id, p_item)
    when 'customers' then public.woocommerce_apply_customer(p_store_id, p_item)
    when 'orders' then public.woocommerce_apply_order(p_store_id, p_item)
  end
$$;

-- Apply one fetched page and move the resource's progress past it, in one transaction: a job that dies
-- mid-page leaves the page to be fetched again. p_last: the caller saw it was the last page (by
-- X-WP-TotalPages, or a short or empty page); the resource is then finished. An item that cannot be applied is counted and its error
-- kept, and the page still counts as done (the webhook brings the item's next change). A page other than
-- the next one (a concurrent job got there first) changes nothing. Returns the progress afterwards.
create function public.woocommerce_apply_page(
  p_store_id uuid,
  p_resource text,
  p_page integer,
  p_items jsonb,
  p_total_pages integer default null,
  p_items_total integer default null,
  p_unreadable integer default 0,
  p_unreadable_error text default null,
  p_last boolean default false
) returns public.woocommerce_sync_resources
language plpgsql
set search_path = ''
as $$
declare
  v_progress public.woocommerce_sync_resources;
  v_item jsonb;
  v_failed integer := coalesce(p_unreadable, 0);  -- items of the page the caller could not parse
  v_error text := p_unreadable_error;
begin
  select * into v_progress from public.woocommerce_sync_resources r
  where r.store_id = p_store_id and r.resource = p_resource for update;
  if not found then
    raise exception 'no % sync for store %', p_resource, p_store_id using errcode = 'no_data_found';
  end if;
  if v_progress.next_page <> p_page or v_progress.finished_at is not null then
    return v_progress;
  end if;
  for v_item in select * from jsonb_array_elements(coalesce(p_items, '[]'::jsonb)) loop
    begin
      perform private.woocommerce_apply(p_store_id, p_resource, v_item);
    exception when others then
      v_failed := v_failed + 1;
      v_error := format('%s %s: %s', p_resource, v_item ->> 'external_id', sqlerrm);
    end;
  end loop;
  update public.woocommerce_sync_resources r
  set next_page = p_page + 1,
      total_pages = p_total_pages,
      items_total = p_items_total,
      items_done = r.items_done + jsonb_array_length(coalesce(p_items, '[]'::jsonb)) + coalesce(p_unreadable, 0) - v_failed,
      items_failed = r.items_failed + v_failed,
      last_error = coalesce(left(v_error, 2000), r.last_error),
      finished_at = case when p_last then now() end
  where r.store_id = p_store_id and r.resource = p_resource
  returning * into v_progress;
  update public.woocommerce_syncs s
  set status = case when not exists (select from public.woocommerce_sync_resources r
                                     where r.store_id = p_store_id and r.finished_at is null)
                    then 'done' else 'running' end::public.woocommerce_sync_status,
      finished_at = case when not exists (select from public.woocommerce_sync_resources r
                                          where r.store_id = p_store_id and r.finished_at is null)
                         then now() end
  where s.store_id = p_store_id;
  return v_progress;
end;
$$;
comment on function public.woocommerce_apply_page is
  'Backfill: apply one page of WooCommerce resources and record the progress past it, atomically.';

-- Functions: connecting and disconnecting ----------------------------------------------------------
-- The Sapa user with this e-mail, if any. security definer: auth.users is Supabase Auth's, and not every
-- deployment lets the service role read it in SQL.
create function private.user_id_by_email(p_email text) returns uuid
language sql stable security definer
set search_path = ''
as $$
  select u.id from auth.users u where lower(u.email::text) = lower(btrim(p_email)) order by u.created_at limit 1
$$;

-- Register a shop whose WooCommerce keys (and WhatsApp sender) the caller has checked: the store (a new
-- one, or the disconnected store of the same site, whose data stays), its credentials, the plugin's key
-- (its hash), the backfill, the owner (the Sapa user with the admin email, if there is one), the audit.
-- Raises unique_violation when the site is connected already or another store has the WhatsApp number.
create function public.connect_woocommerce_store(
  p_store_id uuid,
  p_site_url text,
  p_name text,
  p_admin_email text,
  p_currency text,
  p_timezone text,
  p_country text,
  p_whatsapp_mode text,
  p_whatsapp_number text,
  p_credentials jsonb,
  p_api_key_hash text,
  p_api_key_prefix text,
  p_orders_after timestamptz
) returns table (store_id uuid, owner_id uuid)
language plpgsql
set search_path = ''
as $$
declare
  v_store uuid;
  v_owner uuid;
begin
  -- Two connects of one site at once: the second waits, then finds it connected.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('woocommerce-connect:' || lower(p_site_url), 0));
  select s.id into v_store from public.stores s where lower(s.site_url) = lower(p_site_url)
  order by s.woocommerce_connected_at desc nulls last, s.created_at limit 1;
  if v_store is not null and exists (
    select from public.store_api_keys k where k.store_id = v_store and k.revoked_at is null
  ) then
    raise exception 'the shop % is connected to Sapa already', p_site_url using errcode = 'unique_violation';
  end if;
  if p_whatsapp_number is not null and exists (
    select from public.stores s where s.whatsapp_number = p_whatsapp_number and s.id <> coalesce(v_store, p_store_id)
  ) then
    raise exception 'another store uses the WhatsApp number %', p_whatsapp_number using errcode = 'unique_violation';
  end if;

  if v_store is null then
    insert into public.stores (id, name, site_url, whatsapp_number, timezone, currency, default_country,
                               whatsapp_mode, woocommerce_connected_at)
    values (p_store_id, p_name, p_site_url, p_whatsapp_number, p_timezone, p_currency, p_country,
            p_whatsapp_mode, now())
    returning id into v_store;
  else
    update public.stores s
    set name = p_name, site_url = p_site_url, whatsapp_number = coalesce(p_whatsapp_number, s.whatsapp_number),
        timezone = p_timezone, currency = p_currency, default_country = p_country,
        whatsapp_mode = coalesce(p_whatsapp_mode, s.whatsapp_mode), woocommerce_connected_at = now()
    where s.id = v_store;
  end if;

  insert into public.store_credentials as k (store_id, twilio_account_sid, twilio_auth_token,
                                             woocommerce_webhook_secret, woocommerce_consumer_key_encrypted,
                                             woocommerce_consumer_secret_encrypted, woocommerce_webhook_ids)
  values (v_store, p_credentials ->> 'twilio_account_sid', p_credentials ->> 'twilio_auth_token',
          p_credentials ->> 'woocommerce_webhook_secret', p_credentials ->> 'woocommerce_consumer_key_encrypted',
          p_credentials ->> 'woocommerce_consumer_secret_encrypted',
          coalesce(array(select jsonb_array_elements_text(p_credentials -> 'woocommerce_webhook_ids'))::bigint[], '{}'))
  on conflict on constraint store_credentials_pkey do update
    set twilio_account_sid = coalesce(excluded.twilio_account_sid, k.twilio_account_sid),
        twilio_auth_token = coalesce(excluded.twilio_auth_token, k.twilio_auth_token),
        woocommerce_webhook_secret = excluded.woocommerce_webhook_secret,
        woocommerce_consumer_key_encrypted = excluded.woocommerce_consumer_key_encrypted,
        woocommerce_consumer_secret_encrypted = excluded.woocommerce_consumer_secret_encrypted,
        woocommerce_webhook_ids = excluded.woocommerce_webhook_ids;

  insert into public.store_api_keys (store_id, key_hash, key_prefix) values (v_store, p_api_key_hash, p_api_key_prefix);

  v_owner := private.user_id_by_email(p_admin_email);
  if v_owner is not null then
    insert into public.store_members (store_id, user_id, role) values (v_store, v_owner, 'owner')
    on conflict on constraint store_members_pkey do update set role = 'owner';
  end if;

  perform public.start_woocommerce_sync(v_store, p_orders_after);
  insert into public.audit_log (store_id, actor_id, action, target_table, target_id, details)
  values (v_store, v_owner, 'store.connected', 'stores', v_store::text,
          jsonb_build_object('site_url', p_site_url, 'whatsapp_mode', p_whatsapp_mode,
                             'owner_found', v_owner is not null,
                             'webhooks', jsonb_array_length(coalesce(p_credentials -> 'woocommerce_webhook_ids', '[]'))));
  return query select v_store, v_owner;
end;
$$;
comment on function public.connect_woocommerce_store is
  'Store API: register a checked WooCommerce shop with its credentials, plugin key hash, backfill and owner.';

-- Forget the shop's WooCommerce keys and webhooks and revoke the plugin's key; the store's data stays.
-- Returns false when the store was not connected.
create function public.disconnect_woocommerce_store(p_store_id uuid, p_details jsonb default '{}')
returns boolean
language plpgsql
set search_path = ''
as $$
begin
  update public.store_api_keys k set revoked_at = now() where k.store_id = p_store_id and k.revoked_at is null;
  if not found then
    return false;
  end if;
  update public.store_credentials k
  set woocommerce_consumer_key_encrypted = null, woocommerce_consumer_secret_encrypted = null,
      woocommerce_webhook_secret = null, woocommerce_webhook_ids = '{}'
  where k.store_id = p_store_id;
  update public.stores s set woocommerce_connected_at = null where s.id = p_store_id;
  update public.woocommerce_syncs s set status = 'failed', error = 'the shop was disconnected'
  where s.store_id = p_store_id and s.status in ('pending', 'running');
  insert into public.audit_log (store_id, action, target_table, target_id, details)
  values (p_store_id, 'store.disconnected', 'stores', p_store_id::text, coalesce(p_details, '{}'));
  return true;
end;
$$;
comment on function public.disconnect_woocommerce_store is
  'Store API: forget the shop''s WooCommerce credentials and webhooks, revoke the plugin key, audit.';

-- Change the store's WhatsApp sender (a provisioned number, or the owner's own Twilio account).
create function public.set_store_whatsapp(
  p_store_id uuid, p_mode text, p_number text, p_twilio_account_sid text, p_twilio_auth_token text
) returns void
language plpgsql
set search_path = ''
as $$
begin
  if exists (select from public.stores s where s.whatsapp_number = p_number and s.id <> p_store_id) then
    raise exception 'another store uses the WhatsApp number %', p_number using errcode = 'unique_violation';
  end if;
  update public.stores s set whatsapp_number = p_number, whatsapp_mode = p_mode where s.id = p_store_id;
  insert into public.store_credentials as k (store_id, twilio_account_sid, twilio_auth_token)
  values (p_store_id, p_twilio_account_sid, p_twilio_auth_token)
  on conflict (store_id) do update
    set twilio_account_sid = excluded.twilio_account_sid, twilio_auth_token = excluded.twilio_auth_token;
  insert into public.audit_log (store_id, action, target_table, target_id, details)
  values (p_store_id, 'store.whatsapp_changed', 'stores', p_store_id::text,
          jsonb_build_object('mode', p_mode, 'number', p_number));
end;
$$;
comment on function public.set_store_whatsapp is
  'Store API: set the store''s WhatsApp sender and the Twilio account that sends for it.';

-- Service role only ---------------------------------------------------------------------------------
revoke execute on function public.woocommerce_apply_product, public.woocommerce_apply_customer,
  public.woocommerce_apply_order, public.woocommerce_apply_deletion, public.record_woocommerce_delivery,
  public.finish_woocommerce_delivery, public.start_woocommerce_sync, public.woocommerce_apply_page,
  public.connect_woocommerce_store, public.disconnect_woocommerce_store, public.set_store_whatsapp,
  private.woocommerce_not_newer, private.woocommerce_order_customer, private.woocommerce_apply,
  private.user_id_by_email
  from public, anon, authenticated;
grant execute on function public.woocommerce_apply_product, public.woocommerce_apply_customer,
  public.woocommerce_apply_order, public.woocommerce_apply_deletion, public.record_woocommerce_delivery,
  public.finish_woocommerce_delivery, public.start_woocommerce_sync, public.woocommerce_apply_page,
  public.connect_woocommerce_store, public.disconnect_woocommerce_store, public.set_store_whatsapp,
  private.woocommerce_not_newer, private.woocommerce_order_customer, private.woocommerce_apply,
  private.user_id_by_email
  to service_role;
