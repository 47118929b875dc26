"""The n-gram reader of the served classifier (sapa.classify.ngrams): fitted on the run's training data,
saved for numpy-only serving, and mixed with the encoder by weights chosen on the calibration part.

The features and the classifier are the TF-IDF baseline's (sapa_model.evaluate.Baseline): word 1-2-grams
and character 2-5-grams, logistic regression, on the same normalised training messages as the encoder.
The weight of each head is the one of `WEIGHTS` with the best accuracy on the real-style calibration part
(messages neither model was trained on); ties go to the smaller n-gram weight. The largest weight
allowed is 0.5: the fine-tuned encoder stays at least half of every served probability.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from sapa_model.data import Example
from sapa_model.inference import model_texts

WEIGHTS = tuple(round(0.05 * i, 2) for i in range(11))  # 0.0 … 0.5


def fit(examples: list[Example], categories: list[str], urgencies: list[str], seed: int) -> dict[str, Any]:
    """The arrays of sapa.classify.ngrams' file (rows of each head in the encoder's label order)."""
    texts = model_texts([e["text"] for e in examples])
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    union = FeatureUnion([("words", words), ("chars", chars)])
    features = union.fit_transform(texts)
    arrays: dict[str, Any] = {}
    for name, vectorizer in (("word", words), ("char", chars)):
        vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        arrays[f"{name}_vocabulary"] = np.array(vocabulary)
        arrays[f"{name}_idf"] = vectorizer.idf_.astype(np.float32)
    for head, labels in (("category", categories), ("urgency", urgencies)):
        classifier = LogisticRegression(C=10.0, max_iter=2000, random_state=seed)
        classifier.fit(features, [e[head] for e in examples])
        order = [list(classifier.classes_).index(label) for label in labels]
        arrays[f"{head}_coef"] = classifier.coef_[order].astype(np.float32)
        arrays[f"{head}_intercept"] = classifier.intercept_[order].astype(np.float32)
        arrays[f"{head}_labels"] = np.array(labels)
    return arrays


def save(arrays: dict[str, Any], path: Path) -> None:
    np.savez_compressed(path, **arrays)


def choose_weights(
    encoder: tuple[np.ndarray, np.ndarray],
    ngrams: tuple[np.ndarray, np.ndarray],
    gold: tuple[list[int], list[int]],
) -> dict[str, Any]:
    """Per head, the n-gram weight of WEIGHTS with the best calibration accuracy, and every weight's."""
    chosen: dict[str, Any] = {}
    for index, head in enumerate(("category", "urgency")):
        answers = np.asarray(gold[index])
        accuracy = {
            weight: float(
                np.mean(((1 - weight) * encoder[index] + weight * ngrams[index]).argmax(1) == answers)
            )
            for weight in WEIGHTS
        }
        best = max(WEIGHTS, key=lambda w: (round(accuracy[w], 6), -w))
        chosen[head] = {"weight": best, "accuracy": {str(w): round(a, 4) for w, a in accuracy.items()}}
    return chosen


__all__ = ["WEIGHTS", "choose_weights", "fit", "save"]
