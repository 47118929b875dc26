-- Retention (DESIGN §7): each store keeps its customers' chats for stores.retention_months (default 6);
-- the `retention` job deletes what is older, in small batches (each call one short transaction: the
-- inbox never waits on a purge), and never touches another store. What goes, oldest first:
--   messages (their media objects in S3 first: expired_message_media / purge_messages, called by the job),
--   reply jobs, conversation notes, tickets, conversations with nothing left, summaries, WooCommerce
--   delivery records (they hold the shop's payloads) and the store's job runs;
-- what stays: the KPI rollups (private.kpi_*: counts and per-conversation facts without personal data,
-- so past KPIs still show) and orders (the shop's books), whose personal fields (billing name, phone,
-- e-mail) are dropped. The window ends at midnight in the store's time zone, retention_months before today.

alter table public.stores add column retention_months integer not null default 6
  check (retention_months between 1 and 120);
comment on column public.stores.retention_months is
  'Months the store keeps chats, tickets, notes, summaries and delivery records; older ones are purged by the retention job.';
-- It replaces the interval column `retention` nothing read (the window now ends at a local midnight, a
-- whole number of months back): a store that had changed it keeps its choice, rounded up to months.
update public.stores
set retention_months = least(120, greatest(1, (extract(year from retention) * 12 + extract(month from retention)
                                               + case when extract(day from retention) > 0 then 1 else 0 end)::integer))
where retention <> interval '6 months';
alter table public.stores drop column retention;
grant update (retention_months) on public.stores to authenticated;  -- owners and admins (the stores policy)

-- The rollups outlive the conversations: the facts of a purged conversation stay (they name no person),
-- tied to the store instead. A conversation deleted otherwise (not by the purge) still takes its facts
-- away, as the cascade did before.
alter table private.kpi_conversations drop constraint kpi_conversations_conversation_id_fkey;
alter table private.kpi_conversations
  add constraint kpi_conversations_store_id_fkey foreign key (store_id) references public.stores (id) on delete cascade;

create function private.kpi_on_conversation_delete() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if not private.kpi_rebuilding() then
    delete from private.kpi_conversations where conversation_id = old.id;
  end if;
  return null;
end;
$$;
revoke execute on function private.kpi_on_conversation_delete from public, anon, authenticated, service_role;
create trigger kpi_rollups_delete after delete on public.conversations
  for each row execute function private.kpi_on_conversation_delete();

-- While a purge deletes, the rows it deletes are not broadcast to the inbox one by one (a purge of
-- months would flood realtime with deletions nobody looks at).
create function private.purging() returns boolean
language sql stable
set search_path = ''
as $$ select coalesce(pg_catalog.current_setting('sapa.purging', true), '') = 'on' $$;

create or replace function private.broadcast_store_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if private.purging() then
    return null;
  end if;
  perform realtime.broadcast_changes(
    'store:' || coalesce(new.store_id, old.store_id)::text,
    tg_op, tg_op, tg_table_name, tg_table_schema, new, old
  );
  return null;
end;
$$;

-- Nor is each deleted message's conversation label refreshed row by row: the purge refreshes the labels
-- of the conversations that go on once per batch (purge_expired, purge_messages).
create or replace function private.refresh_conversation_label_trigger() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if private.purging() then
    return null;
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    perform private.refresh_conversation_label(old.conversation_id);
  end if;
  if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.conversation_id <> old.conversation_id) then
    perform private.refresh_conversation_label(new.conversation_id);
  end if;
  return null;
end
$$;

-- Within a purge's transaction: the rollups keep what they counted (the KPI triggers stand aside, as
-- for kpi_rebuild) and the inbox is not told about each deleted row. Transaction-local, and switched
-- off again at the end of each purge call.
create function private.begin_purge() returns void
language sql
set search_path = ''
as $$
  select pg_catalog.set_config('sapa.kpi_rebuilding', 'on', true), pg_catalog.set_config('sapa.purging', 'on', true)
$$;
create function private.end_purge() returns void
language sql
set search_path = ''
as $$
  select pg_catalog.set_config('sapa.kpi_rebuilding', 'off', true), pg_catalog.set_config('sapa.purging', 'off', true)
$$;

-- The first instant kept: local midnight of today, retention_months ago, in the store's time zone.
create function public.retention_cutoff(p_store_id uuid, p_now timestamptz default now()) returns timestamptz
language sql stable
set search_path = ''
as $$
  select (pg_catalog.date_trunc('day', p_now at time zone s.timezone) - make_interval(months => s.retention_months))
         at time zone s.timezone
  from public.stores s
  where s.id = p_store_id
$$;
comment on function public.retention_cutoff is
  'The oldest instant a store keeps: local midnight retention_months before today (store time zone).';

-- Storage keys of the media kept for a message (media[i].storage_key).
create function private.media_keys(p_media jsonb) returns text[]
language sql immutable
set search_path = ''
as $$
  select coalesce(array_agg(e ->> 'storage_key') filter (where e ->> 'storage_key' is not null), '{}')
  from pg_catalog.jsonb_array_elements(p_media) e
$$;

-- Messages whose media is kept in object storage (the purge deletes their objects first).
create index messages_store_created_kept_media_idx on public.messages (store_id, created_at)
  where media @? '$[*] ? (@.storage_key != null)';

-- Orders still holding personal fields: what the purge anonymises, oldest first.
create index orders_store_created_personal_idx on public.orders (store_id, created_at)
  where billing_name is not null or billing_phone is not null or billing_email is not null;
-- Conversations without a message (never written to), purged by creation time.
create index conversations_store_created_silent_idx on public.conversations (store_id, created_at)
  where last_message_at is null;

-- Expired messages whose media is kept in object storage: the job deletes the objects, then the rows
-- (purge_messages). At most p_limit.
create function public.expired_message_media(p_store_id uuid, p_limit integer default 100,
                                             p_now timestamptz default now())
returns table (message_id uuid, storage_keys text[])
language sql stable
set search_path = ''
as $$
  select m.id, private.media_keys(m.media)
  from public.messages m
  where m.store_id = p_store_id and m.created_at < public.retention_cutoff(p_store_id, p_now)
    and m.media @? '$[*] ? (@.storage_key != null)'
  order by m.created_at
  limit least(greatest(p_limit, 1), 1000)
$$;

-- Delete these expired messages of the store (after their media objects were deleted); how many.
create function public.purge_messages(p_store_id uuid, p_message_ids uuid[], p_now timestamptz default now())
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_deleted integer;
  v_conversations uuid[];
begin
  perform private.begin_purge();
  with deleted as (
    delete from public.messages m
    where m.store_id = p_store_id and m.id = any (p_message_ids)
      and m.created_at < public.retention_cutoff(p_store_id, p_now)
    returning m.conversation_id
  )
  select count(*), coalesce(array_agg(distinct d.conversation_id), '{}') into v_deleted, v_conversations from deleted d;
  perform private.refresh_conversation_label(c) from unnest(v_conversations) c;
  perform private.end_purge();
  return v_deleted;
end;
$$;

-- One batch of the purge: the first kind of expired rows that has any, at most p_limit of them, deleted
-- (or for orders anonymised) in this one transaction. Returns {"table": name, "rows": n}; {"table":
-- null, "rows": 0} when the store holds nothing older than its window. Messages with kept media are left
-- to purge_messages (their objects go first).
create function private.purge_step(p_store_id uuid, p_limit integer, p_now timestamptz)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_cutoff timestamptz;
  v_rows integer;
  v_conversations uuid[];
begin
  if p_limit is null or p_limit < 1 or p_limit > 50000 then
    raise exception 'p_limit must be between 1 and 50000' using errcode = 'invalid_parameter_value';
  end if;
  v_cutoff := public.retention_cutoff(p_store_id, p_now);
  if v_cutoff is null then
    raise exception 'no store %', p_store_id using errcode = 'no_data_found';
  end if;
  with deleted as (
    delete from public.messages m
    where m.id in (
      select x.id from public.messages x
      where x.store_id = p_store_id and x.created_at < v_cutoff
        and not x.media @? '$[*] ? (@.storage_key != null)'
      order by x.created_at
      limit p_limit
      for update skip locked
    )
    returning m.conversation_id
  )
  select count(*), coalesce(array_agg(distinct d.conversation_id), '{}') into v_rows, v_conversations from deleted d;
  if v_rows > 0 then
    perform private.refresh_conversation_label(c) from unnest(v_conversations) c;
    return jsonb_build_object('table', 'messages', 'rows', v_rows);
  end if;

  delete from public.reply_jobs j
  where j.message_id in (
    select x.message_id from public.reply_jobs x
    where x.store_id = p_store_id and x.created_at < v_cutoff
    limit p_limit for update skip locked
  );
  get diagnostics v_rows = row_count;
  if v_rows > 0 then
    return jsonb_build_object('table', 'reply_jobs', 'rows', v_rows);
  end if;

  delete from public.conversation_notes n
  where n.id in (
    select x.id from public.conversation_notes x
    where x.store_id = p_store_id and x.created_at < v_cutoff
    limit p_limit for update skip locked
  );
  get diagnostics v_rows = row_count;
  if v_rows > 0 then
    return jsonb_build_object('table', 'conversation_notes', 'rows', v_rows);
  end if;

  delete from public.tickets t
  where t.id in (
    select x.id from public.tickets x
    where x.store_id = p_store_id and x.updated_at < v_cutoff
    limit p_limit for update skip locked
  );
  get diagnostics v_rows = row_count;
  if v_rows > 0 then
    return jsonb_build_object('table', 'tickets', 'rows', v_rows);
  end if;

  -- Conversations whose last message is older than the window and which have no message left.
  delete from public.conversations c
  where c.id in (
    select x.id from public.conversations x
    where x.store_id = p_store_id
      and (x.last_message_at < v_cutoff or (x.last_message_at is null and x.created_at < v_cutoff))
      and not exists (select from public.messages m where m.conversation_id = x.id)
    limit p_limit for update skip locked
  );
  get diagnostics v_rows = row_count;
  if v_rows > 0 then
    return jsonb_build_object('table', 'conversations', 'rows', v_rows);
  end if;

  -- Summaries written before the window, of conversations that go on.
  update public.conversations c
  set summary = null, summary_data = null, summary_updated_at = null
  where c.id in (
    select x.id from public.conversations x
    where x.store_id = p_store_id and x.summary_updated_at < v_cutoff
    limit p_limit for update skip locked
  );
  get diagnostics v_rows = row_count;
  if v_rows > 0 then
    return jsonb_build_object('table', 'summaries', 'rows', v_rows);
  end if;

  delete from public.woocommerce_deliveries d
  where d.id in (
    select x.id from public.woocommerce_deliveries x
    where x.store_id = p_store_id and x.received_at < v_cutoff
    limit p_limit for update skip locked
  );
  get diagnostics v_rows = row_count;
  if v_rows > 0 then
    return jsonb_build_object('table', 'woocommerce_deliveries', 'rows', v_rows);
  end if;

  -- Orders stay (the shop's books, mirrored from WooCommerce) without the person's details.
  update public.orders o
  set billing_name = null, billing_phone = null, billing_email = null
  where o.id in (
    select x.id from public.orders x
    where x.store_id = p_store_id and x.created_at < v_cutoff
      and (x.billing_name is not null or x.billing_phone is not null or x.billing_email is not null)
    order by x.created_at
    limit p_limit for update skip locked
  );
  get diagnostics v_rows = row_count;
  if v_rows > 0 then
    return jsonb_build_object('table', 'orders', 'rows', v_rows);
  end if;

  delete from public.job_runs r
  where r.id in (
    select x.id from public.job_runs x
    where x.store_id = p_store_id and x.finished_at is not null
      and x.started_at < greatest(v_cutoff, p_now - interval '30 days')  -- runs are kept 30 days at most
    limit p_limit for update skip locked
  );
  get diagnostics v_rows = row_count;
  if v_rows > 0 then
    return jsonb_build_object('table', 'job_runs', 'rows', v_rows);
  end if;

  return jsonb_build_object('table', null, 'rows', 0);
end;
$$;
create function public.purge_expired(p_store_id uuid, p_limit integer default 1000, p_now timestamptz default now())
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_step jsonb;
begin
  perform private.begin_purge();
  v_step := private.purge_step(p_store_id, p_limit, p_now);
  perform private.end_purge();
  return v_step;
end;
$$;
comment on function public.purge_expired is
  'One batch of a store''s retention purge (what is older than retention_cutoff); {"table": null, "rows": 0} when done.';

revoke execute on function public.retention_cutoff, public.expired_message_media, public.purge_messages,
  public.purge_expired, private.media_keys, private.purging from public, anon, authenticated;
grant execute on function public.retention_cutoff, public.expired_message_media, public.purge_messages,
  public.purge_expired to service_role;
revoke execute on function private.purge_step, private.begin_purge, private.end_purge from public, anon, authenticated;
grant execute on function private.media_keys, private.purging, private.purge_step, private.begin_purge,
  private.end_purge to service_role;
grant execute on function private.refresh_conversation_label(uuid) to service_role;
