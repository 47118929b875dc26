"""`make model-eval`: the served model on the real-style held-out part, per language, beside the TF-IDF
baseline trained on the run's training data."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sapa_model.config import CATEGORIES, DEFAULT_REALSTYLE, URGENCIES
from sapa_model.data import read_realstyle, realstyle_parts
from sapa_model.heldout import ADJUDICATED, agreement, evaluate_heldout, render, second_labels

from sapa.classify.labels import Label
from sapa.classify.model import ExportedClassifier


def test_heldout_figures_are_the_served_models_on_the_held_out_part(
    tiny_run: Path, tiny_export: Path
) -> None:
    config = tiny_run.parent / "tiny.json"
    result = evaluate_heldout(tiny_export, config)

    heldout = realstyle_parts(read_realstyle(DEFAULT_REALSTYLE))["heldout"]
    assert result["n"] == len(heldout)
    rows = result["by_language"]
    assert [rows[language]["n"] for language in ("id", "en", "mixed")] == [
        sum(e["source"] == f"realstyle:{language}" for e in heldout) for language in ("id", "en", "mixed")
    ]
    labels = ExportedClassifier(tiny_export).predict([e["text"] for e in heldout])
    expected = sum(label.category == e["category"] for label, e in zip(labels, heldout, strict=True))
    assert rows["all"]["category"] == round(expected / len(heldout), 4)
    assert 0.0 <= rows["all"]["category_baseline"] <= 1.0

    text = render(result)
    assert "| id | 90 |" in text and "TF-IDF" in text
    assert ("NOT met" in text) == (
        min(rows[x]["category"] for x in ("id", "en", "mixed")) < 0.93 or rows["all"]["urgency"] < 0.8
    )
    json.dumps(result)


def test_the_same_figures_on_the_calibration_part_compare_runs(tiny_run: Path, tiny_export: Path) -> None:
    result = evaluate_heldout(tiny_export, tiny_run.parent / "tiny.json", part="calibration")

    calibration = realstyle_parts(read_realstyle(DEFAULT_REALSTYLE))["calibration"]
    assert result["part"] == "calibration" and result["n"] == len(calibration)
    labels = ExportedClassifier(tiny_export).predict([e["text"] for e in calibration])
    expected = sum(label.urgency == e["urgency"] for label, e in zip(labels, calibration, strict=True))
    assert result["by_language"]["all"]["urgency"] == round(expected / len(calibration), 4)
    assert render(result).startswith(f"Real-style calibration part (n={len(calibration)})")


def test_the_second_annotators_labels_cover_the_held_out_part_and_agreement_counts_them() -> None:
    heldout = realstyle_parts(read_realstyle(DEFAULT_REALSTYLE))["heldout"]
    second = second_labels()
    assert set(second) == {hashlib.sha256(e["text"].encode()).hexdigest() for e in heldout}

    examples = [
        {"text": "a", "category": "order", "urgency": "low", "source": "realstyle:id"},
        {"text": "b", "category": "refund", "urgency": "high", "source": "realstyle:id"},
        {"text": "c", "category": "other", "urgency": "low", "source": "realstyle:en"},
    ]
    labels = {text: hashlib.sha256(text.encode()).hexdigest() for text in "abc"}
    other = {
        labels["a"]: {"category": "order", "urgency": "medium"},
        labels["b"]: {"category": "order", "urgency": "high"},
        labels["c"]: {"category": "other", "urgency": "low"},
    }
    predicted = [
        Label("order", "low", 0.9, 0.9),
        Label("refund", "high", 0.9, 0.9),
        Label("payment", "low", 0.9, 0.9),
    ]
    rows = agreement(examples, predicted, other)
    assert rows["id"] == {
        "n": 2,
        "category_agreement": 0.5,
        "urgency_agreement": 0.5,
        "n_category_agreed": 1,
        "model_category_where_agreed": 1.0,
    }
    assert rows["all"]["n_category_agreed"] == 2 and rows["all"]["model_category_where_agreed"] == 0.5

    assert "model_category_adjudicated" not in rows["all"]  # no decisions given, no adjudicated figures
    decided = {
        labels["a"]: {"category": "order", "urgency": "medium"},
        labels["b"]: {"category": "order", "urgency": "high"},
    }
    rows = agreement(examples, predicted, other, decided)
    # a: decided order/medium, model order/low; b: decided order/high, model refund/high;
    # c: not decided, so its first labels
    assert (rows["id"]["model_category_adjudicated"], rows["id"]["model_urgency_adjudicated"]) == (0.5, 0.5)
    assert (rows["en"]["model_category_adjudicated"], rows["en"]["model_urgency_adjudicated"]) == (0.0, 1.0)


def test_the_adjudicated_labels_decide_exactly_the_messages_the_two_labellings_split_on() -> None:
    heldout = realstyle_parts(read_realstyle(DEFAULT_REALSTYLE))["heldout"]
    second = second_labels()
    split = set()
    for e in heldout:
        key = hashlib.sha256(e["text"].encode()).hexdigest()
        if (second[key]["category"], second[key]["urgency"]) != (e["category"], e["urgency"]):
            split.add(key)
    decided = second_labels(ADJUDICATED)
    assert set(decided) == split and len(split) == 29
    assert all(row["category"] in CATEGORIES and row["urgency"] in URGENCIES for row in decided.values())
    assert all(row["reason"].strip() for row in decided.values())
