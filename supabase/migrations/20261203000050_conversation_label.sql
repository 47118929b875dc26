-- Labels agents can rely on (issue 21).
-- 1. The classifier's "unsure" state beside each message's labels: its calibrated confidence was below
--    the model's threshold, so a person should check the label (the inbox shows it differently).
-- 2. The conversation's label on its row: the most urgent issue the customer raised in it (a customer has
--    one open conversation at a time, so its labelled messages are their open issues). A later
--    "makasih kak" does not hide an earlier "saldo kepotong 2x". A trigger on messages keeps it current
--    however labels are written (the worker, the seed, a correction), and the inbox reads and filters it
--    with the row, in one request.

alter table public.messages add column label_unsure boolean;
comment on column public.messages.label_unsure is
  'The classifier was unsure of category/urgency (a calibrated confidence below the model''s threshold).';
alter table public.messages add constraint messages_label_unsure_needs_labels
  check (label_unsure is null or category is not null);

alter table public.conversations
  add column label_message_id uuid,
  add column label_category public.issue_category,
  add column label_urgency public.urgency,
  add column label_confidence real check (label_confidence between 0 and 1),
  add column label_unsure boolean;
comment on column public.conversations.label_message_id is
  'The customer message whose labels are the conversation''s: the most urgent; among equals a sure label before an unsure one, then the newest.';
create index conversations_store_label_idx on public.conversations (store_id, label_urgency, label_category);

-- The conversation's most urgent labelled customer message (urgency is an enum: low < medium < high).
create function private.refresh_conversation_label(p_conversation_id uuid) returns void
language sql
security definer  -- the trigger fires for whoever writes messages; conversations are written by the service role
set search_path = ''
as $$
  with top as (
    select m.id, m.category, m.urgency, m.label_confidence, m.label_unsure
    from public.messages m
    where m.conversation_id = p_conversation_id and m.direction = 'inbound' and m.category is not null
      and m.urgency is not null
    order by m.urgency desc, coalesce(m.label_unsure, false), m.created_at desc, m.id desc
    limit 1
  )
  update public.conversations c
  set label_message_id = top.id, label_category = top.category, label_urgency = top.urgency,
      label_confidence = top.label_confidence, label_unsure = top.label_unsure
  from (select 1) as one left join top on true
  where c.id = p_conversation_id
    and (c.label_message_id, c.label_category, c.label_urgency, c.label_confidence, c.label_unsure)
        is distinct from (top.id, top.category, top.urgency, top.label_confidence, top.label_unsure)
$$;
revoke execute on function private.refresh_conversation_label(uuid) from public, anon, authenticated;

create function private.refresh_conversation_label_trigger() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    perform private.refresh_conversation_label(old.conversation_id);
  end if;
  if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.conversation_id <> old.conversation_id) then
    perform private.refresh_conversation_label(new.conversation_id);
  end if;
  return null;
end
$$;
revoke execute on function private.refresh_conversation_label_trigger() from public, anon, authenticated;

create trigger refresh_conversation_label_on_insert after insert on public.messages
  for each row when (new.category is not null)
  execute function private.refresh_conversation_label_trigger();
create trigger refresh_conversation_label_on_update
  after update of category, urgency, label_confidence, label_unsure, conversation_id, direction on public.messages
  for each row
  when (old.category is distinct from new.category or old.urgency is distinct from new.urgency
        or old.label_confidence is distinct from new.label_confidence
        or old.label_unsure is distinct from new.label_unsure
        or old.conversation_id is distinct from new.conversation_id or old.direction is distinct from new.direction)
  execute function private.refresh_conversation_label_trigger();
create trigger refresh_conversation_label_on_delete after delete on public.messages
  for each row when (old.category is not null)
  execute function private.refresh_conversation_label_trigger();

-- The worker's write: now with the unsure state (the four-argument call keeps working: sure).
drop function public.record_message_labels(uuid, public.issue_category, public.urgency, real);
create function public.record_message_labels(
  p_message_id uuid,
  p_category public.issue_category,
  p_urgency public.urgency,
  p_confidence real,
  p_unsure boolean default false
) returns void
language sql
set search_path = ''
as $$
  update public.messages
  set category = p_category, urgency = p_urgency, label_confidence = p_confidence,
      label_unsure = coalesce(p_unsure, false)
  where id = p_message_id and direction = 'inbound' and category is null
$$;
revoke execute on function public.record_message_labels from public, anon, authenticated;
grant execute on function public.record_message_labels to service_role;

-- Every conversation of a store at once (one statement): for rows written with triggers off, as the demo
-- seed bulk-copies its history, and for conversations labelled before this migration.
create function private.rebuild_conversation_labels(p_store_id uuid) returns void
language sql
security definer
set search_path = ''
as $$
  with top as (
    select distinct on (m.conversation_id)
           m.conversation_id, m.id, m.category, m.urgency, m.label_confidence, m.label_unsure
    from public.messages m
    where m.store_id = p_store_id and m.direction = 'inbound' and m.category is not null
      and m.urgency is not null
    order by m.conversation_id, m.urgency desc, coalesce(m.label_unsure, false), m.created_at desc, m.id desc
  )
  update public.conversations c
  set label_message_id = top.id, label_category = top.category, label_urgency = top.urgency,
      label_confidence = top.label_confidence, label_unsure = top.label_unsure
  from public.conversations c2 left join top on top.conversation_id = c2.id
  where c.id = c2.id and c2.store_id = p_store_id
    and (c.label_message_id, c.label_category, c.label_urgency, c.label_confidence, c.label_unsure)
        is distinct from (top.id, top.category, top.urgency, top.label_confidence, top.label_unsure)
$$;
revoke execute on function private.rebuild_conversation_labels(uuid) from public, anon, authenticated;

select private.rebuild_conversation_labels(s.id) from public.stores s;
