-- The proactive sender's claims lock the stores' send slots in store order: two claims at the same time no
-- longer deadlock.
--
-- A claim (claim_broadcast_recipients, claim_order_notifications) gives each row it takes a slot on its
-- store's sender, and that locks the store's row of private.broadcast_pace (private.next_send_slot) until
-- the claim commits. Claims locked them in the order of the rows they took (broadcast and id, due time and
-- id), not in store order. Two claims at the same time (two overlapping runs of a queue: a schedule can
-- start a run while the last one is still going; or the two queues' claims in two processes: they share
-- the pace) that reached stores a and b in opposite orders each held one pace row and waited for the
-- other's (40P01). The victim's claim was rolled back whole, its run raised and was logged as failed, and
-- its sends went out only with a later run.
--
-- The rule, the same as for the checks (migration 640): a claim first takes its rows (`for update skip
-- locked`: it never waits for another claim's), then locks all their stores' pace rows in store id order,
-- in one place (private.lock_send_paces), and only then hands out the slots, row by row in the order it
-- took them, as before. A second claim with any of the same stores waits for the first to commit and
-- takes the slots after the first one's. The slots, leases and the rows' order are unchanged.

create function private.lock_send_paces(p_store_ids uuid[]) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_store_id uuid;
begin
  -- One store at a time: a store's first slot inserts its row, and a claim waits for another's insert of
  -- the same store as for its update, so the inserts too have to come in store order.
  for v_store_id in select distinct s.id from unnest(p_store_ids) as s (id) order by s.id loop
    insert into private.broadcast_pace as p (store_id, next_slot_at) values (v_store_id, now())
    on conflict on constraint broadcast_pace_pkey do update set next_slot_at = greatest(p.next_slot_at, now());
  end loop;
end;
$$;
comment on function private.lock_send_paces is
  'Locks the send slots (private.broadcast_pace) of the stores a claim takes rows of, in store id order, before any slot is handed out.';

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

  v_claimed := array(
    select r.id
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
    for update of r skip locked);
  perform private.lock_send_paces(array(
    select r.store_id from public.broadcast_recipients r where r.id = any(v_claimed)));

  for v_row in
    select r.id, r.store_id, r.broadcast_id, r.message_id, r.status
    from unnest(v_claimed) with ordinality as x (id, n)
    join public.broadcast_recipients r on r.id = x.id
    order by x.n
  loop
    v_slot := private.next_send_slot(v_row.store_id, p_rate);
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

create or replace function public.claim_order_notifications(
  p_limit integer, p_rate double precision, p_lease_seconds integer, p_sandbox_only boolean default false
)
returns table (recipient_id uuid, store_id uuid, slot_at timestamptz, resumed boolean, db_now timestamptz)
language plpgsql
set search_path = ''
as $$
declare
  v_claimed uuid[];
  v_row record;
  v_slot timestamptz;
begin
  if p_rate is null or p_rate <= 0 or p_limit is null or p_limit < 1 or p_lease_seconds is null or p_lease_seconds < 1 then
    raise exception 'claim needs a positive limit, rate and lease' using errcode = 'invalid_parameter_value';
  end if;
  v_claimed := array(
    select n.id
    from public.order_notifications n
    where ((n.status = 'scheduled' and n.due_at <= now()) or (n.status = 'sending' and n.lease_until < now()))
      and not (p_sandbox_only and (exists (select 1 from public.store_credentials k
                                           where k.store_id = n.store_id and k.twilio_account_sid is not null)
                                   or exists (select 1 from public.stores s
                                              where s.id = n.store_id and s.whatsapp_provider = 'meta')))
    order by n.due_at, n.id
    limit p_limit
    for update of n skip locked);
  perform private.lock_send_paces(array(
    select n.store_id from public.order_notifications n where n.id = any(v_claimed)));

  for v_row in
    select n.id, n.store_id, n.message_id, n.status
    from unnest(v_claimed) with ordinality as x (id, k)
    join public.order_notifications n on n.id = x.id
    order by x.k
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

revoke execute on function private.lock_send_paces from public, anon, authenticated;
grant execute on function private.lock_send_paces to service_role;
