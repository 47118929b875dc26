"""Temperature scaling: fitted on the real-style calibration part, saved with the model, applied by the
PyTorch helpers and inside the exported graph; it changes confidences, never the labels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sapa_model import modeling
from sapa_model.calibration import expected_calibration_error, fit_temperature, unsure_figures
from sapa_model.inference import predict_logits, predict_proba, softmax
from transformers import AutoTokenizer

from sapa.classify.model import ExportedClassifier

TEXTS = ["where is my order 4521", "udh transfer kak tolong dicek", "makasih kak 🙏", "barang rusak!!", ""]


def _overconfident(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Logits whose softmax at T=3 is calibrated (labels drawn from it): at T=1 they are overconfident."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 3.0, size=(n, 5))
    true_probabilities = softmax(logits, 3.0)
    gold = np.array([rng.choice(5, p=row) for row in true_probabilities])
    return logits, gold


def test_fit_temperature_recovers_the_scale() -> None:
    logits, gold = _overconfident(4000)
    temperature = fit_temperature(logits, gold)
    assert 2.5 <= temperature <= 3.6
    before = expected_calibration_error(softmax(logits), gold)
    after = expected_calibration_error(softmax(logits, temperature), gold)
    assert after < before / 2
    assert (softmax(logits, temperature).argmax(1) == logits.argmax(1)).all()  # labels unchanged


def test_no_calibration_data_leaves_the_model_as_it_is() -> None:
    assert fit_temperature(np.zeros((0, 5)), np.zeros(0, dtype=int)) == 1.0


def test_unsure_figures_count_below_either_threshold() -> None:
    category = np.array([[0.9, 0.1], [0.55, 0.45], [0.8, 0.2]])
    urgency = np.array([[0.7, 0.3], [0.9, 0.1], [0.45, 0.55]])
    figures = unsure_figures(category, urgency, np.array([0, 1, 0]), np.array([0, 0, 1]), 0.6, 0.6)
    assert figures["unsure"] == 2  # the second by category, the third by urgency
    assert figures["both_right_when_sure"] == 1.0
    assert figures["both_right_when_unsure"] == 0.5


def test_the_run_saves_its_temperatures_and_the_export_applies_them(
    tiny_run: Path, tiny_export: Path
) -> None:
    model = modeling.load(tiny_run / "model")
    run = json.loads((tiny_run / "model" / "sapa_run.json").read_text())
    assert run["calibration"]["fitted_on"].startswith("real-style calibration part")
    assert model.config.category_temperature == run["calibration"]["category_temperature"]
    tokenizer = AutoTokenizer.from_pretrained(tiny_run / "model")

    logits = predict_logits(model, tokenizer, TEXTS, max_length=32)
    calibrated = predict_proba(model, tokenizer, TEXTS, max_length=32)
    assert np.allclose(calibrated.category, softmax(logits.category, model.config.category_temperature))
    assert np.allclose(calibrated.urgency, softmax(logits.urgency, model.config.urgency_temperature))

    served, _ = ExportedClassifier(tiny_export).probabilities(TEXTS)
    assert np.abs(served - calibrated.category).max() < 0.1  # int8 weights, same temperature
