"""sapa.classify: batch predict, the Lambda handler and `sapa classify`, on the exported tiny model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from sapa.classify.handler import handler
from sapa.classify.labels import ClassifierNotFoundError, Label
from sapa.classify.predict import load_classifier, predict
from sapa.cli import main
from sapa.settings import get_settings

CATEGORIES = {"delivery", "order", "payment", "refund", "other"}
URGENCIES = {"low", "medium", "high"}


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, tiny_export: Path) -> Iterator[Path]:
    """The environment of the classifier Lambda: its settings, with the model folder configured."""
    monkeypatch.setenv("SUPABASE_URL", "https://project.supabase.co")
    monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", "service-role-key")
    monkeypatch.setenv("SUPABASE_JWT_SECRET", "jwt-secret")
    monkeypatch.setenv("CLASSIFIER_PATH", str(tiny_export))
    get_settings.cache_clear()
    yield tiny_export
    get_settings.cache_clear()


def test_predict_labels_each_text_in_order(tiny_export: Path) -> None:
    texts = ["where is my order 3321", "I want my money back", "halo kak", ""]

    labels = predict(texts, model_dir=tiny_export)

    assert len(labels) == len(texts)
    assert all(isinstance(label, Label) for label in labels)
    assert {label.category for label in labels} <= CATEGORIES
    assert {label.urgency for label in labels} <= URGENCIES
    assert all(0.2 <= label.confidence <= 1.0 for label in labels)  # a probability of the top of 5
    # Batch and single agree. Not to the last digit: int8 dynamic quantisation scales activations over the
    # whole batch (padding included), so a confidence moves in the second or third decimal.
    [single] = predict(texts[:1], model_dir=tiny_export)
    assert (single.category, single.urgency) == (labels[0].category, labels[0].urgency)
    assert single.confidence == pytest.approx(labels[0].confidence, abs=0.02)
    assert predict([], model_dir=tiny_export) == []


def test_the_model_is_loaded_once_per_process(tiny_export: Path) -> None:
    assert load_classifier(tiny_export.resolve()) is load_classifier(tiny_export.resolve())


def test_predict_uses_the_configured_folder(configured: Path) -> None:
    assert predict(["refund please"]) == predict(["refund please"], model_dir=configured)


def test_a_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ClassifierNotFoundError, match="make model"):
        predict(["hello"], model_dir=tmp_path)


def test_handler_answers_a_sample_event(configured: Path) -> None:
    event = {"texts": ["paket saya belum sampai kak", "can I pay by bank transfer?"]}

    response = handler(event, None)

    fields = {"category", "urgency", "confidence", "urgency_confidence", "unsure"}
    assert [set(label) for label in response["labels"]] == [fields] * 2
    expected = predict(event["texts"], model_dir=configured)
    assert [label["category"] for label in response["labels"]] == [label.category for label in expected]
    json.dumps(response)  # what Lambda sends back must serialise


@pytest.mark.parametrize("event", [{}, {"texts": "one string"}, {"texts": ["a"], "extra": 1}])
def test_handler_rejects_a_malformed_event(configured: Path, event: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        handler(event, None)


def test_cli_prints_one_json_object(tiny_export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["classify", "--json", "--model", str(tiny_export), "saya mau refund"])

    assert code == 0
    line = capsys.readouterr().out.strip()
    assert json.loads(line) == vars(predict(["saya mau refund"], model_dir=tiny_export)[0])


def test_cli_classifies_each_line_of_a_file(
    tiny_export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    messages = ["where is order 5512", "", "bisa bayar pakai gopay?"]
    path = tmp_path / "messages.txt"
    path.write_text("\n".join(messages) + "\n", encoding="utf-8")

    assert main(["classify", "--json", "--file", str(path), "--model", str(tiny_export)]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == [
        vars(label) for label in predict(messages, model_dir=tiny_export)
    ]


def test_cli_without_a_model_says_how_to_make_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", "--json", "--model", str(tmp_path), "hello"]) == 1
    assert "make model" in capsys.readouterr().err
