-- Media customers send on WhatsApp, read. The webhook stores each item as Twilio describes it
-- ({url, content_type} in messages.media); the reply job then downloads it, keeps it in object storage and
-- records here what it found: the item gains status, storage_key, size_bytes, text, pages, method, error.
-- The assistant reads the text through reply_context; the dashboard shows it under the attachment (the
-- realtime trigger on messages tells it).

-- Functions ---------------------------------------------------------------------------------------
-- Record what processing one media item of an inbound message found. Idempotent: an item already
-- processed is returned as it is and nothing changes, so a retried job neither duplicates nor overwrites.
-- Only the processing fields are taken from p_result; url and content_type stay as Twilio sent them.
create function public.record_message_media(p_message_id uuid, p_index integer, p_result jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_media jsonb;
  v_item jsonb;
  v_result jsonb;
begin
  if jsonb_typeof(p_result) is distinct from 'object' or coalesce(p_result ->> 'status', '') not in (
    'extracted', 'unsupported', 'oversized', 'unreadable', 'unavailable'
  ) then
    raise exception 'a media result needs a status: extracted, unsupported, oversized, unreadable or unavailable'
      using errcode = 'check_violation';
  end if;
  if length(p_result ->> 'text') > 50000 or length(p_result ->> 'error') > 2000 then
    raise exception 'a media result''s text is at most 50,000 characters and its error 2,000'
      using errcode = 'check_violation';
  end if;

  select m.media into v_media
  from public.messages m
  where m.id = p_message_id and m.direction = 'inbound'
  for update;
  if not found then
    raise exception 'no inbound message %', p_message_id using errcode = 'no_data_found';
  end if;
  v_item := v_media -> p_index;
  if p_index < 0 or jsonb_typeof(v_item) is distinct from 'object' then
    raise exception 'message % has no media item %', p_message_id, p_index using errcode = 'no_data_found';
  end if;
  if v_item ? 'status' then
    return v_item;  -- processed by an earlier run
  end if;

  v_result := jsonb_strip_nulls(jsonb_build_object(
    'status', p_result -> 'status',
    'storage_key', p_result -> 'storage_key',
    'size_bytes', p_result -> 'size_bytes',
    'text', p_result -> 'text',
    'text_truncated', p_result -> 'text_truncated',
    'pages', p_result -> 'pages',
    'method', p_result -> 'method',
    'error', p_result -> 'error',
    'processed_at', to_jsonb(now())
  ));
  v_item := v_item || v_result;
  update public.messages set media = jsonb_set(media, array[p_index::text], v_item) where id = p_message_id;
  return v_item;
end;
$$;
comment on function public.record_message_media is
  'Worker: record what downloading and reading media item p_index of an inbound message found (once; a retry changes nothing).';

-- reply_context as in 20261123000008_replies.sql, with the media of the message and of the history
-- (their extracted text is part of what the assistant reads).
create or replace function public.reply_context(p_message_id uuid, p_history integer default 20)
returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'message', jsonb_build_object('id', m.id, 'store_id', m.store_id, 'conversation_id', m.conversation_id,
                                  'body', m.body, 'media', m.media, 'created_at', m.created_at),
    'conversation_status', c.status,
    'customer', jsonb_build_object('phone', cu.phone, 'name', cu.name),
    'has_newer_inbound', exists (
      select 1 from public.messages n
      where n.conversation_id = m.conversation_id and n.direction = 'inbound' and n.created_at > m.created_at
    ),
    'stored_parts', coalesce((
      select jsonb_agg(jsonb_build_object('id', r.id, 'body', r.body, 'status', r.status) order by r.created_at, r.id)
      from public.messages r where r.reply_to = m.id
    ), '[]'::jsonb),
    'history', coalesce((
      select jsonb_agg(jsonb_build_object('role', h.sender, 'text', h.body, 'media', h.media) order by h.created_at)
      from (
        select e.sender, e.body, e.media, e.created_at from public.messages e
        where e.conversation_id = m.conversation_id and e.created_at < m.created_at and e.sender <> 'system'
        order by e.created_at desc limit p_history
      ) h
    ), '[]'::jsonb),
    'destination', jsonb_build_object(
      'from_phone', s.whatsapp_number, 'to_phone', cu.phone, 'last_inbound_at', c.last_inbound_at,
      'account_sid', k.twilio_account_sid, 'auth_token', k.twilio_auth_token
    )
  )
  from public.messages m
  join public.conversations c on c.id = m.conversation_id
  join public.customers cu on cu.id = c.customer_id
  join public.stores s on s.id = m.store_id
  left join public.store_credentials k on k.store_id = m.store_id
  where m.id = p_message_id and m.direction = 'inbound'
$$;

revoke execute on function public.record_message_media from public, anon, authenticated;
grant execute on function public.record_message_media to service_role;
-- `create or replace` keeps reply_context's grants; restated so this file reads whole.
revoke execute on function public.reply_context from public, anon, authenticated;
grant execute on function public.reply_context to service_role;
