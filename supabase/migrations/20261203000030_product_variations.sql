-- Product variations: the sizes, colours … of WooCommerce's variable products, each with its own SKU,
-- price and stock, linked to its parent product; and on each order line, the variation bought.
--
-- WooCommerce delivers a variation on the product topics with its own id (`type` variation, `parent_id`
-- set), and a change to one variation sends product.updated for the variation only. Sapa used to store
-- such a delivery as a product of its own ("Kaos Batik Kawung - XL", no link to its parent); it is now a
-- row of product_variations, and the stray product row is removed when the variation next arrives (by
-- webhook or backfill: products and variations share WooCommerce's id sequence, so a product row with a
-- variation's id can only be that stray). Deleting a variation sends no webhook of its own: the parent's
-- next product.updated lists its variations, and those it no longer lists go to the trash.
--
-- The mirror functions of migration 13 are wrapped, not replaced: woocommerce_apply_product_or_variation
-- and woocommerce_apply_order_and_variations call woocommerce_apply_product and woocommerce_apply_order
-- and add what variations need, in the same transaction.

-- Tables ------------------------------------------------------------------------------------------
alter table public.products add column type text;
comment on column public.products.type is
  'WooCommerce product type: simple, variable, grouped or external (null: mirrored before Sapa read types). Variations are rows of product_variations.';

-- "Size: XL, Colour: Blue" from [{"name": "Size", "option": "XL"}, …] (attributes in WooCommerce's order).
create function private.variation_label(p_attributes jsonb) returns text
language sql immutable
set search_path = ''
as $$
  select pg_catalog.string_agg((a.value ->> 'name') || ': ' || (a.value ->> 'option'), ', ' order by a.ordinality)
  from pg_catalog.jsonb_array_elements(
         case when pg_catalog.jsonb_typeof(p_attributes) = 'array' then p_attributes else '[]'::jsonb end
       ) with ordinality as a (value, ordinality)
  where a.value ->> 'name' <> '' and a.value ->> 'option' <> ''
$$;

create table public.product_variations (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references public.stores (id) on delete cascade,
  product_id uuid,
  parent_external_id bigint not null,
  external_id bigint not null,
  attributes jsonb not null default '[]' check (jsonb_typeof(attributes) = 'array'),
  label text generated always as (private.variation_label(attributes)) stored,
  sku text,
  description text,
  price numeric(14, 2) check (price >= 0),
  stock_status text,
  stock_quantity integer,
  permalink text,
  status text not null default 'publish',
  date_modified timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (store_id, id),
  unique (store_id, external_id),
  foreign key (store_id, product_id) references public.products (store_id, id) on delete set null (product_id)
);
comment on table public.product_variations is
  'WooCommerce product variations (mirror): one row per size/colour/… of a variable product, with its own SKU, price and stock.';
comment on column public.product_variations.product_id is
  'The parent product (products.id); null while the parent has not arrived yet (deliveries come in any order).';
comment on column public.product_variations.parent_external_id is
  'The parent''s WooCommerce id (parent_id): the link, kept even before the parent is mirrored.';
comment on column public.product_variations.attributes is
  'The attribute values that make this variation, e.g. [{"name": "Size", "option": "XL"}]. An attribute the variation leaves open ("any size") is not listed.';
comment on column public.product_variations.label is
  'The attributes as one text, e.g. "Size: XL" (generated).';
comment on column public.product_variations.status is
  'publish (on sale), private (disabled in the shop), or trash (deleted in the shop).';
create index product_variations_product_idx on public.product_variations (product_id);
create index product_variations_parent_idx on public.product_variations (store_id, parent_external_id);

create trigger set_updated_at before update on public.product_variations
  for each row execute function private.set_updated_at();

alter table public.order_items
  add column variation_id uuid,
  add column variation_external_id bigint,
  add column variation_attributes jsonb not null default '[]' check (jsonb_typeof(variation_attributes) = 'array'),
  add column variation_label text generated always as (private.variation_label(variation_attributes)) stored,
  add foreign key (store_id, variation_id) references public.product_variations (store_id, id)
    on delete set null (variation_id);
comment on column public.order_items.variation_id is
  'The variation bought (product_variations.id); product_id is then its parent. Null for a simple product, or while the variation is not mirrored.';
comment on column public.order_items.variation_external_id is
  'The WooCommerce id of the variation bought (the line''s variation_id).';
comment on column public.order_items.variation_attributes is
  'What the order recorded about the variation bought, e.g. [{"name": "Size", "option": "XL"}]: kept even if the variation is deleted later.';
comment on column public.order_items.variation_label is
  'The variation bought as one text, e.g. "Size: XL" (generated).';
create index order_items_variation_idx on public.order_items (variation_id);
create index order_items_variation_external_idx on public.order_items (store_id, variation_external_id)
  where variation_external_id is not null;

-- Grants and RLS: as products (members read, the service role writes through the functions below).
revoke all on public.product_variations from anon, authenticated;
grant select on public.product_variations to authenticated;
grant all on public.product_variations to service_role;
alter table public.product_variations enable row level security;
create policy "members can view their store's product variations" on public.product_variations
  for select to authenticated using (public.has_role_on_store(store_id));

-- Links made whichever arrives first ----------------------------------------------------------------
-- A parent mirrored after its variations adopts them; a variation mirrored after an order that bought it
-- is linked from the order's line.
create function private.link_variations_to_parent() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  update public.product_variations v set product_id = new.id
  where v.store_id = new.store_id and v.parent_external_id = new.external_id and v.product_id is distinct from new.id;
  return null;
end;
$$;
create trigger link_variations after insert on public.products
  for each row execute function private.link_variations_to_parent();

create function private.link_order_items_to_variation() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  update public.order_items i set variation_id = new.id
  where i.store_id = new.store_id and i.variation_external_id = new.external_id and i.variation_id is null;
  return null;
end;
$$;
create trigger link_order_items after insert on public.product_variations
  for each row execute function private.link_order_items_to_variation();

-- Functions: mirroring ------------------------------------------------------------------------------
-- One variation (the record Sapa's functions make of a WooCommerce variation): created, updated,
-- unchanged (same date_modified) or stale (older), as woocommerce_apply_product.
create function public.woocommerce_apply_variation(p_store_id uuid, p_variation jsonb) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_external bigint := (p_variation ->> 'external_id')::bigint;
  v_parent bigint := (p_variation ->> 'parent_external_id')::bigint;
  v_modified timestamptz := (p_variation ->> 'date_modified')::timestamptz;
  v_inserted boolean;
begin
  if v_external is null or v_parent is null or v_modified is null then
    raise exception 'a variation needs its id, its parent''s id and date_modified' using errcode = 'not_null_violation';
  end if;
  delete from public.products p where p.store_id = p_store_id and p.external_id = v_external;
  insert into public.product_variations as v (store_id, product_id, parent_external_id, external_id, attributes, sku,
                                              description, price, stock_status, stock_quantity, permalink, status,
                                              date_modified)
  values (p_store_id,
          (select p.id from public.products p where p.store_id = p_store_id and p.external_id = v_parent),
          v_parent, v_external, coalesce(p_variation -> 'attributes', '[]'), p_variation ->> 'sku',
          p_variation ->> 'description', (p_variation ->> 'price')::numeric, p_variation ->> 'stock_status',
          (p_variation ->> 'stock_quantity')::integer, p_variation ->> 'permalink',
          coalesce(p_variation ->> 'status', 'publish'), v_modified)
  on conflict (store_id, external_id) do update
    set product_id = coalesce(excluded.product_id, v.product_id), parent_external_id = excluded.parent_external_id,
        attributes = excluded.attributes, sku = excluded.sku, description = excluded.description,
        price = excluded.price, stock_status = excluded.stock_status, stock_quantity = excluded.stock_quantity,
        permalink = excluded.permalink, status = excluded.status, date_modified = excluded.date_modified
    where v.date_modified is null or v.date_modified < excluded.date_modified
  returning (xmax = 0) into v_inserted;
  if v_inserted is null then
    return private.woocommerce_not_newer('product_variations', p_store_id, v_external, v_modified);
  end if;
  return case when v_inserted then 'created' else 'updated' end;
end;
$$;
comment on function public.woocommerce_apply_variation is
  'Mirror one WooCommerce product variation unless the stored one is as new or newer: created, updated, unchanged or stale.';

-- A product as WooCommerce delivers it on the product topics: a variation goes to product_variations; any
-- other product is mirrored by woocommerce_apply_product, then its type is kept, the variations the
-- backfill read with it (`variations`: records) are applied, and its variations it no longer lists
-- (`variation_ids`) go to the trash, dated with the product's date_modified.
create function public.woocommerce_apply_product_or_variation(p_store_id uuid, p_product jsonb) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_external bigint := (p_product ->> 'external_id')::bigint;
  v_modified timestamptz := (p_product ->> 'date_modified')::timestamptz;
  v_outcome text;
  v_variation jsonb;
begin
  if p_product ->> 'parent_external_id' is not null then
    return public.woocommerce_apply_variation(p_store_id, p_product);
  end if;
  v_outcome := public.woocommerce_apply_product(p_store_id, p_product);
  for v_variation in select * from pg_catalog.jsonb_array_elements(coalesce(p_product -> 'variations', '[]')) loop
    perform public.woocommerce_apply_variation(p_store_id, v_variation);
  end loop;
  if v_outcome = 'stale' then
    return v_outcome;
  end if;
  update public.products p set type = p_product ->> 'type'
  where p.store_id = p_store_id and p.external_id = v_external and p_product ->> 'type' is not null
    and p.type is distinct from p_product ->> 'type';
  if pg_catalog.jsonb_typeof(p_product -> 'variation_ids') = 'array' then
    update public.product_variations v set status = 'trash', date_modified = greatest(v.date_modified, v_modified)
    where v.store_id = p_store_id and v.parent_external_id = v_external and v.status <> 'trash'
      and v.date_modified <= v_modified
      and not v.external_id = any (array(select pg_catalog.jsonb_array_elements_text(p_product -> 'variation_ids'))::bigint[]);
  end if;
  return v_outcome;
end;
$$;
comment on function public.woocommerce_apply_product_or_variation is
  'Mirror one WooCommerce product or variation (as delivered on the product topics), keeping parents and variations linked.';

-- An order, then on each of its lines the variation bought (the lines were just rewritten with the order).
create function public.woocommerce_apply_order_and_variations(p_store_id uuid, p_order jsonb) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_outcome text := public.woocommerce_apply_order(p_store_id, p_order);
begin
  if v_outcome in ('created', 'updated') then
    update public.order_items i
    set variation_external_id = x.variation_external_id,
        variation_id = v.id,
        variation_attributes = coalesce(x.variation_attributes, '[]')
    from public.orders o
      cross join pg_catalog.jsonb_to_recordset(coalesce(p_order -> 'items', '[]'))
        as x (external_id bigint, variation_external_id bigint, variation_attributes jsonb)
      left join public.product_variations v
        on v.store_id = p_store_id and v.external_id = x.variation_external_id
    where o.store_id = p_store_id and o.external_id = (p_order ->> 'external_id')::bigint
      and i.order_id = o.id and i.external_id = x.external_id and x.variation_external_id is not null;
  end if;
  return v_outcome;
end;
$$;
comment on function public.woocommerce_apply_order_and_variations is
  'Mirror one WooCommerce order (woocommerce_apply_order) and record on its lines the variations bought.';

-- product.deleted carries only an id, which may be a variation's (trashed) or a product's (migration 13).
create function public.woocommerce_apply_product_deletion(p_store_id uuid, p_external_id bigint) returns text
language plpgsql
set search_path = ''
as $$
begin
  if not exists (select from public.product_variations v where v.store_id = p_store_id and v.external_id = p_external_id) then
    return public.woocommerce_apply_deletion(p_store_id, 'product', p_external_id);
  end if;
  update public.product_variations v
  set status = 'trash', date_modified = greatest(v.date_modified, pg_catalog.date_trunc('second', now()))
  where v.store_id = p_store_id and v.external_id = p_external_id and v.status <> 'trash';
  return case when found then 'deleted' else 'unchanged' end;
end;
$$;
comment on function public.woocommerce_apply_product_deletion is
  'A WooCommerce product or variation was deleted: move it to the trash. deleted or unchanged.';

-- The backfill applies products (with the variations read for them) and orders through the wrappers.
create or replace function private.woocommerce_apply(p_store_id uuid, p_resource text, p_item jsonb) returns text
language sql
set search_path = ''
as $$
  select case p_resource
    when 'products' then public.woocommerce_apply_product_or_variation(p_store_id, p_item)
    when 'customers' then public.woocommerce_apply_customer(p_store_id, p_item)
    when 'orders' then public.woocommerce_apply_order_and_variations(p_store_id, p_item)
  end
$$;

-- The assistant's catalogue search, now with each product's variations (replaces migration 7's): a
-- variation's SKU and attribute values find its product too ("WCS-KAOS-XL", "biru").
drop function public.search_products(uuid, text, integer);
create function public.search_products(p_store_id uuid, p_query text, p_limit integer default 5)
returns table (
  name text,
  sku text,
  price numeric,
  stock_status text,
  stock_quantity integer,
  categories text[],
  permalink text,
  rank real,
  variations jsonb
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
  offered as (
    select v.product_id,
           pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
             'label', v.label, 'attributes', v.attributes, 'sku', v.sku, 'price', v.price,
             'stock_status', v.stock_status, 'stock_quantity', v.stock_quantity, 'permalink', v.permalink)
             order by v.external_id) as variations,
           pg_catalog.string_agg(coalesce(v.sku, '') || ' ' || coalesce(v.label, ''), ' ') as words
    from public.product_variations v
    where v.store_id = p_store_id and v.status = 'publish' and v.product_id is not null
    group by v.product_id
  ),
  documents as (
    select p.*, o.variations,
           pg_catalog.setweight(pg_catalog.to_tsvector('simple', p.name || ' ' || coalesce(p.sku, '')), 'A')
           || pg_catalog.setweight(pg_catalog.to_tsvector('simple',
                pg_catalog.array_to_string(p.categories, ' ')), 'B')
           || pg_catalog.setweight(pg_catalog.to_tsvector('simple', coalesce(o.words, '')), 'C')
           || pg_catalog.setweight(pg_catalog.to_tsvector('simple', coalesce(p.description, '')), 'D')
             as document
    from public.products p
    left join offered o on o.product_id = p.id
    where p.store_id = p_store_id and p.status = 'publish'
  )
  select d.name, d.sku, d.price, d.stock_status, d.stock_quantity, d.categories, d.permalink,
         pg_catalog.ts_rank(d.document, words.query) as rank, coalesce(d.variations, '[]'::jsonb)
  from documents d, words
  where words.query is not null and d.document operator(pg_catalog.@@) words.query
  order by rank desc, d.name
  limit least(greatest(coalesce(p_limit, 5), 1), 20)
$$;
comment on function public.search_products is
  'Catalogue search for the assistant: published products of one store matching any word of the query, with their variations on sale.';

-- Service role only ---------------------------------------------------------------------------------
revoke execute on function public.woocommerce_apply_variation, public.woocommerce_apply_product_or_variation,
  public.woocommerce_apply_order_and_variations, public.woocommerce_apply_product_deletion,
  public.search_products, private.variation_label, private.link_variations_to_parent,
  private.link_order_items_to_variation
  from public, anon, authenticated;
grant execute on function public.woocommerce_apply_variation, public.woocommerce_apply_product_or_variation,
  public.woocommerce_apply_order_and_variations, public.woocommerce_apply_product_deletion,
  public.search_products, private.variation_label
  to service_role;
