-- Knowledge search, second version: keywords are matched in their normalised form too (colloquial
-- Indonesian made standard, Indonesian and English words stemmed; done in Python, sapa.knowledge.words,
-- on both sides), and a passage's heading counts as strong evidence. match_knowledge of migration 14
-- gets a heading_score and a new score; store_knowledge_chunks stores the normalised words.
-- Passages stored before this migration have no normalised words: they are still found by their words
-- as written (like before) until their document is processed again.

-- Tables ------------------------------------------------------------------------------------------
alter table public.knowledge_chunks
  add column heading_terms text check (length(heading_terms) <= 2000),
  add column content_terms text check (length(content_terms) <= 8000),
  -- Heading words weigh A, content words B; each with its words as written and as normalised.
  add column terms tsvector generated always as (
    pg_catalog.setweight(pg_catalog.to_tsvector('simple'::regconfig,
      coalesce(heading, '') || ' ' || coalesce(heading_terms, '')), 'A')
    operator(pg_catalog.||)
    pg_catalog.setweight(pg_catalog.to_tsvector('simple'::regconfig,
      content || ' ' || coalesce(content_terms, '')), 'B')
  ) stored;
comment on column public.knowledge_chunks.heading_terms is
  'The heading''s words in searchable form (sapa.knowledge.words.search_terms), written with the passage.';
comment on column public.knowledge_chunks.content_terms is
  'The passage''s words in searchable form (sapa.knowledge.words.search_terms), written with the passage.';
comment on column public.knowledge_chunks.terms is
  'Full-text vector of heading (weight A) and content (weight B), as written and normalised: what match_knowledge searches.';

create index knowledge_chunks_terms on public.knowledge_chunks using gin (terms);

-- Functions ---------------------------------------------------------------------------------------
-- As in migration 14, and each chunk may carry heading_terms and content_terms (its normalised words).
create or replace function public.store_knowledge_chunks(
  p_document_id uuid,
  p_chunks jsonb,
  p_embedding_model text,
  p_pages integer,
  p_method text,
  p_text_preview text
) returns text[]
language plpgsql
-- Definer: the service role has no write privilege on knowledge_chunks or on a document's status, so
-- passages and status change only here, together.
security definer
set search_path = ''
as $$
declare
  v_document public.knowledge_documents;
  v_replaced text[];
begin
  select * into v_document from public.knowledge_documents where id = p_document_id for update;
  if not found then
    raise exception 'no knowledge document %', p_document_id using errcode = 'no_data_found';
  end if;
  if jsonb_typeof(p_chunks) is distinct from 'array' or jsonb_array_length(p_chunks) = 0 then
    raise exception 'a ready document has at least one passage' using errcode = 'invalid_parameter_value';
  end if;

  delete from public.knowledge_chunks where document_id = p_document_id;
  insert into public.knowledge_chunks (store_id, document_id, ordinal, heading, page, content, embedding,
                                       embedding_model, heading_terms, content_terms)
  select v_document.store_id, p_document_id, (c ->> 'ordinal')::integer, c ->> 'heading',
         (c ->> 'page')::integer, c ->> 'content', (c -> 'embedding')::text::extensions.vector(384),
         p_embedding_model, c ->> 'heading_terms', c ->> 'content_terms'
  from jsonb_array_elements(p_chunks) as c;

  update public.knowledge_documents
  set status = 'ready', error = null, pages = p_pages, method = p_method,
      text_preview = left(p_text_preview, 2000), chunk_count = jsonb_array_length(p_chunks)
  where id = p_document_id;

  with replaced as (
    delete from public.knowledge_documents
    where store_id = v_document.store_id and id = v_document.replaces
    returning storage_key
  )
  select coalesce(array_agg(storage_key), '{}') into v_replaced from replaced;
  return v_replaced;
end;
$$;

-- The result gains a column (heading_score), so the function is dropped and made again.
drop function public.match_knowledge(uuid, extensions.vector, text, integer, text);

-- p_query: the question's keywords, normalised by the caller (sapa.knowledge.words.keywords); each is
-- matched as a prefix. keyword_score: the share of the keywords' weight (IDF: rare words weigh more)
-- found in the passage; heading_score: the share found in its heading.
-- score = 0.5 × similarity + 0.3 × keyword_score + 0.2 × heading_score. The all-MiniLM-L6-v2 vectors read
-- Indonesian poorly (most Indonesian passages are 0.4-0.6 similar to any Indonesian question), so the
-- words decide between them; a heading is what its section is about, so a keyword there says more than
-- one in passing (weights chosen on tests/knowledge/eval/questions.json, checked on heldout.json).
create function public.match_knowledge(
  p_store_id uuid,
  p_embedding extensions.vector(384),
  p_query text,
  p_limit integer default 3,
  p_embedding_model text default 'sentence-transformers/all-MiniLM-L6-v2'
) returns table (
  chunk_id bigint,
  document_id uuid,
  title text,
  heading text,
  page integer,
  content text,
  score double precision,
  similarity double precision,
  keyword_score double precision,
  heading_score double precision
)
language sql stable
set search_path = ''
-- Keep scanning the HNSW index until enough rows of this store pass the filter (pgvector >= 0.8).
set hnsw.iterative_scan = 'relaxed_order'
as $$
  with candidates as (
    select c.id, c.embedding, c.terms
    from public.knowledge_chunks c
    join public.knowledge_documents d on d.id = c.document_id
    where c.store_id = p_store_id and c.embedding_model = p_embedding_model and d.status = 'ready'
  ),
  total as (select pg_catalog.count(*)::double precision as n from candidates),
  words as (
    select w.word,
           pg_catalog.to_tsquery('simple', pg_catalog.quote_literal(w.word) || ':*') as query,
           pg_catalog.to_tsquery('simple', pg_catalog.quote_literal(w.word) || ':*A') as in_heading
    from (
      select distinct w as word
      from pg_catalog.regexp_split_to_table(pg_catalog.lower(coalesce(p_query, '')), '[^[:alnum:]]+') as w
      where pg_catalog.length(w) >= 2
      limit 30
    ) w
  ),
  weights as (
    select w.word, w.query, w.in_heading,
           pg_catalog.ln(1 + ((select n from total) - df.n + 0.5) / (df.n + 0.5)) as idf
    from words w
    cross join lateral (
      select pg_catalog.count(*)::double precision as n
      from candidates c where c.terms operator(pg_catalog.@@) w.query
    ) df
  ),
  keyword_matches as (
    select c.id,
           pg_catalog.sum(w.idf) / nullif((select pg_catalog.sum(idf) from weights), 0) as coverage,
           coalesce(pg_catalog.sum(w.idf) filter (where c.terms operator(pg_catalog.@@) w.in_heading), 0)
             / nullif((select pg_catalog.sum(idf) from weights), 0) as heading_coverage
    from candidates c
    join weights w on c.terms operator(pg_catalog.@@) w.query
    group by c.id
  ),
  by_text as (
    select id from keyword_matches order by coverage desc, id limit 40
  ),
  by_vector as (
    select id from candidates order by embedding operator(extensions.<=>) p_embedding limit 40
  ),
  scored as (
    select c.id, (1 - (c.embedding operator(extensions.<=>) p_embedding))::double precision as similarity,
           coalesce(k.coverage, 0)::double precision as coverage,
           coalesce(k.heading_coverage, 0)::double precision as heading_coverage
    from (select id from by_vector union select id from by_text) pool
    join public.knowledge_chunks c on c.id = pool.id
    left join keyword_matches k on k.id = c.id
  ),
  ranked as (
    select s.*, 0.5 * greatest(s.similarity, 0) + 0.3 * s.coverage + 0.2 * s.heading_coverage as score
    from scored s
  )
  select c.id, c.document_id, d.title, c.heading, c.page, c.content,
         r.score, r.similarity, r.coverage, r.heading_coverage
  from ranked r
  join public.knowledge_chunks c on c.id = r.id
  join public.knowledge_documents d on d.id = c.document_id
  order by r.score desc, c.id
  limit least(greatest(coalesce(p_limit, 3), 1), 20)
$$;
comment on function public.match_knowledge is
  'The assistant''s retrieval: passages of one store''s ready documents, vector similarity fused with keywords (as written and normalised) in text and heading.';

-- Grants ------------------------------------------------------------------------------------------
revoke execute on function public.match_knowledge from public, anon, authenticated;
grant execute on function public.match_knowledge to service_role;
