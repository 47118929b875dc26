"""The urgency loss can weigh each level by its rarity in the training split (balance_urgency)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from sapa_model import modeling
from sapa_model.config import URGENCIES
from sapa_model.train import balanced_weights


def test_balanced_weights_are_inverse_frequencies() -> None:
    labels = ["low"] * 6 + ["medium"] * 3 + ["high"] * 1

    weights = balanced_weights(labels, URGENCIES)

    assert weights == pytest.approx([10 / 18, 10 / 9, 10 / 3], abs=1e-4)
    assert balanced_weights(["low", "low"], URGENCIES) == [pytest.approx(1 / 3, abs=1e-4), 1.0, 1.0]


def test_weights_change_the_urgency_loss_and_nothing_at_inference(tiny_base: Path) -> None:
    model = modeling.from_base(
        str(tiny_base), pooling="mean", classifier_dropout=0.0, urgency_loss_weight=1.0
    ).eval()
    batch = {
        "input_ids": torch.tensor([[2, 10, 11, 3], [2, 12, 13, 3]]),
        "attention_mask": torch.ones(2, 4, dtype=torch.long),
        "labels": torch.tensor([0, 1]),
        "urgency_labels": torch.tensor([0, 2]),
    }
    with torch.no_grad():
        plain = model(**batch)
        model.urgency_class_weights = torch.tensor([1.0, 1.0, 5.0])
        weighted = model(**batch)

    assert plain.loss is not None and weighted.loss is not None
    assert not torch.isclose(plain.loss, weighted.loss)
    assert torch.equal(plain.urgency_logits, weighted.urgency_logits)
    assert "urgency_class_weights" not in model.state_dict()
