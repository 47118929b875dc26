-- What the assistant knows about a store and how it may look things up: the store's bot persona, its
-- policies (shipping, returns, payment, opening hours, ...), and the two read paths its tools use.
-- Orders are reached only through customer_orders, which filters on the writing customer's phone in
-- SQL: whatever a prompt says, the assistant can only ever be handed that customer's own orders.

-- Tables ------------------------------------------------------------------------------------------
alter table public.stores add column bot_persona text check (length(bot_persona) <= 2000);
comment on column public.stores.bot_persona is
  'How the assistant speaks for the store (tone, how it addresses customers, what to stress); written by owners and admins.';

create table public.store_policies (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references public.stores (id) on delete cascade,
  topic text not null check (topic in ('shipping', 'returns', 'payment', 'hours', 'orders', 'general')),
  title text not null check (length(btrim(title)) between 1 and 200),
  body text not null check (length(btrim(body)) between 1 and 4000),
  language text not null default 'id' check (language in ('id', 'en')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (store_id, topic, language, title)
);
comment on table public.store_policies is
  'A store''s policies and FAQ answers, per topic and language; the assistant answers from them.';
comment on column public.store_policies.topic is
  'shipping, returns (and refunds), payment, hours (opening hours, showroom), orders (changes, cancelling), general.';

create trigger set_updated_at before update on public.store_policies
  for each row execute function private.set_updated_at();

-- Grants ------------------------------------------------------------------------------------------
grant update (bot_persona) on public.stores to authenticated;

revoke all on public.store_policies from anon, authenticated;
grant select, delete on public.store_policies to authenticated;
grant insert (store_id, topic, title, body, language) on public.store_policies to authenticated;
grant update (topic, title, body, language) on public.store_policies to authenticated;
grant all on public.store_policies to service_role;

-- RLS ---------------------------------------------------------------------------------------------
alter table public.store_policies enable row level security;

create policy "members can view their store's policies" on public.store_policies
  for select to authenticated using (public.has_role_on_store(store_id));
create policy "owners and admins add policies" on public.store_policies
  for insert to authenticated with check (public.has_role_on_store(store_id, 'admin'));
create policy "owners and admins edit policies" on public.store_policies
  for update to authenticated
  using (public.has_role_on_store(store_id, 'admin')) with check (public.has_role_on_store(store_id, 'admin'));
create policy "owners and admins remove policies" on public.store_policies
  for delete to authenticated using (public.has_role_on_store(store_id, 'admin'));

-- Functions ---------------------------------------------------------------------------------------
-- The orders of the customer writing from p_phone: their billing phone is that phone, or the order's
-- customer has it. Optionally one order by number ('1042' or '#1042'). Newest first, at most 20.
create function public.customer_orders(
  p_store_id uuid,
  p_phone text,
  p_number text default null,
  p_limit integer default 5
) returns table (
  number text,
  status text,
  total numeric,
  currency text,
  created_at timestamptz,
  date_paid timestamptz,
  date_completed timestamptz,
  payment_method text,
  shipping_method text,
  tracking_number text,
  items jsonb
)
language sql stable
set search_path = ''
as $$
  select o.number, o.status::text, o.total, o.currency, o.created_at, o.date_paid, o.date_completed,
         o.payment_method, o.shipping_method, o.tracking_number,
         coalesce(
           (select jsonb_agg(jsonb_build_object('name', i.name, 'quantity', i.quantity, 'total', i.total)
                             order by i.external_id)
            from public.order_items i where i.order_id = o.id),
           '[]'::jsonb)
  from public.orders o
  left join public.customers c on c.id = o.customer_id
  where o.store_id = p_store_id
    and (o.billing_phone = p_phone or c.phone = p_phone)
    and o.status not in ('checkout-draft', 'trash')
    and (p_number is null or o.number = pg_catalog.ltrim(pg_catalog.btrim(p_number), '#'))
  order by o.created_at desc
  limit least(greatest(coalesce(p_limit, 5), 1), 20)
$$;
comment on function public.customer_orders is
  'The assistant''s only read path to orders: those of the customer writing from p_phone, in one store.';

-- Published products of a store matching any word of p_query (prefix match), best first: a match in
-- the name or SKU counts more than one in the categories, which counts more than one in the description.
create function public.search_products(p_store_id uuid, p_query text, p_limit integer default 5)
returns table (
  name text,
  sku text,
  price numeric,
  stock_status text,
  stock_quantity integer,
  categories text[],
  permalink text,
  rank real
)
language sql stable
set search_path = ''
as $$
  with words as (
    select pg_catalog.to_tsquery('simple',
             pg_catalog.string_agg(pg_catalog.quote_literal(w) || ':*', ' | ')) as query
    from pg_catalog.regexp_split_to_table(pg_catalog.lower(coalesce(p_query, '')), '[^[:alnum:]]+') as w
    where pg_catalog.length(w) >= 2
  ),
  documents as (
    select p.*,
           pg_catalog.setweight(pg_catalog.to_tsvector('simple', p.name || ' ' || coalesce(p.sku, '')), 'A')
           || pg_catalog.setweight(pg_catalog.to_tsvector('simple',
                pg_catalog.array_to_string(p.categories, ' ')), 'B')
           || pg_catalog.setweight(pg_catalog.to_tsvector('simple', coalesce(p.description, '')), 'D')
             as document
    from public.products p
    where p.store_id = p_store_id and p.status = 'publish'
  )
  select d.name, d.sku, d.price, d.stock_status, d.stock_quantity, d.categories, d.permalink,
         pg_catalog.ts_rank(d.document, words.query) as rank
  from documents d, words
  where words.query is not null and d.document operator(pg_catalog.@@) words.query
  order by rank desc, d.name
  limit least(greatest(coalesce(p_limit, 5), 1), 20)
$$;
comment on function public.search_products is
  'Catalogue search for the assistant: published products of one store matching any word of the query.';

revoke execute on function public.customer_orders, public.search_products from public, anon, authenticated;
grant execute on function public.customer_orders, public.search_products to service_role;
