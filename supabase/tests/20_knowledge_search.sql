-- Knowledge search, second version (migration 17): passages keep their normalised words, keywords match
-- them as well as the words as written, a keyword in a heading raises heading_score, and the score is
-- 0.5 similarity + 0.3 keyword_score + 0.2 heading_score. Privileges as before: the service role only.
begin;
\ir _helpers.psql
select plan(17);
select tests.seed_two_stores();

create function tests.vec(k integer) returns extensions.vector
language sql immutable
set search_path = ''
as $$
  select pg_catalog.array_agg(case when i = k then 1 else 0 end order by i)::real[]::extensions.vector(384)
  from pg_catalog.generate_series(1, 384) as i
$$;
grant execute on function tests.vec to service_role;

create function tests.passage(p_ordinal integer, p_heading text, p_content text, p_heading_terms text,
                              p_content_terms text, k integer) returns jsonb
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
    'ordinal', p_ordinal, 'heading', p_heading, 'page', 1, 'content', p_content,
    'heading_terms', p_heading_terms, 'content_terms', p_content_terms,
    'embedding', (tests.vec(k))::text::jsonb))
$$;
grant execute on function tests.passage to service_role;

insert into public.knowledge_documents (id, store_id, title, filename, content_type, size_bytes, storage_key)
values ('00000000-0000-4000-8000-00000000a011', tests.id('store_a'), 'Kebijakan', 'k.md', 'text/markdown', 10, 'knowledge/a/11/k.md'),
       ('00000000-0000-4000-8000-00000000b011', tests.id('store_b'), 'Kebijakan B', 'kb.md', 'text/markdown', 10, 'knowledge/b/11/kb.md');

-- Structure ------------------------------------------------------------------------------------------
select has_column('public', 'knowledge_chunks', 'heading_terms', 'passages keep their heading''s normalised words');
select has_column('public', 'knowledge_chunks', 'content_terms', 'and their text''s normalised words');
select has_index('public', 'knowledge_chunks', 'knowledge_chunks_terms', 'the weighted vector has a full-text index (GIN)');
select hasnt_column('public', 'knowledge_chunks', 'search', 'the unweighted vector of migration 14 is gone');

-- Privileges -----------------------------------------------------------------------------------------
select function_privs_are('public', 'match_knowledge', array['uuid', 'extensions.vector', 'text', 'integer', 'text'],
  'anon', array[]::name[], 'anon cannot search');
select function_privs_are('public', 'match_knowledge', array['uuid', 'extensions.vector', 'text', 'integer', 'text'],
  'authenticated', array[]::name[], 'members search through the API, not by calling match_knowledge');
select function_privs_are('public', 'match_knowledge', array['uuid', 'extensions.vector', 'text', 'integer', 'text'],
  'service_role', array['EXECUTE'], 'the service role searches');
select tests.authenticate_as(tests.id('owner_a'));
select throws_ok($$ select * from public.match_knowledge(tests.id('store_a'), tests.vec(1), 'retur', 3, 'model-x') $$,
  '42501', null, 'an owner calling match_knowledge directly is refused');
select tests.clear_authentication();

-- Storing the normalised words -------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select is(public.store_knowledge_chunks('00000000-0000-4000-8000-00000000a011', pg_catalog.jsonb_build_array(
    tests.passage(0, 'Cara mengajukan retur', 'Kirim pesan dengan nomor pesanan.', 'cara aju retur', 'kirim pesan nomor', 2),
    tests.passage(1, 'Refund', 'Pengembalian dana dalam 3 hari; retur diperiksa dulu.', 'refund', 'kembali dana hari retur periksa', 3),
    tests.passage(2, 'Tanpa kata', 'Teks lama tanpa kata normal.', null, null, 4)),
  'model-x', 1, 'text', 'Cara'), '{}'::text[], 'passages are stored with their normalised words');
select results_eq($$ select ordinal, heading_terms, content_terms from public.knowledge_chunks
                     where document_id = '00000000-0000-4000-8000-00000000a011' order by ordinal $$,
  $$ values (0, 'cara aju retur', 'kirim pesan nomor'), (1, 'refund', 'kembali dana hari retur periksa'),
            (2, null::text, null::text) $$,
  'each passage keeps the words it was given (none for a caller that gives none)');
select is(public.store_knowledge_chunks('00000000-0000-4000-8000-00000000b011', pg_catalog.jsonb_build_array(
    tests.passage(0, 'Cara mengajukan retur', 'Kirim pesan.', 'cara aju retur', 'kirim pesan', 2)),
  'model-x', 1, 'text', 'B'), '{}'::text[], 'store B has a passage with the same words');

-- Searching ------------------------------------------------------------------------------------------
select results_eq($$ select heading, keyword_score from public.match_knowledge(tests.id('store_a'), tests.vec(9), 'kembali', 3, 'model-x')
                     where keyword_score > 0 $$,
  $$ values ('Refund', 1::double precision) $$,
  'a normalised keyword (kembali) finds the passage whose text has it only as written otherwise (Pengembalian)');
select results_eq($$ select heading, heading_score from public.match_knowledge(tests.id('store_a'), tests.vec(9), 'aju', 1, 'model-x') $$,
  $$ values ('Cara mengajukan retur', 1::double precision) $$,
  'a keyword in the heading gives the passage heading_score 1');
select results_eq($$ select heading, keyword_score, heading_score from public.match_knowledge(tests.id('store_a'), tests.vec(9), 'retur', 2, 'model-x') $$,
  $$ values ('Cara mengajukan retur', 1::double precision, 1::double precision),
            ('Refund', 1::double precision, 0::double precision) $$,
  'of two passages with the keyword, the one with it in its heading comes first');
select results_eq($$ select round(score::numeric, 9), similarity, keyword_score, heading_score
                     from public.match_knowledge(tests.id('store_a'), tests.vec(3), 'retur', 1, 'model-x') $$,
  $$ values (0.8::numeric, 1::double precision, 1::double precision, 0::double precision) $$,
  'score = 0.5 similarity + 0.3 keyword_score + 0.2 heading_score');
select results_eq($$ select heading from public.match_knowledge(tests.id('store_a'), tests.vec(9), 'lama', 3, 'model-x')
                     where keyword_score > 0 $$,
  $$ values ('Tanpa kata') $$, 'a passage stored without normalised words is still found by its words as written');
select results_eq($$ select title from public.match_knowledge(tests.id('store_b'), tests.vec(2), 'retur', 5, 'model-x') $$,
  $$ values ('Kebijakan B') $$, 'store B finds its own passage, never A''s');

select * from finish();
rollback;
