-- The proactive sender's two queues (broadcasts, order updates) share their claim, their checks' lock order
-- and the sandbox rule in one place each, instead of twins written out per queue. Nothing they do changes:
-- the same signatures, grants, answers and locks.
--
-- * private.is_sandbox_sender: a store whose messages the local stack's own sender thread sends (no Twilio
--   account, not on Meta): what a claim's p_sandbox_only keeps.
-- * private.claim_send_slots: the second half of a claim (migration 650) for either queue's table: lock
--   the claimed rows' stores' pace rows in store order, then give each row, in claim order, its slot and
--   lease. Each claim keeps its own first half (which rows are due, in what order).
-- * private.proactive_send_checks: a group's checks (migration 640) for either queue: lock its customers in
--   id order, check store by store, answer in the order asked.
-- * private.restored_row (migration 630): the two queues' rows under way share one branch, and a finished
--   broadcast's restored_status is written as what it is, a default (see there).

-- The sandbox rule ------------------------------------------------------------------------------------
create function private.is_sandbox_sender(p_store_id uuid) returns boolean
language sql stable
set search_path = ''
as $$
  select not exists (select 1 from public.store_credentials k
                     where k.store_id = p_store_id and k.twilio_account_sid is not null)
     and not exists (select 1 from public.stores s where s.id = p_store_id and s.whatsapp_provider = 'meta')
$$;
comment on function private.is_sandbox_sender is
  'The store sends through the local sandbox (no Twilio account, not on Meta): what a claim with p_sandbox_only takes.';

-- Claims ------------------------------------------------------------------------------------------------
create function private.check_claim_arguments(p_limit integer, p_rate double precision, p_lease_seconds integer)
returns void
language plpgsql
set search_path = ''
as $$
begin
  if p_rate is null or p_rate <= 0 or p_limit is null or p_limit < 1 or p_lease_seconds is null or p_lease_seconds < 1 then
    raise exception 'claim needs a positive limit, rate and lease' using errcode = 'invalid_parameter_value';
  end if;
end;
$$;

-- p_queue: public.broadcast_recipients or public.order_notifications (the same columns for a send: id,
-- store_id, status, message_id, slot_at, lease_until, attempts); p_claimed: the rows the claim took
-- (`for update`), in claim order. Answers in that order; `resumed`: a worker that died had stored its message.
create function private.claim_send_slots(p_queue regclass, p_claimed uuid[], p_rate double precision,
                                         p_lease_seconds integer)
returns table (id uuid, store_id uuid, slot_at timestamptz, resumed boolean)
language plpgsql
set search_path = ''
as $$
declare
  v_row record;
  v_slot timestamptz;
begin
  if p_queue not in ('public.broadcast_recipients'::regclass, 'public.order_notifications'::regclass) then
    raise exception 'no send queue %', p_queue using errcode = 'invalid_parameter_value';
  end if;
  execute format('select private.lock_send_paces(array(select q.store_id from %s q where q.id = any($1)))', p_queue)
    using p_claimed;
  for v_row in execute format(
    'select q.id, q.store_id, q.status = ''sending'' and q.message_id is not null as resumed'
    ' from unnest($1) with ordinality as x (id, n) join %s q on q.id = x.id order by x.n', p_queue)
    using p_claimed
  loop
    v_slot := private.next_send_slot(v_row.store_id, p_rate);
    execute format('update %s q set status = ''sending'', slot_at = $2, lease_until = $2 + make_interval(secs => $3),'
                   ' attempts = q.attempts + 1 where q.id = $1', p_queue)
      using v_row.id, v_slot, p_lease_seconds;
    id := v_row.id;
    store_id := v_row.store_id;
    slot_at := v_slot;
    resumed := v_row.resumed;
    return next;
  end loop;
end;
$$;
comment on function private.claim_send_slots is
  'A claim''s slots and leases for the rows it took of a send queue: the stores'' pace rows locked in store id order first.';

create or replace function public.claim_broadcast_recipients(
  p_limit integer, p_rate double precision, p_lease_seconds integer, p_sandbox_only boolean default false
)
returns table (recipient_id uuid, store_id uuid, broadcast_id uuid, slot_at timestamptz, resumed boolean,
               db_now timestamptz)
language plpgsql
set search_path = ''
as $$
declare
  v_claimed uuid[];
begin
  perform private.check_claim_arguments(p_limit, p_rate, p_lease_seconds);
  update public.broadcasts b set status = 'sending', started_at = coalesce(b.started_at, now())
  where b.status = 'scheduled' and b.send_at <= now();
  update public.broadcasts b set status = 'completed', finished_at = now()
  where b.status = 'sending'
    and not exists (select 1 from public.broadcast_recipients r
                    where r.broadcast_id = b.id and r.status in ('pending', 'sending'));
  v_claimed := array(
    select r.id
    from public.broadcasts b
    join public.broadcast_recipients r on r.broadcast_id = b.id
    where b.status = 'sending'
      and (r.status = 'pending' or (r.status = 'sending' and r.lease_until < now()))
      and (not p_sandbox_only or private.is_sandbox_sender(b.store_id))
    order by b.created_at, r.id
    limit p_limit
    for update of r skip locked);
  return query
    select c.id, c.store_id, r.broadcast_id, c.slot_at, c.resumed, now()
    from private.claim_send_slots('public.broadcast_recipients', v_claimed, p_rate, p_lease_seconds)
         with ordinality as c
    join public.broadcast_recipients r on r.id = c.id
    order by c.ordinality;
end;
$$;

create or replace function public.claim_order_notifications(
  p_limit integer, p_rate double precision, p_lease_seconds integer, p_sandbox_only boolean default false
)
returns table (recipient_id uuid, store_id uuid, slot_at timestamptz, resumed boolean, db_now timestamptz)
language plpgsql
set search_path = ''
as $$
declare
  v_claimed uuid[];
begin
  perform private.check_claim_arguments(p_limit, p_rate, p_lease_seconds);
  v_claimed := array(
    select n.id
    from public.order_notifications n
    where ((n.status = 'scheduled' and n.due_at <= now()) or (n.status = 'sending' and n.lease_until < now()))
      and (not p_sandbox_only or private.is_sandbox_sender(n.store_id))
    order by n.due_at, n.id
    limit p_limit
    for update of n skip locked);
  return query
    select c.id, c.store_id, c.slot_at, c.resumed, now()
    from private.claim_send_slots('public.order_notifications', v_claimed, p_rate, p_lease_seconds)
         with ordinality as c
    order by c.ordinality;
end;
$$;

-- Checks --------------------------------------------------------------------------------------------------
-- The store and customer of each of a queue's rows (an order update's customer is its order's).
create function private.proactive_recipients(p_queue regclass, p_ids uuid[])
returns table (id uuid, store_id uuid, customer_id uuid)
language sql stable
set search_path = ''
as $$
  select r.id, r.store_id, r.customer_id from public.broadcast_recipients r
  where p_queue = 'public.broadcast_recipients'::regclass and r.id = any(p_ids)
  union all
  select n.id, n.store_id, o.customer_id from public.order_notifications n join public.orders o on o.id = n.order_id
  where p_queue = 'public.order_notifications'::regclass and n.id = any(p_ids)
$$;

-- A group's checks (the lock order of migration 640): its customers locked in id order first, then each
-- row checked store by store, customer by customer; the answers in the order asked, with their row's id.
create function private.proactive_send_checks(p_queue regclass, p_ids uuid[]) returns setof jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_answers jsonb[] := '{}';
  v_next record;
begin
  if p_queue not in ('public.broadcast_recipients'::regclass, 'public.order_notifications'::regclass) then
    raise exception 'no send queue %', p_queue using errcode = 'invalid_parameter_value';
  end if;
  perform private.lock_proactive_customers(array(
    select p.customer_id from private.proactive_recipients(p_queue, p_ids) p));
  for v_next in
    select x.id, x.n from unnest(p_ids) with ordinality as x (id, n)
    left join private.proactive_recipients(p_queue, p_ids) p on p.id = x.id
    order by p.store_id, p.customer_id, x.n
  loop
    v_answers[v_next.n] := case when p_queue = 'public.broadcast_recipients'::regclass
                                then public.broadcast_send_check(v_next.id)
                                else public.order_notification_send_check(v_next.id) end;
  end loop;
  return query
    select v_answers[x.n] || jsonb_build_object('recipient_id', x.id)
    from unnest(p_ids) with ordinality as x (id, n)
    order by x.n;
end;
$$;

create or replace function public.broadcast_send_checks(p_recipient_ids uuid[]) returns setof jsonb
language sql
set search_path = ''
as $$
  select private.proactive_send_checks('public.broadcast_recipients', p_recipient_ids)
$$;

create or replace function public.order_notification_send_checks(p_recipient_ids uuid[]) returns setof jsonb
language sql
set search_path = ''
as $$
  select private.proactive_send_checks('public.order_notifications', p_recipient_ids)
$$;

-- Restore ----------------------------------------------------------------------------------------------
-- As in migration 630. A finished broadcast comes back as it was, naming restored_status (null unless the
-- archive has one): import_store_rows inserts the columns its page's first row names, so a first row
-- without the column would drop the restored_status of the unfinished broadcasts after it. A broadcast
-- recipient or order update under way is stopped: failed if its message was stored (it may have gone out),
-- else skipped (cancelled) or cancelled (restored).
create or replace function private.restored_row(p_table text, p_row jsonb) returns jsonb
language sql stable
set search_path = ''
as $$
  select case
    when p_table = 'broadcasts' and p_row ->> 'status' in ('completed', 'cancelled') then
      jsonb_build_object('restored_status', null) || p_row
    when p_table = 'broadcasts' then
      p_row || jsonb_build_object('status', 'cancelled', 'restored_status', p_row -> 'status',
                                  'finished_at', coalesce(nullif(p_row -> 'finished_at', 'null'), to_jsonb(now())))
    when (p_table, p_row ->> 'status') in (('broadcast_recipients', 'pending'), ('broadcast_recipients', 'sending'),
                                           ('order_notifications', 'scheduled'), ('order_notifications', 'sending')) then
      p_row || case when p_row ->> 'status' = 'sending' and p_row ->> 'message_id' is not null
                    then jsonb_build_object('status', 'failed', 'error',
                           'restored while being sent: whether it went out is not known')
                    when p_table = 'broadcast_recipients' then jsonb_build_object('status', 'skipped', 'skip_reason', 'cancelled')
                    else jsonb_build_object('status', 'cancelled', 'skip_reason', 'restored') end
            || jsonb_build_object('lease_until', null, 'slot_at', null)
    else p_row
  end
$$;

revoke execute on function private.is_sandbox_sender, private.check_claim_arguments, private.claim_send_slots,
  private.proactive_recipients, private.proactive_send_checks from public, anon, authenticated;
grant execute on function private.is_sandbox_sender, private.check_claim_arguments, private.claim_send_slots,
  private.proactive_recipients, private.proactive_send_checks to service_role;
