-- A document stored in batches (migration 20261203000080): store_knowledge_batch stores a batch once
-- (a repeated or overlapping batch adds nothing), reports chunks_done of chunks_total; the passages are
-- not searchable until finish_knowledge_document, which refuses while any is missing; members read the
-- progress; only the service role calls the functions.
begin;
\ir _helpers.psql
select plan(32);
select tests.seed_two_stores();

create function tests.unit_vector(k integer) returns extensions.vector
language sql immutable
set search_path = ''
as $$
  select pg_catalog.array_agg(case when i = k then 1 else 0 end order by i)::real[]::extensions.vector(384)
  from pg_catalog.generate_series(1, 384) as i
$$;

-- Passages first..last ('Aturan n.'), each with the unit vector of its ordinal + 1.
create function tests.batch(first integer, last integer) returns jsonb
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
    'ordinal', n, 'heading', 'Aturan', 'page', null, 'content', 'Aturan ' || n || '.',
    'embedding', (tests.unit_vector(n + 1))::text::jsonb, 'heading_terms', 'aturan', 'content_terms', 'aturan ' || n)
    order by n)
  from pg_catalog.generate_series(first, last) as n
$$;
grant execute on function tests.unit_vector, tests.batch to service_role;

insert into public.knowledge_documents (id, store_id, title, filename, content_type, size_bytes, storage_key)
values ('00000000-0000-4000-8000-00000000c001', tests.id('store_a'), 'Aturan', 'a.md', 'text/markdown', 10, 'knowledge/a/c1/a.md'),
       ('00000000-0000-4000-8000-00000000c002', tests.id('store_a'), 'Lama', 'l.md', 'text/markdown', 10, 'knowledge/a/c2/l.md');

-- Privileges -------------------------------------------------------------------------------------------
select function_privs_are('public', 'store_knowledge_batch', array['uuid', 'jsonb', 'text', 'integer'],
  'authenticated', array[]::name[], 'members cannot store passages');
select function_privs_are('public', 'store_knowledge_batch', array['uuid', 'jsonb', 'text', 'integer'],
  'service_role', array['EXECUTE'], 'the service role stores batches');
select function_privs_are('public', 'finish_knowledge_document', array['uuid', 'text', 'integer', 'text', 'text'],
  'authenticated', array[]::name[], 'members cannot make a document ready');
select function_privs_are('public', 'finish_knowledge_document', array['uuid', 'text', 'integer', 'text', 'text'],
  'anon', array[]::name[], 'nor can anon');
select function_privs_are('public', 'knowledge_chunks_missing', array['uuid', 'integer', 'text'],
  'authenticated', array[]::name[], 'members do not call knowledge_chunks_missing');

-- Batches (service role) ---------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select throws_ok($$ update public.knowledge_documents set chunks_done = 5 $$, '42501', null,
  'the service role changes progress only through the functions');
select is(public.knowledge_chunks_missing('00000000-0000-4000-8000-00000000c001', 5, 'model-x'), array[0, 1, 2, 3, 4],
  'before the first batch every passage is missing');
select is(public.store_knowledge_batch('00000000-0000-4000-8000-00000000c001', tests.batch(0, 1), 'model-x', 5), 2,
  'the first batch is stored: 2 done');
select results_eq($$ select status, chunks_total, chunks_done from public.knowledge_documents where title = 'Aturan' $$,
  $$ values ('processing', 5, 2) $$, 'the document reports 2 of 5, still processing');
select is(public.store_knowledge_batch('00000000-0000-4000-8000-00000000c001', tests.batch(0, 1), 'model-x', 5), 2,
  'the same batch again (a redelivered job) stores nothing more');
select is(public.store_knowledge_batch('00000000-0000-4000-8000-00000000c001', tests.batch(1, 2), 'model-x', 5), 3,
  'an overlapping batch (two runs at once) adds only the new passage');
select is((select count(*) from public.knowledge_chunks where document_id = '00000000-0000-4000-8000-00000000c001'), 3::bigint,
  'each passage is stored once');
select is(public.knowledge_chunks_missing('00000000-0000-4000-8000-00000000c001', 5, 'model-x'), array[3, 4],
  'the next run resumes at the first passage not stored');
select is(public.knowledge_chunks_missing('00000000-0000-4000-8000-00000000c001', 5, 'model-y'), array[0, 1, 2, 3, 4],
  'passages of another model do not count');
select is_empty($$ select * from public.match_knowledge(tests.id('store_a'), tests.unit_vector(1), 'aturan', 5, 'model-x') $$,
  'the passages of a processing document are not searchable');
select throws_ok($$ select public.finish_knowledge_document('00000000-0000-4000-8000-00000000c001', 'model-x', 1, 'text', 'Aturan') $$,
  '55000', null, 'a document with passages missing cannot be made ready');
select throws_ok($$ select public.store_knowledge_batch('00000000-0000-4000-8000-00000000c001', tests.batch(4, 5), 'model-x', 5) $$,
  '22023', null, 'an ordinal beyond the document''s passages is refused');
select throws_ok($$ select public.store_knowledge_batch('00000000-0000-4000-8000-00000000c001', '[]', 'model-x', 5) $$,
  '22023', null, 'an empty batch is refused');
select throws_ok($$ select public.store_knowledge_batch('00000000-0000-4000-8000-000000000404', tests.batch(0, 0), 'model-x', 1) $$,
  'P0002', null, 'a document deleted meanwhile is refused');
select is((select chunks_done from public.knowledge_documents where title = 'Aturan'), 3,
  'refused batches change nothing');
select is(public.store_knowledge_batch('00000000-0000-4000-8000-00000000c001', tests.batch(3, 4), 'model-x', 5), 5,
  'the last batch: 5 of 5');

-- Finishing, replacing -----------------------------------------------------------------------------------
-- The old document c002 is ready; c001 is made to replace it (as an upload with `replaces` would).
select lives_ok($$ select public.store_knowledge_chunks('00000000-0000-4000-8000-00000000c002',
  pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('ordinal', 0, 'heading', null, 'page', null,
    'content', 'Aturan lama.', 'embedding', (tests.unit_vector(384))::text::jsonb)), 'model-x', 1, 'text', 'Lama') $$,
  'the old document is ready');
reset role;
update public.knowledge_documents set replaces = '00000000-0000-4000-8000-00000000c002'
where id = '00000000-0000-4000-8000-00000000c001';
select tests.authenticate_as_service_role();
select results_eq($$ select title from public.match_knowledge(tests.id('store_a'), tests.unit_vector(384), 'aturan', 5, 'model-x') $$,
  $$ values ('Lama') $$, 'until its replacement is ready, the old document answers alone');
select is(public.finish_knowledge_document('00000000-0000-4000-8000-00000000c001', 'model-x', 1, 'text', 'Aturan'),
  array['knowledge/a/c2/l.md'], 'all stored: ready, and the replaced document is deleted and its file named');
select results_eq($$ select status, chunk_count, chunks_total, chunks_done from public.knowledge_documents where title = 'Aturan' $$,
  $$ values ('ready', 5, 5, 5) $$, 'ready with its 5 passages');
select is(public.finish_knowledge_document('00000000-0000-4000-8000-00000000c001', 'model-x', 1, 'text', 'Aturan'),
  '{}'::text[], 'finishing again (a duplicate job) changes nothing');
select is(public.store_knowledge_batch('00000000-0000-4000-8000-00000000c001', tests.batch(0, 1), 'model-x', 5), null::integer,
  'a batch of a late duplicate job for a ready document is ignored');
select is((select count(*) from public.knowledge_chunks where document_id = '00000000-0000-4000-8000-00000000c001'), 5::bigint,
  'still each passage once');
select is((select count(*) from public.match_knowledge(tests.id('store_a'), tests.unit_vector(1), 'aturan', 20, 'model-x')), 5::bigint,
  'now its passages answer');

-- Failing resets the progress; members read it ------------------------------------------------------------
select is(public.fail_knowledge_document('00000000-0000-4000-8000-00000000c001', 'Unreadable.'), true, 'a document can be failed');
select results_eq($$ select chunks_total, chunks_done from public.knowledge_documents where title = 'Aturan' $$,
  $$ values (null::integer, 0) $$, 'a failed document has no progress (a retry starts again)');
select tests.authenticate_as(tests.id('agent_a'));
select results_eq($$ select title, chunks_done from public.knowledge_documents $$,
  $$ values ('Aturan', 0) $$, 'an agent of A reads the progress of A''s documents');

select * from finish();
rollback;
