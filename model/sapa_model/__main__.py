"""python -m sapa_model COMMAND (run from the repository root with PYTHONPATH=model):

train CONFIG.json [--base-model M] [--run-dir D]   train + evaluate one run (report in D/report)
grid DIR [--base-model M]                          every config of DIR, then a summary; best by
                                                   validation macro-F1 (mean of both heads)
export RUN_DIR [--output D]                        ONNX int8 + tokenizer + labels, checked against PyTorch
publish RUN_DIR [--reports DIR]                    copy a run's report into model/reports/<run name>
prepare CONFIG.json                                data preparation only: print its statistics
heldout [--model-dir D] [--config C] [--json F]    the served model on the real-style held-out part,
                                                   per language, beside the TF-IDF baseline
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("sapa_model").setLevel(logging.INFO)
    root = argparse.ArgumentParser(prog="python -m sapa_model", description=__doc__.splitlines()[0])
    commands = root.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train and evaluate one run")
    train.add_argument("config")
    train.add_argument("--base-model", help="hub id or local folder (overrides the config)")
    train.add_argument("--run-dir", help="default: model/runs/<config name>")

    grid = commands.add_parser("grid", help="train and evaluate every config of a folder")
    grid.add_argument("directory")
    grid.add_argument("--base-model")
    grid.add_argument("--runs-dir", help="default: model/runs")
    grid.add_argument("--summary", help="default: model/reports/grid.md (+ .json)")
    grid.add_argument("--epochs", type=float, help="screening budget: override num_train_epochs")
    grid.add_argument("--max-train-samples", type=int, help="screening budget: cap the training split")

    export = commands.add_parser("export", help="export a trained run for inference")
    export.add_argument("run_dir")
    export.add_argument("--output", help="default: model/artifacts/current")
    export.add_argument(
        "--no-ngrams", action="store_true", help="serve the encoder alone (no n-gram reader mixed in)"
    )

    publish = commands.add_parser("publish", help="copy a run's report to model/reports/<run>")
    publish.add_argument("run_dir")
    publish.add_argument("--reports", help="default: model/reports")

    prepare = commands.add_parser("prepare", help="print the data statistics of a config")
    prepare.add_argument("config")

    heldout = commands.add_parser("heldout", help="held-out real-style figures of the exported model")
    heldout.add_argument("--model-dir", help="default: model/artifacts/current")
    heldout.add_argument(
        "--config", help="the run's config, for the baseline (default: model/configs/best.json)"
    )
    heldout.add_argument("--json", help="also write the figures to this file")
    heldout.add_argument(
        "--part",
        choices=("heldout", "calibration"),
        default="heldout",
        help="the real-style part to read (default: heldout; calibration compares runs)",
    )

    args = root.parse_args(argv)
    if args.command == "train":
        from sapa_model.train import train_and_evaluate

        print(train_and_evaluate(args.config, base_model=args.base_model, run_dir=args.run_dir))
    elif args.command == "grid":
        from sapa_model.grid import run_grid

        best = run_grid(
            Path(args.directory),
            base_model=args.base_model,
            runs_dir=Path(args.runs_dir) if args.runs_dir else None,
            summary=Path(args.summary) if args.summary else None,
            overrides={"num_train_epochs": args.epochs, "max_train_samples": args.max_train_samples},
        )
        print(best)
    elif args.command == "export":
        from sapa_model.export import export_run

        print(
            json.dumps(
                export_run(
                    Path(args.run_dir), Path(args.output) if args.output else None, ngrams=not args.no_ngrams
                ),
                indent=2,
            )
        )
    elif args.command == "publish":
        from sapa_model.grid import publish_report

        print(publish_report(Path(args.run_dir), Path(args.reports) if args.reports else None))
    elif args.command == "prepare":
        from sapa_model.config import load_run_config
        from sapa_model.data import prepare as prepare_data

        data_args, _, _ = load_run_config(args.config, {"output_dir": tempfile.gettempdir()})
        print(json.dumps(prepare_data(data_args).stats, indent=2, ensure_ascii=False))
    elif args.command == "heldout":
        from sapa_model.config import MODEL_DIR
        from sapa_model.heldout import main as heldout_main

        print(
            heldout_main(
                Path(args.model_dir) if args.model_dir else MODEL_DIR / "artifacts" / "current",
                Path(args.config) if args.config else MODEL_DIR / "configs" / "best.json",
                Path(args.json) if args.json else None,
                args.part,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
