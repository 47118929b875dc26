"""Run every config of a grid folder, summarise, pick the best by validation figures (never by test).

The best run has the highest mean of the two heads' validation macro-F1 (category and urgency): the
model serves both labels, and on the deduplicated Bitext validation split category differences between
configs are often one or two messages, while urgency differences are not.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from sapa_model.config import MODEL_DIR
from sapa_model.train import train_and_evaluate

log = logging.getLogger(__name__)
REPORTS_DIR = MODEL_DIR / "reports"


def _figures(run_dir: Path) -> dict[str, Any]:
    report = json.loads((run_dir / "report" / "report.json").read_text())
    sets = report["sets"]
    return {
        "run": report["run_name"],
        "config": report["config_path"],
        "base_model": report.get("base_model_description", report["base_model"]),
        "train_size": report["data"]["sizes"]["train"],
        "train_seconds": report["train_seconds"],
        "validation_category_macro_f1": sets["validation"]["model"]["category"]["macro_f1"],
        "validation_urgency_macro_f1": sets["validation"]["model"]["urgency"]["macro_f1"],
        "validation_mean_macro_f1": round(
            (
                sets["validation"]["model"]["category"]["macro_f1"]
                + sets["validation"]["model"]["urgency"]["macro_f1"]
            )
            / 2,
            4,
        ),
        "test_category_accuracy": sets["test"]["model"]["category"]["accuracy"],
        "test_category_macro_f1": sets["test"]["model"]["category"]["macro_f1"],
        "realstyle_category_accuracy": sets["realstyle"]["model"]["category"]["accuracy"],
        "realstyle_urgency_accuracy": sets["realstyle"]["model"]["urgency"]["accuracy"],
        "baseline_test_category_accuracy": sets["test"]["baseline"]["category"]["accuracy"],
        "baseline_realstyle_category_accuracy": sets["realstyle"]["baseline"]["category"]["accuracy"],
    }


def run_grid(
    directory: Path,
    *,
    base_model: str | None = None,
    runs_dir: Path | None = None,
    summary: Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> Path:
    """Train and evaluate each `*.json` of `directory`; write the summary; return the best run dir."""
    overrides = {key: value for key, value in (overrides or {}).items() if value is not None}
    runs_dir = runs_dir or MODEL_DIR / "runs"
    summary = summary or REPORTS_DIR / "grid.md"
    rows = []
    for config in sorted(directory.glob("*.json")):
        log.info("grid: %s", config.name)
        run_dir = train_and_evaluate(
            config, base_model=base_model, run_dir=runs_dir / config.stem, overrides=overrides
        )
        rows.append({**_figures(run_dir), "run_dir": str(run_dir)})
    if not rows:
        raise ValueError(f"no *.json configs in {directory}")
    return Path(summarise(rows, summary, overrides)["run_dir"])


def summarise(rows: list[dict[str, Any]], summary: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    best = max(rows, key=lambda r: (r["validation_mean_macro_f1"], r["validation_category_macro_f1"]))
    write_summary(summary, rows, best, overrides)
    return best


def summarise_runs(runs_dir: Path, summary: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    """The summary again from finished runs (no training)."""
    rows = [
        {**_figures(run), "run_dir": str(run)}
        for run in sorted(runs_dir.iterdir())
        if (run / "report" / "report.json").is_file()
    ]
    return summarise(rows, summary, overrides)


def write_summary(
    path: Path, rows: list[dict[str, Any]], best: dict[str, Any], overrides: dict[str, Any]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    public = [{k: v for k, v in row.items() if k != "run_dir"} for row in rows]
    payload = {"overrides": overrides, "best": best["run"], "runs": public}
    path.with_suffix(".json").write_text(json.dumps(payload, indent=2) + "\n")
    columns = [
        ("run", "run"),
        ("train n", "train_size"),
        ("train s", "train_seconds"),
        ("val cat F1", "validation_category_macro_f1"),
        ("val urg F1", "validation_urgency_macro_f1"),
        ("val mean F1", "validation_mean_macro_f1"),
        ("test cat acc", "test_category_accuracy"),
        ("real-style cat acc", "realstyle_category_accuracy"),
        ("real-style urg acc", "realstyle_urgency_accuracy"),
        ("baseline test acc", "baseline_test_category_accuracy"),
        ("baseline real-style acc", "baseline_realstyle_category_accuracy"),
    ]
    lines = [
        "# Hyper-parameter grid",
        "",
        f"Base model: `{rows[0]['base_model']}`. Overrides for this grid run: `{json.dumps(overrides)}`.",
        "The best configuration is chosen on the validation split (mean of the category and urgency "
        f"macro-F1), never on test: **{best['run']}**.",
        "",
        "| " + " | ".join(title for title, _ in columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for row in rows:
        lines.append("| " + " | ".join(str(row[key]) for _, key in columns) + " |")
    path.write_text("\n".join(lines) + "\n")


def publish_report(run_dir: Path, reports_dir: Path | None = None) -> Path:
    """Copy a run's report folder to model/reports/<run name> (the committed evaluation)."""
    report = json.loads((run_dir / "report" / "report.json").read_text())
    target = (reports_dir or REPORTS_DIR) / report["run_name"]
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(run_dir / "report", target)
    return target
