-- The WooCommerce mirror: products, orders and their lines. Written only by the service role (webhooks
-- and backfill sync), read by the store's members. Idempotent on (store_id, external_id); date_modified
-- orders deliveries so an older one never overwrites a newer one.

create type public.order_status as enum (
  'pending', 'processing', 'on-hold', 'completed', 'cancelled', 'refunded', 'failed', 'checkout-draft', 'trash'
);

create table public.products (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references public.stores (id) on delete cascade,
  external_id bigint not null,
  name text not null,
  sku text,
  description text,
  price numeric(14, 2) check (price >= 0),
  stock_status text,
  stock_quantity integer,
  categories text[] not null default '{}',
  permalink text,
  status text not null default 'publish',
  date_modified timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (store_id, id),
  unique (store_id, external_id)
);
comment on table public.products is 'WooCommerce products (mirror).';
create index products_search_idx on public.products
  using gin (to_tsvector('simple', coalesce(name, '') || ' ' || coalesce(sku, '') || ' ' || coalesce(description, '')));

create table public.orders (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references public.stores (id) on delete cascade,
  external_id bigint not null,
  number text not null,
  status public.order_status not null,
  total numeric(14, 2) not null check (total >= 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  customer_id uuid,
  billing_name text,
  billing_phone text check (billing_phone ~ '^\+[1-9][0-9]{6,14}$'),
  billing_email text,
  payment_method text,
  shipping_method text,
  tracking_number text,
  date_paid timestamptz,
  date_completed timestamptz,
  created_at timestamptz not null,
  date_modified timestamptz not null,
  synced_at timestamptz not null default now(),
  unique (store_id, id),
  unique (store_id, external_id),
  foreign key (store_id, customer_id) references public.customers (store_id, id) on delete set null (customer_id)
);
comment on table public.orders is 'WooCommerce orders (mirror). created_at is the order date in WooCommerce; paid = processing or completed.';
comment on column public.orders.billing_phone is 'E.164; an order is shown to a WhatsApp customer only when this matches their phone.';
create index orders_store_created_idx on public.orders (store_id, created_at);
create index orders_customer_idx on public.orders (customer_id, created_at);
create index orders_store_number_idx on public.orders (store_id, number);
create index orders_store_billing_phone_idx on public.orders (store_id, billing_phone);

create table public.order_items (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references public.stores (id) on delete cascade,
  order_id uuid not null,
  product_id uuid,
  external_id bigint not null,
  name text not null,
  quantity integer not null check (quantity > 0),
  unit_price numeric(14, 2) not null check (unit_price >= 0),
  total numeric(14, 2) not null check (total >= 0),
  unique (order_id, external_id),
  foreign key (store_id, order_id) references public.orders (store_id, id) on delete cascade,
  foreign key (store_id, product_id) references public.products (store_id, id) on delete set null (product_id)
);
comment on table public.order_items is 'Order lines (mirror).';
create index order_items_product_idx on public.order_items (product_id);

create trigger set_updated_at before update on public.products
  for each row execute function private.set_updated_at();

revoke all on public.products, public.orders, public.order_items from anon, authenticated;
grant select on public.products, public.orders, public.order_items to authenticated;
grant all on public.products, public.orders, public.order_items to service_role;

alter table public.products enable row level security;
alter table public.orders enable row level security;
alter table public.order_items enable row level security;

create policy "members can view their store's products" on public.products
  for select to authenticated using (public.has_role_on_store(store_id));
create policy "members can view their store's orders" on public.orders
  for select to authenticated using (public.has_role_on_store(store_id));
create policy "members can view their store's order items" on public.order_items
  for select to authenticated using (public.has_role_on_store(store_id));
