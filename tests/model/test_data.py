"""Data preparation: placeholders, category mapping, deduplication before the split, no leaks."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from sapa_model.config import CATEGORIES, DEFAULT_REALSTYLE, URGENCIES, DataArguments, split_fractions
from sapa_model.data import (
    BitextRow,
    drop_exact_duplicates,
    drop_near_duplicates,
    is_held_out,
    leak_check,
    max_cross_similarity,
    normalise,
    prepare,
    read_bitext,
    read_realstyle,
    realstyle_parts,
    undersample_other,
)
from sapa_model.placeholders import fill


def row(text: str, category: str = "order", intent: str = "track_order") -> BitextRow:
    return BitextRow(text=text, category=category, intent=intent)


def test_fill_replaces_every_placeholder_reproducibly() -> None:
    text = "I paid {{Currency Symbol}}{{Refund Amount}} for order {{Order Number}}, {{Person Name}}"

    filled = fill(text, seed=1)

    assert "{{" not in filled and "}}" not in filled
    assert fill(text, seed=1) == filled
    assert {fill(text, seed=s) for s in range(10)} != {filled}  # the seed changes the values


def test_the_seven_other_bitext_categories_become_other(bitext_sample: Path) -> None:
    rows = read_bitext(bitext_sample)

    assert {r.category for r in rows} == set(CATEGORIES)
    assert {r.intent for r in rows if r.category == "other"} >= {
        "complaint",
        "check_invoice",
        "recover_password",
    }
    assert {r.intent for r in rows if r.category == "delivery"} == {"delivery_options", "delivery_period"}


def test_differently_filled_copies_share_one_key() -> None:
    assert normalise("Where is order {{Order Number}}?") == normalise("where is ORDER {{Order Number}}")
    assert normalise("refund of 25 dollars") == normalise("refund of 99 dollars!")


def test_exact_and_near_duplicates_are_dropped_but_different_requests_kept() -> None:
    rows = [
        row("I want to cancel order {{Order Number}}"),
        row("i want to cancel order {{Order Number}}!"),  # exact after normalisation
        row("I want to cancell order {{Order Number}}"),  # typo: near duplicate
        row("how do I pay with a credit card", "payment", "check_payment_methods"),
        row("where is my refund", "refund", "track_refund"),
    ]

    exact = drop_exact_duplicates(rows)
    near = drop_near_duplicates(exact, threshold=0.85)

    assert len(exact) == 4
    assert [r.text for r in near] == [rows[0].text, rows[3].text, rows[4].text]


def test_no_test_utterance_has_a_near_twin_in_training(bitext_sample: Path) -> None:
    args = DataArguments(bitext_path=str(bitext_sample), split="70/15/15", near_duplicate_threshold=0.85)

    data = prepare(args)

    assert max(data.stats["max_test_to_train_similarity"].values()) < 0.85
    for category in CATEGORIES:
        train = [e["template"] for e in data.train if e["category"] == category]
        test = [e["template"] for e in data.test if e["category"] == category]
        assert max_cross_similarity(train, test).max() < 0.85
    keys = {normalise(e["template"]) for e in data.train}
    assert not keys & {normalise(e["template"]) for e in data.test + data.validation}


def test_without_dedup_the_check_finds_the_leak(bitext_sample: Path) -> None:
    """The leak check can fail: with dedup effectively off, typo variants land on both sides."""
    data = prepare(DataArguments(bitext_path=str(bitext_sample), near_duplicate_threshold=1.01))

    assert max(leak_check(data.train, data.test).values()) >= 0.85


@pytest.mark.parametrize("split", ["80/10/10", "70/15/15"])
def test_split_is_stratified_and_sized_as_configured(bitext_sample: Path, split: str) -> None:
    data = prepare(DataArguments(bitext_path=str(bitext_sample), split=split))

    total = data.stats["after_near_dedup"]
    _, validation, test = split_fractions(split)
    assert abs(len(data.test) - total * test) <= 2
    assert abs(len(data.validation) - total * validation) <= 2
    assert set(data.stats["test_categories"]) == set(CATEGORIES)
    for example in data.train + data.validation + data.test:
        assert "{{" not in example["text"]
        assert example["urgency"] in URGENCIES


def test_undersampling_caps_other_in_training_only(bitext_sample: Path) -> None:
    full = prepare(DataArguments(bitext_path=str(bitext_sample)))
    capped = prepare(DataArguments(bitext_path=str(bitext_sample), max_other_ratio=1.0))

    counts = Counter(e["category"] for e in capped.train)
    assert counts["other"] == max(v for k, v in counts.items() if k != "other")
    assert Counter(e["category"] for e in full.train)["other"] > counts["other"]
    assert capped.test == full.test


def test_undersample_keeps_everything_when_other_is_small() -> None:
    examples = [{"text": "a", "category": "order"}, {"text": "b", "category": "other"}]

    assert undersample_other(examples, 1.0, seed=0) == examples


def test_templated_indonesian_goes_to_training_only(bitext_sample: Path) -> None:
    data = prepare(DataArguments(bitext_path=str(bitext_sample), indonesian_per_category=10))

    templated = [e for e in data.train if e["source"].startswith("templated-id")]
    assert len(templated) == 10 * len(CATEGORIES)
    assert not [e for e in data.test + data.validation if e["source"].startswith("templated-id")]


def test_realstyle_set_is_hand_labelled_and_mixed_language() -> None:
    examples = read_realstyle(DEFAULT_REALSTYLE)
    languages = Counter(json.loads(line)["lang"] for line in DEFAULT_REALSTYLE.read_text().splitlines())

    assert len(examples) >= 150
    assert len({e["text"] for e in examples}) == len(examples)
    assert set(languages) == {"id", "en", "mixed"}
    assert {e["category"] for e in examples} == set(CATEGORIES)
    assert {e["urgency"] for e in examples} == set(URGENCIES)


def test_realstyle_rejects_unknown_labels(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "halo", "category": "greeting", "urgency": "low"}\n')

    with pytest.raises(ValueError, match="unknown label"):
        read_realstyle(path)


def test_batch_two_adds_at_least_300_hand_labelled_messages_in_both_languages() -> None:
    lines = [json.loads(line) for line in DEFAULT_REALSTYLE.read_text().splitlines() if line.strip()]
    new = [line for line in lines if line.get("batch") == 2]
    assert len(new) >= 300
    languages = Counter(line["lang"] for line in new)
    assert languages["id"] >= 100 and languages["en"] >= 80 and languages["mixed"] >= 60
    assert {line["category"] for line in new} == set(CATEGORIES)
    assert {line["urgency"] for line in new} == set(URGENCIES)


def test_the_held_out_rule_is_a_fixed_hash_of_the_text() -> None:
    examples = read_realstyle(DEFAULT_REALSTYLE)
    parts = realstyle_parts(examples)
    assert sum(len(part) for part in parts.values()) == len(examples)
    lines = [json.loads(line) for line in DEFAULT_REALSTYLE.read_text().splitlines() if line.strip()]
    for line, example in zip(lines, examples, strict=True):
        held_out = hashlib.sha256(line["text"].encode()).digest()[0] % 2 == 0 and line.get("batch") == 2
        assert (example["part"] == "heldout") == held_out
        assert is_held_out(line["text"], int(line.get("batch", 1))) == held_out
    assert len(parts["heldout"]) >= 150
    assert {e["source"] for e in parts["heldout"]} == {"realstyle:id", "realstyle:en", "realstyle:mixed"}
    assert not [e for e in parts["heldout"] if e["text"] in {line["text"] for line in lines[:154]}]


def test_batch_three_is_training_data_with_no_near_copy_of_a_held_out_message() -> None:
    examples = read_realstyle(DEFAULT_REALSTYLE)
    lines = [json.loads(line) for line in DEFAULT_REALSTYLE.read_text().splitlines() if line.strip()]
    batch_three = [e for e, line in zip(examples, lines, strict=True) if line.get("batch") == 3]
    heldout = [e["text"] for e in examples if e["part"] == "heldout"]

    assert len(batch_three) >= 300
    assert {e["part"] for e in batch_three} == {"train"}
    assert not [e for e in batch_three if is_held_out(e["text"], 3)]
    assert float(max_cross_similarity(heldout, [e["text"] for e in batch_three]).max()) < 0.85


def test_batch_four_is_mostly_chat_indonesian_training_data_with_no_near_copy_of_a_held_out_message() -> None:
    examples = read_realstyle(DEFAULT_REALSTYLE)
    lines = [json.loads(line) for line in DEFAULT_REALSTYLE.read_text().splitlines() if line.strip()]
    batch_four = [e for e, line in zip(examples, lines, strict=True) if line.get("batch") == 4]
    heldout = [e["text"] for e in examples if e["part"] == "heldout"]
    earlier = [
        e["text"]
        for e, line in zip(examples, lines, strict=True)
        if e["part"] != "heldout" and line.get("batch") != 4
    ]

    assert len(batch_four) >= 400
    languages = Counter(e["source"] for e in batch_four)
    assert languages["realstyle:id"] + languages["realstyle:mixed"] >= 0.85 * len(batch_four)
    assert {e["category"] for e in batch_four} == set(CATEGORIES)
    assert {e["urgency"] for e in batch_four} == set(URGENCIES)
    assert {e["part"] for e in batch_four} == {"train"}
    texts = [e["text"] for e in batch_four]
    assert float(max_cross_similarity(heldout, texts).max()) < 0.85
    assert float(max_cross_similarity(earlier, texts).max()) < 0.85


def test_batch_five_by_other_authors_is_the_whole_calibration_part() -> None:
    examples = read_realstyle(DEFAULT_REALSTYLE)
    lines = [json.loads(line) for line in DEFAULT_REALSTYLE.read_text().splitlines() if line.strip()]
    batch_five = [e for e, line in zip(examples, lines, strict=True) if line.get("batch") == 5]
    heldout = [e["text"] for e in examples if e["part"] == "heldout"]
    tuning = [e["text"] for e in examples if e["part"] == "train"]

    assert len(batch_five) >= 400
    assert batch_five == realstyle_parts(examples)["calibration"]
    languages = Counter(e["source"] for e in batch_five)
    assert min(languages["realstyle:id"], languages["realstyle:en"], languages["realstyle:mixed"]) >= 80
    assert {(e["category"], e["urgency"]) for e in batch_five} == {
        (c, u) for c in CATEGORIES for u in URGENCIES
    }
    texts = [e["text"] for e in batch_five]
    assert float(max_cross_similarity(heldout, texts).max()) < 0.85
    assert float(max_cross_similarity(tuning, texts).max()) < 0.85


def test_held_out_and_calibration_messages_are_never_trained_on(bitext_sample: Path) -> None:
    data = prepare(DataArguments(bitext_path=str(bitext_sample), realstyle_train_repeat=3))
    trained = Counter(e["text"] for e in data.train if e["source"].startswith("realstyle"))
    parts = realstyle_parts(read_realstyle(DEFAULT_REALSTYLE))
    assert set(trained) == {e["text"] for e in parts["train"]}
    assert set(trained.values()) == {3}
    assert not set(trained) & {e["text"] for e in data.heldout + data.calibration}
    assert data.heldout == parts["heldout"] and data.calibration == parts["calibration"]
    assert not [e for e in data.validation + data.test if e["source"].startswith("realstyle")]
