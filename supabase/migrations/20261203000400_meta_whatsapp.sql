-- Meta's WhatsApp Cloud API as a store's sender, beside Twilio. A store chooses its provider
-- (stores.whatsapp_provider); a Meta store names its phone number id (the key Meta's webhooks are routed
-- by, one URL for all stores) and WhatsApp Business Account id, and keeps its access token and app
-- secret in store_credentials, encrypted by the functions (Fernet, CREDENTIALS_ENCRYPTION_KEY) like the
-- WooCommerce keys. Inbound messages go through ingest_whatsapp_message like Twilio's (keyed on Meta's
-- message id); statuses through record_message_status, with Meta's error code and title kept on the
-- message; templates synced from the WABA land in whatsapp_templates with provider 'meta'.

-- Tables ------------------------------------------------------------------------------------------
alter table public.stores
  add column whatsapp_provider text not null default 'twilio' check (whatsapp_provider in ('twilio', 'meta')),
  add column meta_phone_number_id text unique check (meta_phone_number_id ~ '^[0-9]{1,30}$'),
  add column meta_waba_id text check (meta_waba_id ~ '^[0-9]{1,30}$'),
  add constraint stores_meta_sender_complete check (
    whatsapp_provider <> 'meta'
    or (meta_phone_number_id is not null and meta_waba_id is not null and whatsapp_number is not null)
  );
comment on column public.stores.whatsapp_provider is
  'Who sends and receives the store''s WhatsApp messages: twilio (or its sandbox) or meta (WhatsApp Cloud API).';
comment on column public.stores.meta_phone_number_id is
  'WhatsApp Cloud API phone number id: routes Meta''s webhooks to the store and names the sender in the Graph API.';
comment on column public.stores.meta_waba_id is 'WhatsApp Business Account id whose message templates the store uses.';

alter table public.store_credentials
  add column meta_access_token_encrypted text check (length(meta_access_token_encrypted) between 1 and 4000),
  add column meta_app_secret_encrypted text check (length(meta_app_secret_encrypted) between 1 and 1000);
comment on column public.store_credentials.meta_access_token_encrypted is
  'Graph API access token (system user) of the store''s Meta app, encrypted with CREDENTIALS_ENCRYPTION_KEY.';
comment on column public.store_credentials.meta_app_secret_encrypted is
  'The Meta app''s secret, encrypted: verifies X-Hub-Signature-256 on the store''s webhooks.';

-- A Meta template's id takes the place of Twilio's ContentSid, so the composer, the messages API and the
-- senders name a template the same way whichever provider the store has.
alter table public.whatsapp_templates
  add column provider text not null default 'twilio' check (provider in ('twilio', 'meta')),
  add column components jsonb check (components is null or jsonb_typeof(components) = 'array'),
  drop constraint whatsapp_templates_content_sid_check,
  add constraint whatsapp_templates_content_sid_check check (
    case provider when 'twilio' then content_sid ~ '^HX[0-9a-fA-F]{32}$' else content_sid ~ '^[0-9]{1,30}$' end
  ),
  drop constraint whatsapp_templates_status_check,
  add constraint whatsapp_templates_status_check check (status in (
    'approved', 'pending', 'rejected', 'paused', 'disabled', 'unsubmitted', 'in_appeal', 'pending_deletion',
    'limit_exceeded'
  )),
  drop constraint whatsapp_templates_language_check,
  add constraint whatsapp_templates_language_check check (language ~ '^[a-z]{2,3}(_[A-Z0-9]{2,3})?$');
comment on column public.whatsapp_templates.content_sid is
  'How the provider names the template: Twilio''s ContentSid (HX...) or Meta''s template id (digits).';
comment on column public.whatsapp_templates.components is
  'Meta templates: the components as Meta returns them (HEADER, BODY, FOOTER, BUTTONS); null for Twilio''s.';

-- Functions ---------------------------------------------------------------------------------------
-- Owner/admin action through the functions API (which encrypts the secrets): choose the store's sender.
-- Meta needs all four credentials the first time; afterwards a null secret keeps the stored one.
create function public.configure_whatsapp_sender(
  p_store_id uuid,
  p_provider text,
  p_phone_number_id text default null,
  p_waba_id text default null,
  p_access_token_encrypted text default null,
  p_app_secret_encrypted text default null
) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_credentials public.store_credentials;
begin
  if p_provider = 'meta' then
    insert into public.store_credentials (store_id) values (p_store_id) on conflict (store_id) do nothing;
    update public.store_credentials k
    set meta_access_token_encrypted = coalesce(p_access_token_encrypted, k.meta_access_token_encrypted),
        meta_app_secret_encrypted = coalesce(p_app_secret_encrypted, k.meta_app_secret_encrypted)
    where k.store_id = p_store_id
    returning * into v_credentials;
    if v_credentials.meta_access_token_encrypted is null or v_credentials.meta_app_secret_encrypted is null then
      raise exception 'a Meta sender needs its access token and app secret' using errcode = 'check_violation';
    end if;
    update public.stores s
    set whatsapp_provider = 'meta', meta_phone_number_id = p_phone_number_id, meta_waba_id = p_waba_id
    where s.id = p_store_id;
  else
    update public.stores s set whatsapp_provider = p_provider where s.id = p_store_id;
  end if;
  if not found then
    raise exception 'no store %', p_store_id using errcode = 'no_data_found';
  end if;
end;
$$;
comment on function public.configure_whatsapp_sender is
  'Functions API: choose the store''s WhatsApp provider (twilio | meta with its ids and encrypted secrets).';

-- Meta status webhook: the status moves forward as Twilio's do (record_message_status); a failure keeps
-- Meta's error code and title on the message, in `error` as the inbox shows send failures.
create function public.record_channel_status(
  p_store_id uuid,
  p_provider_message_id text,
  p_status text,
  p_error_code text default null,
  p_error_title text default null
) returns public.message_status
language plpgsql
set search_path = ''
as $$
declare
  v_status public.message_status;
begin
  v_status := public.record_message_status(p_store_id, p_provider_message_id, p_status, p_error_code);
  if v_status = 'failed' and p_status = 'failed' and p_error_code is not null then
    update public.messages m
    set metadata = (m.metadata - 'twilio_error_code') || jsonb_build_object(
          'error', format('WhatsApp error %s: %s', p_error_code, coalesce(p_error_title, 'unknown error')),
          'provider_error_code', p_error_code,
          'provider_error_title', left(p_error_title, 500))
    where m.store_id = p_store_id and m.provider_message_id = p_provider_message_id
      and m.direction = 'outbound' and not (m.metadata ? 'provider_error_code');
  end if;
  return v_status;
end;
$$;
comment on function public.record_channel_status is
  'Meta status webhook: record_message_status, plus the provider''s error code and title on a failed message.';

-- Meta webhook: what an inbound message was besides its text (type, the button or row tapped, location,
-- contacts, reaction, an unsupported type and Meta's error), merged into the stored message's metadata.
create function public.record_inbound_details(p_store_id uuid, p_provider_message_id text, p_details jsonb)
returns void
language sql
set search_path = ''
as $$
  update public.messages m
  set metadata = m.metadata || jsonb_build_object('whatsapp', p_details)
  where m.store_id = p_store_id and m.provider_message_id = p_provider_message_id and m.direction = 'inbound'
    and jsonb_typeof(p_details) = 'object'
$$;

-- Template sync: the WABA's templates (every page read) replace the store's Meta templates; a template
-- deleted at Meta is deleted here. A Twilio template with the same name and language is left alone.
create function public.sync_meta_templates(p_store_id uuid, p_templates jsonb) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_count integer;
begin
  if jsonb_typeof(p_templates) <> 'array' then
    raise exception 'templates must be a JSON array' using errcode = 'invalid_parameter_value';
  end if;
  insert into public.whatsapp_templates as t (store_id, provider, content_sid, name, language, status,
                                               category, body, components)
  select p_store_id, 'meta', e ->> 'id', e ->> 'name', e ->> 'language', lower(e ->> 'status'),
         lower(e ->> 'category'), e ->> 'body', e -> 'components'
  from jsonb_array_elements(p_templates) e
  on conflict (store_id, name, language) do update
    set content_sid = excluded.content_sid, status = excluded.status, category = excluded.category,
        body = excluded.body, components = excluded.components
    where t.provider = 'meta';
  get diagnostics v_count = row_count;
  delete from public.whatsapp_templates t
  where t.store_id = p_store_id and t.provider = 'meta'
    and t.content_sid not in (select e ->> 'id' from jsonb_array_elements(p_templates) e);
  return v_count;
end;
$$;
comment on function public.sync_meta_templates is
  'Template sync: upsert the WABA''s templates (id, name, language, status, category, body, components) and drop the vanished.';

revoke execute on function public.configure_whatsapp_sender, public.record_channel_status,
  public.record_inbound_details, public.sync_meta_templates from public, anon, authenticated;
grant execute on function public.configure_whatsapp_sender, public.record_channel_status,
  public.record_inbound_details, public.sync_meta_templates to service_role;
