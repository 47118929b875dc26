"""Runs are configured by committed JSON files, parsed like transformers' run_classification.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sapa_model.config import MODEL_DIR, load_run_config

GRID = sorted((MODEL_DIR / "configs" / "grid").glob("*.json"))


def test_the_grid_has_eight_distinct_configs_covering_both_splits() -> None:
    contents = [json.loads(path.read_text()) for path in GRID]

    assert len(GRID) == 8
    assert len({json.dumps(c, sort_keys=True) for c in contents}) == 8
    assert {c["split"] for c in contents} == {"80/10/10", "70/15/15"}


@pytest.mark.parametrize("path", [*GRID, MODEL_DIR / "configs" / "best.json"], ids=lambda p: p.stem)
def test_every_config_loads(path: Path, tmp_path: Path) -> None:
    data_args, model_args, training_args = load_run_config(path, {"output_dir": str(tmp_path)})

    assert data_args.split in {"80/10/10", "70/15/15"}
    assert model_args.base_model == "distilbert-base-uncased"  # offline runs pass --base-model
    assert training_args.seed == 42
    assert training_args.run_name == path.stem


def test_overrides_win_and_unknown_keys_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "run.json"
    config.write_text(json.dumps({"split": "70/15/15", "learning_rate": 1e-4}))

    data_args, model_args, _ = load_run_config(
        config, {"base_model": "/models/x", "output_dir": str(tmp_path)}
    )
    assert (data_args.split, model_args.base_model) == ("70/15/15", "/models/x")

    config.write_text(json.dumps({"lerning_rate": 1e-4}))
    with pytest.raises(ValueError):
        load_run_config(config, {"output_dir": str(tmp_path)})
