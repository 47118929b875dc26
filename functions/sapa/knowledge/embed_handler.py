"""The embedder Lambda: {"texts": [...]} → {"model": ..., "embeddings": [[384 numbers], ...]}.

The `embedder` function of the models image (model/Dockerfile, which carries ONNX Runtime and the exported
model at EMBEDDING_MODEL_PATH; serverless.yml names this handler as its command). The API, a zip without
ONNX Runtime, invokes it (settings.embedding_function_name) through sapa.knowledge.embed.LambdaEmbedder to
embed a knowledge search's question; the worker embeds in process."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sapa.knowledge.embed import DEFAULT_EMBEDDER_DIR, local_embedder
from sapa.settings import get_settings

MAX_TEXTS = 64


class EmbedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: list[str] = Field(min_length=1, max_length=MAX_TEXTS)


def embed_event(event: dict[str, Any], model_dir: str | None = None) -> dict[str, Any]:
    request = EmbedRequest.model_validate(event)
    embedder = local_embedder(model_dir or str(DEFAULT_EMBEDDER_DIR))
    return {"model": embedder.model, "embeddings": embedder.embed_documents(request.texts)}


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    return embed_event(event, get_settings().embedding_model_path)
