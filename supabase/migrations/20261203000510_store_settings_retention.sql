-- The store settings page also sets how long the store keeps its customers' chats (stores.retention_months,
-- which the retention job reads): owners only, audited with the old value like the other settings.

create or replace function public.update_store_settings(p_store_id uuid, p_actor_id uuid, p_changes jsonb)
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
  if p_changes ? 'retention_months' and (
    jsonb_typeof(p_changes -> 'retention_months') <> 'number'
    or (p_changes ->> 'retention_months')::numeric not between 1 and 120
    or (p_changes ->> 'retention_months')::numeric <> trunc((p_changes ->> 'retention_months')::numeric)
  ) then
    raise exception 'retention_months must be a whole number of months from 1 to 120'
      using errcode = 'invalid_parameter_value';
  end if;
  select * into v_before from public.stores s where s.id = p_store_id for update;
  update public.stores s
  set name = coalesce(p_changes ->> 'name', s.name),
      timezone = coalesce(p_changes ->> 'timezone', s.timezone),
      currency = coalesce(p_changes ->> 'currency', s.currency),
      retention_months = coalesce((p_changes ->> 'retention_months')::integer, s.retention_months)
  where s.id = p_store_id
  returning * into v_after;
  perform private.audit(p_store_id, p_actor_id, 'store.settings_changed', 'stores', p_store_id,
    jsonb_strip_nulls(jsonb_build_object(
      'name', case when v_after.name is distinct from v_before.name then v_before.name end,
      'timezone', case when v_after.timezone is distinct from v_before.timezone then v_before.timezone end,
      'currency', case when v_after.currency is distinct from v_before.currency then v_before.currency end,
      'retention_months', case when v_after.retention_months is distinct from v_before.retention_months
                               then v_before.retention_months end)));
  return v_after;
end;
$$;
comment on function public.update_store_settings is
  'Change the store''s name, time zone, currency or retention in months (owners; the functions API names the actor); audited with the old values.';
