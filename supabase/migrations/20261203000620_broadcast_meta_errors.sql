-- A broadcast recipient whose message Meta fails later keeps Meta's error, not "Twilio error <code>".
-- Meta's status webhook records the failure in two updates of the message (record_channel_status: the
-- status with the code, then the error text and title in metadata); the recipient followed the first
-- only. It now also follows a failed message's error when it changes, as order notifications do
-- (migration 610).
create or replace function private.follow_broadcast_message() returns trigger
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
    and r.status <> 'skipped'
    and (private.broadcast_recipient_rank(v_new) > private.broadcast_recipient_rank(r.status)
         or (v_new = 'failed' and r.status in ('sending', 'queued', 'sent'))
         or (v_new = 'failed' and r.status = 'failed' and new.metadata ->> 'error' is distinct from r.error));
  return null;
end;
$$;

drop trigger follow_broadcast_message on public.messages;
create trigger follow_broadcast_message after update of status, metadata on public.messages
  for each row when (new.metadata ? 'broadcast_recipient_id')
  execute function private.follow_broadcast_message();
