-- Scheduled jobs (sapa.jobs.scheduled): every run of a job over one store is a row here — started,
-- finished, rows touched, error — which the store's owners can read. The row is also the job's lease:
-- at most one unfinished run per job and store (a unique index), so two runners started at once (two
-- EventBridge invocations, `sapa jobs run` beside the local schedule) never work on the same store; a run
-- whose runner died (no heartbeat for the lease) is closed as abandoned and the next run goes on where it
-- stopped (every job is idempotent and works in small batches).

create table public.job_runs (
  id bigint generated always as identity primary key,
  job text not null check (job ~ '^[a-z][a-z0-9-]{0,62}$'),
  store_id uuid not null references public.stores (id) on delete cascade,
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  finished_at timestamptz,
  rows_touched bigint not null default 0 check (rows_touched >= 0),
  more boolean not null default false,
  error text check (length(error) <= 2000),
  check (finished_at is null or finished_at >= started_at)
);
comment on table public.job_runs is
  'One run of a scheduled job over one store: when, how many rows it changed, its error. Unfinished = running (the lease).';
comment on column public.job_runs.heartbeat_at is 'Last sign of life of the run; a run silent for longer than its lease is abandoned.';
comment on column public.job_runs.more is 'The run stopped at its budget with work left: the next run goes on.';
create unique index job_runs_one_running on public.job_runs (job, store_id) where finished_at is null;
create index job_runs_store_job_started_idx on public.job_runs (store_id, job, started_at desc);
create index job_runs_job_started_idx on public.job_runs (job, started_at desc);

revoke all on public.job_runs from anon, authenticated;
grant select on public.job_runs to authenticated;
grant all on public.job_runs to service_role;

alter table public.job_runs enable row level security;
create policy "owners can view their store's job runs" on public.job_runs
  for select to authenticated using (public.has_role_on_store(store_id, 'owner'));

-- Start a run of p_job over p_store_id: its id, or null when another run holds the lease. A run
-- without a heartbeat for p_lease_seconds is closed as abandoned first.
create function public.start_job_run(p_job text, p_store_id uuid, p_lease_seconds integer default 900)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_id bigint;
begin
  if p_lease_seconds is null or p_lease_seconds < 1 then
    raise exception 'p_lease_seconds must be at least 1' using errcode = 'invalid_parameter_value';
  end if;
  update public.job_runs
  set finished_at = greatest(heartbeat_at, started_at), more = true,
      error = 'abandoned: no sign of life for ' || p_lease_seconds || ' s'
  where job = p_job and store_id = p_store_id and finished_at is null
    and heartbeat_at < now() - make_interval(secs => p_lease_seconds);
  insert into public.job_runs (job, store_id) values (p_job, p_store_id)
  on conflict (job, store_id) where finished_at is null do nothing
  returning id into v_id;
  return v_id;
end;
$$;

-- A heartbeat with the rows changed so far; false when the run is no longer this runner's (it was
-- closed as abandoned): the runner stops.
create function public.touch_job_run(p_run_id bigint, p_rows bigint) returns boolean
language sql
set search_path = ''
as $$
  with touched as (
    update public.job_runs set heartbeat_at = now(), rows_touched = greatest(p_rows, 0)
    where id = p_run_id and finished_at is null
    returning 1
  )
  select exists (select from touched)
$$;

create function public.finish_job_run(p_run_id bigint, p_rows bigint, p_more boolean, p_error text default null)
returns void
language sql
set search_path = ''
as $$
  update public.job_runs
  set finished_at = now(), heartbeat_at = now(), rows_touched = greatest(p_rows, 0), more = p_more,
      error = left(p_error, 2000)
  where id = p_run_id and finished_at is null
$$;

-- The stores a run of p_job goes through (all, or those in p_only), the longest unvisited first: a run
-- that stops at its budget leaves the others to the next one.
create function public.job_stores(p_job text, p_only uuid[] default null)
returns setof uuid
language sql stable
set search_path = ''
as $$
  select s.id
  from public.stores s
  left join lateral (
    select max(r.started_at) as last_started from public.job_runs r where r.job = p_job and r.store_id = s.id
  ) r on true
  where p_only is null or s.id = any (p_only)
  order by r.last_started nulls first, s.id
$$;

-- `sapa jobs list`: the last run of each job (any store).
create function public.job_last_runs()
returns table (job text, store_id uuid, started_at timestamptz, finished_at timestamptz, rows_touched bigint,
               more boolean, error text)
language sql stable
set search_path = ''
as $$
  select distinct on (r.job) r.job, r.store_id, r.started_at, r.finished_at, r.rows_touched, r.more, r.error
  from public.job_runs r
  order by r.job, r.started_at desc, r.id desc
$$;

revoke execute on function public.start_job_run, public.touch_job_run, public.finish_job_run, public.job_stores,
  public.job_last_runs from public, anon, authenticated;
grant execute on function public.start_job_run, public.touch_job_run, public.finish_job_run, public.job_stores,
  public.job_last_runs to service_role;
