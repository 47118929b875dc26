-- Store settings (owners) and WhatsApp templates synced from Twilio's Content API.
--
-- 1. whatsapp_templates learns where a template came from (typed in, or synced from Twilio), WhatsApp's
--    whole approval vocabulary (Twilio: approved, pending/received, rejected, paused, disabled, or not
--    submitted), its category and rejection reason. Only approved ones are ever sent (as before).
-- 2. sync_whatsapp_templates: the account's templates as Twilio listed them replace the store's synced set,
--    in one statement per step, idempotently (a second sync of the same list changes nothing).
-- 3. update_store_settings: name, time zone and currency, by an owner, audited.

-- Tables ------------------------------------------------------------------------------------------
alter table public.whatsapp_templates drop constraint whatsapp_templates_status_check;
alter table public.whatsapp_templates
  add constraint whatsapp_templates_status_check
    check (status in ('approved', 'pending', 'rejected', 'paused', 'disabled', 'unsubmitted')),
  add column source text not null default 'manual' check (source in ('manual', 'twilio')),
  add column category text check (length(category) <= 40),
  add column rejection_reason text check (length(rejection_reason) <= 500),
  add column synced_at timestamptz;
comment on column public.whatsapp_templates.status is
  'WhatsApp''s approval as Twilio reports it (pending also for Twilio''s "received"; unsubmitted: never sent '
  'for approval). Only approved templates are offered and sent.';
comment on column public.whatsapp_templates.source is
  'manual: typed in; twilio: synced from the account''s Content API (sync_whatsapp_templates), replaced by the next sync.';

-- Functions ---------------------------------------------------------------------------------------
create function private.listed_templates(p_templates jsonb)
returns table (content_sid text, name text, language text, body text, status text, category text,
               rejection_reason text)
language sql immutable
set search_path = ''
as $$
  select * from pg_catalog.jsonb_to_recordset(p_templates) as x (
    content_sid text, name text, language text, body text, status text, category text, rejection_reason text)
$$;

-- p_templates: [{content_sid, name, language, body, status, category, rejection_reason}], the account's
-- whole list. Synced rows missing from it go (deleted in Twilio); a typed-in row of the same name and
-- language, or the same ContentSid, is replaced by the synced one. Returns what changed.
create function public.sync_whatsapp_templates(p_store_id uuid, p_templates jsonb)
returns table (added integer, updated integer, removed integer, unchanged integer)
language plpgsql
set search_path = ''
as $$
declare
  v_added integer;
  v_updated integer;
  v_removed integer;
  v_total integer := pg_catalog.jsonb_array_length(p_templates);
begin
  perform 1 from public.stores s where s.id = p_store_id for update;
  if not found then
    raise exception 'no store %', p_store_id using errcode = 'no_data_found';
  end if;
  delete from public.whatsapp_templates t
  where t.store_id = p_store_id
    and ((t.source = 'twilio' and t.content_sid not in (select l.content_sid from private.listed_templates(p_templates) l))
      or (t.source = 'manual' and exists (
            select 1 from private.listed_templates(p_templates) l
            where l.content_sid = t.content_sid or (l.name = t.name and l.language = t.language))));
  get diagnostics v_removed = row_count;

  with changed as (
    insert into public.whatsapp_templates as t
      (store_id, content_sid, name, language, body, status, category, rejection_reason, source, synced_at)
    select p_store_id, l.content_sid, l.name, l.language, l.body, l.status, l.category, l.rejection_reason,
           'twilio', now()
    from private.listed_templates(p_templates) l
    on conflict (store_id, content_sid) do update
      set name = excluded.name, language = excluded.language, body = excluded.body, status = excluded.status,
          category = excluded.category, rejection_reason = excluded.rejection_reason, synced_at = excluded.synced_at
      where (t.name, t.language, t.body, t.status, t.category, t.rejection_reason)
            is distinct from (excluded.name, excluded.language, excluded.body, excluded.status, excluded.category,
                              excluded.rejection_reason)
    returning (xmax = 0) as inserted
  )
  select count(*) filter (where inserted), count(*) filter (where not inserted) into v_added, v_updated from changed;
  update public.whatsapp_templates t set synced_at = now()
  where t.store_id = p_store_id and t.source = 'twilio';

  return query select v_added, v_updated, v_removed, v_total - v_added - v_updated;
end;
$$;
comment on function public.sync_whatsapp_templates is
  'Replace the store''s synced WhatsApp templates by the list Twilio''s Content API returned (service role).';

create function public.update_store_settings(p_store_id uuid, p_actor_id uuid, p_changes jsonb)
returns public.stores
language plpgsql
set search_path = ''
as $$
declare
  v_before public.stores;
  v_after public.stores;
begin
  if private.actor_role(p_store_id, p_actor_id) <> 'owner' then
    raise exception 'only owners change the store settings' using errcode = 'insufficient_privilege';
  end if;
  if p_changes ? 'timezone' and not private.is_valid_timezone(p_changes ->> 'timezone') then
    raise exception '% is not a time zone', p_changes ->> 'timezone' using errcode = 'invalid_parameter_value';
  end if;
  select * into v_before from public.stores s where s.id = p_store_id for update;
  update public.stores s
  set name = coalesce(p_changes ->> 'name', s.name),
      timezone = coalesce(p_changes ->> 'timezone', s.timezone),
      currency = coalesce(p_changes ->> 'currency', s.currency)
  where s.id = p_store_id
  returning * into v_after;
  perform private.audit(p_store_id, p_actor_id, 'store.settings_changed', 'stores', p_store_id,
    jsonb_strip_nulls(jsonb_build_object(
      'name', case when v_after.name is distinct from v_before.name then v_before.name end,
      'timezone', case when v_after.timezone is distinct from v_before.timezone then v_before.timezone end,
      'currency', case when v_after.currency is distinct from v_before.currency then v_before.currency end)));
  return v_after;
end;
$$;
comment on function public.update_store_settings is
  'Change the store''s name, time zone or currency (owners; the functions API names the actor); audited with the old values.';

revoke execute on function public.sync_whatsapp_templates, public.update_store_settings, private.listed_templates
  from public, anon, authenticated;
grant execute on function public.sync_whatsapp_templates, public.update_store_settings, private.listed_templates
  to service_role;
