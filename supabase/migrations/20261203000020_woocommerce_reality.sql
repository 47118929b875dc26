-- WooCommerce as it really behaves (WooCommerce 11.0.1, recorded in ../shared/data/woocommerce-real):
-- dates in whole seconds (two different states of one order can share a date_modified), restores mirrored,
-- webhook health checked through the shop's REST API, reconnecting a shop that lost its connection.
--
-- 1. The shop's REST API is the arbiter: when a delivery is not newer than the mirror and its content was
--    never applied, Sapa fetches the resource and applies it with woocommerce_apply_from_shop, which lets
--    what the shop says now replace a row of the same date_modified (or a trashed row).
-- 2. A trash is stamped at a whole second, as WooCommerce's own dates are.
-- 3. woocommerce_webhooks: the state of each webhook Sapa created, as last read from the shop.
-- 4. reconnect_woocommerce_store: new WooCommerce keys, webhooks and plugin key for a connected store.

-- Deliveries: a new outcome -------------------------------------------------------------------------
alter table public.woocommerce_deliveries drop constraint woocommerce_deliveries_outcome_check;
alter table public.woocommerce_deliveries add constraint woocommerce_deliveries_outcome_check
  check (outcome in ('created', 'updated', 'unchanged', 'stale', 'deleted', 'ignored', 'conflict'));
comment on column public.woocommerce_deliveries.outcome is
  'created/updated: the mirror changed; unchanged: same date_modified and a body applied before (a replay); '
  'stale: older than the stored row; conflict: not newer, but content never applied (the shop''s REST API '
  'was asked, see woocommerce_apply_from_shop); deleted; ignored.';

-- Webhook health --------------------------------------------------------------------------------------
create table public.woocommerce_webhooks (
  store_id uuid not null references public.stores (id) on delete cascade,
  webhook_id bigint not null,
  topic text not null check (topic ~ '^(order|customer|product)\.(created|updated|deleted|restored)$'),
  status text not null check (status in ('active', 'paused', 'disabled', 'missing')),
  failures integer not null default 0 check (failures >= 0),
  checked_at timestamptz not null default now(),
  reenabled_at timestamptz,
  primary key (store_id, webhook_id)
);
comment on table public.woocommerce_webhooks is
  'The webhooks Sapa created in the shop, as last read through its REST API (status as WooCommerce reports it; '
  'missing = the shop no longer has it).';
comment on column public.woocommerce_webhooks.failures is
  'How many times Sapa found this webhook disabled by WooCommerce (7 failed deliveries in a row, or 1 after a '
  're-enable: WooCommerce keeps its failure_count at 6) and re-enabled it. The REST API does not show '
  'WooCommerce''s own failure_count.';

revoke all on public.woocommerce_webhooks from anon, authenticated;
grant select on public.woocommerce_webhooks to authenticated;
grant all on public.woocommerce_webhooks to service_role;
alter table public.woocommerce_webhooks enable row level security;
create policy "members can view their store's webhooks" on public.woocommerce_webhooks
  for select to authenticated using (public.has_role_on_store(store_id));

-- Record what a check (or a connect) found: p_webhooks = [{webhook_id, topic, status, reenabled}], the
-- store's whole set (rows of webhooks no longer listed go). The store's webhook ids follow the set, so a
-- disconnect deletes the webhooks a check re-created.
create function public.record_woocommerce_webhooks(p_store_id uuid, p_webhooks jsonb) returns void
language plpgsql
set search_path = ''
as $$
begin
  delete from public.woocommerce_webhooks w
  where w.store_id = p_store_id
    and w.webhook_id not in (select (x ->> 'webhook_id')::bigint from jsonb_array_elements(p_webhooks) x);
  insert into public.woocommerce_webhooks as w (store_id, webhook_id, topic, status, failures, checked_at, reenabled_at)
  select p_store_id, x.webhook_id, x.topic, x.status, case when x.reenabled then 1 else 0 end, now(),
         case when x.reenabled then now() end
  from jsonb_to_recordset(p_webhooks) as x (webhook_id bigint, topic text, status text, reenabled boolean)
  on conflict (store_id, webhook_id) do update
    set topic = excluded.topic, status = excluded.status, checked_at = excluded.checked_at,
        failures = w.failures + excluded.failures, reenabled_at = coalesce(excluded.reenabled_at, w.reenabled_at);
  update public.store_credentials k
  set woocommerce_webhook_ids = array(select (x ->> 'webhook_id')::bigint from jsonb_array_elements(p_webhooks) x
                                      where x ->> 'status' <> 'missing')
  where k.store_id = p_store_id;
end;
$$;
comment on function public.record_woocommerce_webhooks is
  'Webhook health: record the state of the store''s WooCommerce webhooks as the shop reported it.';

-- Trash at whole seconds ------------------------------------------------------------------------------
-- As in migration 13, but the trash is stamped at the whole second: WooCommerce's dates have no fraction,
-- and an update made in the same second after the trash must not look older than it.
create or replace function public.woocommerce_apply_deletion(p_store_id uuid, p_resource text, p_external_id bigint)
returns text
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := date_trunc('second', now());
begin
  case p_resource
    when 'order' then
      update public.orders o set status = 'trash', date_modified = greatest(o.date_modified, v_now), synced_at = now()
      where o.store_id = p_store_id and o.external_id = p_external_id and o.status <> 'trash';
    when 'product' then
      update public.products p set status = 'trash', date_modified = greatest(p.date_modified, v_now)
      where p.store_id = p_store_id and p.external_id = p_external_id and p.status <> 'trash';
    when 'customer' then
      return 'ignored';
    else
      raise exception 'unknown WooCommerce resource %', p_resource using errcode = 'invalid_parameter_value';
  end case;
  return case when found then 'deleted' else 'unchanged' end;
end;
$$;

-- The shop as arbiter -----------------------------------------------------------------------------------
-- Apply a resource as the shop's REST API answered it just now. It replaces the stored row when it is
-- newer (as any delivery), when it has the same date_modified (two states within one second: the shop's
-- current one wins), and when the stored row is a trash Sapa stamped with its own clock (a restore the shop
-- confirms). A stored row strictly newer than the shop's answer and not in the trash stays (a delivery that
-- arrived after the fetch). Works by moving the stored date_modified a microsecond before the shop's, inside
-- this one transaction, then applying through the ordinary function, so the mirror rules stay in one place.
create function public.woocommerce_apply_from_shop(p_store_id uuid, p_resource text, p_item jsonb) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_external bigint := (p_item ->> 'external_id')::bigint;
  v_modified timestamptz := (p_item ->> 'date_modified')::timestamptz;
  v_before timestamptz := v_modified - interval '1 microsecond';
begin
  if v_external is null or v_modified is null then
    raise exception 'a resource needs its id and date_modified' using errcode = 'not_null_violation';
  end if;
  case p_resource
    when 'order' then
      update public.orders o set date_modified = v_before
      where o.store_id = p_store_id and o.external_id = v_external
        and (o.date_modified = v_modified or (o.status = 'trash' and o.date_modified > v_modified));
      return public.woocommerce_apply_order(p_store_id, p_item);
    when 'product' then
      update public.products p set date_modified = v_before
      where p.store_id = p_store_id and p.external_id = v_external
        and (p.date_modified = v_modified or (p.status = 'trash' and p.date_modified > v_modified));
      return public.woocommerce_apply_product(p_store_id, p_item);
    when 'customer' then
      update public.customers c set date_modified = v_before
      where c.store_id = p_store_id and c.external_id = v_external and c.date_modified = v_modified;
      return public.woocommerce_apply_customer(p_store_id, p_item);
    else
      raise exception 'unknown WooCommerce resource %', p_resource using errcode = 'invalid_parameter_value';
  end case;
end;
$$;
comment on function public.woocommerce_apply_from_shop is
  'Apply a resource as the shop''s REST API answered it: it wins over a stored row of the same date_modified '
  'or a trashed row; created, updated, unchanged or stale.';

-- Reconnecting ------------------------------------------------------------------------------------------
-- A shop that is connected connects again (its plugin lost its settings: a database restore, a reinstall)
-- with new WooCommerce keys the caller has checked against the shop. The store, its data and its WhatsApp
-- sender stay; the WooCommerce keys, webhook secret and webhooks are replaced, the plugin's old key is
-- revoked and the new one recorded, the backfill resumes. Returns the store's WhatsApp number.
create function public.reconnect_woocommerce_store(
  p_store_id uuid,
  p_name text,
  p_currency text,
  p_timezone text,
  p_country text,
  p_credentials jsonb,
  p_api_key_hash text,
  p_api_key_prefix text,
  p_orders_after timestamptz
) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_number text;
  v_revoked integer;
begin
  select s.whatsapp_number into v_number from public.stores s where s.id = p_store_id for update;
  if not found then
    raise exception 'no store %', p_store_id using errcode = 'no_data_found';
  end if;
  update public.store_api_keys k set revoked_at = now() where k.store_id = p_store_id and k.revoked_at is null;
  get diagnostics v_revoked = row_count;
  insert into public.store_api_keys (store_id, key_hash, key_prefix) values (p_store_id, p_api_key_hash, p_api_key_prefix);
  update public.stores s
  set name = p_name, timezone = p_timezone, currency = p_currency, default_country = p_country,
      woocommerce_connected_at = now()
  where s.id = p_store_id;
  insert into public.store_credentials as k (store_id, woocommerce_webhook_secret, woocommerce_consumer_key_encrypted,
                                             woocommerce_consumer_secret_encrypted, woocommerce_webhook_ids)
  values (p_store_id, p_credentials ->> 'woocommerce_webhook_secret',
          p_credentials ->> 'woocommerce_consumer_key_encrypted', p_credentials ->> 'woocommerce_consumer_secret_encrypted',
          coalesce(array(select jsonb_array_elements_text(p_credentials -> 'woocommerce_webhook_ids'))::bigint[], '{}'))
  on conflict on constraint store_credentials_pkey do update
    set woocommerce_webhook_secret = excluded.woocommerce_webhook_secret,
        woocommerce_consumer_key_encrypted = excluded.woocommerce_consumer_key_encrypted,
        woocommerce_consumer_secret_encrypted = excluded.woocommerce_consumer_secret_encrypted,
        woocommerce_webhook_ids = excluded.woocommerce_webhook_ids;
  delete from public.woocommerce_webhooks w where w.store_id = p_store_id;
  perform public.start_woocommerce_sync(p_store_id, p_orders_after);
  insert into public.audit_log (store_id, action, target_table, target_id, details)
  values (p_store_id, 'store.reconnected', 'stores', p_store_id::text,
          jsonb_build_object('api_keys_revoked', v_revoked,
                             'webhooks', jsonb_array_length(coalesce(p_credentials -> 'woocommerce_webhook_ids', '[]')),
                             'webhooks_deleted', p_credentials -> 'webhooks_deleted'));
  return v_number;
end;
$$;
comment on function public.reconnect_woocommerce_store is
  'Store API: replace a connected shop''s WooCommerce keys, webhooks and plugin key; the store and its WhatsApp number stay.';

-- Service role only ---------------------------------------------------------------------------------------
revoke execute on function public.record_woocommerce_webhooks, public.woocommerce_apply_from_shop,
  public.reconnect_woocommerce_store
  from public, anon, authenticated;
grant execute on function public.record_woocommerce_webhooks, public.woocommerce_apply_from_shop,
  public.reconnect_woocommerce_store
  to service_role;
