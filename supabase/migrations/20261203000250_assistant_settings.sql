-- Assistant settings: the assistant's name and persona, greeting, languages, business hours, what happens
-- outside them, topics that always go to a person, the confidence rule, the longest answer, and "off".
-- Versioned: every save is a new row (who, when); the newest row of a store is its current settings; a
-- revert saves an old version's settings again as a new version. Owners and admins write (through
-- save_assistant_settings / revert_assistant_settings), every member reads.
--
-- The settings are one JSON object, validated in full by the functions API (sapa.assistant.settings,
-- 422 on bad input); the CHECK below holds the parts other SQL and the responders rely on. Saving also
-- sets the store columns the rest of the system reads (stores.timezone, bot_languages,
-- bot_max_reply_chars, bot_persona), in the same transaction, so analysts and the output guard agree.

-- Tables ------------------------------------------------------------------------------------------
-- False (never null) for anything that is not a whole settings object: a missing key is a refusal.
create function private.assistant_settings_valid(p_settings jsonb) returns boolean
language sql immutable
set search_path = ''
as $$
  select coalesce(pg_catalog.jsonb_typeof(p_settings) = 'object'
     and pg_catalog.jsonb_typeof(p_settings -> 'name') = 'string'
     and pg_catalog.length(pg_catalog.btrim(p_settings ->> 'name')) between 1 and 40
     and pg_catalog.jsonb_typeof(p_settings -> 'enabled') = 'boolean'
     and pg_catalog.jsonb_typeof(p_settings -> 'greeting') in ('string', 'null')
     and pg_catalog.jsonb_typeof(p_settings -> 'business_hours') = 'object'
     and pg_catalog.jsonb_typeof(p_settings -> 'handoff_topics') = 'array'
     and pg_catalog.jsonb_typeof(p_settings -> 'languages') = 'array'
     and pg_catalog.jsonb_array_length(p_settings -> 'languages') between 1 and 2
     and (p_settings -> 'languages') <@ '["id", "en"]'::jsonb
     and pg_catalog.jsonb_typeof(p_settings -> 'max_answer_chars') = 'number'
     and (p_settings ->> 'max_answer_chars')::numeric between 160 and 4800
     and pg_catalog.jsonb_typeof(p_settings -> 'timezone') = 'string'
     and (p_settings ->> 'outside_hours') in ('answer', 'away'), false)
$$;

create table public.assistant_settings_versions (
  store_id uuid not null references public.stores (id) on delete cascade,
  version integer not null check (version >= 1),
  settings jsonb not null check (private.assistant_settings_valid(settings)),
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  reverted_from integer check (reverted_from >= 1 and reverted_from < version),
  primary key (store_id, version)
);
comment on table public.assistant_settings_versions is
  'Every saved version of a store''s assistant settings (name, persona, greeting, hours, hand-off rules, '
  'answer length, on/off); the highest version is the current one. A revert is a new version.';
comment on column public.assistant_settings_versions.settings is
  'The settings as the functions API validated them (README: "Assistant settings" lists every key).';
comment on column public.assistant_settings_versions.reverted_from is
  'The version these settings were copied from by a revert; null for an ordinary save.';

-- Grants ------------------------------------------------------------------------------------------
revoke all on public.assistant_settings_versions from anon, authenticated;
grant select on public.assistant_settings_versions to authenticated;
grant all on public.assistant_settings_versions to service_role;

-- RLS ---------------------------------------------------------------------------------------------
alter table public.assistant_settings_versions enable row level security;
create policy "members can view their store's assistant settings" on public.assistant_settings_versions
  for select to authenticated using (public.has_role_on_store(store_id));

-- Functions ---------------------------------------------------------------------------------------
-- Who is saving: a signed-in user saves as themself (p_actor_id must be them or null); the service role
-- (the functions API, after verifying the caller's JWT) names the actor. Either way an owner or admin.
create function private.assistant_settings_actor(p_store_id uuid, p_actor_id uuid) returns uuid
language plpgsql stable
set search_path = ''
as $$
declare
  v_user uuid := (select auth.uid());
  v_actor uuid := coalesce(v_user, p_actor_id);
begin
  if v_user is not null and p_actor_id is not null and p_actor_id <> v_user then
    raise exception 'you can only change settings as yourself' using errcode = 'insufficient_privilege';
  end if;
  if v_actor is null then
    raise exception 'who is changing the assistant settings? name the actor' using errcode = 'insufficient_privilege';
  end if;
  if private.role_rank(private.actor_role(p_store_id, v_actor)) < private.role_rank('admin') then
    raise exception 'only owners and admins change the assistant settings' using errcode = 'insufficient_privilege';
  end if;
  return v_actor;
end;
$$;

create function private.save_assistant_settings_version(
  p_store_id uuid, p_actor_id uuid, p_settings jsonb, p_reverted_from integer
) returns public.assistant_settings_versions
language plpgsql
set search_path = ''
as $$
declare
  v_saved public.assistant_settings_versions;
begin
  if not private.assistant_settings_valid(p_settings)
     or not private.is_valid_timezone(p_settings ->> 'timezone') then
    raise exception 'these are not valid assistant settings' using errcode = 'check_violation';
  end if;
  -- One save at a time per store: the version numbers stay gap-free and never collide.
  perform 1 from public.stores s where s.id = p_store_id for update;
  insert into public.assistant_settings_versions (store_id, version, settings, created_by, reverted_from)
  select p_store_id, coalesce(max(v.version), 0) + 1, p_settings, p_actor_id, p_reverted_from
  from public.assistant_settings_versions v where v.store_id = p_store_id
  returning * into v_saved;
  update public.stores s
  set timezone = p_settings ->> 'timezone',
      bot_languages = array(select pg_catalog.jsonb_array_elements_text(p_settings -> 'languages')),
      bot_max_reply_chars = (p_settings ->> 'max_answer_chars')::integer,
      bot_persona = nullif(pg_catalog.btrim(coalesce(p_settings ->> 'persona_notes', '')), '')
  where s.id = p_store_id;
  perform private.audit(p_store_id, p_actor_id, 'assistant_settings.saved', 'assistant_settings_versions', null,
    jsonb_strip_nulls(jsonb_build_object('version', v_saved.version, 'reverted_from', p_reverted_from)));
  return v_saved;
end;
$$;

create function public.save_assistant_settings(p_store_id uuid, p_settings jsonb, p_actor_id uuid default null)
returns public.assistant_settings_versions
language plpgsql security definer
set search_path = ''
as $$
begin
  return private.save_assistant_settings_version(
    p_store_id, private.assistant_settings_actor(p_store_id, p_actor_id), p_settings, null);
end;
$$;
comment on function public.save_assistant_settings is
  'Save the store''s assistant settings as a new version (owners and admins); returns the new version.';

create function public.revert_assistant_settings(p_store_id uuid, p_version integer, p_actor_id uuid default null)
returns public.assistant_settings_versions
language plpgsql security definer
set search_path = ''
as $$
declare
  v_actor uuid := private.assistant_settings_actor(p_store_id, p_actor_id);
  v_settings jsonb;
begin
  select v.settings into v_settings from public.assistant_settings_versions v
  where v.store_id = p_store_id and v.version = p_version;
  if not found then
    raise exception 'this store has no assistant settings version %', p_version using errcode = 'no_data_found';
  end if;
  return private.save_assistant_settings_version(p_store_id, v_actor, v_settings, p_version);
end;
$$;
comment on function public.revert_assistant_settings is
  'Make an earlier version current again, as a new version equal to it (owners and admins).';

revoke execute on function public.save_assistant_settings, public.revert_assistant_settings,
  private.assistant_settings_actor, private.save_assistant_settings_version from public, anon;
grant execute on function public.save_assistant_settings, public.revert_assistant_settings
  to authenticated, service_role;
grant execute on function private.assistant_settings_valid to authenticated, service_role;
