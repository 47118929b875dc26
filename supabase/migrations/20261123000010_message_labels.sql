-- The classifier's labels on inbound messages, written once by the worker (the realtime trigger on
-- messages then tells the dashboard).

create function public.record_message_labels(
  p_message_id uuid,
  p_category public.issue_category,
  p_urgency public.urgency,
  p_confidence real
) returns void
language sql
set search_path = ''
as $$
  update public.messages
  set category = p_category, urgency = p_urgency, label_confidence = p_confidence
  where id = p_message_id and direction = 'inbound' and category is null
$$;

revoke execute on function public.record_message_labels from public, anon, authenticated;
grant execute on function public.record_message_labels to service_role;
