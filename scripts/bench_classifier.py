#!/usr/bin/env python3
"""Single-message latency of the classifier on one CPU core: PyTorch (eager, fp32) vs the exported
ONNX Runtime int8 model, plus ONNX Runtime fp32 to show what quantisation adds, all in one run.

    PYTHONPATH=model .venv/bin/python scripts/bench_classifier.py \
        --run-dir model/runs/best --exported model/artifacts/current [--iterations 300] [--json]

Each measurement is one message end to end (tokenise + forward + labels), one thread, after warm-up.
Messages are the real-style set's (short WhatsApp messages), taken in turn.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "model"))


def measure(
    label_one: Callable[[str], object], texts: list[str], iterations: int, warmup: int
) -> list[float]:
    for i in range(warmup):
        label_one(texts[i % len(texts)])
    timings = []
    for i in range(iterations):
        started = time.perf_counter()
        label_one(texts[i % len(texts)])
        timings.append((time.perf_counter() - started) * 1000.0)
    return timings


def summary(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", default=str(ROOT / "model" / "runs" / "best"))
    parser.add_argument("--exported", default=str(ROOT / "model" / "artifacts" / "current"))
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args()

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch
    from sapa_model import modeling
    from sapa_model.config import DEFAULT_REALSTYLE
    from sapa_model.data import read_realstyle
    from sapa_model.export import export_onnx
    from transformers import AutoTokenizer

    from sapa.classify.model import METADATA_FILE, MODEL_FILE, TOKENIZER_FILE, ExportedClassifier
    from sapa.classify.ngrams import NGRAMS_FILE

    torch.set_num_threads(1)
    texts = [e["text"] for e in read_realstyle(DEFAULT_REALSTYLE)]
    model_dir = Path(args.run_dir) / "model"
    model = modeling.load(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    max_length = json.loads((Path(args.exported) / METADATA_FILE).read_text())["max_length"]

    @torch.inference_mode()
    def pytorch_one(text: str) -> tuple[int, int]:
        batch = tokenizer([text], truncation=True, max_length=max_length, return_tensors="pt")
        output = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        return int(output.logits.argmax()), int(output.urgency_logits.argmax())

    int8 = ExportedClassifier(args.exported, threads=1)
    with tempfile.TemporaryDirectory(prefix="sapa-bench-") as scratch:
        fp32_dir = Path(scratch)
        export_onnx(model, fp32_dir / MODEL_FILE)
        for name in (TOKENIZER_FILE, METADATA_FILE, NGRAMS_FILE):
            if (Path(args.exported) / name).is_file():  # the n-gram reader is optional
                shutil.copy(Path(args.exported) / name, fp32_dir / name)
        fp32 = ExportedClassifier(fp32_dir, threads=1)
        results = {
            "pytorch_fp32": summary(measure(pytorch_one, texts, args.iterations, args.warmup)),
            "onnxruntime_fp32": summary(
                measure(lambda t: fp32.predict([t]), texts, args.iterations, args.warmup)
            ),
            "onnxruntime_int8": summary(
                measure(lambda t: int8.predict([t]), texts, args.iterations, args.warmup)
            ),
            # The encoder alone, without the n-gram reader the served labels mix in (when there is one).
            "int8_encoder_only": summary(
                measure(lambda t: int8.probabilities([t]), texts, args.iterations, args.warmup)
            ),
        }
    size_mb = (Path(args.exported) / MODEL_FILE).stat().st_size / 1e6
    report = {
        "base_model": json.loads((Path(args.exported) / METADATA_FILE).read_text())["base_model"],
        "iterations": args.iterations,
        "threads": 1,
        "int8_model_mb": round(size_mb, 1),
        **results,
        "speedup_p50_int8_vs_pytorch": round(
            results["pytorch_fp32"]["p50_ms"] / results["onnxruntime_int8"]["p50_ms"], 1
        ),
    }
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"base model {report['base_model']}; {args.iterations} single messages, 1 thread")
    print(f"{'runtime':<20}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}")
    for name, figures in results.items():
        print(f"{name:<20}{figures['p50_ms']:>10.2f}{figures['p95_ms']:>10.2f}{figures['mean_ms']:>10.2f}")
    speedup = report["speedup_p50_int8_vs_pytorch"]
    print(f"int8 model {report['int8_model_mb']} MB; p50 speed-up of int8 over PyTorch x{speedup}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
