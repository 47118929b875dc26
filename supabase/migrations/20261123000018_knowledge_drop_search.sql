-- match_knowledge reads knowledge_chunks.terms since migration 17; the earlier full-text column and its
-- GIN index were still computed and maintained on every stored passage for nobody.
drop index public.knowledge_chunks_search;
alter table public.knowledge_chunks drop column search;
