"""Text → vectors of 384 numbers, for pgvector. Two embedders, one protocol:

- `MiniLMEmbedder`: all-MiniLM-L6-v2 exported to ONNX (sapa.knowledge.export_embedder), run with ONNX
  Runtime + tokenizers; mean pooling over the tokens and L2 normalisation, as sentence-transformers does.
  Offline, no torch: in the worker, locally and on AWS (the models image, model/Dockerfile); the API's
  zip has no ONNX Runtime and asks the image's `embedder` function (`LambdaEmbedder`, embed_handler).
- `OpenAIEmbedder`: OpenAI's text-embedding-3-small shortened to 384 dimensions (the API's `dimensions`),
  through LangChain, when an OpenAI key is configured.

Every chunk records the model that embedded it (`Embedder.model`); retrieval compares a question only
with chunks of the same model, since vectors of two models do not share a space."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from sapa.settings import Settings

DIMENSIONS = 384
LOCAL_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
OPENAI_MODEL_NAME = "text-embedding-3-small"
DEFAULT_EMBEDDER_DIR = Path(__file__).resolve().parents[3] / "model" / "artifacts" / "embedder"
"""Where `make embedder` writes the exported model in a checkout of the repository."""
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
METADATA_FILE = "embedder.json"
BATCH_SIZE = 16


class EmbedderNotFoundError(RuntimeError):
    """The exported local model is missing."""


class Embedder(Protocol):
    @property
    def model(self) -> str:
        """The name recorded with each chunk, e.g. 'sentence-transformers/all-MiniLM-L6-v2'."""
        ...

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class MiniLMEmbedder:
    def __init__(self, directory: str | Path = DEFAULT_EMBEDDER_DIR, *, threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.directory = Path(directory)
        files = (MODEL_FILE, TOKENIZER_FILE, METADATA_FILE)
        missing = [name for name in files if not (self.directory / name).is_file()]
        if missing:
            raise EmbedderNotFoundError(
                f"no exported embedder in {self.directory} (missing {', '.join(missing)}); "
                "run `make embedder` or `python -m sapa.knowledge.export_embedder`"
            )
        metadata: dict[str, Any] = json.loads((self.directory / METADATA_FILE).read_text())
        self._model = str(metadata["model"])
        self.tokenizer = Tokenizer.from_file(str(self.directory / TOKENIZER_FILE))
        self.tokenizer.enable_truncation(max_length=int(metadata["max_length"]))
        self.tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(self.directory / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )

    @property
    def model(self) -> str:
        return self._model

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH_SIZE):
            vectors.extend(self._embed_batch(list(texts[start : start + BATCH_SIZE])))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._embed_batch([text])[0]

    def _embed_batch(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        encodings = self.tokenizer.encode_batch(texts)
        length = max(len(e.ids) for e in encodings)
        input_ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            input_ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
        (hidden,) = self.session.run(["last_hidden_state"], feeds)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (np.asarray(hidden) * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return [[float(x) for x in row] for row in pooled / norms]


class OpenAIEmbedder:
    def __init__(self, settings: Settings) -> None:
        from langchain_openai import OpenAIEmbeddings

        self._embeddings = OpenAIEmbeddings(
            model=settings.openai_embedding_model,
            dimensions=DIMENSIONS,
            openai_api_key=settings.openai_api_key,
            openai_api_base=settings.openai_base_url,
            request_timeout=settings.openai_timeout_seconds,
            max_retries=1,
            # Without this LangChain counts tokens with tiktoken, which downloads its tables on first use.
            check_embedding_ctx_length=False,
        )
        self._model = f"openai/{settings.openai_embedding_model}@{DIMENSIONS}"

    @property
    def model(self) -> str:
        return self._model

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self._embeddings.embed_documents(list(texts))

    def embed_query(self, text: str) -> list[float]:
        return self._embeddings.embed_query(text)


class LambdaEmbedder:
    """AWS, in the API: invokes the `embedder` function (the models image, sapa.knowledge.embed_handler)
    with {"texts": [...]} and reads {"model": ..., "embeddings": [...]}."""

    def __init__(self, client: Any, function_name: str) -> None:
        self._client = client
        self._function_name = function_name

    @property
    def model(self) -> str:
        return LOCAL_MODEL_NAME

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), 64):
            vectors.extend(self._invoke(list(texts[start : start + 64])))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._invoke([text])[0]

    def _invoke(self, texts: list[str]) -> list[list[float]]:
        response = self._client.invoke(
            FunctionName=self._function_name, Payload=json.dumps({"texts": texts}).encode()
        )
        payload = json.loads(response["Payload"].read())
        if response.get("FunctionError"):
            raise RuntimeError(f"the embedder Lambda failed: {payload.get('errorMessage', payload)}")
        embeddings: list[list[float]] = payload["embeddings"]
        return embeddings


@lru_cache(maxsize=4)
def local_embedder(directory: str) -> MiniLMEmbedder:
    """One ONNX session per process and folder (loading it is the slow part)."""
    return MiniLMEmbedder(directory)


def _lambda_embedder(function_name: str, endpoint_url: str | None) -> LambdaEmbedder:
    from sapa.aws import aws_client  # one client per process: making one loads the service's model

    return LambdaEmbedder(aws_client("lambda", endpoint_url), function_name)


def embedder_from_settings(settings: Settings) -> Embedder:
    """OpenAI when a key is configured (embedding_provider auto) or asked for; otherwise the local model,
    in process or, when embedding_function_name is set, in its Lambda."""
    has_key = settings.openai_api_key is not None and bool(settings.openai_api_key.get_secret_value())
    provider = settings.embedding_provider
    if provider == "openai" or (provider == "auto" and has_key):
        return OpenAIEmbedder(settings)
    if settings.embedding_function_name:
        return _lambda_embedder(settings.embedding_function_name, settings.aws_endpoint_url)
    return local_embedder(settings.embedding_model_path or str(DEFAULT_EMBEDDER_DIR))
