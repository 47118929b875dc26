-- Segments: saved, named rule sets over a store's customers, evaluated in SQL.
--
-- Rules are JSON: a group {"all": [...]} or {"any": [...]} of conditions {"field", "op", "value"} and
-- nested groups. Fields (the customer's facts, paid = WooCommerce processing or completed, as in the KPIs):
--   paid_orders, total_spent, total_spent_percentile (0-100 among the store's paying customers),
--   days_since_last_order (last paid order), days_since_last_message (the customer's last WhatsApp
--   message): numbers, ops = != > >= < <= between ([low, high]);
--   bought_product (a product id of the store), bought_category (a category name), label: ops = (has) != (has not);
--   city, province, language (of the bot's last reply: id, en): ops = != in not_in;
--   opted_in (marketing consent given and not withdrawn): op =, value true or false.
-- A bad rule raises 22023 naming where it is (e.g. "rules.all[1].op: ..."); nothing is stored.

-- What the rules read that the customer mirror did not hold yet (labels are the customers page's).
alter table public.customers add column city text check (length(city) <= 200);
alter table public.customers add column province text check (length(province) <= 200);

-- Tables ------------------------------------------------------------------------------------------
create table public.segments (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references public.stores (id) on delete cascade,
  name text not null check (length(btrim(name)) between 1 and 100),
  rules jsonb not null check (jsonb_typeof(rules) = 'object'),
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (store_id, id),
  unique (store_id, name)
);
comment on table public.segments is 'A store''s saved customer segments: named rules evaluated in SQL (segment_customers).';
comment on column public.segments.rules is '{"all"|"any": [{"field", "op", "value"} | group, ...]}; see migration 20261203000150.';

create trigger set_updated_at before update on public.segments
  for each row execute function private.set_updated_at();

-- Grants ------------------------------------------------------------------------------------------
revoke all on public.segments from anon, authenticated;
grant select on public.segments to authenticated;
grant all on public.segments to service_role;

-- RLS ---------------------------------------------------------------------------------------------
alter table public.segments enable row level security;
create policy "members can view their store's segments" on public.segments
  for select to authenticated using (public.has_role_on_store(store_id));

-- Rule compiler -----------------------------------------------------------------------------------
create function private.segment_error(p_path text, p_message text) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  raise exception '%: %', p_path, p_message using errcode = 'invalid_parameter_value';
end;
$$;

-- One condition as a boolean SQL expression over `c` (the customer) and `f` (their order and message
-- facts). Values are quoted with format('%L'); field and op names come only from the lists here.
create function private.segment_condition_sql(p_rule jsonb, p_path text) returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  v_field text := p_rule ->> 'field';
  v_op text := p_rule ->> 'op';
  v_value jsonb := p_rule -> 'value';
  v_column text;
  v_text text;
  v_item jsonb;
  v_items text[] := '{}';
begin
  if (select count(*) from jsonb_object_keys(p_rule) k where k not in ('field', 'op', 'value')) > 0 then
    perform private.segment_error(p_path, 'a condition has only "field", "op" and "value"');
  end if;
  if v_field is null or v_op is null or v_value is null then
    perform private.segment_error(p_path, 'a condition needs "field", "op" and "value"');
  end if;
  case
    when v_field in ('paid_orders', 'total_spent', 'total_spent_percentile', 'days_since_last_order',
                     'days_since_last_message') then
      v_column := 'f.' || v_field;
      if v_op = 'between' then
        if jsonb_typeof(v_value) <> 'array' or jsonb_array_length(v_value) <> 2
           or jsonb_typeof(v_value -> 0) <> 'number' or jsonb_typeof(v_value -> 1) <> 'number' then
          perform private.segment_error(p_path || '.value', 'between takes [low, high] (two numbers)');
        end if;
        return format('(%s between %s and %s)', v_column, (v_value ->> 0)::numeric, (v_value ->> 1)::numeric);
      end if;
      if v_op not in ('=', '!=', '>', '>=', '<', '<=') then
        perform private.segment_error(p_path || '.op',
          format('%s compares with =, !=, >, >=, <, <= or between, not %s', v_field, v_op));
      end if;
      if jsonb_typeof(v_value) <> 'number' then
        perform private.segment_error(p_path || '.value', format('%s compares with a number', v_field));
      end if;
      return format('(%s %s %s)', v_column, case v_op when '!=' then '<>' else v_op end, (v_value #>> '{}')::numeric);
    when v_field = 'opted_in' then
      if v_op <> '=' or jsonb_typeof(v_value) <> 'boolean' then
        perform private.segment_error(p_path, 'opted_in takes op "=" and true or false');
      end if;
      return format('((c.marketing_opt_in and c.opted_out_at is null) = %s)', v_value #>> '{}');
    when v_field in ('bought_product', 'bought_category', 'label') then
      if v_op not in ('=', '!=') then
        perform private.segment_error(p_path || '.op', format('%s takes = (has) or != (has not), not %s', v_field, v_op));
      end if;
      if jsonb_typeof(v_value) <> 'string' or length(btrim(v_value #>> '{}')) = 0 then
        perform private.segment_error(p_path || '.value', format('%s takes a non-empty text', v_field));
      end if;
      v_text := btrim(v_value #>> '{}');
      if v_field = 'bought_product' then
        if v_text !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
          perform private.segment_error(p_path || '.value', 'bought_product takes a product id');
        end if;
        v_text := format('exists (select 1 from public.orders o join public.order_items i on i.order_id = o.id'
          ' where o.customer_id = c.id and o.status in (''processing'', ''completed'') and i.product_id = %L::uuid)',
          v_text);
      elsif v_field = 'bought_category' then
        v_text := format('exists (select 1 from public.orders o join public.order_items i on i.order_id = o.id'
          ' join public.products p on p.id = i.product_id'
          ' where o.customer_id = c.id and o.status in (''processing'', ''completed'')'
          ' and exists (select 1 from unnest(p.categories) k where lower(k) = lower(%L)))', v_text);
      else
        v_text := format('exists (select 1 from public.customer_labels l'
          ' where l.store_id = c.store_id and l.customer_id = c.id and lower(l.label) = lower(%L))', v_text);
      end if;
      return case v_op when '=' then '(' || v_text || ')' else '(not ' || v_text || ')' end;
    when v_field in ('city', 'province', 'language') then
      v_column := case v_field
        when 'language' then '(select m.metadata ->> ''language'' from public.conversations v'
          ' join public.messages m on m.conversation_id = v.id where v.customer_id = c.id and m.sender = ''bot'''
          ' and m.metadata ? ''language'' order by m.created_at desc limit 1)'
        else format('lower(btrim(c.%I))', v_field) end;
      if v_op in ('=', '!=') then
        if jsonb_typeof(v_value) <> 'string' then
          perform private.segment_error(p_path || '.value', format('%s %s takes a text', v_field, v_op));
        end if;
        return format('(coalesce(%s %s lower(btrim(%L)), false))', v_column, case v_op when '=' then '=' else '<>' end,
                      v_value #>> '{}');
      elsif v_op in ('in', 'not_in') then
        if jsonb_typeof(v_value) <> 'array' or jsonb_array_length(v_value) = 0 then
          perform private.segment_error(p_path || '.value', format('%s %s takes a non-empty list of texts', v_field, v_op));
        end if;
        for v_item in select * from jsonb_array_elements(v_value) loop
          if jsonb_typeof(v_item) <> 'string' then
            perform private.segment_error(p_path || '.value', format('%s %s takes texts only', v_field, v_op));
          end if;
          v_items := v_items || lower(btrim(v_item #>> '{}'));
        end loop;
        return format('(coalesce(%s %s (%L::text[]), false))', v_column,
                      case v_op when 'in' then '= any' else '<> all' end, v_items);
      end if;
      perform private.segment_error(p_path || '.op', format('%s takes =, !=, in or not_in, not %s', v_field, v_op));
    else
      perform private.segment_error(p_path || '.field', format(
        'unknown field %s (known: paid_orders, total_spent, total_spent_percentile, days_since_last_order, '
        'days_since_last_message, bought_product, bought_category, city, province, label, opted_in, language)',
        coalesce(v_field, 'null')));
  end case;
  return null;
end;
$$;

-- A group or condition as SQL, at most 5 groups deep.
create function private.segment_rules_sql(p_rules jsonb, p_path text default 'rules', p_depth integer default 1)
returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  v_kind text;
  v_parts text[] := '{}';
  v_index integer := 0;
  v_item jsonb;
begin
  if p_rules is null or jsonb_typeof(p_rules) <> 'object' then
    perform private.segment_error(p_path, 'expected an object: {"all": [...]}, {"any": [...]} or a condition');
  end if;
  if p_rules ? 'field' then
    return private.segment_condition_sql(p_rules, p_path);
  end if;
  if p_depth > 5 then
    perform private.segment_error(p_path, 'groups nest at most 5 deep');
  end if;
  select min(k), count(*) into v_kind, v_index from jsonb_object_keys(p_rules) k;
  if v_index <> 1 or v_kind not in ('all', 'any') then
    perform private.segment_error(p_path, 'a group is {"all": [...]} or {"any": [...]}');
  end if;
  if jsonb_typeof(p_rules -> v_kind) <> 'array' then
    perform private.segment_error(p_path || '.' || v_kind, 'expected a list of conditions');
  end if;
  if jsonb_array_length(p_rules -> v_kind) > 50 then
    perform private.segment_error(p_path || '.' || v_kind, 'at most 50 conditions in a group');
  end if;
  v_index := 0;
  for v_item in select * from jsonb_array_elements(p_rules -> v_kind) loop
    v_parts := v_parts || private.segment_rules_sql(v_item, format('%s.%s[%s]', p_path, v_kind, v_index), p_depth + 1);
    v_index := v_index + 1;
  end loop;
  if cardinality(v_parts) = 0 then
    return case v_kind when 'all' then 'true' else 'false' end;
  end if;
  return '(' || array_to_string(v_parts, case v_kind when 'all' then ' and ' else ' or ' end) || ')';
end;
$$;

-- The customers the rules select in the store: order and message facts are aggregated once for the
-- store (hash joins), per-customer look-ups only for what a condition names. Whole rows, so that a
-- caller (the recipient list) needs no second pass over customers.
create function private.segment_customers(p_store_id uuid, p_rules jsonb) returns setof public.customers
language plpgsql stable
rows 10000
set search_path = ''
as $$
begin
  return query execute format($q$
    with paid as (
      select o.customer_id, count(*)::numeric as paid_orders, sum(o.total) as total_spent,
             max(o.created_at) as last_order_at
      from public.orders o
      where o.store_id = $1 and o.customer_id is not null and o.status in ('processing', 'completed')
      group by o.customer_id
    ), ranked as (
      select p.*, round((percent_rank() over (order by p.total_spent) * 100)::numeric, 2) as total_spent_percentile
      from paid p
    ), talked as (
      select v.customer_id, max(v.last_inbound_at) as last_message_at
      from public.conversations v
      where v.store_id = $1 and v.last_inbound_at is not null
      group by v.customer_id
    )
    select c.*
    from public.customers c
    left join ranked r on r.customer_id = c.id
    left join talked t on t.customer_id = c.id
    cross join lateral (
      select coalesce(r.paid_orders, 0) as paid_orders, coalesce(r.total_spent, 0) as total_spent,
             r.total_spent_percentile,
             floor(extract(epoch from now() - r.last_order_at) / 86400) as days_since_last_order,
             floor(extract(epoch from now() - t.last_message_at) / 86400) as days_since_last_message
    ) f
    where c.store_id = $1 and %s
  $q$, private.segment_rules_sql(p_rules)) using p_store_id;
end;
$$;

-- Who may read a store's segments: its members, or the service role (the API, which checks roles).
create function private.require_store_reader(p_store_id uuid) returns void
language plpgsql stable
set search_path = ''
as $$
begin
  if coalesce(auth.role(), '') <> 'service_role' and not public.has_role_on_store(p_store_id) then
    raise exception 'you are not a member of this store' using errcode = 'insufficient_privilege';
  end if;
end;
$$;

-- Functions ---------------------------------------------------------------------------------------
-- The ready-made segments (RFM style) a shop starts from; the editor loads their rules.
create function public.segment_presets()
returns table (key text, name text, description text, rules jsonb)
language sql immutable
set search_path = ''
as $$
  values
    ('new', 'New customers', 'First paid order in the last 30 days',
     '{"all": [{"field": "paid_orders", "op": "=", "value": 1}, {"field": "days_since_last_order", "op": "<=", "value": 30}]}'::jsonb),
    ('loyal', 'Loyal customers', 'Three or more paid orders, the last within 90 days',
     '{"all": [{"field": "paid_orders", "op": ">=", "value": 3}, {"field": "days_since_last_order", "op": "<=", "value": 90}]}'::jsonb),
    ('big_spenders', 'Big spenders', 'The top 10% of the store''s paying customers by total spent',
     '{"all": [{"field": "paid_orders", "op": ">=", "value": 1}, {"field": "total_spent_percentile", "op": ">=", "value": 90}]}'::jsonb),
    ('at_risk', 'At risk', 'Two or more paid orders, the last 61 to 180 days ago',
     '{"all": [{"field": "paid_orders", "op": ">=", "value": 2}, {"field": "days_since_last_order", "op": "between", "value": [61, 180]}]}'::jsonb),
    ('lapsed', 'Lapsed', 'Bought before, nothing for more than 180 days',
     '{"all": [{"field": "paid_orders", "op": ">=", "value": 1}, {"field": "days_since_last_order", "op": ">", "value": 180}]}'::jsonb)
$$;

-- How many customers the rules select, and a sample of them (the editor calls it as rules change).
create function public.preview_segment(p_store_id uuid, p_rules jsonb, p_sample integer default 10)
returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  perform private.require_store_reader(p_store_id);
  v_ids := array(select s.id from private.segment_customers(p_store_id, p_rules) s);
  return jsonb_build_object(
    'count', cardinality(v_ids),
    'sample', coalesce((
      select jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name, 'phone', c.phone) order by c.name, c.id)
      from (select c.* from unnest(v_ids) x (id) join public.customers c on c.id = x.id order by c.name nulls last, c.id
            limit least(greatest(coalesce(p_sample, 10), 0), 100)) c
    ), '[]'::jsonb)
  );
end;
$$;

-- Save a segment (owners and admins): refused with 22023 for bad rules, 23505 for a name in use.
create function public.create_segment(p_store_id uuid, p_actor_id uuid, p_name text, p_rules jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid;
  v_count bigint;
begin
  if private.role_rank(private.actor_role(p_store_id, p_actor_id)) < private.role_rank('admin') then
    raise exception 'only owners and admins manage segments' using errcode = 'insufficient_privilege';
  end if;
  if length(btrim(coalesce(p_name, ''))) not between 1 and 100 then
    raise exception 'name: 1 to 100 characters' using errcode = 'invalid_parameter_value';
  end if;
  select count(*) into v_count from private.segment_customers(p_store_id, p_rules);
  insert into public.segments (store_id, name, rules, created_by)
  values (p_store_id, btrim(p_name), p_rules, p_actor_id)
  returning id into v_id;
  perform private.audit(p_store_id, p_actor_id, 'segment.created', 'segments', v_id,
                        jsonb_build_object('name', btrim(p_name)));
  return jsonb_build_object('id', v_id, 'count', v_count);
end;
$$;

create function public.update_segment(p_store_id uuid, p_actor_id uuid, p_segment_id uuid, p_name text, p_rules jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_count bigint;
begin
  if private.role_rank(private.actor_role(p_store_id, p_actor_id)) < private.role_rank('admin') then
    raise exception 'only owners and admins manage segments' using errcode = 'insufficient_privilege';
  end if;
  if length(btrim(coalesce(p_name, ''))) not between 1 and 100 then
    raise exception 'name: 1 to 100 characters' using errcode = 'invalid_parameter_value';
  end if;
  select count(*) into v_count from private.segment_customers(p_store_id, p_rules);
  update public.segments set name = btrim(p_name), rules = p_rules
  where id = p_segment_id and store_id = p_store_id;
  if not found then
    raise exception 'this store has no segment %', p_segment_id using errcode = 'no_data_found';
  end if;
  perform private.audit(p_store_id, p_actor_id, 'segment.updated', 'segments', p_segment_id,
                        jsonb_build_object('name', btrim(p_name)));
  return jsonb_build_object('id', p_segment_id, 'count', v_count);
end;
$$;

create function public.delete_segment(p_store_id uuid, p_actor_id uuid, p_segment_id uuid) returns void
language plpgsql
set search_path = ''
as $$
begin
  if private.role_rank(private.actor_role(p_store_id, p_actor_id)) < private.role_rank('admin') then
    raise exception 'only owners and admins manage segments' using errcode = 'insufficient_privilege';
  end if;
  delete from public.segments where id = p_segment_id and store_id = p_store_id;
  if not found then
    raise exception 'this store has no segment %', p_segment_id using errcode = 'no_data_found';
  end if;
  perform private.audit(p_store_id, p_actor_id, 'segment.deleted', 'segments', p_segment_id);
end;
$$;

-- A saved segment's members now, a page at a time, with their count.
create function public.segment_members(p_store_id uuid, p_segment_id uuid, p_limit integer default 50,
                                       p_offset integer default 0)
returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
  v_rules jsonb;
  v_ids uuid[];
begin
  perform private.require_store_reader(p_store_id);
  select s.rules into v_rules from public.segments s where s.id = p_segment_id and s.store_id = p_store_id;
  if v_rules is null then
    raise exception 'this store has no segment %', p_segment_id using errcode = 'no_data_found';
  end if;
  v_ids := array(select s.id from private.segment_customers(p_store_id, v_rules) s);
  return jsonb_build_object(
    'count', cardinality(v_ids),
    'members', coalesce((
      select jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name, 'phone', c.phone,
                                          'opted_in', c.marketing_opt_in and c.opted_out_at is null)
                       order by c.name nulls last, c.id)
      from (select c.* from unnest(v_ids) x (id) join public.customers c on c.id = x.id order by c.name nulls last, c.id
            limit least(greatest(coalesce(p_limit, 50), 0), 1000) offset greatest(coalesce(p_offset, 0), 0)) c
    ), '[]'::jsonb)
  );
end;
$$;

revoke execute on function private.segment_error, private.segment_condition_sql, private.segment_rules_sql,
  private.segment_customers, private.require_store_reader from public, anon, authenticated;
grant execute on function private.segment_error, private.segment_condition_sql, private.segment_rules_sql,
  private.segment_customers, private.require_store_reader to service_role;
revoke execute on function public.create_segment, public.update_segment, public.delete_segment
  from public, anon, authenticated;
grant execute on function public.create_segment, public.update_segment, public.delete_segment to service_role;
revoke execute on function public.preview_segment, public.segment_members, public.segment_presets from public, anon;
grant execute on function public.preview_segment, public.segment_members, public.segment_presets
  to authenticated, service_role;
