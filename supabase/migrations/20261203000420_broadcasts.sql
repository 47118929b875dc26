-- Broadcasts: an approved WhatsApp template sent to a segment (or to every customer with marketing
-- consent), now or at send_at, in the background at the sender's rate.
--
-- Who may receive marketing (shared with the customers page): marketing_opt_in and opted_out_at is null.
-- The recipient list (one row per customer per broadcast) is built when the broadcast is created, with
-- the customers who are skipped and why; consent, opt-out and the store's frequency cap are checked
-- again in SQL at the moment each message is sent (broadcast_send_check), so a customer who opts out
-- while a broadcast runs is skipped.
--
-- Sending without sending anyone twice: a worker claims due recipients (for update skip locked) with a
-- lease and a send slot (the store's sender is paced at p_rate messages a second, across workers);
-- right before the provider call broadcast_send_check stores the outbound message (metadata.broadcast_id)
-- and the recipient keeps it; record_broadcast_send records the provider's answer. A recipient whose
-- lease ran out with a stored message (the worker died around the call) comes back `resumed`: the worker
-- asks the provider whether that message went out before it sends. Status callbacks move a recipient
-- forward only (a trigger mirrors its message's status).

alter table public.stores add column broadcast_frequency_cap_hours integer not null default 24
  check (broadcast_frequency_cap_hours between 0 and 720);
comment on column public.stores.broadcast_frequency_cap_hours is
  'A customer messaged by a broadcast in the last N hours is skipped by the next one (0: no cap).';
grant update (broadcast_frequency_cap_hours) on public.stores to authenticated;

alter table public.conversations add column broadcast_id uuid;
comment on column public.conversations.broadcast_id is
  'Set when the conversation was opened or continued by a customer''s reply to this broadcast.';

create type public.broadcast_status as enum ('draft', 'scheduled', 'sending', 'paused', 'completed', 'cancelled');
create type public.broadcast_recipient_status as enum (
  'pending', 'sending', 'queued', 'sent', 'delivered', 'read', 'failed', 'skipped'
);

-- Tables ------------------------------------------------------------------------------------------
create table public.broadcasts (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references public.stores (id) on delete cascade,
  name text not null check (length(btrim(name)) between 1 and 200),
  template_id uuid not null references public.whatsapp_templates (id),
  segment_id uuid references public.segments (id) on delete set null,
  variables jsonb not null default '{}'::jsonb check (jsonb_typeof(variables) = 'object'),
  status public.broadcast_status not null default 'draft',
  send_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (store_id, id)
);
comment on table public.broadcasts is 'A promotional WhatsApp message (approved template) to a segment, sent in the background.';
comment on column public.broadcasts.variables is
  'Template placeholder → text, with customer fields in {{first_name}}, {{name}}, {{last_order_number}}, {{store_name}} (a default after |).';
create index broadcasts_store_created_idx on public.broadcasts (store_id, created_at desc);
create index broadcasts_due_idx on public.broadcasts (send_at) where status in ('scheduled', 'sending');

-- store_id needs no key of its own: the broadcast's (store_id, id) key holds it (and goes with the store).
-- Every key checked on insert costs, and a list of 100,000 is written at once.
create table public.broadcast_recipients (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null,
  broadcast_id uuid not null,
  customer_id uuid not null,
  status public.broadcast_recipient_status not null default 'pending',
  skip_reason text check (skip_reason in ('no_consent', 'opted_out', 'no_valid_number', 'frequency_cap', 'cancelled')),
  message_id uuid references public.messages (id) on delete set null,
  provider_message_id text,
  error text,
  attempts integer not null default 0,
  slot_at timestamptz,
  lease_until timestamptz,
  checked_at timestamptz,
  sent_at timestamptz,
  replied_at timestamptz,
  updated_at timestamptz not null default now(),
  unique (broadcast_id, customer_id),
  foreign key (store_id, broadcast_id) references public.broadcasts (store_id, id) on delete cascade,
  foreign key (store_id, customer_id) references public.customers (store_id, id) on delete cascade,
  check ((status = 'skipped') = (skip_reason is not null))
);
comment on table public.broadcast_recipients is
  'One row per customer per broadcast: pending → sending → queued/sent/delivered/read or failed; skipped with its reason.';
comment on column public.broadcast_recipients.sent_at is 'When the provider took the message (the last touch for revenue and the frequency cap).';
create index broadcast_recipients_due_idx on public.broadcast_recipients (broadcast_id, id)
  where status in ('pending', 'sending');
-- Partial: a list of 100,000 is written at once, and only rows that went out are looked up by these.
create index broadcast_recipients_customer_idx on public.broadcast_recipients (customer_id, sent_at)
  where sent_at is not null;
create index broadcast_recipients_message_idx on public.broadcast_recipients (message_id) where message_id is not null;

-- The next free send slot of each store's sender, shared by every worker.
create table private.broadcast_pace (
  store_id uuid primary key references public.stores (id) on delete cascade,
  next_slot_at timestamptz not null
);

create trigger set_updated_at before update on public.broadcasts
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.broadcast_recipients
  for each row execute function private.set_updated_at();
-- The dashboard follows a broadcast's status live; its counts it polls (a send updates rows by the
-- thousand, too many to broadcast one by one).
create trigger broadcast_change after insert or update or delete on public.broadcasts
  for each row execute function private.broadcast_store_change();

-- Grants ------------------------------------------------------------------------------------------
revoke all on public.broadcasts, public.broadcast_recipients from anon, authenticated;
grant select on public.broadcasts, public.broadcast_recipients to authenticated;
grant all on public.broadcasts, public.broadcast_recipients to service_role;
revoke all on private.broadcast_pace from public, anon, authenticated;
grant select, insert, update on private.broadcast_pace to service_role;

-- RLS ---------------------------------------------------------------------------------------------
alter table public.broadcasts enable row level security;
alter table public.broadcast_recipients enable row level security;
create policy "members can view their store's broadcasts" on public.broadcasts
  for select to authenticated using (public.has_role_on_store(store_id));
create policy "members can view their store's broadcast recipients" on public.broadcast_recipients
  for select to authenticated using (public.has_role_on_store(store_id));

-- Helpers -----------------------------------------------------------------------------------------
create function private.require_broadcaster(p_store_id uuid, p_actor_id uuid) returns void
language plpgsql stable
set search_path = ''
as $$
begin
  if private.role_rank(private.actor_role(p_store_id, p_actor_id)) < private.role_rank('admin') then
    raise exception 'only owners and admins send broadcasts' using errcode = 'insufficient_privilege';
  end if;
end;
$$;

-- Why a customer may not receive a broadcast now (null: they may): the one definition used when the
-- list is built and again at send time. p_capped: another broadcast reached them within the store's cap.
-- No `set search_path` (it only calls pg_catalog operators): that keeps it inlinable, and the list of
-- 100,000 recipients is built in one pass instead of 100,000 function calls.
create function private.broadcast_skip_reason(
  p_opted_out_at timestamptz, p_marketing_opt_in boolean, p_phone text, p_capped boolean
) returns text
language sql immutable
as $$
  select case
    when p_opted_out_at is not null then 'opted_out'
    when not p_marketing_opt_in then 'no_consent'
    when p_phone is null or p_phone !~ '^\+[1-9][0-9]{6,14}$' then 'no_valid_number'
    when p_capped then 'frequency_cap'
  end
$$;

-- Whether another broadcast reached the customer within the cap.
create function private.broadcast_capped(p_customer_id uuid, p_broadcast_id uuid, p_cap_hours integer) returns boolean
language sql stable
set search_path = ''
as $$
  select p_cap_hours > 0 and exists (
    select 1 from public.broadcast_recipients r
    where r.customer_id = p_customer_id and r.broadcast_id <> p_broadcast_id
      and r.sent_at > now() - make_interval(hours => p_cap_hours)
  )
$$;

-- The template's placeholders ({{1}}, {{2}}, ...) in order of number.
create function private.template_placeholders(p_body text) returns text[]
language sql immutable
set search_path = ''
as $$
  select coalesce(array_agg(distinct m[1] order by m[1]), '{}')
  from regexp_matches(p_body, '\{\{\s*([0-9]+)\s*\}\}', 'g') m
$$;

-- A broadcast's variables with the customer's fields filled in: {{first_name}}, {{name}},
-- {{last_order_number}}, {{store_name}}; {{field|default}} when the field is empty (built-in defaults:
-- "Kak" for names, "-" otherwise).
create function private.fill_broadcast_variables(p_variables jsonb, p_fields jsonb) returns jsonb
language plpgsql immutable
set search_path = ''
as $$
declare
  v_key text;
  v_value text;
  v_match text[];
  v_filled jsonb := '{}';
begin
  for v_key, v_value in select * from jsonb_each_text(p_variables) loop
    for v_match in select regexp_matches(v_value, '\{\{\s*([a-z_]+)\s*(\|[^}]*)?\}\}', 'g') loop
      v_value := regexp_replace(v_value, '\{\{\s*' || v_match[1] || '\s*(\|[^}]*)?\}\}', replace(coalesce(
        nullif(btrim(p_fields ->> v_match[1]), ''),
        nullif(btrim(substr(v_match[2], 2)), ''),
        case when v_match[1] in ('first_name', 'name') then 'Kak' else '-' end), '\', '\\'), 'g');
    end loop;
    v_filled := v_filled || jsonb_build_object(v_key, v_value);
  end loop;
  return v_filled;
end;
$$;

-- The template's text as this customer reads it.
create function private.render_template(p_body text, p_variables jsonb) returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  v_key text;
  v_value text;
  v_body text := p_body;
begin
  for v_key, v_value in select * from jsonb_each_text(p_variables) loop
    v_body := regexp_replace(v_body, '\{\{\s*' || v_key || '\s*\}\}', replace(v_value, '\', '\\'), 'g');
  end loop;
  return v_body;
end;
$$;

create function private.customer_fields(p_customer public.customers) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'first_name', split_part(btrim(coalesce(p_customer.name, '')), ' ', 1),
    'name', p_customer.name,
    'last_order_number', (select o.number from public.orders o where o.customer_id = p_customer.id
                          and o.status not in ('checkout-draft', 'trash') order by o.created_at desc limit 1),
    'store_name', (select s.name from public.stores s where s.id = p_customer.store_id)
  )
$$;

-- Validates the template and variables of a broadcast; returns the template.
create function private.check_broadcast_content(p_store_id uuid, p_template_id uuid, p_variables jsonb)
returns public.whatsapp_templates
language plpgsql stable
set search_path = ''
as $$
declare
  v_template public.whatsapp_templates;
  v_key text;
  v_value jsonb;
  v_field text;
begin
  select * into v_template from public.whatsapp_templates t where t.id = p_template_id and t.store_id = p_store_id;
  if not found then
    raise exception 'template_id: this store has no template %', p_template_id using errcode = 'invalid_parameter_value';
  end if;
  if v_template.status <> 'approved' then
    raise exception 'template_id: the template % is %, only approved templates may be broadcast', v_template.name,
      v_template.status using errcode = 'invalid_parameter_value';
  end if;
  if v_template.provider <> (select s.whatsapp_provider from public.stores s where s.id = p_store_id) then
    raise exception 'template_id: the template % is a % template and the store sends through %', v_template.name,
      v_template.provider, (select s.whatsapp_provider from public.stores s where s.id = p_store_id)
      using errcode = 'invalid_parameter_value';
  end if;
  if p_variables is null or jsonb_typeof(p_variables) <> 'object' then
    raise exception 'variables: expected an object {"1": "...", ...}' using errcode = 'invalid_parameter_value';
  end if;
  for v_key, v_value in select * from jsonb_each(p_variables) loop
    if not v_key = any(private.template_placeholders(v_template.body)) then
      raise exception 'variables.%: the template has no placeholder {{%}}', v_key, v_key
        using errcode = 'invalid_parameter_value';
    end if;
    if jsonb_typeof(v_value) <> 'string' or length(btrim(v_value #>> '{}')) not between 1 and 500 then
      raise exception 'variables.%: a text of 1 to 500 characters', v_key using errcode = 'invalid_parameter_value';
    end if;
    for v_field in select m[1] from regexp_matches(v_value #>> '{}', '\{\{\s*([^}|]*?)\s*(\|[^}]*)?\}\}', 'g') m loop
      if v_field not in ('first_name', 'name', 'last_order_number', 'store_name') then
        raise exception 'variables.%: unknown customer field {{%}} (known: first_name, name, last_order_number, store_name)',
          v_key, v_field using errcode = 'invalid_parameter_value';
      end if;
    end loop;
  end loop;
  select k into v_key from unnest(private.template_placeholders(v_template.body)) k where not p_variables ? k limit 1;
  if v_key is not null then
    raise exception 'variables.%: the template''s placeholder {{%}} needs a value', v_key, v_key
      using errcode = 'invalid_parameter_value';
  end if;
  return v_template;
end;
$$;

-- Functions for the API (service role; the actor's role is checked here) -----------------------------
-- Create a broadcast (draft) and its recipient list. segment_id null = every customer with marketing
-- consent. Returns {"id", "recipients" (to be sent), "skipped", "skipped_by_reason"}.
create function public.create_broadcast(
  p_store_id uuid, p_actor_id uuid, p_name text, p_template_id uuid, p_segment_id uuid, p_variables jsonb,
  p_send_at timestamptz
) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid;
  v_rules jsonb;
  v_cap integer;
begin
  perform private.require_broadcaster(p_store_id, p_actor_id);
  if length(btrim(coalesce(p_name, ''))) not between 1 and 200 then
    raise exception 'name: 1 to 200 characters' using errcode = 'invalid_parameter_value';
  end if;
  perform private.check_broadcast_content(p_store_id, p_template_id, p_variables);
  if p_segment_id is not null then
    select s.rules into v_rules from public.segments s where s.id = p_segment_id and s.store_id = p_store_id;
    if v_rules is null then
      raise exception 'segment_id: this store has no segment %', p_segment_id using errcode = 'invalid_parameter_value';
    end if;
  end if;
  if p_send_at is not null and p_send_at < now() - interval '5 minutes' then
    raise exception 'send_at: % is in the past', p_send_at using errcode = 'invalid_parameter_value';
  end if;
  select s.broadcast_frequency_cap_hours into v_cap from public.stores s where s.id = p_store_id;
  insert into public.broadcasts (store_id, name, template_id, segment_id, variables, send_at, created_by)
  values (p_store_id, btrim(p_name), p_template_id, p_segment_id, p_variables, p_send_at, p_actor_id)
  returning id into v_id;

  -- No segment: every customer with marketing consent (given and not withdrawn).
  v_rules := coalesce(v_rules, '{"all": [{"field": "opted_in", "op": "=", "value": true}]}');
  insert into public.broadcast_recipients (store_id, broadcast_id, customer_id, status, skip_reason)
  select p_store_id, v_id, c.id, case when w.reason is null then 'pending' else 'skipped' end::public.broadcast_recipient_status,
         w.reason
  from private.segment_customers(p_store_id, v_rules) c
  left join (
    select distinct r.customer_id from public.broadcast_recipients r
    where v_cap > 0 and r.store_id = p_store_id and r.sent_at > now() - make_interval(hours => v_cap)
  ) capped on capped.customer_id = c.id
  cross join lateral (
    select private.broadcast_skip_reason(c.opted_out_at, c.marketing_opt_in, c.phone, capped.customer_id is not null) as reason
  ) w;

  perform private.audit(p_store_id, p_actor_id, 'broadcast.created', 'broadcasts', v_id,
    jsonb_strip_nulls(jsonb_build_object('name', btrim(p_name), 'segment_id', p_segment_id, 'send_at', p_send_at)));
  return (select jsonb_build_object('id', v_id, 'recipients', b.recipients, 'skipped', b.skipped,
                                    'skipped_by_reason', b.by_reason)
          from public.broadcast_summary(p_store_id, v_id) b);
end;
$$;

-- Recipients to be sent, skipped, and skipped by reason; a sample of the message as customers read it.
create function public.broadcast_summary(p_store_id uuid, p_broadcast_id uuid)
returns table (recipients bigint, skipped bigint, by_reason jsonb)
language sql stable
set search_path = ''
as $$
  select count(*) filter (where r.status <> 'skipped'), count(*) filter (where r.status = 'skipped'),
         coalesce((select jsonb_object_agg(x.skip_reason, x.n) from (
           select r2.skip_reason, count(*) as n from public.broadcast_recipients r2
           where r2.broadcast_id = p_broadcast_id and r2.store_id = p_store_id and r2.status = 'skipped'
           group by r2.skip_reason) x), '{}')
  from public.broadcast_recipients r
  where r.broadcast_id = p_broadcast_id and r.store_id = p_store_id
$$;

-- The preview before sending: counts, skipped customers with their reasons (a sample), and the message
-- as the first recipients will read it.
create function public.preview_broadcast(p_store_id uuid, p_broadcast_id uuid, p_sample integer default 5)
returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
  v_broadcast public.broadcasts;
  v_template public.whatsapp_templates;
begin
  perform private.require_store_reader(p_store_id);
  select * into v_broadcast from public.broadcasts b where b.id = p_broadcast_id and b.store_id = p_store_id;
  if not found then
    raise exception 'this store has no broadcast %', p_broadcast_id using errcode = 'no_data_found';
  end if;
  select * into v_template from public.whatsapp_templates t where t.id = v_broadcast.template_id;
  return (
    select jsonb_build_object(
      'recipients', s.recipients, 'skipped', s.skipped, 'skipped_by_reason', s.by_reason,
      'template', jsonb_build_object('id', v_template.id, 'name', v_template.name, 'body', v_template.body),
      'messages', coalesce((
        select jsonb_agg(jsonb_build_object('customer_id', c.id, 'name', c.name, 'phone', c.phone,
                 'body', private.render_template(v_template.body,
                           private.fill_broadcast_variables(v_broadcast.variables, private.customer_fields(c)))))
        from (select c.* from public.broadcast_recipients r join public.customers c on c.id = r.customer_id
              where r.broadcast_id = p_broadcast_id and r.status <> 'skipped'
              order by c.name nulls last, c.id limit p_sample) c
      ), '[]'),
      'skipped_customers', coalesce((
        select jsonb_agg(jsonb_build_object('customer_id', c.id, 'name', c.name, 'phone', c.phone, 'reason', c.skip_reason))
        from (select c.*, r.skip_reason from public.broadcast_recipients r join public.customers c on c.id = r.customer_id
              where r.broadcast_id = p_broadcast_id and r.status = 'skipped'
              order by r.skip_reason, c.name nulls last, c.id limit 50) c
      ), '[]'))
    from public.broadcast_summary(p_store_id, p_broadcast_id) s
  );
end;
$$;

create function private.lock_broadcast(p_store_id uuid, p_broadcast_id uuid) returns public.broadcasts
language plpgsql
set search_path = ''
as $$
declare
  v_broadcast public.broadcasts;
begin
  select * into v_broadcast from public.broadcasts b where b.id = p_broadcast_id and b.store_id = p_store_id for update;
  if not found then
    raise exception 'this store has no broadcast %', p_broadcast_id using errcode = 'no_data_found';
  end if;
  return v_broadcast;
end;
$$;

-- Send (now, or at send_at): draft or paused → sending or scheduled. Sending again changes nothing and
-- sends nobody twice (only pending recipients are ever claimed).
create function public.send_broadcast(p_store_id uuid, p_actor_id uuid, p_broadcast_id uuid)
returns public.broadcast_status
language plpgsql
set search_path = ''
as $$
declare
  v_broadcast public.broadcasts;
  v_status public.broadcast_status;
begin
  perform private.require_broadcaster(p_store_id, p_actor_id);
  v_broadcast := private.lock_broadcast(p_store_id, p_broadcast_id);
  if v_broadcast.status in ('sending', 'scheduled', 'completed') then
    return v_broadcast.status;
  end if;
  if v_broadcast.status = 'cancelled' then
    raise exception 'the broadcast was cancelled' using errcode = 'object_not_in_prerequisite_state';
  end if;
  v_status := case when v_broadcast.send_at > now() then 'scheduled' else 'sending' end;
  update public.broadcasts
  set status = v_status, started_at = case when v_status = 'sending' then coalesce(started_at, now()) end
  where id = p_broadcast_id;
  perform private.audit(p_store_id, p_actor_id, 'broadcast.sent', 'broadcasts', p_broadcast_id,
                        jsonb_build_object('status', v_status));
  return v_status;
end;
$$;

create function public.pause_broadcast(p_store_id uuid, p_actor_id uuid, p_broadcast_id uuid)
returns public.broadcast_status
language plpgsql
set search_path = ''
as $$
declare
  v_broadcast public.broadcasts;
begin
  perform private.require_broadcaster(p_store_id, p_actor_id);
  v_broadcast := private.lock_broadcast(p_store_id, p_broadcast_id);
  if v_broadcast.status = 'paused' then
    return 'paused';
  end if;
  if v_broadcast.status not in ('sending', 'scheduled') then
    raise exception 'only a sending or scheduled broadcast can be paused (this one is %)', v_broadcast.status
      using errcode = 'object_not_in_prerequisite_state';
  end if;
  update public.broadcasts set status = 'paused' where id = p_broadcast_id;
  perform private.audit(p_store_id, p_actor_id, 'broadcast.paused', 'broadcasts', p_broadcast_id);
  return 'paused';
end;
$$;

-- Cancel: nobody still pending is sent (they are skipped as cancelled); what went out stays.
create function public.cancel_broadcast(p_store_id uuid, p_actor_id uuid, p_broadcast_id uuid)
returns public.broadcast_status
language plpgsql
set search_path = ''
as $$
declare
  v_broadcast public.broadcasts;
begin
  perform private.require_broadcaster(p_store_id, p_actor_id);
  v_broadcast := private.lock_broadcast(p_store_id, p_broadcast_id);
  if v_broadcast.status = 'cancelled' then
    return 'cancelled';
  end if;
  if v_broadcast.status = 'completed' then
    raise exception 'the broadcast has completed' using errcode = 'object_not_in_prerequisite_state';
  end if;
  update public.broadcasts set status = 'cancelled', finished_at = now() where id = p_broadcast_id;
  update public.broadcast_recipients
  set status = 'skipped', skip_reason = 'cancelled', lease_until = null
  where broadcast_id = p_broadcast_id and status = 'pending';
  perform private.audit(p_store_id, p_actor_id, 'broadcast.cancelled', 'broadcasts', p_broadcast_id);
  return 'cancelled';
end;
$$;

-- Status, counts (each recipient once, by current status; queued includes those not sent yet), replies,
-- and the orders and revenue it brought: paid orders a recipient placed within 7 days after the
-- broadcast reached them, when no later broadcast reached them before the order (last touch, 7-day
-- window, as kpi_conversion).
create function public.broadcast_report(p_store_id uuid, p_broadcast_id uuid)
returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
  v_broadcast public.broadcasts;
begin
  perform private.require_store_reader(p_store_id);
  select * into v_broadcast from public.broadcasts b where b.id = p_broadcast_id and b.store_id = p_store_id;
  if not found then
    raise exception 'this store has no broadcast %', p_broadcast_id using errcode = 'no_data_found';
  end if;
  return (
    with counts as (
      select count(*) as total,
             count(*) filter (where r.status in ('pending', 'sending', 'queued')) as queued,
             count(*) filter (where r.status = 'sent') as sent,
             count(*) filter (where r.status = 'delivered') as delivered,
             count(*) filter (where r.status = 'read') as read,
             count(*) filter (where r.status = 'failed') as failed,
             count(*) filter (where r.status = 'skipped') as skipped,
             count(*) filter (where r.replied_at is not null) as replies
      from public.broadcast_recipients r
      where r.broadcast_id = p_broadcast_id
    ), attributed as (
      select o.id, o.total
      from public.broadcast_recipients r
      join public.orders o on o.customer_id = r.customer_id and o.store_id = r.store_id
      where r.broadcast_id = p_broadcast_id and r.sent_at is not null
        and o.status in ('processing', 'completed')
        and o.created_at >= r.sent_at and o.created_at <= r.sent_at + interval '7 days'
        and not exists (
          select 1 from public.broadcast_recipients later
          where later.customer_id = r.customer_id and later.sent_at > r.sent_at and later.sent_at <= o.created_at
        )
    )
    select jsonb_build_object(
      'id', v_broadcast.id, 'name', v_broadcast.name, 'status', v_broadcast.status,
      'template_id', v_broadcast.template_id, 'segment_id', v_broadcast.segment_id,
      'variables', v_broadcast.variables, 'send_at', v_broadcast.send_at,
      'started_at', v_broadcast.started_at, 'finished_at', v_broadcast.finished_at,
      'created_at', v_broadcast.created_at,
      'counts', jsonb_build_object('total', c.total, 'queued', c.queued, 'sent', c.sent, 'delivered', c.delivered,
                                   'read', c.read, 'failed', c.failed, 'skipped', c.skipped),
      'replies', c.replies,
      'orders', (select count(*) from attributed),
      'revenue', (select coalesce(sum(a.total), 0) from attributed a),
      'currency', (select s.currency from public.stores s where s.id = p_store_id))
    from counts c
  );
end;
$$;

-- Functions for the sending worker (service role) ------------------------------------------------------
-- Claim up to p_limit due recipients across broadcasts (scheduled ones whose time has come start now),
-- each with a send slot on its store's sender (p_rate a second, shared by every worker) and a lease to
-- p_lease_seconds after its slot. Recipients of a worker that died come back (`resumed` when it had
-- stored the message: it may have gone out). Broadcasts with nobody left to send complete.
-- p_sandbox_only: only stores without a Twilio account and not on Meta (the local stack's own sender thread).
create function public.claim_broadcast_recipients(
  p_limit integer, p_rate double precision, p_lease_seconds integer, p_sandbox_only boolean default false
)
returns table (recipient_id uuid, store_id uuid, broadcast_id uuid, slot_at timestamptz, resumed boolean,
               db_now timestamptz)
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
  update public.broadcasts b set status = 'sending', started_at = coalesce(b.started_at, now())
  where b.status = 'scheduled' and b.send_at <= now();
  update public.broadcasts b set status = 'completed', finished_at = now()
  where b.status = 'sending'
    and not exists (select 1 from public.broadcast_recipients r
                    where r.broadcast_id = b.id and r.status in ('pending', 'sending'));

  for v_row in
    select r.id, r.store_id, r.broadcast_id, r.message_id, r.status
    from public.broadcasts b
    join public.broadcast_recipients r on r.broadcast_id = b.id
    where b.status = 'sending'
      and (r.status = 'pending' or (r.status = 'sending' and r.lease_until < now()))
      and not (p_sandbox_only and (exists (select 1 from public.store_credentials k
                                           where k.store_id = b.store_id and k.twilio_account_sid is not null)
                                   or exists (select 1 from public.stores s
                                              where s.id = b.store_id and s.whatsapp_provider = 'meta')))
    order by b.created_at, r.id
    limit p_limit
    for update of r skip locked
  loop
    insert into private.broadcast_pace as p (store_id, next_slot_at) values (v_row.store_id, now())
    on conflict on constraint broadcast_pace_pkey do update set next_slot_at = greatest(p.next_slot_at, now())
    returning p.next_slot_at into v_slot;
    update private.broadcast_pace p set next_slot_at = v_slot + make_interval(secs => 1 / p_rate)
    where p.store_id = v_row.store_id;
    update public.broadcast_recipients r
    set status = 'sending', slot_at = v_slot, lease_until = v_slot + make_interval(secs => p_lease_seconds),
        attempts = r.attempts + 1
    where r.id = v_row.id;
    recipient_id := v_row.id;
    store_id := v_row.store_id;
    broadcast_id := v_row.broadcast_id;
    slot_at := v_slot;
    resumed := v_row.status = 'sending' and v_row.message_id is not null;
    db_now := now();
    return next;
  end loop;
end;
$$;

-- Right before the provider call, in SQL: is this claim still ours, the broadcast still sending, and
-- the customer still someone who may receive it (consent, opt-out, number, frequency cap)? If so the
-- outbound message is stored (once: a resumed recipient keeps its message) in the customer's
-- conversation and returned with where and how to send it. Otherwise the recipient is skipped with its
-- reason, or released (broadcast paused: it goes back to pending).
create function public.broadcast_send_check(p_recipient_id uuid)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_recipient public.broadcast_recipients;
  v_broadcast public.broadcasts;
  v_customer public.customers;
  v_template public.whatsapp_templates;
  v_store public.stores;
  v_reason text;
  v_variables jsonb;
  v_conversation uuid;
  v_message public.messages;
begin
  select * into v_recipient from public.broadcast_recipients r where r.id = p_recipient_id for update;
  if not found or v_recipient.status <> 'sending' then
    return jsonb_build_object('decision', 'gone');
  end if;
  select * into v_broadcast from public.broadcasts b where b.id = v_recipient.broadcast_id;
  if v_broadcast.status <> 'sending' then
    if v_recipient.message_id is null then
      update public.broadcast_recipients set status = 'pending', lease_until = null, slot_at = null where id = p_recipient_id;
      return jsonb_build_object('decision', 'released');
    end if;
  end if;
  select * into v_store from public.stores s where s.id = v_recipient.store_id;
  select * into v_customer from public.customers c where c.id = v_recipient.customer_id for share;
  if v_recipient.message_id is null then
    v_reason := private.broadcast_skip_reason(v_customer.opted_out_at, v_customer.marketing_opt_in, v_customer.phone,
      private.broadcast_capped(v_customer.id, v_broadcast.id, v_store.broadcast_frequency_cap_hours));
    if v_reason is not null then
      update public.broadcast_recipients set status = 'skipped', skip_reason = v_reason, lease_until = null
      where id = p_recipient_id;
      return jsonb_build_object('decision', 'skipped', 'reason', v_reason);
    end if;
    select * into v_template from public.whatsapp_templates t where t.id = v_broadcast.template_id;
    v_variables := private.fill_broadcast_variables(v_broadcast.variables, private.customer_fields(v_customer));
    -- The customer's open conversation, else their latest, else a new one (resolved: nobody is talking yet).
    select c.id into v_conversation from public.conversations c
    where c.customer_id = v_customer.id order by (c.status <> 'resolved') desc, c.created_at desc limit 1;
    if v_conversation is null then
      insert into public.conversations (store_id, customer_id, status, resolved_at)
      values (v_customer.store_id, v_customer.id, 'resolved', now())
      returning id into v_conversation;
    end if;
    insert into public.messages (store_id, conversation_id, direction, sender, body, status, metadata, created_at)
    values (v_customer.store_id, v_conversation, 'outbound', 'bot',
            left(private.render_template(v_template.body, v_variables), 65536), 'queued',
            jsonb_build_object('broadcast_id', v_broadcast.id, 'broadcast_recipient_id', v_recipient.id,
                               'template', jsonb_build_object('content_sid', v_template.content_sid,
                                                              'variables', v_variables)),
            clock_timestamp())
    returning * into v_message;
    update public.broadcast_recipients set message_id = v_message.id, checked_at = now() where id = p_recipient_id;
  else
    select * into v_message from public.messages m where m.id = v_recipient.message_id;
  end if;
  return jsonb_build_object(
    'decision', 'send',
    'resumed', v_recipient.message_id is not null,
    'checked_at', coalesce(v_recipient.checked_at, now()),
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

-- The provider's answer for a recipient's message (status queued, sent, sandbox or failed); the
-- recipient follows through the message (trigger below). Twilio unreachable: p_status null releases
-- the recipient to be tried again.
create function public.record_broadcast_send(
  p_recipient_id uuid, p_status public.message_status, p_provider_message_id text default null,
  p_error text default null
) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_recipient public.broadcast_recipients;
begin
  select * into v_recipient from public.broadcast_recipients r where r.id = p_recipient_id for update;
  if not found or v_recipient.status <> 'sending' then
    return;
  end if;
  if p_status is null then
    update public.broadcast_recipients
    set status = 'pending', lease_until = null, slot_at = null, error = p_error
    where id = p_recipient_id;
    return;
  end if;
  update public.messages
  set status = p_status,
      provider_message_id = coalesce(p_provider_message_id, provider_message_id),
      metadata = metadata || jsonb_strip_nulls(jsonb_build_object('error', p_error))
  where id = v_recipient.message_id;
end;
$$;

-- The same for a group of recipients whose slots are a moment apart (one round trip instead of one a
-- message); each answer names its recipient_id.
create function public.broadcast_send_checks(p_recipient_ids uuid[]) returns setof jsonb
language sql
set search_path = ''
as $$
  select public.broadcast_send_check(id) || jsonb_build_object('recipient_id', id)
  from unnest(p_recipient_ids) with ordinality as x(id, n)
  order by n
$$;

-- The provider's answers for a group: [{"recipient_id", "status", "provider_message_id", "error"}].
create function public.record_broadcast_sends(p_results jsonb) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_result jsonb;
begin
  for v_result in select * from jsonb_array_elements(p_results) loop
    perform public.record_broadcast_send((v_result ->> 'recipient_id')::uuid,
                                         (v_result ->> 'status')::public.message_status,
                                         v_result ->> 'provider_message_id', v_result ->> 'error');
  end loop;
end;
$$;

-- Triggers ----------------------------------------------------------------------------------------
create function private.broadcast_recipient_rank(p_status public.broadcast_recipient_status) returns integer
language sql immutable
set search_path = ''
as $$
  select case p_status when 'pending' then 0 when 'sending' then 0 when 'queued' then 1 when 'sent' then 2
    when 'delivered' then 3 when 'read' then 4 else 5 end
$$;

-- A broadcast message's status (send result, then Twilio's callbacks) moves its recipient forward only;
-- sandbox (no Twilio account: stored, shown in the simulator) counts as sent.
create function private.follow_broadcast_message() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_new public.broadcast_recipient_status :=
    case new.status when 'sandbox' then 'sent' when 'received' then null else new.status::text end::public.broadcast_recipient_status;
begin
  update public.broadcast_recipients r
  set status = v_new,
      provider_message_id = coalesce(new.provider_message_id, r.provider_message_id),
      sent_at = case when v_new <> 'failed' then coalesce(r.sent_at, now()) else r.sent_at end,
      error = case when v_new = 'failed'
                   then coalesce(new.metadata ->> 'error', 'Twilio error ' || (new.metadata ->> 'twilio_error_code'), r.error)
                   else r.error end,
      lease_until = null
  where r.id = (new.metadata ->> 'broadcast_recipient_id')::uuid
    and v_new is not null
    and r.status not in ('failed', 'skipped')
    and (private.broadcast_recipient_rank(v_new) > private.broadcast_recipient_rank(r.status)
         or (v_new = 'failed' and r.status in ('sending', 'queued', 'sent')));
  return null;
end;
$$;
create trigger follow_broadcast_message after update of status on public.messages
  for each row when (new.metadata ? 'broadcast_recipient_id')
  execute function private.follow_broadcast_message();

-- A customer's message within 7 days of a broadcast that reached them is a reply to it: the message
-- says so (metadata.reply_to_broadcast_id), the recipient counts a reply, and the conversation is marked.
create function private.mark_broadcast_reply() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  v_recipient public.broadcast_recipients;
begin
  select r.* into v_recipient
  from public.conversations c
  join public.broadcast_recipients r on r.customer_id = c.customer_id
  where c.id = new.conversation_id and r.sent_at <= new.created_at and r.sent_at > new.created_at - interval '7 days'
  order by r.sent_at desc
  limit 1;
  if v_recipient.id is null then
    return new;
  end if;
  new.metadata := new.metadata || jsonb_build_object('reply_to_broadcast_id', v_recipient.broadcast_id);
  update public.broadcast_recipients set replied_at = new.created_at
  where id = v_recipient.id and replied_at is null;
  update public.conversations set broadcast_id = v_recipient.broadcast_id
  where id = new.conversation_id and broadcast_id is distinct from v_recipient.broadcast_id;
  return new;
end;
$$;
create trigger mark_broadcast_reply before insert on public.messages
  for each row when (new.direction = 'inbound')
  execute function private.mark_broadcast_reply();

revoke execute on function private.require_broadcaster, private.broadcast_skip_reason, private.broadcast_capped,
  private.template_placeholders,
  private.fill_broadcast_variables, private.render_template, private.customer_fields, private.check_broadcast_content,
  private.lock_broadcast, private.broadcast_recipient_rank, private.follow_broadcast_message,
  private.mark_broadcast_reply from public, anon, authenticated;
grant execute on function private.require_broadcaster, private.broadcast_skip_reason, private.broadcast_capped,
  private.template_placeholders,
  private.fill_broadcast_variables, private.render_template, private.customer_fields, private.check_broadcast_content,
  private.lock_broadcast, private.broadcast_recipient_rank to service_role;
revoke execute on function public.create_broadcast, public.broadcast_summary, public.send_broadcast,
  public.pause_broadcast, public.cancel_broadcast, public.claim_broadcast_recipients, public.broadcast_send_check,
  public.record_broadcast_send, public.broadcast_send_checks, public.record_broadcast_sends from public, anon, authenticated;
grant execute on function public.create_broadcast, public.broadcast_summary, public.send_broadcast,
  public.pause_broadcast, public.cancel_broadcast, public.claim_broadcast_recipients, public.broadcast_send_check,
  public.record_broadcast_send, public.broadcast_send_checks, public.record_broadcast_sends to service_role;
revoke execute on function public.preview_broadcast, public.broadcast_report from public, anon;
grant execute on function public.preview_broadcast, public.broadcast_report to authenticated, service_role;
