-- A reply job that failed its last try (the SQS worker's job_max_attempts, then the dead-letter queue):
-- the customer got no answer, so a person must see it. The job is marked failed with its error, and a
-- conversation the bot had moves to `human` with a ticket naming the error; the realtime triggers put
-- both in the inbox at once. Idempotent: a second call changes nothing more.
create function public.give_up_reply(p_message_id uuid, p_error text)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_inbound public.messages;
begin
  select * into v_inbound from public.messages where id = p_message_id and direction = 'inbound';
  if not found then
    raise exception 'no inbound message %', p_message_id using errcode = 'no_data_found';
  end if;
  insert into public.reply_jobs (message_id, store_id, status, last_error)
  values (v_inbound.id, v_inbound.store_id, 'failed', left(p_error, 2000))
  on conflict (message_id) do update
    set status = 'failed', last_error = excluded.last_error
    where public.reply_jobs.status in ('working', 'failed');
  if exists (select 1 from public.reply_jobs where message_id = p_message_id and status <> 'failed') then
    return;  -- answered or skipped after all (a late success): nothing to hand over
  end if;
  update public.conversations
  set status = 'human', handed_off_at = now()
  where id = v_inbound.conversation_id and status = 'bot';
  insert into public.tickets (store_id, conversation_id, subject, priority)
  select v_inbound.store_id, v_inbound.conversation_id,
         'The bot could not reply: ' || left(split_part(p_error, E'\n', 1), 200),
         case v_inbound.urgency when 'high' then 'high'::public.ticket_priority else 'normal' end
  where not exists (
    select 1 from public.tickets t where t.conversation_id = v_inbound.conversation_id and t.status <> 'resolved'
  );
end;
$$;

comment on function public.give_up_reply(uuid, text) is
  'After a reply job''s last try: mark it failed and hand the conversation to a person with a ticket.';

revoke execute on function public.give_up_reply(uuid, text) from public, anon, authenticated;
grant execute on function public.give_up_reply(uuid, text) to service_role;
