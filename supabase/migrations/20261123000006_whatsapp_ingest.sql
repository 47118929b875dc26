-- WhatsApp in through Twilio: each store's provider secrets, and the two webhook paths into the database.
-- ingest_whatsapp_message stores an inbound message idempotently on Twilio's MessageSid (upserting the
-- customer and joining or opening their conversation); record_message_status moves an outbound message's
-- status forward as Twilio's status callbacks arrive, in whatever order they come.

-- Tables ------------------------------------------------------------------------------------------
create table public.store_credentials (
  store_id uuid primary key references public.stores (id) on delete cascade,
  twilio_account_sid text check (twilio_account_sid ~ '^AC[0-9a-fA-F]{32}$'),
  twilio_auth_token text check (length(twilio_auth_token) between 1 and 200),
  woocommerce_webhook_secret text check (length(woocommerce_webhook_secret) between 1 and 200),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.store_credentials is
  'A store''s provider secrets. Service role only: no member, not even the owner, reads them through the API.';
comment on column public.store_credentials.twilio_account_sid is
  'Twilio account that sends for the store; null = sandbox (outbound messages are stored, not sent).';
comment on column public.store_credentials.twilio_auth_token is
  'Verifies X-Twilio-Signature on the store''s webhooks and authenticates its sends.';
comment on column public.store_credentials.woocommerce_webhook_secret is
  'Verifies X-WC-Webhook-Signature on the store''s WooCommerce webhooks.';

create trigger set_updated_at before update on public.store_credentials
  for each row execute function private.set_updated_at();

-- Grants ------------------------------------------------------------------------------------------
revoke all on public.store_credentials from anon, authenticated;
grant all on public.store_credentials to service_role;

-- RLS: on, and no policies: only the service role (which bypasses RLS) ever touches the secrets.
alter table public.store_credentials enable row level security;

-- Functions ---------------------------------------------------------------------------------------
-- Store one inbound WhatsApp message. Idempotent on (store, MessageSid): a redelivery returns the first
-- delivery's ids with created = false and changes nothing.
create function public.ingest_whatsapp_message(
  p_to_phone text,
  p_from_phone text,
  p_profile_name text,
  p_message_sid text,
  p_body text,
  p_media jsonb,
  p_received_at timestamptz default now()
) returns table (store_id uuid, customer_id uuid, conversation_id uuid, message_id uuid, created boolean)
language plpgsql
set search_path = ''
as $$
declare
  v_store uuid;
  v_customer uuid;
  v_conversation uuid;
  v_message uuid;
begin
  if coalesce(p_message_sid, '') = '' then
    raise exception 'an inbound message needs its MessageSid' using errcode = 'not_null_violation';
  end if;
  select s.id into v_store from public.stores s where s.whatsapp_number = p_to_phone;
  if v_store is null then
    raise exception 'no store has the WhatsApp number %', p_to_phone using errcode = 'no_data_found';
  end if;

  -- A redelivery changes nothing: not the customer's name, not a conversation resolved since.
  return query select * from private.ingested_message(v_store, p_message_sid);
  if found then
    return;
  end if;

  v_customer := private.upsert_whatsapp_customer(v_store, p_from_phone, p_profile_name, p_received_at);
  v_conversation := private.open_conversation(v_store, v_customer, p_received_at);

  insert into public.messages as m (store_id, conversation_id, direction, sender, body, media,
                                    provider_message_id, status, created_at)
  values (v_store, v_conversation, 'inbound', 'customer', coalesce(p_body, ''), coalesce(p_media, '[]'::jsonb),
          p_message_sid, 'received', p_received_at)
  on conflict on constraint messages_store_id_provider_message_id_key do nothing
  returning m.id into v_message;
  if v_message is null then  -- the same MessageSid committed by a concurrent delivery
    return query select * from private.ingested_message(v_store, p_message_sid);
    return;
  end if;
  return query select v_store, v_customer, v_conversation, v_message, true;
end;
$$;
comment on function public.ingest_whatsapp_message is
  'Twilio webhook: store an inbound WhatsApp message once per MessageSid; created = false for a redelivery.';

create function private.ingested_message(p_store_id uuid, p_message_sid text)
returns table (store_id uuid, customer_id uuid, conversation_id uuid, message_id uuid, created boolean)
language sql stable
set search_path = ''
as $$
  select m.store_id, c.customer_id, m.conversation_id, m.id, false
  from public.messages m
  join public.conversations c on c.id = m.conversation_id
  where m.store_id = p_store_id and m.provider_message_id = p_message_sid
$$;

-- The customer writing from this phone; the WhatsApp profile name fills in a name only where none is
-- known (a name from WooCommerce or corrected by an agent wins).
create function private.upsert_whatsapp_customer(
  p_store_id uuid, p_phone text, p_profile_name text, p_seen_at timestamptz
) returns uuid
language sql
set search_path = ''
as $$
  insert into public.customers as c (store_id, phone, name, first_seen_at)
  values (p_store_id, p_phone, nullif(left(btrim(p_profile_name), 200), ''), p_seen_at)
  on conflict (store_id, phone) do update
    set name = coalesce(c.name, excluded.name),
        first_seen_at = least(c.first_seen_at, excluded.first_seen_at)
  returning c.id
$$;

-- The customer's open conversation, or a new one. The row lock keeps a concurrent resolve from closing it
-- under the message being added; the partial unique index settles two deliveries opening one at once.
create function private.open_conversation(p_store_id uuid, p_customer_id uuid, p_opened_at timestamptz)
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_conversation uuid;
begin
  loop
    select c.id into v_conversation
    from public.conversations c
    where c.customer_id = p_customer_id and c.status <> 'resolved'
    for update;
    exit when found;
    insert into public.conversations (store_id, customer_id, created_at)
    values (p_store_id, p_customer_id, p_opened_at)
    on conflict (customer_id) where status <> 'resolved' do nothing
    returning id into v_conversation;
    exit when v_conversation is not null;
  end loop;
  return v_conversation;
end;
$$;

-- Twilio's message statuses in the order a message goes through them. Status callbacks can arrive out of
-- order; the status only ever moves forward. failed (and Twilio's undelivered and canceled) is terminal.
create function private.outbound_status_rank(p_status text) returns integer
language sql immutable
set search_path = ''
as $$
  select case p_status
    when 'queued' then 1 when 'accepted' then 1 when 'scheduled' then 1 when 'sending' then 1
    when 'sent' then 2
    when 'delivered' then 3 when 'partially_delivered' then 3
    when 'read' then 4
  end
$$;

create function private.as_message_status(p_twilio_status text) returns public.message_status
language sql immutable
set search_path = ''
as $$
  select case
    when p_twilio_status in ('failed', 'undelivered', 'canceled') then 'failed'
    when private.outbound_status_rank(p_twilio_status) = 1 then 'queued'
    when private.outbound_status_rank(p_twilio_status) = 2 then 'sent'
    when private.outbound_status_rank(p_twilio_status) = 3 then 'delivered'
    when private.outbound_status_rank(p_twilio_status) = 4 then 'read'
  end::public.message_status
$$;

-- Twilio status callback: record an outbound message's new status (p_status is Twilio's MessageStatus)
-- unless it would move it backwards. Returns the message's status afterwards; null when the store has no
-- outbound message with this MessageSid. Statuses Twilio may add later change nothing.
create function public.record_message_status(
  p_store_id uuid, p_message_sid text, p_status text, p_error_code text default null
) returns public.message_status
language plpgsql
set search_path = ''
as $$
declare
  v_message public.messages;
  v_new public.message_status := private.as_message_status(p_status);
begin
  select * into v_message
  from public.messages m
  where m.store_id = p_store_id and m.provider_message_id = p_message_sid and m.direction = 'outbound'
  for update;
  if not found then
    return null;
  end if;
  if v_new is null or not private.moves_forward(v_message.status, v_new) then
    return v_message.status;
  end if;
  update public.messages m
  set status = v_new,
      metadata = m.metadata || jsonb_strip_nulls(jsonb_build_object('twilio_error_code', nullif(p_error_code, '')))
  where m.id = v_message.id;
  return v_new;
end;
$$;
comment on function public.record_message_status is
  'Twilio status callback: move an outbound message''s status forward (queued < sent < delivered < read; failed is terminal).';

create function private.moves_forward(p_from public.message_status, p_to public.message_status) returns boolean
language sql immutable
set search_path = ''
as $$
  select case
    when p_from not in ('queued', 'sent', 'delivered', 'read') then false  -- failed, sandbox, received
    when p_to = 'failed' then p_from in ('queued', 'sent')
    else private.outbound_status_rank(p_to::text) > private.outbound_status_rank(p_from::text)
  end
$$;

revoke execute on function public.ingest_whatsapp_message, public.record_message_status from public, anon, authenticated;
grant execute on function public.ingest_whatsapp_message, public.record_message_status to service_role;
revoke execute on function private.ingested_message, private.upsert_whatsapp_customer, private.open_conversation,
  private.outbound_status_rank, private.as_message_status, private.moves_forward from public;
grant execute on function private.ingested_message, private.upsert_whatsapp_customer, private.open_conversation,
  private.outbound_status_rank, private.as_message_status, private.moves_forward to service_role;
