"""The served n-gram reader (numpy only) equals the scikit-learn TF-IDF baseline it is fitted as, its
weight is chosen on the calibration part, and the served labels mix it with the encoder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from sapa_model import ngrams
from sapa_model.config import CATEGORIES, DEFAULT_REALSTYLE, URGENCIES
from sapa_model.data import read_realstyle, realstyle_parts
from sapa_model.evaluate import Baseline
from sapa_model.inference import model_texts

from sapa.classify.model import ExportedClassifier
from sapa.classify.ngrams import NGRAMS_FILE, NgramClassifier, char_wb_ngrams

TEXTS = [
    "Kak, pesanan #10482 blm nyampe!!",
    "refund of Rp150.000 pls 😡",
    "a",
    "",
    "ongkir   ke  medan brp\nkak",
    "udh tf 2x kok blm dikonfirmasi",
]


def _training() -> list[dict[str, str]]:
    return realstyle_parts(read_realstyle(DEFAULT_REALSTYLE))["train"][:300]


def test_char_ngrams_are_scikit_learns() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyse = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    for text in [*TEXTS, "i am ok", "x  y\tz"]:
        assert char_wb_ngrams(text) == analyse(text)


def test_the_numpy_reader_gives_the_baselines_probabilities(tmp_path: Path) -> None:
    examples = _training()
    ngrams.save(ngrams.fit(examples, list(CATEGORIES), list(URGENCIES), seed=42), tmp_path / NGRAMS_FILE)
    reader = NgramClassifier(tmp_path / NGRAMS_FILE)
    baseline = Baseline(42).fit(examples)
    texts = model_texts([*TEXTS, *[e["text"] for e in examples[:40]]])

    for head, pipeline, labels in (
        ("category", baseline.category, CATEGORIES),
        ("urgency", baseline.urgency, URGENCIES),
    ):
        expected = pipeline.predict_proba(texts)[
            :, [list(pipeline.classes_).index(label) for label in labels]
        ]
        assert reader.labels[head] == list(labels)
        assert np.abs(reader.probabilities(texts, head) - expected).max() < 1e-4


def test_the_weight_is_the_best_on_calibration_and_ties_go_to_the_encoder() -> None:
    encoder = (np.array([[0.6, 0.4], [0.6, 0.4]]), np.array([[0.9, 0.1], [0.2, 0.8]]))
    reader = (np.array([[0.0, 1.0], [0.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 0.0]]))

    chosen = ngrams.choose_weights(encoder, reader, ([1, 1], [0, 1]))

    assert chosen["category"]["weight"] == 0.2  # the smallest weight that makes both right
    assert chosen["urgency"]["weight"] == 0.0  # the encoder alone is already right on both
    assert max(ngrams.WEIGHTS) == 0.5


def test_served_labels_mix_the_encoder_and_the_reader(tiny_export: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    shutil.copytree(tiny_export, folder)
    ngrams.save(ngrams.fit(_training(), list(CATEGORIES), list(URGENCIES), seed=42), folder / NGRAMS_FILE)
    metadata = json.loads((folder / "classifier.json").read_text())
    metadata["ngram_weight"] = {"category": 0.4, "urgency": 0.0}
    (folder / "classifier.json").write_text(json.dumps(metadata))

    encoder_only = ExportedClassifier(tiny_export)
    mixed = ExportedClassifier(folder)
    category, urgency = mixed.label_probabilities(TEXTS)
    reader = NgramClassifier(folder / NGRAMS_FILE).probabilities(model_texts(TEXTS), "category")
    encoder_category, encoder_urgency = encoder_only.probabilities(TEXTS)

    assert np.allclose(mixed.probabilities(TEXTS)[0], encoder_category)  # the graph's output is unchanged
    assert np.allclose(category, 0.6 * encoder_category + 0.4 * reader, atol=1e-6)
    assert np.allclose(urgency, encoder_urgency)
    assert [label.category for label in mixed.predict(TEXTS)] == [
        mixed.categories[int(row.argmax())] for row in category
    ]
    assert encoder_only.ngrams is None
