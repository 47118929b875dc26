"""The passages of one store's documents that best answer a question: the question is embedded with the
configured embedder and `match_knowledge` (SQL, over RPC) scores the store's chunks of the same
embedding model by meaning (cosine similarity) and by keywords (rare words weigh more; normalised by
sapa.knowledge.words like the passages' words, and weighing more in a passage's heading)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, TypeAdapter
from supabase import Client

from sapa.knowledge.embed import Embedder, embedder_from_settings
from sapa.knowledge.words import keywords
from sapa.settings import Settings

MAX_PASSAGES = 20
MAX_QUESTION_CHARS = 1000


class Passage(BaseModel):
    model_config = ConfigDict(frozen=True)

    document_id: uuid.UUID
    title: str
    heading: str | None
    page: int | None
    content: str
    score: float
    """0.5 similarity + 0.3 keyword_score + 0.2 heading_score (0-1, higher is better; migration
    17): how passages are ordered, and how surely one answers the question."""
    similarity: float
    """Cosine similarity of the passage to the question (1 = same meaning as far as the model sees)."""
    keyword_score: float = 0.0
    """Share (0-1) of the question's keyword weight (rare words weigh more) found in the passage."""
    heading_score: float = 0.0
    """Share (0-1) of the question's keyword weight found in the passage's heading."""


_PASSAGES = TypeAdapter(list[Passage])


def search(
    supabase: Client,
    settings: Settings,
    store_id: str | uuid.UUID,
    question: str,
    limit: int = 3,
    embedder: Embedder | None = None,
    ignore_words: str = "",
) -> list[Passage]:
    """`ignore_words`: words that are no keywords here, e.g. the shop's name (found in every document)."""
    question = " ".join(question.split())[:MAX_QUESTION_CHARS]
    if not question:
        return []
    embedder = embedder or embedder_from_settings(settings)
    params = {
        "p_store_id": str(store_id),
        "p_embedding": embedder.embed_query(question),
        "p_query": keywords(question, ignore=keywords(ignore_words).split()),
        "p_limit": max(1, min(limit, MAX_PASSAGES)),
        "p_embedding_model": embedder.model,
    }
    return _PASSAGES.validate_python(supabase.rpc("match_knowledge", params).execute().data)
