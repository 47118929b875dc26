"""Metrics, the TF-IDF + logistic-regression baseline, and the per-run report (Markdown, JSON, PNG)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    confusion_matrix,
    precision_recall_fscore_support,
)
from sklearn.pipeline import FeatureUnion, Pipeline

from sapa_model.config import CATEGORIES, URGENCIES
from sapa_model.inference import model_texts


def metrics(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    if not gold:
        return {"n": 0}
    precision, recall, f1, _ = precision_recall_fscore_support(
        gold, predicted, labels=list(labels), average="macro", zero_division=0
    )
    per_p, per_r, per_f, support = precision_recall_fscore_support(
        gold, predicted, labels=list(labels), average=None, zero_division=0
    )
    return {
        "n": len(gold),
        "accuracy": round(float(accuracy_score(gold, predicted)), 4),
        "macro_precision": round(float(precision), 4),
        "macro_recall": round(float(recall), 4),
        "macro_f1": round(float(f1), 4),
        "cohen_kappa": round(float(cohen_kappa_score(gold, predicted, labels=list(labels))), 4),
        "per_class": {
            label: {
                "precision": round(float(per_p[i]), 4),
                "recall": round(float(per_r[i]), 4),
                "f1": round(float(per_f[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion": confusion_matrix(gold, predicted, labels=list(labels)).tolist(),
    }


class Baseline:
    """TF-IDF (words 1-2 and characters 2-5) + logistic regression, one per label, same training data
    and the same normalised text as the transformer."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.category = self._pipeline()
        self.urgency = self._pipeline()

    def _pipeline(self) -> Pipeline:
        features = FeatureUnion(
            [
                ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
            ]
        )
        classifier = LogisticRegression(C=10.0, max_iter=2000, random_state=self.seed)
        return Pipeline([("tfidf", features), ("logreg", classifier)])

    def fit(self, examples: list[dict[str, str]]) -> Baseline:
        texts = model_texts([e["text"] for e in examples])
        self.category.fit(texts, [e["category"] for e in examples])
        self.urgency.fit(texts, [e["urgency"] for e in examples])
        return self

    def predict(self, texts: list[str]) -> tuple[list[str], list[str]]:
        if not texts:
            return [], []
        inputs = model_texts(texts)
        return list(self.category.predict(inputs)), list(self.urgency.predict(inputs))


def evaluate_set(
    examples: list[dict[str, str]], categories: Sequence[str], urgencies: Sequence[str]
) -> dict[str, Any]:
    return {
        "category": metrics([e["category"] for e in examples], categories, CATEGORIES),
        "urgency": metrics([e["urgency"] for e in examples], urgencies, URGENCIES),
    }


def by_language(
    examples: list[dict[str, str]], categories: list[str], urgencies: list[str]
) -> dict[str, Any]:
    result = {}
    for language in sorted({e["source"].split(":")[-1] for e in examples}):
        index = [i for i, e in enumerate(examples) if e["source"].split(":")[-1] == language]
        result[language] = evaluate_set(
            [examples[i] for i in index], [categories[i] for i in index], [urgencies[i] for i in index]
        )
    return result


def confusion_png(path: Path, panels: list[tuple[str, list[list[int]], Sequence[str]]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.4))
    for axis, (title, matrix, labels) in zip(np.atleast_1d(axes), panels, strict=True):
        values = np.array(matrix)
        axis.imshow(values, cmap="Blues")
        axis.set_title(title, fontsize=10)
        axis.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
        axis.set_yticks(range(len(labels)), labels, fontsize=8)
        axis.set_xlabel("predicted", fontsize=8)
        axis.set_ylabel("gold", fontsize=8)
        for (row, column), value in np.ndenumerate(values):
            colour = "white" if value > values.max() / 2 else "black"
            axis.text(column, row, str(value), ha="center", va="center", fontsize=7, color=colour)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _row(name: str, m: dict[str, Any]) -> str:
    if not m.get("n"):
        return f"| {name} | 0 | | | | | |"
    return (
        f"| {name} | {m['n']} | {m['accuracy']:.4f} | {m['macro_precision']:.4f} | "
        f"{m['macro_recall']:.4f} | {m['macro_f1']:.4f} | {m['cohen_kappa']:.4f} |"
    )


HEADER = "| set | n | accuracy | macro P | macro R | macro F1 | Cohen's κ |\n|---|---|---|---|---|---|---|"


def _per_class(m: dict[str, Any]) -> str:
    lines = ["| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label, values in m["per_class"].items():
        lines.append(
            f"| {label} | {values['precision']:.4f} | {values['recall']:.4f} | {values['f1']:.4f} | "
            f"{values['support']} |"
        )
    return "\n".join(lines)


def write_report(directory: Path, report: dict[str, Any]) -> None:
    """report.json (everything), report.md (for people), confusion.png (test and real-style)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    sets = report["sets"]
    confusion_png(
        directory / "confusion.png",
        [
            ("Bitext test · category", sets["test"]["model"]["category"]["confusion"], CATEGORIES),
            ("Bitext test · urgency (weak labels)", sets["test"]["model"]["urgency"]["confusion"], URGENCIES),
            ("real-style · category", sets["realstyle"]["model"]["category"]["confusion"], CATEGORIES),
            ("real-style · urgency", sets["realstyle"]["model"]["urgency"]["confusion"], URGENCIES),
        ],
    )
    (directory / "report.md").write_text(markdown(report), encoding="utf-8")


def markdown(report: dict[str, Any]) -> str:
    sets = report["sets"]
    lines = [
        f"# Issue classifier report: {report['run_name']}",
        "",
        f"- base model: `{report.get('base_model_description', report['base_model'])}` "
        "(encoder fine-tuned with both heads)",
        f"- config: `{report['config_path']}`; seed {report['seed']}; "
        f"training time {report['train_seconds']:.0f} s on {report['torch_threads']} CPU thread(s)",
        f"- data: {json.dumps(report['data'], ensure_ascii=False)}",
        "",
        "Bitext test and validation urgency labels are the rubric's weak labels (model/URGENCY.md), so "
        "urgency figures on Bitext measure how well the model learnt the rubric; the real-style set is "
        "labelled by hand and is the honest measure of both heads on WhatsApp-like messages.",
        "",
    ]
    for head in ("category", "urgency"):
        lines += [f"## {head.capitalize()}", "", HEADER]
        for set_name in ("validation", "test", "realstyle"):
            for system in ("model", "baseline"):
                if system in sets[set_name]:
                    name = f"{set_name} · {'transformer' if system == 'model' else 'TF-IDF+LogReg'}"
                    lines.append(_row(name, sets[set_name][system][head]))
        for language, values in sets["realstyle"].get("model_by_language", {}).items():
            lines.append(_row(f"realstyle[{language}] · transformer", values[head]))
        for language, values in sets["realstyle"].get("baseline_by_language", {}).items():
            lines.append(_row(f"realstyle[{language}] · TF-IDF+LogReg", values[head]))
        lines += [
            "",
            f"Per class, Bitext test, transformer ({head}):",
            "",
            _per_class(sets["test"]["model"][head]),
            "",
            f"Per class, real-style, transformer ({head}):",
            "",
            _per_class(sets["realstyle"]["model"][head]),
            "",
        ]
    lines += ["## Confusion matrices", "", "![confusion matrices](confusion.png)", ""]
    errors = report.get("realstyle_errors", [])
    if errors:
        lines += [
            "## Real-style messages the transformer got wrong",
            "",
            "| text | gold | predicted | confidence |",
            "|---|---|---|---|",
        ]
        for error in errors:
            text = error["text"].replace("|", "\\|")
            lines.append(
                f"| {text} | {error['gold_category']}/{error['gold_urgency']} | "
                f"{error['category']}/{error['urgency']} | {error['confidence']:.2f} |"
            )
        lines.append("")
    return "\n".join(lines)
