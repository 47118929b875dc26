-- Live updates: conversation and message changes are broadcast from the database (Supabase Realtime
-- "broadcast from database") on the private topic store:<store_id>; only that store's members may join.

create function private.store_id_from_topic(p_topic text) returns uuid
language sql immutable
set search_path = ''
as $$
  select case
    when p_topic ~ '^store:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
    then substr(p_topic, 7)::uuid
  end
$$;
grant execute on function private.store_id_from_topic to authenticated, service_role;

create function private.broadcast_store_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform realtime.broadcast_changes(
    'store:' || coalesce(new.store_id, old.store_id)::text,
    tg_op, tg_op, tg_table_name, tg_table_schema, new, old
  );
  return null;
end;
$$;

create trigger broadcast_change after insert or update or delete on public.conversations
  for each row execute function private.broadcast_store_change();
create trigger broadcast_change after insert or update or delete on public.messages
  for each row execute function private.broadcast_store_change();
create trigger broadcast_change after insert or update or delete on public.tickets
  for each row execute function private.broadcast_store_change();

create policy "members can receive their store's broadcasts" on realtime.messages
  for select to authenticated
  using (
    realtime.messages.extension = 'broadcast'
    and realtime.messages.topic = (select realtime.topic())
    and public.has_role_on_store(private.store_id_from_topic((select realtime.topic())))
  );
