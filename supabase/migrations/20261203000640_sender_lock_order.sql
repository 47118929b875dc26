-- The proactive sender's lock order: a broadcast and order updates due for the same customers at once no
-- longer deadlock.
--
-- The worker checks a group of each queue at the same time (broadcast_send_checks and
-- order_notification_send_checks, one transaction per group). Each check stores its message in the
-- customer's conversation, and that locks the conversation row (touch_conversation), its KPI facts
-- (private.kpi_conversations) and, for a new conversation, the store's hour of conversation counts
-- (private.kpi_conversation_hours). The customer itself was only locked `for share`, which does not keep
-- the other queue out. A broadcast's group reaches its customers in customer order, an order updates'
-- group in due order: two groups with customers a and b in opposite orders each held one conversation
-- and waited for the other's (40P01). The victim's group was rolled back and its messages went out only
-- after their claims ran out (broadcast_lease_seconds); a customer without a conversation could also get
-- two, one from each queue (neither saw the other's uncommitted one).
--
-- The rule: a group of proactive messages first locks all its customers (`for no key update`, which
-- conflicts with itself and not with foreign-key checks), in customer id order, in one place
-- (private.lock_proactive_customers); only then does it write into their conversations, store by store
-- (the per-store rows of the KPIs come in store order). A second group with any of the same customers
-- waits for the first to commit, then finds the conversation the first one opened. The answers come back
-- in the order asked, as before.

create function private.lock_proactive_customers(p_customer_ids uuid[]) returns void
language plpgsql
set search_path = ''
as $$
begin
  perform 1 from (
    select c.id from public.customers c where c.id = any(p_customer_ids) order by c.id for no key update of c
  ) locked;
end;
$$;
comment on function private.lock_proactive_customers is
  'Locks the customers a group of proactive messages goes to, in id order, before anything is written into their conversations.';

create or replace function public.broadcast_send_checks(p_recipient_ids uuid[]) returns setof jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_answers jsonb[] := '{}';
  v_next record;
begin
  perform private.lock_proactive_customers(array(
    select r.customer_id from public.broadcast_recipients r where r.id = any(p_recipient_ids)));
  for v_next in
    select x.id, x.n from unnest(p_recipient_ids) with ordinality as x (id, n)
    left join public.broadcast_recipients r on r.id = x.id
    order by r.store_id, r.customer_id, x.n
  loop
    v_answers[v_next.n] := public.broadcast_send_check(v_next.id);
  end loop;
  return query
    select v_answers[x.n] || jsonb_build_object('recipient_id', x.id)
    from unnest(p_recipient_ids) with ordinality as x (id, n)
    order by x.n;
end;
$$;

create or replace function public.order_notification_send_checks(p_recipient_ids uuid[]) returns setof jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_answers jsonb[] := '{}';
  v_next record;
begin
  perform private.lock_proactive_customers(array(
    select o.customer_id from public.order_notifications n join public.orders o on o.id = n.order_id
    where n.id = any(p_recipient_ids)));
  for v_next in
    select x.id, x.n from unnest(p_recipient_ids) with ordinality as x (id, n)
    left join public.order_notifications n on n.id = x.id
    left join public.orders o on o.id = n.order_id
    order by n.store_id, o.customer_id, x.n
  loop
    v_answers[v_next.n] := public.order_notification_send_check(v_next.id);
  end loop;
  return query
    select v_answers[x.n] || jsonb_build_object('recipient_id', x.id)
    from unnest(p_recipient_ids) with ordinality as x (id, n)
    order by x.n;
end;
$$;

revoke execute on function private.lock_proactive_customers from public, anon, authenticated;
grant execute on function private.lock_proactive_customers to service_role;
