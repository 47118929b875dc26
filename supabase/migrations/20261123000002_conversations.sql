-- Customers, their WhatsApp conversations and messages, and escalation tickets.
-- Webhook-fed (customers, conversations, messages) are written by the service role only; agents act on
-- conversations through the functions API, which audits every action.

create type public.conversation_status as enum ('bot', 'human', 'resolved');
create type public.conversation_resolution as enum ('bot_confirmed', 'bot_assumed', 'human');
create type public.message_direction as enum ('inbound', 'outbound');
create type public.message_sender as enum ('customer', 'bot', 'agent', 'system');
create type public.message_status as enum ('received', 'queued', 'sent', 'delivered', 'read', 'failed', 'sandbox');
create type public.issue_category as enum ('delivery', 'order', 'payment', 'refund', 'other');
create type public.urgency as enum ('low', 'medium', 'high');
create type public.ticket_status as enum ('open', 'pending', 'resolved');
create type public.ticket_priority as enum ('low', 'normal', 'high', 'urgent');

-- Tables ------------------------------------------------------------------------------------------
create table public.customers (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references public.stores (id) on delete cascade,
  phone text check (phone ~ '^\+[1-9][0-9]{6,14}$'),
  name text check (length(name) <= 200),
  email text check (length(email) <= 320),
  external_id bigint,
  marketing_opt_in boolean not null default false,
  marketing_opt_in_at timestamptz,
  opted_out_at timestamptz,
  first_seen_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (store_id, id),
  unique (store_id, phone),
  unique (store_id, external_id),
  check (phone is not null or external_id is not null or email is not null)
);
comment on table public.customers is 'A shop''s customer: a WhatsApp contact (phone) and/or a WooCommerce customer (external_id).';
comment on column public.customers.phone is 'E.164; the WhatsApp number the customer writes from.';
comment on column public.customers.external_id is 'The WooCommerce customer id.';

create table public.conversations (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references public.stores (id) on delete cascade,
  customer_id uuid not null,
  status public.conversation_status not null default 'bot',
  assignee_id uuid references auth.users (id) on delete set null,
  handed_off_at timestamptz,
  resolved_at timestamptz,
  resolution public.conversation_resolution,
  summary text,
  last_message_at timestamptz,
  last_inbound_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (store_id, id),
  foreign key (store_id, customer_id) references public.customers (store_id, id) on delete cascade,
  check ((status = 'resolved') = (resolved_at is not null)),
  check (resolution is null or status = 'resolved')
);
comment on table public.conversations is 'A WhatsApp conversation with one customer: answered by the bot, handed off to a person, or resolved.';
comment on column public.conversations.last_inbound_at is 'Last customer message; WhatsApp''s 24-hour service window runs from here.';
-- At most one open conversation per customer: inbound messages join it, or open a new one.
create unique index conversations_one_open_per_customer on public.conversations (customer_id)
  where status <> 'resolved';
create index conversations_inbox_idx on public.conversations (store_id, last_message_at desc nulls last);
create index conversations_store_created_idx on public.conversations (store_id, created_at);
create index conversations_store_status_idx on public.conversations (store_id, status);

create table public.messages (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references public.stores (id) on delete cascade,
  conversation_id uuid not null,
  direction public.message_direction not null,
  sender public.message_sender not null,
  body text not null default '' check (length(body) <= 65536),
  media jsonb not null default '[]'::jsonb check (jsonb_typeof(media) = 'array'),
  provider_message_id text,
  status public.message_status not null,
  category public.issue_category,
  urgency public.urgency,
  label_confidence real check (label_confidence between 0 and 1),
  metadata jsonb not null default '{}'::jsonb check (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz not null default now(),
  foreign key (store_id, conversation_id) references public.conversations (store_id, id) on delete cascade,
  unique (store_id, provider_message_id),
  check ((direction = 'inbound') = (sender = 'customer'))
);
comment on table public.messages is 'Every WhatsApp message in and out; provider_message_id is Twilio''s MessageSid (idempotency key).';
comment on column public.messages.metadata is 'Processing facts: which responder answered, latency, errors, tool calls.';
create index messages_conversation_idx on public.messages (conversation_id, created_at);
create index messages_store_created_idx on public.messages (store_id, created_at);

create table public.tickets (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references public.stores (id) on delete cascade,
  conversation_id uuid not null,
  status public.ticket_status not null default 'open',
  priority public.ticket_priority not null default 'normal',
  subject text check (length(subject) <= 300),
  assignee_id uuid references auth.users (id) on delete set null,
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  resolved_at timestamptz,
  foreign key (store_id, conversation_id) references public.conversations (store_id, id) on delete cascade,
  check ((status = 'resolved') = (resolved_at is not null))
);
comment on table public.tickets is 'Escalations that need follow-up beyond the chat.';
create index tickets_store_status_idx on public.tickets (store_id, status);
create index tickets_conversation_idx on public.tickets (conversation_id);

create trigger set_updated_at before update on public.customers
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.conversations
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.tickets
  for each row execute function private.set_updated_at();

-- Grants ------------------------------------------------------------------------------------------
revoke all on public.customers, public.conversations, public.messages, public.tickets from anon, authenticated;
grant select on public.customers, public.conversations, public.messages, public.tickets to authenticated;
grant update (name, email) on public.customers to authenticated;
grant insert (store_id, conversation_id, status, priority, subject, assignee_id) on public.tickets to authenticated;
grant update (status, priority, subject, assignee_id, resolved_at) on public.tickets to authenticated;
grant delete on public.tickets to authenticated;
grant all on public.customers, public.conversations, public.messages, public.tickets to service_role;

-- RLS ---------------------------------------------------------------------------------------------
alter table public.customers enable row level security;
alter table public.conversations enable row level security;
alter table public.messages enable row level security;
alter table public.tickets enable row level security;

create policy "members can view their store's customers" on public.customers
  for select to authenticated using (public.has_role_on_store(store_id));
create policy "members can correct a customer's name and email" on public.customers
  for update to authenticated
  using (public.has_role_on_store(store_id)) with check (public.has_role_on_store(store_id));

create policy "members can view their store's conversations" on public.conversations
  for select to authenticated using (public.has_role_on_store(store_id));

create policy "members can view their store's messages" on public.messages
  for select to authenticated using (public.has_role_on_store(store_id));

create policy "members can view their store's tickets" on public.tickets
  for select to authenticated using (public.has_role_on_store(store_id));
create policy "members open tickets assigned within their store" on public.tickets
  for insert to authenticated
  with check (
    public.has_role_on_store(store_id)
    and (assignee_id is null or private.is_member_of_store(store_id, assignee_id))
  );
create policy "members update tickets assigned within their store" on public.tickets
  for update to authenticated
  using (public.has_role_on_store(store_id))
  with check (
    public.has_role_on_store(store_id)
    and (assignee_id is null or private.is_member_of_store(store_id, assignee_id))
  );
create policy "owners and admins delete tickets" on public.tickets
  for delete to authenticated using (public.has_role_on_store(store_id, 'admin'));

-- Functions and triggers --------------------------------------------------------------------------
-- Tickets record who opened them.
create function private.set_ticket_creator() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.created_by := coalesce(new.created_by, (select auth.uid()));
  return new;
end;
$$;
create trigger set_ticket_creator before insert on public.tickets
  for each row execute function private.set_ticket_creator();

-- A conversation's clock follows its messages.
create function private.touch_conversation() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  update public.conversations c
  set last_message_at = greatest(c.last_message_at, new.created_at),
      last_inbound_at = case when new.direction = 'inbound'
                             then greatest(c.last_inbound_at, new.created_at)
                             else c.last_inbound_at end
  where c.id = new.conversation_id;
  return null;
end;
$$;
create trigger touch_conversation after insert on public.messages
  for each row execute function private.touch_conversation();
