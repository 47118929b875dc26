"""The local embedder: ONNX Runtime + tokenizers reproduce sentence-transformers' all-MiniLM-L6-v2
(mean pooling, L2 norm) as PyTorch computes it, in 384 dimensions."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pydantic import ValidationError
from transformers import AutoModel, AutoTokenizer

from sapa.knowledge.embed import (
    DEFAULT_EMBEDDER_DIR,
    DIMENSIONS,
    LOCAL_MODEL_NAME,
    MiniLMEmbedder,
    local_embedder,
)
from sapa.knowledge.export_embedder import base_model_dir

TEXTS = [
    "Refunds are transferred within 1-3 working days.",
    "Barang bisa ditukar dalam 7 hari.",
    "ok",
    "Our showroom in Solo is open Monday to Saturday from 9 am to 5 pm, closed on public holidays " * 8,
]


def _pytorch(texts: list[str]) -> np.ndarray:
    source = str(base_model_dir())
    model = AutoModel.from_pretrained(source).eval()
    tokenizer = AutoTokenizer.from_pretrained(source)
    with torch.no_grad():
        batch = tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
        hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1)
        return torch.nn.functional.normalize(pooled, dim=1).numpy()


def test_the_onnx_embedder_matches_pytorch_on_a_padded_batch() -> None:
    embedder = MiniLMEmbedder(DEFAULT_EMBEDDER_DIR)

    got = np.asarray(embedder.embed_documents(TEXTS))

    assert embedder.model == LOCAL_MODEL_NAME
    assert got.shape == (len(TEXTS), DIMENSIONS)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(got * _pytorch(TEXTS), axis=1)) > 0.999


def test_a_question_is_nearer_to_the_passage_that_answers_it() -> None:
    embedder = local_embedder(str(DEFAULT_EMBEDDER_DIR))
    question = np.asarray(embedder.embed_query("When do I get my money back?"))
    passages = np.asarray(
        embedder.embed_documents(["Refunds are paid within 3 working days.", "The showroom opens at 9 am."])
    )

    refund, hours = passages @ question
    assert refund > hours + 0.2


def test_the_embedder_lambda_answers_with_vectors_of_the_local_model() -> None:
    from sapa.knowledge.embed_handler import embed_event

    answer = embed_event({"texts": ["Refunds take 3 days.", "Jam buka 9-17"]})

    assert answer["model"] == LOCAL_MODEL_NAME
    assert [len(vector) for vector in answer["embeddings"]] == [DIMENSIONS, DIMENSIONS]
    with pytest.raises(ValidationError):
        embed_event({"texts": []})
