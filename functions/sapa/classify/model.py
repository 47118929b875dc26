"""The exported classifier at inference time: ONNX Runtime + a `tokenizers` tokenizer, no PyTorch.

An exported model is a folder written by `python -m sapa_model export` (model/sapa_model/export.py):
  model.onnx        int8 (dynamically quantised) graph: input_ids, attention_mask → category and
                    urgency probabilities
  tokenizer.json    the fine-tuned encoder's tokenizer
  classifier.json   label names of both heads, max_length, base model, export check figures, the text
                    normaliser the model was trained with, and the unsure thresholds of both heads
  ngrams.npz        optional: the n-gram reader (sapa.classify.ngrams) whose probabilities are mixed
                    with the encoder's, by classifier.json's `ngram_weight` per head

The graph's probabilities are calibrated (temperature scaling, fitted when the run was trained). A label
is `unsure` when either head's probability is below its threshold in classifier.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

from sapa.chatwords import normalise_message
from sapa.classify.labels import ClassifierNotFoundError, Label
from sapa.classify.ngrams import NGRAMS_FILE, NgramClassifier

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
METADATA_FILE = "classifier.json"
NORMALISER = "sapa.chatwords.normalise_message"
"""classifier.json's `normaliser` of a model trained on normalised text (the only one there is)."""


class ExportedClassifier:
    """Loads once (the session is the expensive part), then labels batches of messages."""

    def __init__(self, directory: str | Path, *, threads: int = 1) -> None:
        self.directory = Path(directory)
        missing = [
            name
            for name in (MODEL_FILE, TOKENIZER_FILE, METADATA_FILE)
            if not (self.directory / name).is_file()
        ]
        if missing:
            raise ClassifierNotFoundError(
                f"no exported classifier in {self.directory} (missing {', '.join(missing)}); "
                "run `make model` or `python -m sapa_model export RUN_DIR`"
            )
        self.metadata: dict[str, Any] = json.loads((self.directory / METADATA_FILE).read_text())
        self.categories: list[str] = list(self.metadata["categories"])
        self.urgencies: list[str] = list(self.metadata["urgencies"])
        normaliser = self.metadata.get("normaliser")
        if normaliser not in (None, NORMALISER):
            raise ValueError(f"{self.directory}: unknown text normaliser {normaliser!r}")
        self.normalise = normaliser == NORMALISER
        unsure_below = self.metadata.get("unsure_below", {})
        self.unsure_category_below = float(unsure_below.get("category", 0.0))
        self.unsure_urgency_below = float(unsure_below.get("urgency", 0.0))
        self.tokenizer = Tokenizer.from_file(str(self.directory / TOKENIZER_FILE))
        self.tokenizer.enable_truncation(max_length=int(self.metadata["max_length"]))
        self.tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(
            str(self.directory / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        self.ngram_weight: dict[str, float] = {
            head: float(weight) for head, weight in self.metadata.get("ngram_weight", {}).items()
        }
        self.ngrams: NgramClassifier | None = None
        if any(self.ngram_weight.values()):
            self.ngrams = NgramClassifier(self.directory / NGRAMS_FILE)
            if self.ngrams.labels != {"category": self.categories, "urgency": self.urgencies}:
                raise ValueError(f"{self.directory}: the n-gram reader's labels differ from the encoder's")

    def encode(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids and attention mask, padded to the longest message of the batch."""
        if self.normalise:
            texts = [normalise_message(text) for text in texts]
        encodings = self.tokenizer.encode_batch(texts)
        length = max(len(encoding.ids) for encoding in encodings)
        input_ids = np.zeros((len(texts), length), dtype=np.int64)
        attention_mask = np.zeros((len(texts), length), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            input_ids[row, : len(encoding.ids)] = encoding.ids
            attention_mask[row, : len(encoding.ids)] = 1
        return input_ids, attention_mask

    def probabilities(self, texts: list[str], batch_size: int = 32) -> tuple[np.ndarray, np.ndarray]:
        """The encoder's (category probabilities, urgency probabilities), one row per text."""
        categories, urgencies = [], []
        for start in range(0, len(texts), batch_size):
            input_ids, attention_mask = self.encode(texts[start : start + batch_size])
            category, urgency = self.session.run(
                ["category_probs", "urgency_probs"],
                {"input_ids": input_ids, "attention_mask": attention_mask},
            )
            categories.append(np.asarray(category))
            urgencies.append(np.asarray(urgency))
        if not categories:
            return np.zeros((0, len(self.categories))), np.zeros((0, len(self.urgencies)))
        return np.concatenate(categories), np.concatenate(urgencies)

    def label_probabilities(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """What the labels are read from: the encoder's probabilities, mixed with the n-gram reader's
        when the exported folder has one (`(1 - w) * encoder + w * ngrams`, w per head)."""
        category, urgency = self.probabilities(texts)
        if self.ngrams is None or not texts:
            return category, urgency
        ngram_category, ngram_urgency = self.ngrams.both([normalise_message(text) for text in texts])
        w_category = self.ngram_weight.get("category", 0.0)
        w_urgency = self.ngram_weight.get("urgency", 0.0)
        return (
            (1.0 - w_category) * category + w_category * ngram_category,
            (1.0 - w_urgency) * urgency + w_urgency * ngram_urgency,
        )

    def predict(self, texts: list[str]) -> list[Label]:
        # An empty message has no words to read; the tokenizer still gives [CLS] [SEP], so it is labelled.
        category, urgency = self.label_probabilities(texts)
        return [
            Label(
                category=self.categories[int(c.argmax())],
                urgency=self.urgencies[int(u.argmax())],
                confidence=round(float(c.max()), 4),
                urgency_confidence=round(float(u.max()), 4),
                unsure=bool(c.max() < self.unsure_category_below or u.max() < self.unsure_urgency_below),
            )
            for c, u in zip(category, urgency, strict=True)
        ]
