"""Data preparation: Bitext → five shop categories + weak urgency, deduplicated before the split.

Order of operations (each step's counts go into the report):
1. read bitext_27k.csv; map DELIVERY/ORDER/PAYMENT/REFUND to themselves and the 7 other categories to
   `other`;
2. exact duplicates: a normalised key (lower case, placeholders → slot names, digits → 0, punctuation
   and extra spaces removed) keeps the first row of each key;
3. near duplicates: within a category, an utterance whose character 3-5-gram cosine (sublinear
   tf, no idf, so the measure does not depend on the corpus) to an already kept utterance is
   ≥ `near_duplicate_threshold` is dropped (Bitext's typo and filler variants of one template;
   the pooled `other` class is compared as one category). After this no two kept utterances of a
   category are that similar, so whatever the split, no test utterance has a near twin in training;
4. stratified split by intent (so by category too): 80/10/10 or 70/15/15;
5. placeholders filled with seeded realistic values; urgency labelled by the rubric (urgency.py);
6. training split only: optional undersampling of `other`, optional templated Indonesian utterances.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split

from sapa_model import indonesian
from sapa_model.config import CATEGORIES, URGENCIES, DataArguments, split_fractions
from sapa_model.placeholders import PLACEHOLDER, fill
from sapa_model.urgency import weak_urgency

SHOP_CATEGORIES = {"DELIVERY": "delivery", "ORDER": "order", "PAYMENT": "payment", "REFUND": "refund"}

Example = dict[str, str]  # text, category, urgency, source (+ template: Bitext text with placeholders)


@dataclass
class PreparedData:
    train: list[Example]
    validation: list[Example]
    test: list[Example]
    stats: dict[str, Any] = field(default_factory=dict)
    calibration: list[Example] = field(default_factory=list)  # real-style tuning part, not trained on
    heldout: list[Example] = field(default_factory=list)  # real-style held-out part: evaluation only


@dataclass(frozen=True)
class BitextRow:
    text: str  # with placeholders
    category: str  # one of CATEGORIES
    intent: str


def read_bitext(path: str | Path) -> list[BitextRow]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [
            BitextRow(
                text=row["instruction"],
                category=SHOP_CATEGORIES.get(row["category"], "other"),
                intent=row["intent_derived"],
            )
            for row in csv.DictReader(handle)
        ]


def normalise(text: str) -> str:
    """The dedup key: placeholders become their slot name, so differently filled copies are equal."""
    text = PLACEHOLDER.sub(lambda m: " " + m.group(1).strip().lower().replace(" ", "_") + " ", text)
    text = re.sub(r"\d+", "0", text.lower())
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def drop_exact_duplicates(rows: list[BitextRow]) -> list[BitextRow]:
    seen: set[str] = set()
    kept = []
    for row in rows:
        key = normalise(row.text)
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def similarity_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), use_idf=False, sublinear_tf=True, dtype=np.float32
    )


def drop_near_duplicates(rows: list[BitextRow], threshold: float) -> list[BitextRow]:
    """Greedy: walk the rows in file order, keep a row unless a kept row of its category is too close."""
    kept_indices: list[int] = []
    for category in CATEGORIES:
        indices = [i for i, row in enumerate(rows) if row.category == category]
        if not indices:
            continue
        vectors = similarity_vectorizer().fit_transform([normalise(rows[i].text) for i in indices])
        alive = np.ones(len(indices), dtype=bool)
        for start in range(0, len(indices), 1024):  # similarities a block at a time: bounded memory
            block = (vectors[start : start + 1024] @ vectors.T).toarray() >= threshold
            for offset, similar in enumerate(block):
                position = start + offset
                if not alive[position]:
                    continue
                kept_indices.append(indices[position])
                similar[: position + 1] = False
                alive &= ~similar
    return [rows[i] for i in sorted(kept_indices)]


def max_cross_similarity(train: list[str], test: list[str]) -> np.ndarray:
    """For each test text, the highest cosine to any training text (same measure as the dedup)."""
    vectorizer = similarity_vectorizer().fit([normalise(t) for t in train + test])
    train_vectors = vectorizer.transform([normalise(t) for t in train])
    test_vectors = vectorizer.transform([normalise(t) for t in test])
    best = np.zeros(len(test), dtype=np.float32)
    if not train:
        return best
    for start in range(0, len(test), 512):
        block = (test_vectors[start : start + 512] @ train_vectors.T).toarray()
        best[start : start + 512] = block.max(axis=1)
    return best


def leak_check(train: list[Example], test: list[Example]) -> dict[str, float]:
    """Per category, the highest similarity of a test utterance to a training utterance of the same
    category, on the Bitext text with placeholders (what the dedup compared)."""
    result = {}
    for category in CATEGORIES:
        train_texts = [e["template"] for e in train if e["category"] == category and "template" in e]
        test_texts = [e["template"] for e in test if e["category"] == category and "template" in e]
        if train_texts and test_texts:
            result[category] = round(float(max_cross_similarity(train_texts, test_texts).max()), 4)
    return result


def stratified_split(
    rows: list[BitextRow], split: str, seed: int
) -> tuple[list[BitextRow], list[BitextRow], list[BitextRow]]:
    _, validation_fraction, test_fraction = split_fractions(split)
    intents = [row.intent for row in rows]
    rest, test = train_test_split(rows, test_size=test_fraction, stratify=intents, random_state=seed)
    relative = validation_fraction / (1.0 - test_fraction)
    train, validation = train_test_split(
        rest, test_size=relative, stratify=[row.intent for row in rest], random_state=seed + 1
    )
    return list(train), list(validation), list(test)


def to_example(row: BitextRow, seed: int) -> Example:
    text = fill(row.text, seed)
    return {
        "text": text,
        "category": row.category,
        "urgency": weak_urgency(row.intent, text),
        "source": f"bitext:{row.intent}",
        "template": row.text,
    }


def undersample_other(examples: list[Example], max_ratio: float, seed: int) -> list[Example]:
    counts = Counter(example["category"] for example in examples)
    largest = max(count for category, count in counts.items() if category != "other")
    limit = int(largest * max_ratio)
    others = [example for example in examples if example["category"] == "other"]
    if len(others) <= limit:
        return examples
    keep = {id(example) for example in random.Random(seed).sample(others, limit)}  # noqa: S311 (sampling)
    return [example for example in examples if example["category"] != "other" or id(example) in keep]


@lru_cache(maxsize=4)
def deduplicated(path: str, threshold: float) -> tuple[int, int, tuple[BitextRow, ...]]:
    """(rows read, rows after exact dedup, rows after near dedup); cached: a grid reuses it."""
    rows = read_bitext(path)
    exact = drop_exact_duplicates(rows)
    return len(rows), len(exact), tuple(drop_near_duplicates(exact, threshold))


def prepare(args: DataArguments) -> PreparedData:
    seed = args.data_seed_value
    n_rows, n_exact, unique_rows = deduplicated(str(args.bitext_path), args.near_duplicate_threshold)
    unique = list(unique_rows)
    train_rows, validation_rows, test_rows = stratified_split(unique, args.split, seed)
    train = [to_example(row, seed) for row in train_rows]
    validation = [to_example(row, seed) for row in validation_rows]
    test = [to_example(row, seed) for row in test_rows]
    if args.max_other_ratio is not None:
        train = undersample_other(train, args.max_other_ratio, seed)
    templated: list[Example] = []
    if args.indonesian_per_category > 0:
        templated = indonesian.generate(args.indonesian_per_category, seed)
        train = train + templated
    random.Random(seed).shuffle(train)  # noqa: S311 (not a secret)
    if args.max_train_samples is not None:
        train = train[: args.max_train_samples]
    parts = realstyle_parts(read_realstyle(args.realstyle_path))
    # The hand-labelled tuning messages are few: repeated so that they weigh against thousands of
    # Bitext rows; added after the cap so a capped run keeps all of them.
    realstyle_train = parts["train"] * args.realstyle_train_repeat
    if realstyle_train:
        train = train + realstyle_train
        random.Random(seed + 2).shuffle(train)  # noqa: S311 (not a secret)
    if args.max_eval_samples is not None:
        validation = validation[: args.max_eval_samples]
        test = test[: args.max_eval_samples]
    stats: dict[str, Any] = {
        "bitext_rows": n_rows,
        "after_exact_dedup": n_exact,
        "after_near_dedup": len(unique),
        "near_duplicate_threshold": args.near_duplicate_threshold,
        "split": args.split,
        "templated_indonesian_in_train": len(templated),
        "realstyle_in_train": f"{len(parts['train'])} tuning messages x {args.realstyle_train_repeat}",
        "realstyle_calibration": len(parts["calibration"]),
        "realstyle_heldout": len(parts["heldout"]),
        "sizes": {"train": len(train), "validation": len(validation), "test": len(test)},
        "train_categories": dict(sorted(Counter(e["category"] for e in train).items())),
        "test_categories": dict(sorted(Counter(e["category"] for e in test).items())),
        "train_urgency": dict(sorted(Counter(e["urgency"] for e in train).items())),
        "test_urgency": dict(sorted(Counter(e["urgency"] for e in test).items())),
        "max_test_to_train_similarity": leak_check(train, test),
    }
    return PreparedData(
        train=train,
        validation=validation,
        test=test,
        stats=stats,
        calibration=parts["calibration"],
        heldout=parts["heldout"],
    )


def read_realstyle(path: str | Path) -> list[Example]:
    """The hand-labelled WhatsApp-style set: one JSON object a line (text, category, urgency, lang)."""
    examples = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        item = json.loads(line)
        if item["category"] not in CATEGORIES or item["urgency"] not in URGENCIES:
            raise ValueError(f"{path}:{number}: unknown label in {item}")
        examples.append(
            {
                "text": item["text"],
                "category": item["category"],
                "urgency": item["urgency"],
                "source": f"realstyle:{item.get('lang', '?')}",
                "part": realstyle_part(item["text"], int(item.get("batch", 1))),
            }
        )
    return examples


def _text_hash(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def is_held_out(text: str, batch: int) -> bool:
    """The held-out rule, fixed before any model read batch 2 (model/data/README.md): a batch-2 message
    whose SHA-256 starts with an even byte. Batch 1 was read in earlier reports and batch 3 was written
    as training data after the held-out figures of batch 2 were seen, so neither is ever held out."""
    return batch == 2 and _text_hash(text)[0] % 2 == 0


CALIBRATION_BATCH = 5


def realstyle_part(text: str, batch: int) -> str:
    """heldout (evaluation only), calibration (temperature scaling, n-gram weights, comparing runs) or
    train. The calibration part is batch 5, written by other authors than batches 1-4 and the held-out
    part (model/data/README.md); every other tuning message is trained on."""
    if is_held_out(text, batch):
        return "heldout"
    return "calibration" if batch == CALIBRATION_BATCH else "train"


def realstyle_parts(examples: list[Example]) -> dict[str, list[Example]]:
    parts: dict[str, list[Example]] = {"train": [], "calibration": [], "heldout": []}
    for example in examples:
        parts[example["part"]].append(example)
    return parts
