"""The exported ONNX int8 model gives the PyTorch model's labels, through the Lambda's own runtime."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sapa_model import modeling
from sapa_model.config import DEFAULT_REALSTYLE
from sapa_model.data import read_realstyle
from sapa_model.export import export_run
from sapa_model.inference import model_texts, predict_proba
from transformers import AutoTokenizer

from sapa.classify.model import ExportedClassifier


def test_export_matches_pytorch(tiny_run: Path, tiny_export: Path) -> None:
    texts = [e["text"] for e in read_realstyle(DEFAULT_REALSTYLE)]
    model = modeling.load(tiny_run / "model")
    tokenizer = AutoTokenizer.from_pretrained(tiny_run / "model")
    reference = predict_proba(model, tokenizer, texts, max_length=32)

    exported = ExportedClassifier(tiny_export)
    category, urgency = exported.probabilities(texts)

    assert np.mean(reference.category.argmax(1) == category.argmax(1)) >= 0.98
    assert np.mean(reference.urgency.argmax(1) == urgency.argmax(1)) >= 0.98
    assert np.abs(reference.category - category).max() < 0.1
    check = json.loads((tiny_export / "classifier.json").read_text())["check"]
    assert check["n"] == len(texts) and check["category_agreement"] >= 0.98


def test_runtime_tokenizer_equals_the_training_tokenizer(tiny_run: Path, tiny_export: Path) -> None:
    """Serving normalises and tokenises a message exactly as training did (one normaliser)."""
    texts = ["Kak, pesanan #10482 blm nyampe!!", "refund of Rp150.000 pls 😡", "x" * 400]
    tokenizer = AutoTokenizer.from_pretrained(tiny_run / "model")
    expected = tokenizer(model_texts(texts), truncation=True, max_length=32)["input_ids"]

    input_ids, attention_mask = ExportedClassifier(tiny_export).encode(texts)

    for row, ids in enumerate(expected):
        assert input_ids[row, : len(ids)].tolist() == ids
        assert attention_mask[row].sum() == len(ids)


def test_export_refuses_a_model_that_disagrees(tiny_run: Path, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="disagrees"):
        export_run(tiny_run, tmp_path / "out", check_texts=["where is my order"], min_agreement=1.01)
    assert not (tmp_path / "out").exists()


def test_only_the_first_encoder_layer_stays_in_float(tiny_run: Path, tmp_path: Path) -> None:
    from sapa_model.export import export_onnx, float_nodes

    export_onnx(modeling.load(tiny_run / "model"), tmp_path / "fp32.onnx")

    kept = float_nodes(tmp_path / "fp32.onnx")
    assert kept and all("layer.0/" in name for name in kept)
    assert not float_nodes(tmp_path / "fp32.onnx", layers=("layer.9/",))
