"""Temperature scaling (Guo et al., 2017): one scalar per head that divides the logits so that a
confidence of 0.8 is right about 8 times in 10. Fitted on the calibration part of the real-style tuning
messages (never trained on, never the held-out part); the accuracy of the labels does not change, only
how far their confidences can be trusted.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np

from sapa_model.inference import softmax

# Candidate temperatures: 0.25 .. 10, even on a log scale.
GRID = np.exp(np.linspace(np.log(0.25), np.log(10.0), 241))


def negative_log_likelihood(logits: np.ndarray, gold: np.ndarray, temperature: float) -> float:
    probabilities = softmax(logits, temperature)
    return float(-np.mean(np.log(probabilities[np.arange(len(gold)), gold] + 1e-12)))


def fit_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    """The temperature of the grid with the lowest negative log-likelihood (1.0 with no data)."""
    if len(gold) == 0:
        return 1.0
    losses = [negative_log_likelihood(logits, gold, float(t)) for t in GRID]
    return round(float(GRID[int(np.argmin(losses))]), 4)


def expected_calibration_error(probabilities: np.ndarray, gold: np.ndarray, bins: int = 10) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by the bins' sizes."""
    if len(gold) == 0:
        return 0.0
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == gold
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for low, high in pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            error += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return round(float(error), 4)


def unsure_figures(
    category: np.ndarray,
    urgency: np.ndarray,
    gold_category: np.ndarray,
    gold_urgency: np.ndarray,
    category_below: float,
    urgency_below: float,
) -> dict[str, Any]:
    """How many labels are unsure at the thresholds, and how right the sure and the unsure ones are."""
    unsure = (category.max(axis=1) < category_below) | (urgency.max(axis=1) < urgency_below)
    both = (category.argmax(axis=1) == gold_category) & (urgency.argmax(axis=1) == gold_urgency)

    def rate(mask: np.ndarray) -> float | None:
        return round(float(both[mask].mean()), 4) if mask.any() else None

    return {
        "n": len(gold_category),
        "unsure": int(unsure.sum()),
        "unsure_share": round(float(unsure.mean()), 4) if len(unsure) else 0.0,
        "both_right_when_sure": rate(~unsure),
        "both_right_when_unsure": rate(unsure),
    }
