-- A document is processed in bounded steps (sapa.knowledge.documents.process_document): each job run
-- embeds and stores some batches of passages, records its progress, and queues its continuation until
-- every passage is stored; only then is the document ready (and its passages searchable: match_knowledge
-- reads ready documents only, so the document it replaces answers until then). A batch is stored
-- idempotently, keyed by (document_id, ordinal), so a retried, redelivered or duplicated job never stores
-- a passage twice and the next run resumes at the first passage not stored.

alter table public.knowledge_documents
  add column chunks_total integer check (chunks_total >= 0),
  add column chunks_done integer not null default 0 check (chunks_done >= 0),
  add constraint knowledge_documents_progress check (chunks_total is null or chunks_done <= chunks_total);
comment on column public.knowledge_documents.chunks_total is
  'How many passages the document has (known once it is read; null before).';
comment on column public.knowledge_documents.chunks_done is
  'How many of its passages are embedded and stored: the progress shown while it is processing.';

-- One batch of a document's passages: stored unless already there (same ordinal), progress updated.
-- p_chunks: [{ordinal, heading, page, content, embedding, heading_terms, content_terms}], ordinals in
-- [0, p_chunks_total). Passages of another embedding model, or of a different passage count (the
-- document was read differently, e.g. by a newer extractor), are removed first: a document's passages
-- all come from one reading and one model. Returns chunks_done, or null when the document is already
-- ready (a duplicate job: nothing is written). Refused (no_data_found) when the document is gone.
create function public.store_knowledge_batch(
  p_document_id uuid,
  p_chunks jsonb,
  p_embedding_model text,
  p_chunks_total integer
) returns integer
language plpgsql
-- Definer, like store_knowledge_chunks (migration 14): passages and status change only in these functions.
security definer
set search_path = ''
as $$
declare
  v_document public.knowledge_documents;
  v_done integer;
begin
  -- The row lock also makes two runs of one document's job take turns here.
  select * into v_document from public.knowledge_documents where id = p_document_id for update;
  if not found then
    raise exception 'no knowledge document %', p_document_id using errcode = 'no_data_found';
  end if;
  if v_document.status = 'ready' then
    return null;
  end if;
  if coalesce(p_chunks_total, 0) < 1 then
    raise exception 'a document has at least one passage' using errcode = 'invalid_parameter_value';
  end if;
  if jsonb_typeof(p_chunks) is distinct from 'array' or jsonb_array_length(p_chunks) = 0 then
    raise exception 'a batch has at least one passage' using errcode = 'invalid_parameter_value';
  end if;
  if exists (
    select from jsonb_array_elements(p_chunks) as c
    where (c ->> 'ordinal')::integer is null or (c ->> 'ordinal')::integer not between 0 and p_chunks_total - 1
  ) then
    raise exception 'a passage''s ordinal is outside 0..%', p_chunks_total - 1 using errcode = 'invalid_parameter_value';
  end if;

  if v_document.chunks_total is distinct from p_chunks_total then
    delete from public.knowledge_chunks where document_id = p_document_id;
  else
    delete from public.knowledge_chunks
    where document_id = p_document_id and embedding_model <> p_embedding_model;
  end if;

  insert into public.knowledge_chunks (store_id, document_id, ordinal, heading, page, content, embedding,
                                       embedding_model, heading_terms, content_terms)
  select v_document.store_id, p_document_id, (c ->> 'ordinal')::integer, c ->> 'heading',
         (c ->> 'page')::integer, c ->> 'content', (c -> 'embedding')::text::extensions.vector(384),
         p_embedding_model, c ->> 'heading_terms', c ->> 'content_terms'
  from jsonb_array_elements(p_chunks) as c
  on conflict (document_id, ordinal) do nothing;

  select count(*) into v_done from public.knowledge_chunks where document_id = p_document_id;
  update public.knowledge_documents
  set status = 'processing', error = null, chunks_total = p_chunks_total, chunks_done = v_done
  where id = p_document_id;
  return v_done;
end;
$$;

-- The ordinals among 0..p_chunks_total-1 not yet stored (with p_embedding_model): where a run resumes.
create function public.knowledge_chunks_missing(
  p_document_id uuid,
  p_chunks_total integer,
  p_embedding_model text
) returns integer[]
language sql stable
set search_path = ''
as $$
  select coalesce(pg_catalog.array_agg(i order by i), '{}')
  from pg_catalog.generate_series(0, coalesce(p_chunks_total, 0) - 1) as i
  where not exists (
    select from public.knowledge_chunks c
    where c.document_id = p_document_id and c.ordinal = i and c.embedding_model = p_embedding_model
  )
$$;

-- The last step: every passage stored (chunks_total of them, one model) → the document is ready with its
-- page count, method and preview, and the document it replaces is deleted, in one transaction. Returns
-- the storage keys of the deleted documents (the caller removes their files); '{}' when it was already
-- ready. Refused when passages are missing (object_not_in_prerequisite_state) or the document is gone.
create function public.finish_knowledge_document(
  p_document_id uuid,
  p_embedding_model text,
  p_pages integer,
  p_method text,
  p_text_preview text
) returns text[]
language plpgsql
security definer  -- as store_knowledge_batch
set search_path = ''
as $$
declare
  v_document public.knowledge_documents;
  v_stored integer;
  v_done_all integer;
  v_replaced text[];
begin
  select * into v_document from public.knowledge_documents where id = p_document_id for update;
  if not found then
    raise exception 'no knowledge document %', p_document_id using errcode = 'no_data_found';
  end if;
  if v_document.status = 'ready' then
    return '{}';
  end if;
  select count(*) filter (where embedding_model = p_embedding_model), count(*) into v_stored, v_done_all
  from public.knowledge_chunks where document_id = p_document_id;
  if v_document.chunks_total is null or v_document.chunks_total = 0
     or v_stored <> v_document.chunks_total or v_done_all <> v_stored then
    raise exception 'document % has % of % passages stored', p_document_id, v_stored,
      coalesce(v_document.chunks_total, 0) using errcode = 'object_not_in_prerequisite_state';
  end if;

  update public.knowledge_documents
  set status = 'ready', error = null, pages = p_pages, method = p_method,
      text_preview = left(p_text_preview, 2000), chunk_count = v_stored, chunks_done = v_stored
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

-- As in migration 14, and the progress starts again from nothing.
create or replace function public.fail_knowledge_document(p_document_id uuid, p_error text)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  if coalesce(btrim(p_error), '') = '' then
    raise exception 'a failed document says why' using errcode = 'invalid_parameter_value';
  end if;
  delete from public.knowledge_chunks where document_id = p_document_id;
  update public.knowledge_documents
  set status = 'failed', error = left(p_error, 2000), chunk_count = 0, chunks_done = 0, chunks_total = null
  where id = p_document_id;
  return found;
end;
$$;

-- A ready document's progress is complete (store_knowledge_chunks, the one-shot path, leaves it unset).
update public.knowledge_documents set chunks_total = chunk_count, chunks_done = chunk_count
where status = 'ready';

revoke execute on function public.store_knowledge_batch, public.knowledge_chunks_missing,
  public.finish_knowledge_document from public, anon, authenticated;
grant execute on function public.store_knowledge_batch, public.knowledge_chunks_missing,
  public.finish_knowledge_document to service_role;
