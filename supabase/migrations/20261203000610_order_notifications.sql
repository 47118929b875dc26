-- Order updates and abandoned-checkout recovery on WhatsApp: what is sent, when, and never twice.
--
-- A trigger on orders turns each change into at most one row of order_notifications per order and event
-- (unique: webhook redeliveries, the same-second create+pay pair, a resync and a restore add nothing):
--   * a status WooCommerce moved the order to (processing, on-hold, completed, cancelled, refunded);
--   * shipped: a tracking number appeared (WooCommerce Shipment Tracking's order meta);
--   * abandoned_checkout step 1 (and 2): a pending order, after_minutes (and second_after_hours more)
--     after its checkout; cancelled as soon as the order leaves pending.
-- Only events turned on when WooCommerce made the change are scheduled (the change's date_modified is
-- at or after the event's enabled_at), so turning an event on or a resync never tells a customer about
-- the past. A row is due at the change (or its recovery time), pushed past the store's quiet hours in
-- the store's time zone.
--
-- Consent: order updates are about the customer's own order (WhatsApp's "utility" messages). A customer
-- may receive them when they gave their WhatsApp number at checkout (the plugin's field says "for order
-- updates and questions on WhatsApp"), have written to the shop on WhatsApp, or opted in to marketing;
-- never once opted out (STOP). Everything is checked again right before the message goes out
-- (order_notification_send_check): the event still on with an approved template, the order still in
-- that state (a recovery for an order paid meanwhile is not sent), the customer's consent.
--
-- Sending is the broadcasts' machinery (sapa.broadcasts.worker, migration 420): claim with a lease and a
-- slot on the store's sender (private.broadcast_pace, shared with broadcasts, so together they keep the
-- sender's rate), the message stored right before the provider call, the answer recorded on it.

alter table public.orders add column pay_url text check (length(pay_url) <= 2000);
alter table public.orders add column tracking_url text check (length(tracking_url) <= 2000);
alter table public.orders add column whatsapp_number_given boolean not null default false;
comment on column public.orders.pay_url is 'WooCommerce''s order-pay link (payment_url): where the customer pays a pending order.';
comment on column public.orders.tracking_url is 'The carrier''s tracking link of the newest shipment (WooCommerce Shipment Tracking), when the shop gave one.';
comment on column public.orders.whatsapp_number_given is
  'The customer gave their WhatsApp number in the checkout''s Sapa field ("for order updates and questions on WhatsApp").';

create type public.order_notification_status as enum ('scheduled', 'sending', 'sent', 'failed', 'skipped', 'cancelled');

create table public.order_notifications (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null,
  order_id uuid not null,
  event text not null check (event in ('processing', 'on-hold', 'shipped', 'completed', 'cancelled', 'refunded',
                                       'abandoned_checkout')),
  step smallint not null default 1 check (step in (1, 2) and (step = 1 or event = 'abandoned_checkout')),
  due_at timestamptz not null,
  status public.order_notification_status not null default 'scheduled',
  skip_reason text check (skip_reason in ('disabled', 'no_template', 'no_customer', 'no_consent', 'opted_out',
                                          'no_valid_number', 'superseded', 'order_paid', 'order_closed')),
  message_id uuid references public.messages (id) on delete set null,
  provider_message_id text,
  error text,
  attempts integer not null default 0,
  slot_at timestamptz,
  lease_until timestamptz,
  checked_at timestamptz,
  sent_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (order_id, event, step),
  foreign key (store_id, order_id) references public.orders (store_id, id) on delete cascade,
  check ((status in ('skipped', 'cancelled')) = (skip_reason is not null))
);
comment on table public.order_notifications is
  'One WhatsApp message per order and event (and recovery step): scheduled → sending → sent or failed; skipped or cancelled with the reason.';
comment on column public.order_notifications.sent_at is 'When the provider took the message (revenue recovered counts from here).';
create index order_notifications_due_idx on public.order_notifications (due_at) where status in ('scheduled', 'sending');
create index order_notifications_store_idx on public.order_notifications (store_id, created_at desc);
create index order_notifications_message_idx on public.order_notifications (message_id) where message_id is not null;

create trigger set_updated_at before update on public.order_notifications
  for each row execute function private.set_updated_at();

revoke all on public.order_notifications from anon, authenticated;
grant select on public.order_notifications to authenticated;
grant all on public.order_notifications to service_role;
alter table public.order_notifications enable row level security;
create policy "members can view their store's order notifications" on public.order_notifications
  for select to authenticated using (public.has_role_on_store(store_id));

-- The erase (migration 350): a notification row is redacted with its order; only the provider's error
-- can quote the customer's number.
insert into private.personal_data_tables (table_name, link, erase, position) values
  ('order_notifications', 'order', 'redact', 75);
insert into private.personal_data_columns (table_name, column_name, personal, erased_value) values
  ('order_notifications', 'error', true, 'null'),
  ('order_notifications', 'event', false, null),
  ('order_notifications', 'skip_reason', false, null),
  ('order_notifications', 'provider_message_id', false, null),
  ('orders', 'pay_url', true, 'null'),
  ('orders', 'tracking_url', true, 'null');

-- The mirror keeps the new fields: woocommerce_apply_order keeps its body under a private name and is
-- wrapped (as migration 530 did for the customer's address). The fields do not move the notifications'
-- trigger (it follows status and tracking_number only).
alter function public.woocommerce_apply_order(uuid, jsonb) rename to woocommerce_apply_order_fields;
alter function public.woocommerce_apply_order_fields(uuid, jsonb) set schema private;

create function public.woocommerce_apply_order(p_store_id uuid, p_order jsonb) returns text
language plpgsql
set search_path = ''
as $$
declare
  v_result text := private.woocommerce_apply_order_fields(p_store_id, p_order);
begin
  if v_result in ('created', 'updated') then
    update public.orders o
    set pay_url = left(nullif(p_order ->> 'pay_url', ''), 2000),
        tracking_url = coalesce(left(nullif(p_order ->> 'tracking_url', ''), 2000), o.tracking_url),
        whatsapp_number_given = coalesce((p_order ->> 'whatsapp_number_given')::boolean, false)
    where o.store_id = p_store_id and o.external_id = (p_order ->> 'external_id')::bigint;
  end if;
  return v_result;
end;
$$;
comment on function public.woocommerce_apply_order is
  'Mirror one WooCommerce order with its lines and customer unless the stored one is as new or newer (pay link, tracking link and checkout WhatsApp consent included).';
revoke execute on function public.woocommerce_apply_order, private.woocommerce_apply_order_fields
  from public, anon, authenticated;
grant execute on function public.woocommerce_apply_order, private.woocommerce_apply_order_fields to service_role;

-- Quiet hours ---------------------------------------------------------------------------------------
-- p_at, or the end of the quiet hours it falls in (store time zone; {"start": "21:00", "end": "08:00"}
-- spans midnight, {"start": "13:00", "end": "14:00"} does not; null: no quiet hours).
create function private.after_quiet_hours(p_at timestamptz, p_timezone text, p_quiet jsonb) returns timestamptz
language plpgsql stable
set search_path = ''
as $$
declare
  v_local timestamp := p_at at time zone p_timezone;
  v_start time := (p_quiet ->> 'start')::time;
  v_end time := (p_quiet ->> 'end')::time;
  v_clock time := v_local::time;
begin
  if v_start is null or v_end is null then
    return p_at;
  end if;
  if v_start < v_end then
    if v_clock >= v_start and v_clock < v_end then
      return (v_local::date + v_end) at time zone p_timezone;
    end if;
  elsif v_clock >= v_start then
    return (v_local::date + 1 + v_end) at time zone p_timezone;
  elsif v_clock < v_end then
    return (v_local::date + v_end) at time zone p_timezone;
  end if;
  return p_at;
end;
$$;

-- Scheduling ----------------------------------------------------------------------------------------
create function private.schedule_order_notifications() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_store public.stores;
  v_settings jsonb;
  v_event text;
  v_kind jsonb;
  v_recover jsonb;
begin
  -- Leaving pending (paid, cancelled, failed, trashed): no recovery message any more.
  if tg_op = 'UPDATE' and old.status = 'pending' and new.status <> 'pending' then
    update public.order_notifications n
    set status = 'cancelled', skip_reason = case when private.kpi_is_paid(new.status) then 'order_paid' else 'order_closed' end,
        lease_until = null
    where n.order_id = new.id and n.event = 'abandoned_checkout' and n.status = 'scheduled';
  end if;
  select * into v_store from public.stores s where s.id = new.store_id;
  v_settings := v_store.notification_settings;

  foreach v_event in array array[
    case when new.status::text in ('processing', 'on-hold', 'completed', 'cancelled', 'refunded')
              and (tg_op = 'INSERT' or old.status is distinct from new.status) then new.status::text end,
    case when new.tracking_number is not null
              and (tg_op = 'INSERT' or old.tracking_number is distinct from new.tracking_number) then 'shipped' end]
  loop
    v_kind := v_settings -> 'events' -> v_event;
    if v_event is not null and (v_kind ->> 'enabled')::boolean
       and new.date_modified >= (v_kind ->> 'enabled_at')::timestamptz then
      insert into public.order_notifications (store_id, order_id, event, due_at)
      values (new.store_id, new.id, v_event,
              private.after_quiet_hours(now(), v_store.timezone, v_settings -> 'quiet_hours'))
      on conflict (order_id, event, step) do nothing;
    end if;
  end loop;

  v_recover := v_settings -> 'abandoned_checkout';
  if new.status = 'pending' and (tg_op = 'INSERT' or old.status is distinct from new.status)
     and (v_recover ->> 'enabled')::boolean and new.date_modified >= (v_recover ->> 'enabled_at')::timestamptz then
    insert into public.order_notifications (store_id, order_id, event, step, due_at)
    select new.store_id, new.id, 'abandoned_checkout', step,
           private.after_quiet_hours(greatest(now(), new.created_at + make_interval(mins => (v_recover ->> 'after_minutes')::integer)
                                                       + make_interval(hours => hours)),
                                     v_store.timezone, v_settings -> 'quiet_hours')
    from (values (1::smallint, 0), (2::smallint, (v_recover ->> 'second_after_hours')::integer)) as s (step, hours)
    where hours is not null
    on conflict (order_id, event, step) do nothing;
  end if;
  return null;
end;
$$;
create trigger schedule_order_notifications after insert or update of status, tracking_number on public.orders
  for each row execute function private.schedule_order_notifications();

-- What a template's {{order_number}} etc. read for this order.
create function private.order_fields(p_order public.orders, p_customer public.customers) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'first_name', split_part(btrim(coalesce(p_customer.name, p_order.billing_name, '')), ' ', 1),
    'name', coalesce(p_customer.name, p_order.billing_name),
    'order_number', p_order.number,
    'total', case when p_order.currency = 'IDR'
                  then 'Rp ' || replace(to_char(p_order.total, 'FM999,999,999,999,990'), ',', '.')
                  else p_order.currency || ' ' || to_char(p_order.total, 'FM999,999,999,999,990.00') end,
    'items', (select string_agg(i.quantity || 'x ' || i.name, ', ' order by i.name)
              from public.order_items i where i.order_id = p_order.id),
    'tracking_number', p_order.tracking_number,
    'tracking_url', p_order.tracking_url,
    'pay_url', p_order.pay_url,
    'store_name', (select s.name from public.stores s where s.id = p_order.store_id)
  )
$$;

-- Why this notification may not go out now (null: it may), checked right before the provider call.
create function private.order_notification_skip_reason(
  p_row public.order_notifications, p_order public.orders, p_customer public.customers, p_store public.stores,
  p_template public.whatsapp_templates
) returns text
language sql stable
set search_path = ''
as $$
  select case
    when not coalesce((case when p_row.event = 'abandoned_checkout' then p_store.notification_settings -> 'abandoned_checkout'
                            else p_store.notification_settings -> 'events' -> p_row.event end ->> 'enabled')::boolean, false)
      then 'disabled'
    when p_template.id is null or p_template.status <> 'approved' or p_template.provider <> p_store.whatsapp_provider
      then 'no_template'
    when p_row.event = 'abandoned_checkout' and p_order.status <> 'pending'
      then case when private.kpi_is_paid(p_order.status) then 'order_paid' else 'order_closed' end
    when p_row.event = 'shipped' and (p_order.tracking_number is null
                                      or p_order.status not in ('processing', 'on-hold', 'completed'))
      then 'superseded'
    when p_row.event not in ('abandoned_checkout', 'shipped') and p_order.status::text <> p_row.event
      then 'superseded'
    when p_customer.id is null or p_customer.erased_at is not null then 'no_customer'
    when p_customer.opted_out_at is not null then 'opted_out'
    when p_customer.phone is null then 'no_valid_number'
    when not (p_order.whatsapp_number_given or p_customer.marketing_opt_in
              or exists (select 1 from public.conversations c join public.messages m on m.conversation_id = c.id
                         where c.customer_id = p_customer.id and m.direction = 'inbound'))
      then 'no_consent'
  end
$$;

-- The chosen template, or its version in the customer's language: an approved template of the same name
-- and provider whose language is the one the assistant last answered this customer in (bot replies carry
-- metadata.language) and whose placeholders the texts fill. A shop keeps one template name per event and
-- has it approved in Indonesian and English.
create function private.template_in_customer_language(
  p_template public.whatsapp_templates, p_customer public.customers, p_variables jsonb
) returns public.whatsapp_templates
language sql stable
set search_path = ''
as $$
  select coalesce(
    (select t from public.whatsapp_templates t
     where t.store_id = p_template.store_id and t.name = p_template.name and t.provider = p_template.provider
       and t.status = 'approved' and t.id <> p_template.id
       and split_part(t.language, '_', 1) = (
         select m.metadata ->> 'language' from public.conversations c
         join public.messages m on m.conversation_id = c.id
         where c.customer_id = p_customer.id and m.direction = 'outbound' and m.sender = 'bot'
           and m.metadata ? 'language'
         order by m.created_at desc limit 1)
       and split_part(p_template.language, '_', 1) <> split_part(t.language, '_', 1)
       and private.template_placeholders(t.body) <@ array(select jsonb_object_keys(p_variables))
     order by t.language limit 1),
    p_template)
$$;

-- Functions for the sending worker (service role) -----------------------------------------------------
-- The next send slot of the store's sender (p_rate a second, shared by every worker and by broadcasts).
create function private.next_send_slot(p_store_id uuid, p_rate double precision) returns timestamptz
language plpgsql
set search_path = ''
as $$
declare
  v_slot timestamptz;
begin
  insert into private.broadcast_pace as p (store_id, next_slot_at) values (p_store_id, now())
  on conflict on constraint broadcast_pace_pkey do update set next_slot_at = greatest(p.next_slot_at, now())
  returning p.next_slot_at into v_slot;
  update private.broadcast_pace p set next_slot_at = v_slot + make_interval(secs => 1 / p_rate)
  where p.store_id = p_store_id;
  return v_slot;
end;
$$;

-- The conversation a proactive message to this customer goes into: their open one, else their latest,
-- else a new one (resolved: nobody is talking yet).
create function private.proactive_conversation(p_customer public.customers) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_conversation uuid;
begin
  select c.id into v_conversation from public.conversations c
  where c.customer_id = p_customer.id order by (c.status <> 'resolved') desc, c.created_at desc limit 1;
  if v_conversation is null then
    insert into public.conversations (store_id, customer_id, status, resolved_at)
    values (p_customer.store_id, p_customer.id, 'resolved', now())
    returning id into v_conversation;
  end if;
  return v_conversation;
end;
$$;

-- As claim_broadcast_recipients: up to p_limit due notifications, each with a slot on its store's sender
-- (the pace broadcasts share) and a lease; a notification of a worker that died comes back, `resumed`
-- when its message was stored.
create function public.claim_order_notifications(
  p_limit integer, p_rate double precision, p_lease_seconds integer, p_sandbox_only boolean default false
)
returns table (recipient_id uuid, store_id uuid, slot_at timestamptz, resumed boolean, db_now timestamptz)
language plpgsql
set search_path = ''
as $$
declare
  v_row record;
  v_slot timestamptz;
begin
  if p_rate is null or p_rate <= 0 or p_limit is null or p_limit < 1 or p_lease_seconds is null or p_lease_seconds < 1 then
    raise exception 'claim needs a positive limit, rate and lease' using errcode = 'invalid_parameter_value';
  end if;
  for v_row in
    select n.id, n.store_id, n.message_id, n.status
    from public.order_notifications n
    where ((n.status = 'scheduled' and n.due_at <= now()) or (n.status = 'sending' and n.lease_until < now()))
      and not (p_sandbox_only and (exists (select 1 from public.store_credentials k
                                           where k.store_id = n.store_id and k.twilio_account_sid is not null)
                                   or exists (select 1 from public.stores s
                                              where s.id = n.store_id and s.whatsapp_provider = 'meta')))
    order by n.due_at, n.id
    limit p_limit
    for update of n skip locked
  loop
    v_slot := private.next_send_slot(v_row.store_id, p_rate);
    update public.order_notifications n
    set status = 'sending', slot_at = v_slot, lease_until = v_slot + make_interval(secs => p_lease_seconds),
        attempts = n.attempts + 1
    where n.id = v_row.id;
    recipient_id := v_row.id;
    store_id := v_row.store_id;
    slot_at := v_slot;
    resumed := v_row.status = 'sending' and v_row.message_id is not null;
    db_now := now();
    return next;
  end loop;
end;
$$;

-- As broadcast_send_check: still ours and still to be sent? Then the message is stored (once) in the
-- customer's conversation, with metadata.notification, and returned with where and how to send it.
create function public.order_notification_send_check(p_id uuid)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_row public.order_notifications;
  v_order public.orders;
  v_customer public.customers;
  v_store public.stores;
  v_kind jsonb;
  v_template public.whatsapp_templates;
  v_reason text;
  v_variables jsonb;
  v_conversation uuid;
  v_message public.messages;
begin
  select * into v_row from public.order_notifications n where n.id = p_id for update;
  if not found or v_row.status <> 'sending' then
    return jsonb_build_object('decision', 'gone');
  end if;
  select * into v_order from public.orders o where o.id = v_row.order_id;
  select * into v_store from public.stores s where s.id = v_row.store_id;
  select * into v_customer from public.customers c where c.id = v_order.customer_id for share;
  if v_row.message_id is null then
    v_kind := case when v_row.event = 'abandoned_checkout' then v_store.notification_settings -> 'abandoned_checkout'
                   else v_store.notification_settings -> 'events' -> v_row.event end;
    select * into v_template from public.whatsapp_templates t
    where t.id = (v_kind ->> 'template_id')::uuid and t.store_id = v_store.id;
    v_reason := private.order_notification_skip_reason(v_row, v_order, v_customer, v_store, v_template);
    if v_reason is not null then
      update public.order_notifications set status = 'skipped', skip_reason = v_reason, lease_until = null
      where id = p_id;
      return jsonb_build_object('decision', 'skipped', 'reason', v_reason);
    end if;
    v_template := private.template_in_customer_language(v_template, v_customer, v_kind -> 'variables');
    v_variables := private.fill_broadcast_variables(v_kind -> 'variables', private.order_fields(v_order, v_customer));
    v_conversation := private.proactive_conversation(v_customer);
    insert into public.messages (store_id, conversation_id, direction, sender, body, status, metadata, created_at)
    values (v_store.id, v_conversation, 'outbound', 'bot',
            left(private.render_template(v_template.body, v_variables), 65536), 'queued',
            jsonb_build_object(
              'notification', case when v_row.event = 'abandoned_checkout'
                                   then jsonb_build_object('abandoned_checkout', v_order.id, 'step', v_row.step)
                                   else jsonb_build_object('event', v_row.event, 'order_id', v_order.id) end,
              'order_notification_id', v_row.id,
              'template', jsonb_build_object('content_sid', v_template.content_sid, 'variables', v_variables)),
            clock_timestamp())
    returning * into v_message;
    update public.order_notifications set message_id = v_message.id, checked_at = now() where id = p_id;
  else
    select * into v_message from public.messages m where m.id = v_row.message_id;
  end if;
  return jsonb_build_object(
    'decision', 'send',
    'resumed', v_row.message_id is not null,
    'checked_at', coalesce(v_row.checked_at, now()),
    'message_id', v_message.id,
    'body', v_message.body,
    'content_sid', v_message.metadata #>> '{template,content_sid}',
    'variables', v_message.metadata #> '{template,variables}',
    'provider', v_store.whatsapp_provider,
    'from_phone', v_store.whatsapp_number,
    'to_phone', v_customer.phone,
    'account_sid', (select k.twilio_account_sid from public.store_credentials k where k.store_id = v_store.id),
    'auth_token', (select k.twilio_auth_token from public.store_credentials k where k.store_id = v_store.id)
  );
end;
$$;

create function public.order_notification_send_checks(p_recipient_ids uuid[]) returns setof jsonb
language sql
set search_path = ''
as $$
  select public.order_notification_send_check(id) || jsonb_build_object('recipient_id', id)
  from unnest(p_recipient_ids) with ordinality as x(id, n)
  order by n
$$;

-- The provider's answers: [{"recipient_id", "status", "provider_message_id", "error"}]; status null
-- (provider unreachable) puts the notification back to be tried again.
create function public.record_order_notification_sends(p_results jsonb) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_result jsonb;
  v_row public.order_notifications;
begin
  for v_result in select * from jsonb_array_elements(p_results) loop
    select * into v_row from public.order_notifications n
    where n.id = (v_result ->> 'recipient_id')::uuid for update;
    continue when not found or v_row.status <> 'sending';
    if v_result ->> 'status' is null then
      update public.order_notifications
      set status = 'scheduled', lease_until = null, slot_at = null, error = v_result ->> 'error'
      where id = v_row.id;
    else
      update public.messages
      set status = (v_result ->> 'status')::public.message_status,
          provider_message_id = coalesce(v_result ->> 'provider_message_id', provider_message_id),
          metadata = metadata || jsonb_strip_nulls(jsonb_build_object('error', v_result ->> 'error'))
      where id = v_row.message_id;
    end if;
  end loop;
end;
$$;

-- A notification's message status (the send's answer, then the provider's callbacks): sent once the
-- provider took it, failed when it (or a later callback, e.g. Meta's 131047) says so, with the error the
-- message carries (Meta's code and title arrive in a second update of the message: record_channel_status).
create function private.follow_order_notification_message() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  update public.order_notifications n
  set status = case when new.status = 'failed' then 'failed' else 'sent' end::public.order_notification_status,
      sent_at = case when new.status <> 'failed' then coalesce(n.sent_at, now()) else n.sent_at end,
      provider_message_id = coalesce(new.provider_message_id, n.provider_message_id),
      error = case when new.status = 'failed'
                   then coalesce(new.metadata ->> 'error', 'Twilio error ' || (new.metadata ->> 'twilio_error_code'), n.error)
                   else n.error end,
      lease_until = null
  where n.id = (new.metadata ->> 'order_notification_id')::uuid
    and new.status in ('queued', 'sent', 'delivered', 'read', 'sandbox', 'failed')
    and (n.status = 'sending' or (new.status = 'failed' and n.status in ('sent', 'failed')));
  return null;
end;
$$;
create trigger follow_order_notification_message after update of status, metadata on public.messages
  for each row when (new.metadata ? 'order_notification_id')
  execute function private.follow_order_notification_message();

-- A customer who writes within 7 days of an order update or checkout reminder is probably writing about
-- that order: the conversation pins it (the inbox's context panel shows it first).
alter table public.conversations add column pinned_order_id uuid references public.orders (id) on delete set null;
comment on column public.conversations.pinned_order_id is
  'The order the customer is probably writing about: the one of the order update or checkout reminder they got in the 7 days before their message.';

create function private.pin_notified_order() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_order uuid;
begin
  select n.order_id into v_order
  from public.conversations c
  join public.orders o on o.customer_id = c.customer_id
  join public.order_notifications n on n.order_id = o.id
  where c.id = new.conversation_id and n.sent_at <= new.created_at and n.sent_at > new.created_at - interval '7 days'
  order by n.sent_at desc
  limit 1;
  if v_order is not null then
    update public.conversations set pinned_order_id = v_order
    where id = new.conversation_id and pinned_order_id is distinct from v_order;
  end if;
  return null;
end;
$$;
create trigger pin_notified_order after insert on public.messages
  for each row when (new.direction = 'inbound')
  execute function private.pin_notified_order();

-- Order updates and recovery messages are not conversation: like broadcasts, they are no "bot reply"
-- in the KPIs (migration 12).
create or replace function private.kpi_is_reply(p_sender public.message_sender, p_metadata jsonb) returns boolean
language sql immutable
return p_sender in ('bot', 'agent') and not coalesce(p_metadata ?| array['broadcast_id', 'notification'], false);

-- Recovered revenue, beside the conversion KPI: the checkouts that got a WhatsApp reminder in the period
-- (by their first reminder's send time) and, of them, the ones paid within 72 hours of that reminder
-- (WooCommerce's date_paid; processing or completed now), with their total. Under RLS, as the KPIs.
create function public.recovered_revenue(p_store_id uuid, p_from timestamptz, p_to timestamptz)
returns table (value numeric, orders bigint, reminded bigint, currency text)
language plpgsql stable
set search_path = ''
as $$
begin
  perform private.kpi_check_period(p_store_id, p_from, p_to);
  return query
  with reminded as (
    select n.order_id, min(n.sent_at) as first_sent
    from public.order_notifications n
    where n.store_id = p_store_id and n.event = 'abandoned_checkout' and n.sent_at is not null
    group by n.order_id
    having min(n.sent_at) >= p_from and min(n.sent_at) < p_to
  ), judged as (
    select o.total, o.currency,
           private.kpi_is_paid(o.status) and o.date_paid >= r.first_sent
             and o.date_paid < r.first_sent + interval '72 hours' as recovered
    from reminded r join public.orders o on o.id = r.order_id
  )
  select coalesce(sum(j.total) filter (where j.recovered), 0), count(*) filter (where j.recovered), count(*),
         max(j.currency)
  from judged j;
end;
$$;
comment on function public.recovered_revenue is
  'Checkouts reminded on WhatsApp in the period (first reminder) and the total of those paid within 72 hours of it.';
revoke execute on function public.recovered_revenue from public, anon;
grant execute on function public.recovered_revenue to authenticated, service_role;

revoke execute on function private.after_quiet_hours, private.schedule_order_notifications, private.order_fields,
  private.pin_notified_order, private.next_send_slot, private.proactive_conversation,
  private.template_in_customer_language,
  private.order_notification_skip_reason, private.follow_order_notification_message, public.claim_order_notifications,
  public.order_notification_send_check, public.order_notification_send_checks, public.record_order_notification_sends
  from public, anon, authenticated;
grant execute on function private.after_quiet_hours, private.order_fields, private.order_notification_skip_reason,
  private.next_send_slot, private.proactive_conversation, private.template_in_customer_language,
  public.claim_order_notifications, public.order_notification_send_check, public.order_notification_send_checks,
  public.record_order_notification_sends to service_role;
