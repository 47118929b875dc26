-- Order updates and abandoned-checkout recovery: what a store sends (stores.notification_settings).
--
-- One document per store, the shape GET/PUT /api/stores/{id}/notifications speaks:
--   {"events": {"processing" | "on-hold" | "shipped" | "completed" | "cancelled" | "refunded":
--                 {"enabled", "template_id", "variables", "enabled_at"}},
--    "quiet_hours": {"start": "21:00", "end": "08:00"} | null,
--    "abandoned_checkout": {"enabled", "after_minutes", "second_after_hours" | null, "template_id", "variables",
--                           "enabled_at"}}
-- (enabled_at: when it was turned on, set here; see private.stamp_notification_kind.)
-- Every event is off until the owner turns it on. A template's placeholders ({{1}}, {{2}} …) get their
-- text from `variables`, with the order's fields in {{first_name}}, {{name}}, {{order_number}}, {{total}},
-- {{items}}, {{tracking_number}}, {{tracking_url}}, {{pay_url}}, {{store_name}} ({{field|default}} as in
-- broadcasts). Validated here, so a write from Studio is held to the same rules as one from the API.

create function private.default_notification_settings() returns jsonb
language sql immutable
set search_path = ''
as $$
  select jsonb_build_object(
    'events', (select jsonb_object_agg(e, jsonb_build_object('enabled', false, 'template_id', null, 'variables', '{}'::jsonb,
                                                             'enabled_at', null))
               from unnest(array['processing', 'on-hold', 'shipped', 'completed', 'cancelled', 'refunded']) e),
    'quiet_hours', null,
    'abandoned_checkout', jsonb_build_object('enabled', false, 'after_minutes', 60, 'second_after_hours', null,
                                             'template_id', null, 'variables', '{}'::jsonb, 'enabled_at', null))
$$;

create function private.notification_fields() returns text[]
language sql immutable
set search_path = ''
as $$
  select array['first_name', 'name', 'order_number', 'total', 'items', 'tracking_number', 'tracking_url',
               'pay_url', 'store_name']
$$;

-- One message kind ({"enabled", "template_id", "variables"}) at p_path, checked and in its stored form.
-- An enabled kind needs an approved template of the store's provider and a text for each placeholder.
create function private.check_notification_kind(p_store_id uuid, p_path text, p_kind jsonb) returns jsonb
language plpgsql stable
set search_path = ''
as $$
declare
  v_template public.whatsapp_templates;
  v_template_id uuid;
  v_variables jsonb := coalesce(p_kind -> 'variables', '{}');
  v_enabled jsonb := p_kind -> 'enabled';
  v_key text;
  v_value jsonb;
  v_field text;
begin
  if jsonb_typeof(p_kind) is distinct from 'object' then
    raise exception '%: expected an object {"enabled", "template_id", "variables"}', p_path
      using errcode = 'invalid_parameter_value';
  end if;
  if jsonb_typeof(v_enabled) is distinct from 'boolean' then
    raise exception '%.enabled: true or false', p_path using errcode = 'invalid_parameter_value';
  end if;
  if jsonb_typeof(p_kind -> 'template_id') = 'string' then
    begin
      v_template_id := (p_kind ->> 'template_id')::uuid;
    exception when invalid_text_representation then
      raise exception '%.template_id: not a template id', p_path using errcode = 'invalid_parameter_value';
    end;
  elsif jsonb_typeof(p_kind -> 'template_id') is distinct from 'null' and p_kind ? 'template_id' then
    raise exception '%.template_id: a template id or null', p_path using errcode = 'invalid_parameter_value';
  end if;
  if jsonb_typeof(v_variables) <> 'object' then
    raise exception '%.variables: expected an object {"1": "...", ...}', p_path using errcode = 'invalid_parameter_value';
  end if;
  if v_template_id is not null then
    select * into v_template from public.whatsapp_templates t where t.id = v_template_id and t.store_id = p_store_id;
    if not found then
      raise exception '%.template_id: this store has no template %', p_path, v_template_id
        using errcode = 'invalid_parameter_value';
    end if;
  end if;
  if v_enabled = 'true' then
    if v_template.id is null then
      raise exception '%.template_id: an enabled message needs a template', p_path using errcode = 'invalid_parameter_value';
    end if;
    if v_template.status <> 'approved' then
      raise exception '%.template_id: the template % is %, only approved templates may be sent', p_path,
        v_template.name, v_template.status using errcode = 'invalid_parameter_value';
    end if;
    if v_template.provider <> (select s.whatsapp_provider from public.stores s where s.id = p_store_id) then
      raise exception '%.template_id: the template % is a % template and the store sends through the other provider',
        p_path, v_template.name, v_template.provider using errcode = 'invalid_parameter_value';
    end if;
  end if;
  for v_key, v_value in select * from jsonb_each(v_variables) loop
    if v_template.id is not null and not v_key = any(private.template_placeholders(v_template.body)) then
      raise exception '%.variables.%: the template has no placeholder {{%}}', p_path, v_key, v_key
        using errcode = 'invalid_parameter_value';
    end if;
    if jsonb_typeof(v_value) <> 'string' or length(btrim(v_value #>> '{}')) not between 1 and 500 then
      raise exception '%.variables.%: a text of 1 to 500 characters', p_path, v_key using errcode = 'invalid_parameter_value';
    end if;
    for v_field in select m[1] from regexp_matches(v_value #>> '{}', '\{\{\s*([^}|]*?)\s*(\|[^}]*)?\}\}', 'g') m loop
      if not v_field = any(private.notification_fields()) then
        raise exception '%.variables.%: unknown order field {{%}} (known: %)', p_path, v_key, v_field,
          array_to_string(private.notification_fields(), ', ') using errcode = 'invalid_parameter_value';
      end if;
    end loop;
  end loop;
  if v_enabled = 'true' then
    select k into v_key from unnest(private.template_placeholders(v_template.body)) k where not v_variables ? k limit 1;
    if v_key is not null then
      raise exception '%.variables.%: the template''s placeholder {{%}} needs a value', p_path, v_key, v_key
        using errcode = 'invalid_parameter_value';
    end if;
  end if;
  return jsonb_build_object('enabled', v_enabled, 'template_id', v_template_id, 'variables', v_variables);
end;
$$;

-- When a kind was turned on (enabled_at): changes WooCommerce made before it send nothing, so turning an
-- event on (or a resync) never messages customers about the past. Kept while the kind stays on; a given
-- enabled_at in the past is taken (to send updates of changes since then); off has none.
create function private.stamp_notification_kind(p_path text, p_kind jsonb, p_given jsonb, p_current jsonb)
returns jsonb
language plpgsql stable
set search_path = ''
as $$
declare
  v_at timestamptz;
begin
  if not (p_kind ->> 'enabled')::boolean then
    return p_kind || jsonb_build_object('enabled_at', null);
  end if;
  if jsonb_typeof(p_given -> 'enabled_at') = 'string' then
    begin
      v_at := (p_given ->> 'enabled_at')::timestamptz;
    exception when others then
      raise exception '%.enabled_at: a date and time', p_path using errcode = 'invalid_parameter_value';
    end;
    if v_at > now() then
      raise exception '%.enabled_at: not in the future', p_path using errcode = 'invalid_parameter_value';
    end if;
  elsif coalesce((p_current ->> 'enabled')::boolean, false) then
    v_at := (p_current ->> 'enabled_at')::timestamptz;
  end if;
  return p_kind || jsonb_build_object('enabled_at', coalesce(v_at, now()));
end;
$$;

-- "HH:MM" (00:00 to 23:59) as a time, or an error naming p_path.
create function private.check_clock_time(p_path text, p_value jsonb) returns time
language plpgsql immutable
set search_path = ''
as $$
begin
  if jsonb_typeof(p_value) is distinct from 'string' or (p_value #>> '{}') !~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' then
    raise exception '%: a time of day as "HH:MM" (00:00 to 23:59)', p_path using errcode = 'invalid_parameter_value';
  end if;
  return (p_value #>> '{}')::time;
end;
$$;

-- The whole document checked, in its stored form (every event present; an absent part keeps p_current's).
create function private.check_notification_settings(p_store_id uuid, p_settings jsonb, p_current jsonb)
returns jsonb
language plpgsql stable
set search_path = ''
as $$
declare
  v_result jsonb := p_current;
  v_event text;
  v_abandoned jsonb;
  v_key text;
begin
  if jsonb_typeof(p_settings) is distinct from 'object' then
    raise exception 'expected an object {"events", "quiet_hours", "abandoned_checkout"}' using errcode = 'invalid_parameter_value';
  end if;
  select k into v_key from jsonb_object_keys(p_settings) k
  where k not in ('events', 'quiet_hours', 'abandoned_checkout') limit 1;
  if v_key is not null then
    raise exception '%: unknown setting (known: events, quiet_hours, abandoned_checkout)', v_key
      using errcode = 'invalid_parameter_value';
  end if;
  if p_settings ? 'events' then
    if jsonb_typeof(p_settings -> 'events') <> 'object' then
      raise exception 'events: expected an object of events' using errcode = 'invalid_parameter_value';
    end if;
    for v_event in select jsonb_object_keys(p_settings -> 'events') loop
      if not v_result -> 'events' ? v_event then
        raise exception 'events.%: unknown event (known: processing, on-hold, shipped, completed, cancelled, refunded)',
          v_event using errcode = 'invalid_parameter_value';
      end if;
      v_result := jsonb_set(v_result, array['events', v_event], private.stamp_notification_kind('events.' || v_event,
        private.check_notification_kind(p_store_id, 'events.' || v_event, (p_settings -> 'events' -> v_event) - 'enabled_at'),
        p_settings -> 'events' -> v_event, p_current -> 'events' -> v_event));
    end loop;
  end if;
  if p_settings ? 'quiet_hours' then
    if jsonb_typeof(p_settings -> 'quiet_hours') = 'null' then
      v_result := jsonb_set(v_result, '{quiet_hours}', 'null');
    elsif jsonb_typeof(p_settings -> 'quiet_hours') <> 'object' then
      raise exception 'quiet_hours: {"start": "21:00", "end": "08:00"} or null' using errcode = 'invalid_parameter_value';
    else
      if private.check_clock_time('quiet_hours.start', p_settings #> '{quiet_hours,start}')
         = private.check_clock_time('quiet_hours.end', p_settings #> '{quiet_hours,end}') then
        raise exception 'quiet_hours: start and end are the same time' using errcode = 'invalid_parameter_value';
      end if;
      v_result := jsonb_set(v_result, '{quiet_hours}', jsonb_build_object(
        'start', p_settings #> '{quiet_hours,start}', 'end', p_settings #> '{quiet_hours,end}'));
    end if;
  end if;
  if p_settings ? 'abandoned_checkout' then
    v_abandoned := p_settings -> 'abandoned_checkout';
    if jsonb_typeof(v_abandoned) is distinct from 'object' then
      raise exception 'abandoned_checkout: expected an object' using errcode = 'invalid_parameter_value';
    end if;
    if jsonb_typeof(v_abandoned -> 'after_minutes') is distinct from 'number'
       or (v_abandoned ->> 'after_minutes')::numeric not between 15 and 10080
       or (v_abandoned ->> 'after_minutes')::numeric <> trunc((v_abandoned ->> 'after_minutes')::numeric) then
      raise exception 'abandoned_checkout.after_minutes: whole minutes from 15 to 10080 (a week)'
        using errcode = 'invalid_parameter_value';
    end if;
    if coalesce(jsonb_typeof(v_abandoned -> 'second_after_hours'), 'null') <> 'null'
       and (jsonb_typeof(v_abandoned -> 'second_after_hours') <> 'number'
            or (v_abandoned ->> 'second_after_hours')::numeric not between 1 and 168
            or (v_abandoned ->> 'second_after_hours')::numeric <> trunc((v_abandoned ->> 'second_after_hours')::numeric)) then
      raise exception 'abandoned_checkout.second_after_hours: whole hours from 1 to 168, or null for no second message'
        using errcode = 'invalid_parameter_value';
    end if;
    v_result := jsonb_set(v_result, '{abandoned_checkout}', private.stamp_notification_kind('abandoned_checkout',
      private.check_notification_kind(p_store_id, 'abandoned_checkout',
                                      v_abandoned - 'after_minutes' - 'second_after_hours' - 'enabled_at'),
      v_abandoned, p_current -> 'abandoned_checkout')
      || jsonb_build_object('after_minutes', (v_abandoned ->> 'after_minutes')::integer,
                            'second_after_hours', (v_abandoned ->> 'second_after_hours')::integer));
  end if;
  return v_result;
end;
$$;

alter table public.stores add column notification_settings jsonb not null default private.default_notification_settings();
comment on column public.stores.notification_settings is
  'Order updates and abandoned-checkout recovery (private.check_notification_settings; public.set_notification_settings).';

-- Settings written by hand (Studio) are held to the same rules.
create function private.check_stored_notification_settings() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.notification_settings := private.check_notification_settings(
    new.id, new.notification_settings, old.notification_settings);
  return new;
end;
$$;
create trigger check_notification_settings before update of notification_settings on public.stores
  for each row when (new.notification_settings is distinct from old.notification_settings)
  execute function private.check_stored_notification_settings();

-- Change the settings (the parts given; the rest is kept); returns the whole document.
create function public.set_notification_settings(p_store_id uuid, p_settings jsonb) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_current jsonb;
  v_result jsonb;
begin
  select s.notification_settings into v_current from public.stores s where s.id = p_store_id for update;
  if not found then
    raise exception 'no store %', p_store_id using errcode = 'no_data_found';
  end if;
  v_result := private.check_notification_settings(p_store_id, p_settings, v_current);
  update public.stores set notification_settings = v_result where id = p_store_id;
  return v_result;
end;
$$;
comment on function public.set_notification_settings is
  'Change a store''s order updates and abandoned-checkout settings (the parts given); returns them all. 22023 with the path of what is wrong.';

revoke execute on function private.default_notification_settings, private.notification_fields,
  private.check_notification_kind, private.stamp_notification_kind, private.check_clock_time,
  private.check_notification_settings, private.check_stored_notification_settings, public.set_notification_settings
  from public, anon, authenticated;
-- The column's default: whoever may insert a store evaluates it (a constant; nothing to hide).
grant execute on function private.default_notification_settings to anon, authenticated;
grant execute on function private.default_notification_settings, private.notification_fields,
  private.check_notification_kind, private.stamp_notification_kind, private.check_clock_time,
  private.check_notification_settings, public.set_notification_settings to service_role;
