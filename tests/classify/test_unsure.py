"""Calibrated confidences and the unsure state: the temperatures are in the exported graph, a label is
unsure exactly when a head's calibrated probability is below the model's threshold, and the state
travels with the label (Lambda payload, worker)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from sapa.classify.handler import handler
from sapa.classify.labels import Label
from sapa.classify.model import METADATA_FILE, ExportedClassifier

TEXTS = ["where is my order 3321", "I want my money back", "halo kak", "udh transfer kak, tolong dicek", ""]


def _with_thresholds(source: Path, target: Path, category: float, urgency: float) -> Path:
    target.mkdir()
    for item in source.iterdir():
        (target / item.name).write_bytes(item.read_bytes())
    metadata = json.loads((target / METADATA_FILE).read_text())
    metadata["unsure_below"] = {"category": category, "urgency": urgency}
    (target / METADATA_FILE).write_text(json.dumps(metadata))
    return target


def test_the_export_records_temperatures_and_thresholds(tiny_export: Path) -> None:
    metadata = json.loads((tiny_export / METADATA_FILE).read_text())
    assert set(metadata["temperatures"]) == {"category", "urgency"}
    assert all(0.25 <= value <= 10.0 for value in metadata["temperatures"].values())
    assert metadata["unsure_below"] == {"category": 0.6, "urgency": 0.5}  # ModelArguments' defaults


def test_unsure_is_set_exactly_below_the_thresholds(tiny_export: Path) -> None:
    classifier = ExportedClassifier(tiny_export)
    labels = classifier.predict(TEXTS)
    category, urgency = classifier.probabilities(TEXTS)
    for label, c, u in zip(labels, category, urgency, strict=True):
        assert label.confidence == pytest.approx(float(c.max()), abs=1e-4)
        assert label.urgency_confidence == pytest.approx(float(u.max()), abs=1e-4)
        assert label.unsure == bool(c.max() < 0.6 or u.max() < 0.5)


def test_thresholds_decide_what_is_unsure(tiny_export: Path, tmp_path: Path) -> None:
    never = ExportedClassifier(_with_thresholds(tiny_export, tmp_path / "never", 0.0, 0.0))
    always = ExportedClassifier(_with_thresholds(tiny_export, tmp_path / "always", 1.01, 0.0))
    assert not any(label.unsure for label in never.predict(TEXTS))
    assert all(label.unsure for label in always.predict(TEXTS))
    # The threshold changes the state, never the label itself.
    strip = [(label.category, label.urgency, label.confidence) for label in never.predict(TEXTS)]
    assert strip == [(label.category, label.urgency, label.confidence) for label in always.predict(TEXTS)]


def test_a_model_without_thresholds_is_never_unsure(tiny_export: Path, tmp_path: Path) -> None:
    copy = tmp_path / "old"
    copy.mkdir()
    for item in tiny_export.iterdir():
        (copy / item.name).write_bytes(item.read_bytes())
    metadata = json.loads((copy / METADATA_FILE).read_text())
    del metadata["unsure_below"]
    (copy / METADATA_FILE).write_text(json.dumps(metadata))
    assert not any(label.unsure for label in ExportedClassifier(copy).predict(TEXTS))


def test_the_lambda_payload_carries_the_unsure_state(
    tiny_export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLASSIFIER_PATH", str(tiny_export))
    response = handler({"texts": TEXTS[:2]}, None)
    for payload in response["labels"]:
        assert set(payload) == {"category", "urgency", "confidence", "urgency_confidence", "unsure"}
        assert isinstance(payload["unsure"], bool)
        assert Label(**payload) == Label(**asdict(Label(**payload)))
