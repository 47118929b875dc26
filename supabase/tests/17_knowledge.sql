-- Knowledge documents and passages: members read their store's, nobody writes them through the API;
-- the service role adds and removes documents, and changes passages and status only through
-- store_knowledge_chunks / fail_knowledge_document; match_knowledge returns passages of one store, one
-- embedding model and ready documents only.
begin;
\ir _helpers.psql
select plan(46);
select tests.seed_two_stores();

-- A unit vector along dimension k (cosine similarity 1 with itself, 0 with any other).
create function tests.unit_vector(k integer) returns extensions.vector
language sql immutable
set search_path = ''
as $$
  select pg_catalog.array_agg(case when i = k then 1 else 0 end order by i)::real[]::extensions.vector(384)
  from pg_catalog.generate_series(1, 384) as i
$$;
grant execute on function tests.unit_vector to service_role, authenticated;

create function tests.chunks(p_content text, k integer) returns jsonb
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
    'ordinal', 0, 'heading', 'Retur', 'page', 1, 'content', p_content,
    'embedding', (tests.unit_vector(k))::text::jsonb))
$$;
grant execute on function tests.chunks to service_role;

insert into public.knowledge_documents (id, store_id, title, filename, content_type, size_bytes, storage_key)
values ('00000000-0000-4000-8000-00000000a001', tests.id('store_a'), 'Retur A', 'a.md', 'text/markdown', 10, 'knowledge/a/1/a.md'),
       ('00000000-0000-4000-8000-00000000b001', tests.id('store_b'), 'Retur B', 'b.md', 'text/markdown', 10, 'knowledge/b/1/b.md');

-- Structure ------------------------------------------------------------------------------------------
select has_index('public', 'knowledge_chunks', 'knowledge_chunks_embedding', 'passages have a vector index (HNSW)');
select has_trigger('public', 'knowledge_documents', 'broadcast_change', 'document changes are broadcast to the store');

-- Privileges -------------------------------------------------------------------------------------------
select table_privs_are('public', 'knowledge_documents', 'anon', array[]::name[], 'anon has no privileges on documents');
select table_privs_are('public', 'knowledge_chunks', 'anon', array[]::name[], 'anon has no privileges on passages');
select table_privs_are('public', 'knowledge_documents', 'authenticated', array['SELECT'], 'members only read documents');
select table_privs_are('public', 'knowledge_chunks', 'authenticated', array['SELECT'], 'members only read passages');
select table_privs_are('public', 'knowledge_documents', 'service_role', array['SELECT', 'INSERT', 'DELETE'],
  'the service role adds and removes documents, but changes their status only through the functions');
select table_privs_are('public', 'knowledge_chunks', 'service_role', array['SELECT'],
  'the service role writes passages only through store_knowledge_chunks');
select function_privs_are('public', 'store_knowledge_chunks', array['uuid', 'jsonb', 'text', 'integer', 'text', 'text'],
  'authenticated', array[]::name[], 'members cannot store passages');
select function_privs_are('public', 'store_knowledge_chunks', array['uuid', 'jsonb', 'text', 'integer', 'text', 'text'],
  'service_role', array['EXECUTE'], 'the service role stores passages');
select function_privs_are('public', 'fail_knowledge_document', array['uuid', 'text'], 'anon', array[]::name[],
  'anon cannot fail a document');
select function_privs_are('public', 'fail_knowledge_document', array['uuid', 'text'], 'authenticated', array[]::name[],
  'members cannot fail a document');
select function_privs_are('public', 'match_knowledge', array['uuid', 'extensions.vector', 'text', 'integer', 'text'],
  'authenticated', array[]::name[], 'members search through the API, not by calling match_knowledge');
select function_privs_are('public', 'match_knowledge', array['uuid', 'extensions.vector', 'text', 'integer', 'text'],
  'service_role', array['EXECUTE'], 'the service role searches');

-- Storing passages (service role) -------------------------------------------------------------------
select tests.authenticate_as_service_role();
select throws_ok($$ insert into public.knowledge_chunks (store_id, document_id, ordinal, content, embedding, embedding_model)
                    values (tests.id('store_a'), '00000000-0000-4000-8000-00000000a001', 0, 'x', tests.unit_vector(1), 'm') $$,
  '42501', null, 'the service role cannot write passages directly');
select throws_ok($$ update public.knowledge_documents set status = 'ready' $$, '42501', null,
  'nor set a document ready without its passages');
select is(public.store_knowledge_chunks('00000000-0000-4000-8000-00000000a001',
            tests.chunks('Barang bisa dikembalikan dalam 7 hari.', 1), 'model-x', 2, 'pdf', 'Barang bisa...'),
  '{}'::text[], 'passages are stored; nothing was replaced');
select results_eq($$ select status, pages, method, chunk_count, error from public.knowledge_documents where title = 'Retur A' $$,
  $$ values ('ready', 2, 'pdf', 1, null::text) $$, 'the document is ready with its pages, method and passage count');
select lives_ok($$ select public.store_knowledge_chunks('00000000-0000-4000-8000-00000000a001',
                     tests.chunks('Barang bisa dikembalikan dalam 7 hari.', 1), 'model-x', 2, 'pdf', 'Barang') $$,
  'a retried job stores the passages again');
select is((select count(*) from public.knowledge_chunks where store_id = tests.id('store_a')), 1::bigint,
  'a retry replaces the passages, it does not add to them');
select throws_ok($$ select public.store_knowledge_chunks('00000000-0000-4000-8000-00000000a001', '[]', 'model-x', 1, 'pdf', '') $$,
  '22023', null, 'a ready document has at least one passage');
select throws_ok($$ select public.store_knowledge_chunks('00000000-0000-4000-8000-000000000404', tests.chunks('x', 1), 'm', 1, 'pdf', '') $$,
  'P0002', null, 'a document deleted meanwhile is refused');
select lives_ok($$ select public.store_knowledge_chunks('00000000-0000-4000-8000-00000000b001',
                     tests.chunks('Barang bisa dikembalikan dalam 7 hari.', 1), 'model-x', 1, 'text', 'B') $$,
  'store B gets the very same passage and embedding');

-- Searching: one store, one model, ready documents ----------------------------------------------------
select results_eq($$ select title, similarity from public.match_knowledge(tests.id('store_a'), tests.unit_vector(1), 'dikembalikan', 5, 'model-x') $$,
  $$ values ('Retur A', 1::double precision) $$, 'store A finds its passage, and only its own');
select results_eq($$ select title from public.match_knowledge(tests.id('store_b'), tests.unit_vector(1), 'dikembalikan', 5, 'model-x') $$,
  $$ values ('Retur B') $$, 'store B finds its own, never A''s');
select is_empty($$ select * from public.match_knowledge(tests.id('store_a'), tests.unit_vector(1), 'dikembalikan', 5, 'another-model') $$,
  'passages embedded by another model are never compared');
select results_eq($$ select keyword_score from public.match_knowledge(tests.id('store_a'), tests.unit_vector(2), 'dikembalikan', 5, 'model-x') $$,
  $$ values (1::double precision) $$, 'a passage containing every keyword has keyword_score 1');
select results_eq($$ select similarity, keyword_score, score from public.match_knowledge(tests.id('store_a'), tests.unit_vector(2), 'ongkir', 5, 'model-x') $$,
  $$ values (0::double precision, 0::double precision, 0::double precision) $$,
  'an unrelated question finds the passage only by its vector, with no keyword and no similarity');

select lives_ok($$ insert into public.knowledge_documents (id, store_id, title, filename, content_type, size_bytes, storage_key)
  values ('00000000-0000-4000-8000-00000000a002', tests.id('store_a'), 'Ongkir', 'o.md', 'text/markdown', 5, 'knowledge/a/2/o.md') $$,
  'the service role adds a document');
select is(public.store_knowledge_chunks('00000000-0000-4000-8000-00000000a002',
  tests.chunks('Ongkir ke Medan Rp 42.000, ke Jakarta Rp 18.000.', 3), 'model-x', 1, 'text', 'Ongkir'), '{}'::text[],
  'a second document of A is ready');
select results_eq($$ select title, keyword_score from public.match_knowledge(tests.id('store_a'), tests.unit_vector(2), 'ongkir medan', 2, 'model-x') $$,
  $$ values ('Ongkir', 1::double precision), ('Retur A', 0::double precision) $$,
  'with a vector near neither passage, the one with the question''s keywords comes first');
select is((select count(*) from public.match_knowledge(tests.id('store_a'), tests.unit_vector(1), '', 50, 'model-x')), 2::bigint,
  'without keywords the vector still finds passages (and the limit is bounded)');

-- Failing and replacing ---------------------------------------------------------------------------------
select is(public.fail_knowledge_document('00000000-0000-4000-8000-00000000a002', 'No text was found in “o.md”.'), true,
  'a document can be failed');
select results_eq($$ select status, error, chunk_count from public.knowledge_documents where title = 'Ongkir' $$,
  $$ values ('failed', 'No text was found in “o.md”.', 0) $$, 'it is failed with the reason, without passages');
select is_empty($$ select * from public.match_knowledge(tests.id('store_a'), tests.unit_vector(3), 'medan', 5, 'model-x')
                  where title = 'Ongkir' $$,
  'a failed document''s passages are gone from search');
select throws_ok($$ select public.fail_knowledge_document('00000000-0000-4000-8000-00000000a002', ' ') $$, '22023', null,
  'a failed document says why');
select is(public.fail_knowledge_document('00000000-0000-4000-8000-000000000404', 'gone'), false,
  'failing a document that is gone does nothing');

insert into public.knowledge_documents (id, store_id, title, filename, content_type, size_bytes, storage_key, replaces)
values ('00000000-0000-4000-8000-00000000a003', tests.id('store_a'), 'Retur A v2', 'a2.md', 'text/markdown', 10,
        'knowledge/a/3/a2.md', '00000000-0000-4000-8000-00000000a001');
select is((select status from public.knowledge_documents where id = '00000000-0000-4000-8000-00000000a001'), 'ready',
  'the old document stays while its replacement is processed');
select is(public.store_knowledge_chunks('00000000-0000-4000-8000-00000000a003', tests.chunks('Retur dalam 14 hari.', 1), 'model-x', 1, 'text', ''),
  array['knowledge/a/1/a.md'], 'when the replacement is ready the old one is deleted and its file named');
select is_empty($$ select * from public.knowledge_documents where id = '00000000-0000-4000-8000-00000000a001' $$,
  'the replaced document is gone (its passages with it)');
select results_eq($$ select count(*) from public.knowledge_chunks where store_id = tests.id('store_b') $$, $$ values (1::bigint) $$,
  'a replacement in A never touches B');

-- Reading (members, under RLS) -----------------------------------------------------------------------
select tests.authenticate_as(tests.id('agent_a'));
select results_eq($$ select title from public.knowledge_documents order by title $$,
  $$ values ('Ongkir'), ('Retur A v2') $$, 'an agent of A reads the documents of A, not of B');
select results_eq($$ select content from public.knowledge_chunks $$, $$ values ('Retur dalam 14 hari.') $$,
  'and the passages of A only');
select throws_ok($$ delete from public.knowledge_documents $$, '42501', null, 'members cannot delete documents directly');
select tests.authenticate_as(tests.id('outsider'));
select is_empty($$ select * from public.knowledge_documents $$, 'a user of no store reads no documents');
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.knowledge_chunks $$, '42501', null, 'anon cannot read passages');

select * from finish();
rollback;
