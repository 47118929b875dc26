-- What the assistant knows from the shop's own documents. An owner or admin uploads a file through the
-- API (which stores it in object storage and adds a knowledge_documents row); a job extracts its text,
-- cuts it into passages and embeds them (knowledge_chunks, pgvector); the assistant retrieves passages
-- with match_knowledge: vector similarity fused with full-text search, restricted to one store and to
-- the embedding model of the question. Members read both tables; all writes are the service role's.

-- Tables ------------------------------------------------------------------------------------------
create table public.knowledge_documents (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references public.stores (id) on delete cascade,
  title text not null check (length(btrim(title)) between 1 and 200),
  filename text not null check (length(filename) between 1 and 255),
  content_type text not null check (length(content_type) between 1 and 255),
  size_bytes bigint not null check (size_bytes > 0),
  storage_key text not null unique check (length(storage_key) between 1 and 1024),
  status text not null default 'processing' check (status in ('processing', 'ready', 'failed')),
  error text check (length(error) <= 2000),
  pages integer check (pages >= 0),
  method text check (method in ('text', 'pdf', 'docx', 'ocr', 'pdf+ocr')),
  text_preview text check (length(text_preview) <= 2000),
  chunk_count integer not null default 0 check (chunk_count >= 0),
  replaces uuid,
  uploaded_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (store_id, id),
  check (status <> 'failed' or error is not null),
  check (replaces is distinct from id)
);
comment on table public.knowledge_documents is
  'Documents an owner or admin uploaded for the assistant (the file is in object storage under storage_key).';
comment on column public.knowledge_documents.status is
  'processing (the extraction job has not finished), ready (its passages are searchable), failed (see error).';
comment on column public.knowledge_documents.error is 'Why processing failed, in words for the shop owner.';
comment on column public.knowledge_documents.method is
  'How the text was read: text, pdf (its text layer), docx, ocr (an image), pdf+ocr (some pages scanned).';
comment on column public.knowledge_documents.replaces is
  'The document this one replaces; that one is deleted when this one is ready.';

create index knowledge_documents_store on public.knowledge_documents (store_id, created_at desc);

create trigger set_updated_at before update on public.knowledge_documents
  for each row execute function private.set_updated_at();

create table public.knowledge_chunks (
  id bigint generated always as identity primary key,
  store_id uuid not null,
  document_id uuid not null,
  ordinal integer not null check (ordinal >= 0),
  heading text check (length(heading) <= 500),
  page integer check (page >= 1),
  content text not null check (length(btrim(content)) between 1 and 4000),
  embedding extensions.vector(384) not null,
  embedding_model text not null check (length(embedding_model) between 1 and 200),
  search tsvector generated always as (
    pg_catalog.to_tsvector('simple'::regconfig, coalesce(heading, '') || ' ' || content)
  ) stored,
  created_at timestamptz not null default now(),
  foreign key (store_id, document_id) references public.knowledge_documents (store_id, id) on delete cascade,
  unique (document_id, ordinal)
);
comment on table public.knowledge_chunks is
  'Passages of the knowledge documents with their embeddings: what the assistant retrieves.';
comment on column public.knowledge_chunks.embedding_model is
  'The model that made the embedding; a question is only compared with chunks of its own model.';
comment on column public.knowledge_chunks.search is 'Full-text index of heading and content (''simple'': Indonesian and English alike).';

create index knowledge_chunks_embedding on public.knowledge_chunks
  using hnsw (embedding extensions.vector_cosine_ops);
create index knowledge_chunks_search on public.knowledge_chunks using gin (search);
create index knowledge_chunks_store_model on public.knowledge_chunks (store_id, embedding_model);

-- Grants ------------------------------------------------------------------------------------------
revoke all on public.knowledge_documents, public.knowledge_chunks from anon, authenticated;
grant select on public.knowledge_documents, public.knowledge_chunks to authenticated;
-- The API adds and removes documents with simple table calls; chunks and status change only through the
-- functions below (atomically, with the document).
revoke all on public.knowledge_documents, public.knowledge_chunks from service_role;
grant select, insert, delete on public.knowledge_documents to service_role;
grant select on public.knowledge_chunks to service_role;

-- RLS ---------------------------------------------------------------------------------------------
alter table public.knowledge_documents enable row level security;
alter table public.knowledge_chunks enable row level security;

create policy "members can view their store's documents" on public.knowledge_documents
  for select to authenticated using (public.has_role_on_store(store_id));
create policy "members can view their store's passages" on public.knowledge_chunks
  for select to authenticated using (public.has_role_on_store(store_id));

-- Live status on the knowledge page (like conversations and messages, migration 05).
create trigger broadcast_change after insert or update or delete on public.knowledge_documents
  for each row execute function private.broadcast_store_change();

-- Functions ---------------------------------------------------------------------------------------
-- A processed document: its passages replace any earlier ones (a retried job), the document becomes
-- ready with its page count, method and preview, and the document it replaces is deleted. All in one
-- transaction. Returns the storage keys of documents deleted by the replacement (the caller removes
-- their files). Refused (no_data_found) when the document is gone: deleted while it was processed.
-- p_chunks: [{ordinal, heading, page, content, embedding: [384 numbers]}].
create function public.store_knowledge_chunks(
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
                                       embedding_model)
  select v_document.store_id, p_document_id, (c ->> 'ordinal')::integer, c ->> 'heading',
         (c ->> 'page')::integer, c ->> 'content', (c -> 'embedding')::text::extensions.vector(384),
         p_embedding_model
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

-- A document that could not be processed: failed, with the reason in plain words; its passages (of an
-- earlier attempt) are removed. False when the document is gone.
create function public.fail_knowledge_document(p_document_id uuid, p_error text)
returns boolean
language plpgsql
security definer  -- as store_knowledge_chunks: the only way status and passages change
set search_path = ''
as $$
begin
  if coalesce(btrim(p_error), '') = '' then
    raise exception 'a failed document says why' using errcode = 'invalid_parameter_value';
  end if;
  delete from public.knowledge_chunks where document_id = p_document_id;
  update public.knowledge_documents
  set status = 'failed', error = left(p_error, 2000), chunk_count = 0
  where id = p_document_id;
  return found;
end;
$$;

-- The passages of one store that best answer a question. Candidates: the 40 nearest by cosine distance
-- (among chunks of p_embedding_model, HNSW index) and the 40 best keyword matches (GIN index). Keywords
-- are the words of p_query (the caller leaves out common words), matched as prefixes ("item" finds
-- "items", "kembali" finds "kembalikan"; 'simple' does not stem), each weighted by its BM25 inverse
-- document frequency among the store's passages, so a rare word ("Medan") counts more than one found
-- everywhere ("ongkir"). Per passage: similarity (cosine similarity to the question), keyword_score
-- (the share of the question's keyword weight the passage contains, 0-1) and score, their mean, by
-- which they are ordered. The mean, not reciprocal-rank fusion: all-MiniLM-L6-v2 reads Indonesian
-- poorly (similarities of ~0.5 for unrelated passages), and rank fusion gave its noise the same weight
-- as a keyword match (hit@3 0.917 vs 0.944 on tests/knowledge/eval). Only passages of ready documents.
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
  keyword_score double precision
)
language sql stable
set search_path = ''
-- Keep scanning the HNSW index until enough rows of this store pass the filter (pgvector >= 0.8).
set hnsw.iterative_scan = 'relaxed_order'
as $$
  with candidates as (
    select c.id, c.embedding, c.search
    from public.knowledge_chunks c
    join public.knowledge_documents d on d.id = c.document_id
    where c.store_id = p_store_id and c.embedding_model = p_embedding_model and d.status = 'ready'
  ),
  total as (select pg_catalog.count(*)::double precision as n from candidates),
  words as (
    select w.word, pg_catalog.to_tsquery('simple', pg_catalog.quote_literal(w.word) || ':*') as query
    from (
      select distinct w as word
      from pg_catalog.regexp_split_to_table(pg_catalog.lower(coalesce(p_query, '')), '[^[:alnum:]]+') as w
      where pg_catalog.length(w) >= 2
      limit 30
    ) w
  ),
  weights as (
    select w.word, w.query,
           pg_catalog.ln(1 + ((select n from total) - df.n + 0.5) / (df.n + 0.5)) as idf
    from words w
    cross join lateral (
      select pg_catalog.count(*)::double precision as n
      from candidates c where c.search operator(pg_catalog.@@) w.query
    ) df
  ),
  keyword_matches as (
    select c.id, pg_catalog.sum(w.idf) / nullif((select pg_catalog.sum(idf) from weights), 0) as coverage
    from candidates c
    join weights w on c.search operator(pg_catalog.@@) w.query
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
           coalesce(k.coverage, 0)::double precision as coverage
    from (select id from by_vector union select id from by_text) pool
    join public.knowledge_chunks c on c.id = pool.id
    left join keyword_matches k on k.id = c.id
  )
  select c.id, c.document_id, d.title, c.heading, c.page, c.content,
         (greatest(s.similarity, 0) + s.coverage) / 2, s.similarity, s.coverage
  from scored s
  join public.knowledge_chunks c on c.id = s.id
  join public.knowledge_documents d on d.id = c.document_id
  order by (greatest(s.similarity, 0) + s.coverage) / 2 desc, c.id
  limit least(greatest(coalesce(p_limit, 3), 1), 20)
$$;
comment on function public.match_knowledge is
  'The assistant''s retrieval: passages of one store''s ready documents, vector similarity fused with full-text search.';

revoke execute on function public.store_knowledge_chunks, public.fail_knowledge_document, public.match_knowledge
  from public, anon, authenticated;
grant execute on function public.store_knowledge_chunks, public.fail_knowledge_document, public.match_knowledge
  to service_role;
