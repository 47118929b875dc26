"""Run configuration: three dataclasses (data, model, training), one flat JSON file per run.

Like transformers' run_classification.py, a whole run is one committed JSON file parsed with
`HfArgumentParser`; command-line overrides (`--base-model`, `--output-dir`) are applied on top.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transformers import HfArgumentParser, TrainingArguments

MODEL_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = MODEL_DIR.parent
DEFAULT_BITEXT = REPO_ROOT.parent / "shared" / "data" / "bitext" / "bitext_27k.csv"
DEFAULT_REALSTYLE = MODEL_DIR / "data" / "realstyle.jsonl"

CATEGORIES = ("delivery", "order", "payment", "refund", "other")
URGENCIES = ("low", "medium", "high")


@dataclass
class DataArguments:
    bitext_path: str = field(default=str(DEFAULT_BITEXT), metadata={"help": "bitext_27k.csv"})
    realstyle_path: str = field(default=str(DEFAULT_REALSTYLE), metadata={"help": "hand-labelled set"})
    split: str = field(default="80/10/10", metadata={"help": "train/validation/test percentages"})
    near_duplicate_threshold: float = field(
        default=0.85,
        metadata={
            "help": "char 3-5-gram (sublinear tf, no idf) cosine at or above which two utterances of "
            "a category count as one (the later one is dropped before splitting)"
        },
    )
    max_other_ratio: float | None = field(
        default=None,
        metadata={
            "help": "undersample `other` in the training split to at most this multiple of the "
            "largest of the four shop categories (None: keep all)"
        },
    )
    indonesian_per_category: int = field(
        default=0,
        metadata={"help": "templated Indonesian/mixed training utterances per category (0: none)"},
    )
    realstyle_train_repeat: int = field(
        default=0,
        metadata={
            "help": "times the real-style tuning messages (train part) are added to the training split "
            "(0: none); the calibration and held-out parts never are"
        },
    )
    max_train_samples: int | None = field(default=None, metadata={"help": "debugging / tests"})
    max_eval_samples: int | None = field(default=None, metadata={"help": "debugging / tests"})
    data_seed_value: int = field(default=13, metadata={"help": "seed of placeholder filling and splits"})


@dataclass
class ModelArguments:
    base_model: str = field(
        default="distilbert-base-uncased",
        metadata={"help": "hub id or local folder of the pretrained encoder"},
    )
    max_length: int = field(default=64, metadata={"help": "tokens; longer messages are truncated"})
    pooling: str = field(default="mean", metadata={"help": "mean | cls"})
    classifier_dropout: float = 0.1
    urgency_loss_weight: float = field(default=0.5, metadata={"help": "weight of the urgency head's loss"})
    balance_urgency: bool = field(
        default=False,
        metadata={
            "help": "weight the urgency loss by inverse class frequency in the training split (high is "
            "rare in Bitext's weak labels, common in what a support lead must see)"
        },
    )
    torch_threads: int = field(default=2, metadata={"help": "torch.set_num_threads while training"})
    unsure_category_below: float = field(
        default=0.6, metadata={"help": "a label is unsure when its calibrated category confidence is lower"}
    )
    unsure_urgency_below: float = field(
        default=0.5, metadata={"help": "a label is unsure when its calibrated urgency confidence is lower"}
    )


RunArguments = tuple[DataArguments, ModelArguments, TrainingArguments]


def _parser() -> HfArgumentParser:
    return HfArgumentParser((DataArguments, ModelArguments, TrainingArguments))  # type: ignore[arg-type]


def load_run_config(path: str | Path, overrides: dict[str, Any] | None = None) -> RunArguments:
    """Parse one run's JSON, apply overrides (keys as in the JSON), return the three dataclasses."""
    values: dict[str, Any] = json.loads(Path(path).read_text())
    values.update({key: value for key, value in (overrides or {}).items() if value is not None})
    values.setdefault("run_name", Path(path).stem)
    data_args, model_args, training_args = _parser().parse_dict(values, allow_extra_keys=False)
    return data_args, model_args, training_args


def split_fractions(split: str) -> tuple[float, float, float]:
    parts = [float(part) for part in split.split("/")]
    if len(parts) != 3 or abs(sum(parts) - 100.0) > 1e-6 or min(parts) <= 0:
        raise ValueError(f"split must be three positive percentages adding up to 100, got {split!r}")
    train, validation, test = (part / 100.0 for part in parts)
    return train, validation, test
