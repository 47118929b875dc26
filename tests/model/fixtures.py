"""The tiny pipeline, built once per test session: a small Bitext sample, a DistilBERT of a few
thousand parameters built from a config in code, a few hundred training steps, an ONNX export.
Shared by tests/model and tests/classify (their conftests import these fixtures)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

MODEL_DIR = Path(__file__).resolve().parents[2] / "model"
if str(MODEL_DIR) not in sys.path:
    sys.path.insert(0, str(MODEL_DIR))

from sapa_model.config import DEFAULT_BITEXT  # noqa: E402
from sapa_model.tiny import build_tiny_base, tiny_run_config, write_bitext_sample  # noqa: E402

_built: dict[str, Path] = {}


@pytest.fixture(scope="session")
def bitext_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if "bitext" not in _built:
        if not DEFAULT_BITEXT.is_file():
            pytest.fail(f"the Bitext data is missing at {DEFAULT_BITEXT} (shared/ beside the repository)")
        _built["bitext"] = write_bitext_sample(
            DEFAULT_BITEXT, tmp_path_factory.mktemp("bitext") / "bitext_sample.csv", per_intent=60
        )
    return _built["bitext"]


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory: pytest.TempPathFactory, bitext_sample: Path) -> Path:
    if "base" not in _built:
        with open(bitext_sample, newline="", encoding="utf-8") as handle:
            texts = [row["instruction"] for row in csv.DictReader(handle)]
        _built["base"] = build_tiny_base(tmp_path_factory.mktemp("tiny-base"), texts, vocab_size=800)
    return _built["base"]


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory, bitext_sample: Path, tiny_base: Path) -> Path:
    """A trained and evaluated run directory (model/ and report/)."""
    if "run" not in _built:
        from sapa_model.train import train_and_evaluate

        work = tmp_path_factory.mktemp("tiny-run")
        config = tiny_run_config(work, bitext_sample)
        _built["run"] = train_and_evaluate(config, base_model=str(tiny_base), run_dir=work / "run")
    return _built["run"]


@pytest.fixture(scope="session")
def tiny_export(tmp_path_factory: pytest.TempPathFactory, tiny_run: Path) -> Path:
    """The run exported for inference (ONNX int8), checked against PyTorch on the real-style set."""
    if "export" not in _built:
        from sapa_model.config import DEFAULT_REALSTYLE
        from sapa_model.data import read_realstyle
        from sapa_model.export import export_run

        texts = [e["text"] for e in read_realstyle(DEFAULT_REALSTYLE)]
        output = tmp_path_factory.mktemp("tiny-export") / "classifier"
        export_run(tiny_run, output, check_texts=texts)
        _built["export"] = output
    return _built["export"]
