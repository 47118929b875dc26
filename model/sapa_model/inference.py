"""Batch prediction with the PyTorch model (evaluation, the export check and the benchmark use it)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

from sapa_model.modeling import SapaIssueClassifier, category_labels, urgency_labels


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


@torch.inference_mode()
def predict_proba(
    model: SapaIssueClassifier,
    tokenizer: PreTrainedTokenizerBase,
    texts: list[str],
    max_length: int,
    batch_size: int = 64,
) -> Probabilities:
    model.eval()
    categories, urgencies = [], []
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(
            texts[start : start + batch_size],
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
        )
        output = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        categories.append(torch.softmax(output.logits, dim=-1).numpy())
        urgencies.append(torch.softmax(output.urgency_logits, dim=-1).numpy())
    n_categories, n_urgencies = len(model.config.id2label), len(model.config.urgency_id2label)
    return Probabilities(
        category=np.concatenate(categories) if categories else np.zeros((0, n_categories)),
        urgency=np.concatenate(urgencies) if urgencies else np.zeros((0, n_urgencies)),
    )
