"""The served classifier's second reader: TF-IDF word and character n-grams + a linear model per head, in
numpy only (the models image has no scikit-learn).

Why: the fine-tuned encoder is the core of the classifier, but its base (all-MiniLM-L6-v2) is an
English-only model whose word pieces cut chat Indonesian into fragments; character n-grams read those
spellings directly. The served label mixes both heads' probabilities:
`(1 - w) * encoder + w * ngrams`, with `w` per head (classifier.json `ngram_weight`) chosen on the
real-style calibration part, never on the held-out part (model/sapa_model/ngrams.py fits and chooses).

The features are exactly scikit-learn's `TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)` and
`TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)`, each L2-normalised and
concatenated (a `FeatureUnion`), then a multinomial logistic regression: the TF-IDF baseline of the
reports, fitted on the run's own training data. tests/model/test_ngrams.py checks it against sklearn.
"""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import numpy as np

NGRAMS_FILE = "ngrams.npz"
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # TfidfVectorizer's default token_pattern
_WHITE_SPACES = re.compile(r"\s\s+")


def word_ngrams(text: str) -> list[str]:
    tokens = _TOKEN.findall(text.lower())
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


def char_wb_ngrams(text: str, low: int = 2, high: int = 5) -> list[str]:
    grams: list[str] = []
    for word in _WHITE_SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) <= n:  # a short word counts once, whole (as scikit-learn does)
                grams.append(padded)
                break
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


class _Tfidf:
    def __init__(self, vocabulary: np.ndarray, idf: np.ndarray, offset: int) -> None:
        self.index = {gram: offset + i for i, gram in enumerate(vocabulary.tolist())}
        self.idf = idf.astype(np.float64)
        self.offset = offset

    def features(self, grams: list[str]) -> dict[int, float]:
        counts: dict[int, int] = {}
        for gram in grams:
            column = self.index.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        weights = {c: (1.0 + math.log(n)) * self.idf[c - self.offset] for c, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {c: w / norm for c, w in weights.items()} if norm > 0 else {}


class NgramClassifier:
    """Both heads' probabilities from the n-gram features of (normalised) messages."""

    def __init__(self, path: str | Path) -> None:
        with np.load(path, allow_pickle=False) as data:
            self.words = _Tfidf(data["word_vocabulary"], data["word_idf"], 0)
            self.chars = _Tfidf(data["char_vocabulary"], data["char_idf"], len(data["word_vocabulary"]))
            # One row per feature (a message gathers a few hundred rows), both heads side by side.
            self.weights = np.ascontiguousarray(
                np.concatenate([data["category_coef"], data["urgency_coef"]]).T, dtype=np.float64
            )
            self.intercepts = {
                head: data[f"{head}_intercept"].astype(np.float64) for head in ("category", "urgency")
            }
            self.split = len(data["category_coef"])
            self.labels = {head: data[f"{head}_labels"].tolist() for head in ("category", "urgency")}

    def scores(self, texts: list[str]) -> np.ndarray:
        """Both heads' linear scores (without intercepts), one row per text: category columns first."""
        rows = np.zeros((len(texts), self.weights.shape[1]))
        for row, text in enumerate(texts):
            features = {**self.words.features(word_ngrams(text)), **self.chars.features(char_wb_ngrams(text))}
            if features:
                columns = np.fromiter(features.keys(), dtype=np.int64, count=len(features))
                values = np.fromiter(features.values(), dtype=np.float64, count=len(features))
                rows[row] = values @ self.weights[columns]
        return rows

    def both(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(category probabilities, urgency probabilities), the features read once."""
        scores = self.scores(texts)
        return (
            _softmax(scores[:, : self.split] + self.intercepts["category"]),
            _softmax(scores[:, self.split :] + self.intercepts["urgency"]),
        )

    def probabilities(self, texts: list[str], head: str) -> np.ndarray:
        return self.both(texts)[0 if head == "category" else 1]


def _softmax(scores: np.ndarray) -> np.ndarray:
    exp: np.ndarray = np.exp(scores - scores.max(axis=1, keepdims=True))
    probabilities: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
    return probabilities


__all__ = ["NGRAMS_FILE", "NgramClassifier", "char_wb_ngrams", "word_ngrams"]
