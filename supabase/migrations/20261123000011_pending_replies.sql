-- Inbound messages still waiting for the bot: stored by the webhook, but their reply job never ran to the
-- end (the process that held the job stopped). The local stack's in-process queue re-enqueues them at
-- start; on AWS, SQS redelivers by itself.

create function public.pending_replies(p_since interval default interval '1 hour', p_max_attempts integer default 3)
returns table (store_id uuid, message_id uuid)
language sql stable
set search_path = ''
as $$
  select m.store_id, m.id
  from public.messages m
  join public.conversations c on c.id = m.conversation_id
  left join public.reply_jobs j on j.message_id = m.id
  where m.direction = 'inbound'
    and m.created_at > now() - p_since
    and c.status = 'bot'
    and not exists (  -- answered some other way (seeded history, an agent)
      select 1 from public.messages r
      where r.conversation_id = m.conversation_id and r.direction = 'outbound' and r.created_at > m.created_at
    )
    and (j.message_id is null
         or j.status = 'working'
         or (j.status = 'failed' and j.attempts < p_max_attempts))
  order by m.created_at
$$;

revoke execute on function public.pending_replies from public, anon, authenticated;
grant execute on function public.pending_replies to service_role;
