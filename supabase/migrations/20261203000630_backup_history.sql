-- A store backup keeps the history a shop cannot afford to lose when it moves or restores (archive
-- format 2, sapa.privacy.backup): the customers' consent history (the shop's proof of consent),
-- broadcasts with their recipients, and the order updates and checkout reminders sent. All of it is
-- restored as history: nothing a restore inserts is sent, scheduled or recorded anew.
--
-- While import_store_rows inserts an archive's rows, the transaction-local setting sapa.restoring is
-- 'on', and the triggers that react to new facts do not fire: a STOP or START in the restored messages
-- changes no consent and stores no confirmation (the archive holds both), and an order, old or new, is
-- no order update or checkout reminder to schedule. When the archive carries the consent history
-- (sapa.consent_history_restored = 'on'), a restored customer records no consent event either: their
-- events follow as they were. From an archive without it (format 1), the customers record their
-- consent anew, as the `import`'s.
--
-- Broadcasts and notifications that were under way when the backup was taken are never sent by the
-- restored store: a broadcast not completed or cancelled is restored cancelled (restored_status: the
-- status it had), its recipients not yet sent skipped as `cancelled`; a scheduled order update or
-- reminder is restored cancelled as `restored`. One whose message was stored but not answered by the
-- provider (it may have gone out) is restored failed, saying so.

-- Tables ------------------------------------------------------------------------------------------
alter table public.broadcasts add column restored_status public.broadcast_status;
comment on column public.broadcasts.restored_status is
  'Set when a restore (sapa store import) cancelled this broadcast: the status it had in the archive. A restored broadcast is never sent again.';

alter table public.order_notifications drop constraint order_notifications_skip_reason_check;
alter table public.order_notifications add constraint order_notifications_skip_reason_check
  check (skip_reason in ('disabled', 'no_template', 'no_customer', 'no_consent', 'opted_out', 'no_valid_number',
                         'superseded', 'order_paid', 'order_closed', 'restored'));
comment on column public.order_notifications.skip_reason is
  'Why it was skipped or cancelled; restored: it was still to be sent when the backup it was restored from was taken.';

-- Triggers quiet during a restore -------------------------------------------------------------------
drop trigger record_consent_event on public.customers;
create trigger record_consent_event after insert on public.customers
  for each row when (pg_catalog.current_setting('sapa.consent_history_restored', true) is distinct from 'on')
  execute function private.record_consent_event();

drop trigger mark_consent_command on public.messages;
create trigger mark_consent_command before insert on public.messages
  for each row when (new.direction = 'inbound' and pg_catalog.current_setting('sapa.restoring', true) is distinct from 'on')
  execute function private.mark_consent_command();
drop trigger apply_consent_command on public.messages;
create trigger apply_consent_command after insert on public.messages
  for each row when (new.direction = 'inbound' and new.metadata ? 'consent_command'
                     and pg_catalog.current_setting('sapa.restoring', true) is distinct from 'on')
  execute function private.apply_consent_command();

drop trigger schedule_order_notifications on public.orders;
create trigger schedule_order_notifications after insert or update of status, tracking_number on public.orders
  for each row when (pg_catalog.current_setting('sapa.restoring', true) is distinct from 'on')
  execute function private.schedule_order_notifications();

-- Functions ---------------------------------------------------------------------------------------
-- An archived row as the restore inserts it: what was under way when the backup was taken, stopped.
create function private.restored_row(p_table text, p_row jsonb) returns jsonb
language sql stable
set search_path = ''
as $$
  select case
    when p_table = 'broadcasts' then
      case when p_row ->> 'status' in ('completed', 'cancelled')
           then p_row || jsonb_build_object('restored_status', p_row -> 'restored_status')
           else p_row || jsonb_build_object('status', 'cancelled', 'restored_status', p_row -> 'status',
                                            'finished_at', coalesce(nullif(p_row -> 'finished_at', 'null'), to_jsonb(now())))
      end
    when p_table = 'broadcast_recipients' and p_row ->> 'status' in ('pending', 'sending') then
      p_row || case when p_row ->> 'status' = 'sending' and p_row ->> 'message_id' is not null
                    then jsonb_build_object('status', 'failed', 'error',
                           'restored while being sent: whether it went out is not known')
                    else jsonb_build_object('status', 'skipped', 'skip_reason', 'cancelled') end
            || jsonb_build_object('lease_until', null, 'slot_at', null)
    when p_table = 'order_notifications' and p_row ->> 'status' in ('scheduled', 'sending') then
      p_row || case when p_row ->> 'status' = 'sending' and p_row ->> 'message_id' is not null
                    then jsonb_build_object('status', 'failed', 'error',
                           'restored while being sent: whether it went out is not known')
                    else jsonb_build_object('status', 'cancelled', 'skip_reason', 'restored') end
            || jsonb_build_object('lease_until', null, 'slot_at', null)
    else p_row
  end
$$;

-- As in migration 351, with the history tables and one more argument (so the function is created anew):
-- p_consent_history: the archive carries the consent history, so its customers record no consent event.
-- The rows' own triggers are quiet while they are inserted (see above); a reference whose key does not
-- hold the store (a message, template or segment) must be the store's as well.
drop function public.import_store_rows(uuid, text, jsonb);
create function public.import_store_rows(p_store_id uuid, p_table text, p_rows jsonb,
                                         p_consent_history boolean default false) returns bigint
language plpgsql security definer
set search_path = ''
as $$
declare
  v_columns text;
  v_count bigint;
begin
  if p_table not in ('store_policies', 'whatsapp_templates', 'customers', 'customer_labels', 'customer_notes',
                     'segments', 'products', 'product_variations', 'orders', 'order_items', 'conversations', 'messages',
                     'tickets', 'conversation_notes', 'knowledge_documents', 'knowledge_chunks',
                     'customer_consent_events', 'broadcasts', 'broadcast_recipients', 'order_notifications') then
    raise exception 'a backup does not restore table %', p_table using errcode = 'invalid_parameter_value';
  end if;
  if jsonb_typeof(p_rows) <> 'array' or jsonb_array_length(p_rows) = 0 then
    return 0;
  end if;
  if exists (select from jsonb_array_elements(p_rows) r where r ->> 'store_id' is distinct from p_store_id::text) then
    raise exception 'every row must belong to store %', p_store_id using errcode = 'invalid_parameter_value';
  end if;
  if exists (
    select from jsonb_array_elements(p_rows) r
    where r ->> 'message_id' is not null
          and not exists (select from public.messages m where m.id = (r ->> 'message_id')::uuid and m.store_id = p_store_id)
       or r ->> 'template_id' is not null
          and not exists (select from public.whatsapp_templates t
                          where t.id = (r ->> 'template_id')::uuid and t.store_id = p_store_id)
       or r ->> 'segment_id' is not null
          and not exists (select from public.segments s where s.id = (r ->> 'segment_id')::uuid and s.store_id = p_store_id)
  ) then
    raise exception 'a row refers to a message, template or segment that is not of store %', p_store_id
      using errcode = 'invalid_parameter_value';
  end if;
  p_rows := (select jsonb_agg(private.restored_row(p_table, x.r) order by x.n)
             from jsonb_array_elements(p_rows) with ordinality x (r, n));
  select string_agg(format('%I', a.attname), ', ' order by a.attnum) into v_columns
  from pg_catalog.pg_attribute a
  where a.attrelid = format('public.%I', p_table)::regclass and a.attnum > 0 and not a.attisdropped
    and a.attgenerated = '' and a.attidentity <> 'a' and p_rows -> 0 ? a.attname;

  perform pg_catalog.set_config('sapa.restoring', 'on', true);
  if p_table = 'customers' then
    if p_consent_history then
      perform pg_catalog.set_config('sapa.consent_history_restored', 'on', true);
    else
      perform private.with_consent_source('import');
    end if;
  end if;
  execute format('insert into public.%I (%s) select %s from jsonb_populate_recordset(null::public.%I, $1)',
                 p_table, v_columns, v_columns, p_table)
    using p_rows;
  get diagnostics v_count = row_count;
  perform pg_catalog.set_config('sapa.restoring', '', true);
  perform pg_catalog.set_config('sapa.consent_history_restored', '', true);
  perform pg_catalog.set_config('sapa.consent_source', '', true);
  return v_count;
end;
$$;
comment on function public.import_store_rows is
  'sapa store import: an archive''s rows (new ids given) into one of the store''s tables, as history (nothing sent, scheduled or recorded anew).';

revoke execute on function private.restored_row from public, anon, authenticated;
revoke execute on function public.import_store_rows from public, anon, authenticated;
grant execute on function public.import_store_rows to service_role;
