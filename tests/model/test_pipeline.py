"""The whole pipeline on a tiny DistilBERT: train a few hundred steps, save, load, predict, report."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from sapa_model import modeling
from sapa_model.config import CATEGORIES, URGENCIES
from sapa_model.inference import predict_proba
from transformers import AutoConfig, AutoTokenizer


def test_saved_config_carries_both_label_maps(tiny_run: Path) -> None:
    config = AutoConfig.from_pretrained(tiny_run / "model")

    assert config.id2label == dict(enumerate(CATEGORIES))
    assert config.label2id == {label: i for i, label in enumerate(CATEGORIES)}
    assert modeling.urgency_labels(config) == list(URGENCIES)
    assert config.urgency_label2id == {label: i for i, label in enumerate(URGENCIES)}
    assert config.architectures == ["SapaIssueClassifier"]


def test_saved_model_reloads_to_the_same_predictions(tiny_run: Path) -> None:
    model = modeling.load(tiny_run / "model")
    again = modeling.load(tiny_run / "model")
    tokenizer = AutoTokenizer.from_pretrained(tiny_run / "model")
    texts = ["where is my order 4521", "I want a refund", "can I pay with a card", "halo kak"]

    first = predict_proba(model, tokenizer, texts, max_length=32)
    second = predict_proba(again, tokenizer, texts, max_length=32)

    assert torch.allclose(torch.from_numpy(first.category), torch.from_numpy(second.category))
    assert set(first.category_names(model)) <= set(CATEGORIES)
    assert set(first.urgency_names(model)) <= set(URGENCIES)


def test_a_few_hundred_steps_learn_the_categories(tiny_run: Path) -> None:
    report = json.loads((tiny_run / "report" / "report.json").read_text())
    test = report["sets"]["test"]

    assert test["model"]["category"]["macro_f1"] >= 0.6  # chance is 0.2
    assert test["model"]["urgency"]["accuracy"] >= 0.5


def test_report_has_every_figure_and_the_baseline(tiny_run: Path) -> None:
    report = json.loads((tiny_run / "report" / "report.json").read_text())
    markdown = (tiny_run / "report" / "report.md").read_text()

    for set_name in ("validation", "test", "realstyle"):
        for system in ("model", "baseline"):
            figures = report["sets"][set_name][system]["category"]
            assert {
                "accuracy",
                "macro_precision",
                "macro_recall",
                "macro_f1",
                "cohen_kappa",
                "per_class",
            } <= set(figures)
    assert set(report["sets"]["realstyle"]["model_by_language"]) == {"id", "en", "mixed"}
    assert report["base_model"] in markdown
    assert "TF-IDF+LogReg" in markdown and "realstyle[id]" in markdown
    assert (tiny_run / "report" / "confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
