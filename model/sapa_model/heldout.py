"""`make model-eval`: the served model (ONNX int8, model/artifacts/current) on the real-style held-out
part, beside the TF-IDF + logistic-regression baseline trained on the same training data as the run
(rebuilt from the run's config), per language (id, en, mixed) and overall.

The held-out part (model/data/README.md) is never trained on, calibrated on, or used to choose
anything; this command only reads it. `--part calibration` gives the same figures on the calibration
part (batch 5, other authors), where runs are compared before the held-out part is read once.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from sapa_model.config import CATEGORIES, DEFAULT_REALSTYLE, MODEL_DIR, REPO_ROOT, load_run_config
from sapa_model.data import _text_hash, prepare, read_realstyle, realstyle_parts
from sapa_model.evaluate import Baseline

LANGUAGES = ("id", "en", "mixed")
TARGETS = {"category": 0.93, "urgency": 0.80}
PART_NAMES = {"heldout": "held-out part", "calibration": "calibration part"}
SECOND_ANNOTATOR = MODEL_DIR / "data" / "heldout-second-annotator.jsonl"
"""The held-out part labelled a second time, blind to the first labels and to the model (data/README.md):
per message (by the SHA-256 of its text) a category and an urgency."""
ADJUDICATED = MODEL_DIR / "data" / "heldout-adjudicated.jsonl"
"""The messages the two labellings split on, decided by a third labeller who saw both labels (in random
order) and the text, not the model (data/README.md): per message a category, an urgency and a reason."""


def second_labels(path: Path = SECOND_ANNOTATOR) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {row["sha256"]: row for row in rows}


def agreement(
    examples: list[dict[str, str]],
    predicted: list[Any],
    second: dict[str, dict[str, str]],
    adjudicated: dict[str, dict[str, str]] | None = None,
) -> Any:
    """How often the two annotators agree, the model's accuracy where they agree, and (with the decisions
    on the splits) its accuracy against the adjudicated labels, per language."""
    hashes = [_text_hash(e["text"]).hex() for e in examples]
    seconds = [second.get(h) for h in hashes]
    decided = [(adjudicated or {}).get(h) or e for h, e in zip(hashes, examples, strict=True)]
    rows: dict[str, Any] = {}
    for language in (*LANGUAGES, "all"):
        index = [
            i
            for i, e in enumerate(examples)
            if (language == "all" or e["source"] == f"realstyle:{language}") and seconds[i] is not None
        ]
        other = [seconds[i] for i in index]
        agreed = [i for i, o in zip(index, other, strict=True) if o["category"] == examples[i]["category"]]
        rows[language] = {
            "n": len(index),
            "category_agreement": _accuracy(
                [examples[i]["category"] for i in index], [o["category"] for o in other]
            ),
            "urgency_agreement": _accuracy(
                [examples[i]["urgency"] for i in index], [o["urgency"] for o in other]
            ),
            "n_category_agreed": len(agreed),
            "model_category_where_agreed": _accuracy(
                [examples[i]["category"] for i in agreed], [predicted[i].category for i in agreed]
            ),
        }
        if adjudicated:
            rows[language]["model_category_adjudicated"] = _accuracy(
                [decided[i]["category"] for i in index], [predicted[i].category for i in index]
            )
            rows[language]["model_urgency_adjudicated"] = _accuracy(
                [decided[i]["urgency"] for i in index], [predicted[i].urgency for i in index]
            )
    return rows


def _accuracy(gold: list[str], predicted: list[str]) -> float | None:
    return round(float(np.mean([g == p for g, p in zip(gold, predicted, strict=True)])), 4) if gold else None


def evaluate_heldout(
    model_dir: Path,
    config: Path,
    realstyle_path: Path = DEFAULT_REALSTYLE,
    baseline_seed: int | None = None,
    part: str = "heldout",
) -> dict[str, Any]:
    from sapa.classify.model import ExportedClassifier

    heldout = realstyle_parts(read_realstyle(realstyle_path))[part]
    classifier = ExportedClassifier(model_dir)
    labels = classifier.predict([e["text"] for e in heldout])
    data_args, _, training_args = load_run_config(config, {"output_dir": str(MODEL_DIR / "runs" / "eval")})
    data_args.realstyle_path = str(realstyle_path)
    started = time.monotonic()
    baseline = Baseline(baseline_seed if baseline_seed is not None else training_args.seed)
    baseline.fit(prepare(data_args).train)
    base_categories, base_urgencies = baseline.predict([e["text"] for e in heldout])
    rows: dict[str, Any] = {}
    for language in (*LANGUAGES, "all"):
        index = [
            i for i, e in enumerate(heldout) if language == "all" or e["source"] == f"realstyle:{language}"
        ]
        gold_c = [heldout[i]["category"] for i in index]
        gold_u = [heldout[i]["urgency"] for i in index]
        rows[language] = {
            "n": len(index),
            "category": _accuracy(gold_c, [labels[i].category for i in index]),
            "category_baseline": _accuracy(gold_c, [base_categories[i] for i in index]),
            "urgency": _accuracy(gold_u, [labels[i].urgency for i in index]),
            "urgency_baseline": _accuracy(gold_u, [base_urgencies[i] for i in index]),
        }
    second = second_labels() if part == "heldout" else {}
    adjudicated = second_labels(ADJUDICATED) if second else {}
    unsure = [label.unsure for label in labels]
    right = [
        label.category == e["category"] and label.urgency == e["urgency"]
        for label, e in zip(labels, heldout, strict=True)
    ]
    sure_right = [r for r, u in zip(right, unsure, strict=True) if not u]
    unsure_right = [r for r, u in zip(right, unsure, strict=True) if u]
    return {
        "model_dir": _display(model_dir),
        "ngram_weight": classifier.ngram_weight,
        "config": _display(config),
        "part": part,
        "n": len(heldout),
        "by_language": rows,
        "unsure": {
            "share": round(float(np.mean(unsure)), 4) if unsure else 0.0,
            "both_right_when_sure": round(float(np.mean(sure_right)), 4) if sure_right else None,
            "both_right_when_unsure": round(float(np.mean(unsure_right)), 4) if unsure_right else None,
        },
        "baseline_seconds": round(time.monotonic() - started, 1),
        "second_annotator": agreement(heldout, labels, second, adjudicated) if second else None,
        "targets": TARGETS,
        "categories": list(CATEGORIES),
    }


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def render(result: dict[str, Any]) -> str:
    lines = [
        f"Real-style {PART_NAMES[result.get('part', 'heldout')]} (n={result['n']}), "
        f"served model {result['model_dir']} "
        f"vs TF-IDF+LogReg trained on the training data of {result['config']}",
        f"served labels: encoder mixed with the n-gram reader by weight {result['ngram_weight']} "
        "(chosen on the calibration part)"
        if any(result.get("ngram_weight", {}).values())
        else "served labels: the encoder alone",
        "",
        "| language | n | category (model) | category (TF-IDF) | urgency (model) | urgency (TF-IDF) |",
        "|---|---|---|---|---|---|",
    ]
    for language, row in result["by_language"].items():
        lines.append(
            f"| {language} | {row['n']} | {_cell(row['category'])} | {_cell(row['category_baseline'])} | "
            f"{_cell(row['urgency'])} | {_cell(row['urgency_baseline'])} |"
        )
    by_language = [result["by_language"][language] for language in LANGUAGES]
    category_met = all((row["category"] or 0.0) >= TARGETS["category"] for row in by_language)
    urgency_met = (result["by_language"]["all"]["urgency"] or 0.0) >= TARGETS["urgency"]
    unsure = result["unsure"]
    lines += [
        "",
        f"unsure labels: {unsure['share']:.1%}; both heads right when sure "
        f"{_cell(unsure['both_right_when_sure'])}, when unsure {_cell(unsure['both_right_when_unsure'])}",
        f"target category >= {TARGETS['category']} in each language: {'met' if category_met else 'NOT met'}; "
        f"urgency >= {TARGETS['urgency']}: {'met' if urgency_met else 'NOT met'}",
    ]
    if result.get("second_annotator"):
        lines += [
            "",
            "second annotator (the same messages labelled again, blind): how often the two agree, and the "
            "model's category accuracy on the messages where they agree on the category",
            "",
            "| language | n | category agreement | urgency agreement | model category where agreed (n) |",
            "|---|---|---|---|---|",
        ]
        for language, row in result["second_annotator"].items():
            lines.append(
                f"| {language} | {row['n']} | {_cell(row['category_agreement'])} | "
                f"{_cell(row['urgency_agreement'])} | {_cell(row['model_category_where_agreed'])} "
                f"({row['n_category_agreed']}) |"
            )
        if "model_category_adjudicated" in result["second_annotator"]["all"]:
            lines += [
                "",
                "adjudicated labels (the splits decided by a third labeller, blind to the model; the figures "
                "above stay the official ones)",
                "",
                "| language | n | category (model) | urgency (model) |",
                "|---|---|---|---|",
            ]
            lines += [
                f"| {language} | {row['n']} | {_cell(row['model_category_adjudicated'])} | "
                f"{_cell(row['model_urgency_adjudicated'])} |"
                for language, row in result["second_annotator"].items()
            ]
    return "\n".join(lines)


def main(model_dir: Path, config: Path, output: Path | None, part: str = "heldout") -> str:
    result = evaluate_heldout(model_dir, config, part=part)
    if output is not None:
        output.write_text(json.dumps(result, indent=2) + "\n")
    return render(result)


__all__ = ["evaluate_heldout", "main", "render"]
