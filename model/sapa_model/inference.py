"""Batch prediction with the PyTorch model (evaluation, calibration, the export check and the benchmark).

Every text goes through `sapa.chatwords.normalise_message` first, as in training and in serving
(sapa.classify.model). Probabilities are the heads' logits divided by the temperatures saved in the
model's config (1.0 until `calibrate` has fitted them), then softmaxed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

from sapa.chatwords import normalise_message
from sapa_model.modeling import SapaIssueClassifier, category_labels, urgency_labels


def model_texts(texts: list[str]) -> list[str]:
    """What the encoder reads: each message normalised (the one normaliser of training and serving)."""
    return [normalise_message(text) for text in texts]


@dataclass
class Probabilities:
    category: np.ndarray  # (n, categories)
    urgency: np.ndarray  # (n, urgencies)

    def category_names(self, model: SapaIssueClassifier) -> list[str]:
        labels = category_labels(model.config)
        return [labels[i] for i in self.category.argmax(axis=1)]

    def urgency_names(self, model: SapaIssueClassifier) -> list[str]:
        labels = urgency_labels(model.config)
        return [labels[i] for i in self.urgency.argmax(axis=1)]


@dataclass
class Logits:
    category: np.ndarray
    urgency: np.ndarray


@torch.inference_mode()
def predict_logits(
    model: SapaIssueClassifier,
    tokenizer: PreTrainedTokenizerBase,
    texts: list[str],
    max_length: int,
    batch_size: int = 64,
) -> Logits:
    model.eval()
    categories, urgencies = [], []
    inputs = model_texts(texts)
    for start in range(0, len(inputs), batch_size):
        batch = tokenizer(
            inputs[start : start + batch_size],
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        )
        output = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        assert output.logits is not None and output.urgency_logits is not None
        categories.append(output.logits.numpy())
        urgencies.append(output.urgency_logits.numpy())
    n_categories, n_urgencies = len(model.config.id2label), len(model.config.urgency_id2label)
    return Logits(
        category=np.concatenate(categories) if categories else np.zeros((0, n_categories)),
        urgency=np.concatenate(urgencies) if urgencies else np.zeros((0, n_urgencies)),
    )


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    scaled = logits / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


def temperatures(model: SapaIssueClassifier) -> tuple[float, float]:
    """(category, urgency) temperatures saved in the config; 1.0 for an uncalibrated model."""
    config = model.config
    return float(getattr(config, "category_temperature", 1.0)), float(
        getattr(config, "urgency_temperature", 1.0)
    )


def predict_proba(
    model: SapaIssueClassifier,
    tokenizer: PreTrainedTokenizerBase,
    texts: list[str],
    max_length: int,
    batch_size: int = 64,
) -> Probabilities:
    logits = predict_logits(model, tokenizer, texts, max_length, batch_size)
    category_t, urgency_t = temperatures(model)
    return Probabilities(
        category=softmax(logits.category, category_t), urgency=softmax(logits.urgency, urgency_t)
    )
