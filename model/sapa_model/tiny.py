"""A tiny DistilBERT built in code (config + word-piece vocabulary), saved like a hub model.

Tests and smoke runs use it as `--base-model` so the whole pipeline runs in seconds with no download.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from transformers import BertTokenizer, DistilBertConfig, DistilBertModel

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_tiny_base(
    directory: str | Path, texts: Iterable[str], vocab_size: int = 600, seed: int = 0
) -> Path:
    """Write a randomly initialised 2-layer DistilBERT and a tokenizer whose vocabulary is the most
    frequent words of `texts` plus single characters (so every word can be spelled)."""
    import torch

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    words = Counter(word for text in texts for word in re.findall(r"\w+", text.lower()))
    characters = sorted({c for word in words for c in word})
    vocab = SPECIAL + characters + [f"##{c}" for c in characters]
    vocab += [word for word, _ in words.most_common() if word not in vocab][: max(0, vocab_size - len(vocab))]
    vocab += [c for c in "!?.,#'-:;/()" if c not in vocab]
    tokenizer = BertTokenizer(  # transformers 5: the fast (tokenizers) implementation
        vocab={token: index for index, token in enumerate(vocab)}, do_lower_case=True
    )
    tokenizer.save_pretrained(directory)
    torch.manual_seed(seed)
    config = DistilBertConfig(
        vocab_size=len(vocab), dim=32, hidden_dim=64, n_layers=2, n_heads=2, max_position_embeddings=128
    )
    DistilBertModel(config).save_pretrained(directory)
    return directory


def write_bitext_sample(source: str | Path, target: str | Path, per_intent: int) -> Path:
    """The first `per_intent` rows of each intent of a Bitext CSV: a small file with every category."""
    import csv

    taken: Counter[str] = Counter()
    with (
        open(source, newline="", encoding="utf-8") as handle,
        open(target, "w", newline="", encoding="utf-8") as out,
    ):
        reader = csv.DictReader(handle)
        writer = csv.DictWriter(out, fieldnames=["instruction", "category", "intent_derived"])
        writer.writeheader()
        for row in reader:
            if taken[row["intent_derived"]] < per_intent:
                taken[row["intent_derived"]] += 1
                writer.writerow({key: row[key] for key in ("instruction", "category", "intent_derived")})
    return Path(target)


def tiny_run_config(directory: str | Path, bitext_path: str | Path, **overrides: object) -> Path:
    """A run config for the tiny pipeline: small data, a few hundred steps at most, one thread."""
    import json

    values: dict[str, object] = {
        "bitext_path": str(bitext_path),
        "split": "70/15/15",
        "max_other_ratio": 1.0,
        "indonesian_per_category": 20,
        "max_length": 32,
        "num_train_epochs": 8,
        "learning_rate": 0.003,
        "warmup_steps": 10,
        "per_device_train_batch_size": 16,
        "seed": 7,
        "save_strategy": "no",
        "report_to": "none",
        "disable_tqdm": True,
        "use_cpu": True,
        "torch_threads": 1,
        "logging_steps": 1000,
        **overrides,
    }
    path = Path(directory) / "tiny.json"
    path.write_text(json.dumps(values, indent=2))
    return path
