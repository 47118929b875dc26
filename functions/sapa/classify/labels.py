"""What the classifier says about a message. Kept apart from the model code so that callers (the worker,
which may reach the classifier as a Lambda) do not need ONNX Runtime installed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    category: str  # delivery | order | payment | refund | other
    urgency: str  # low | medium | high
    confidence: float  # calibrated probability of the predicted category
    urgency_confidence: float = 1.0  # calibrated probability of the predicted urgency
    unsure: bool = False  # a confidence below the model's threshold: a person should check the label


class ClassifierNotFoundError(FileNotFoundError):
    """No exported model at the configured path (train one with `make model`)."""
