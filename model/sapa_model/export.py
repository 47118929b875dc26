"""Export a trained run for CPU inference: ONNX, dynamically quantised to int8, checked against PyTorch.

Why this path: on one CPU core the int8 ONNX Runtime graph of a small encoder runs several times faster
than eager PyTorch (scripts/bench_classifier.py measures both in one run), the runtime needs neither
torch nor transformers (a small Lambda image), and dynamic quantisation needs no calibration data.
The check runs the exported folder through the very code the Lambda uses (sapa.classify.model) and
compares its labels with the PyTorch model's on the run's validation split and the real-style calibration
part (never the held-out part); the export fails when they agree on fewer than `min_agreement` of the
messages. A full export then adds the n-gram reader (sapa_model.ngrams): fitted on the run's training
data, mixed with the encoder by weights chosen on the calibration part.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import AutoTokenizer

from sapa_model import modeling
from sapa_model.config import MODEL_DIR, DataArguments
from sapa_model.data import Example, prepare
from sapa_model.inference import model_texts, predict_proba, temperatures
from sapa_model.train import RUN_FILE

DEFAULT_OUTPUT = MODEL_DIR / "artifacts" / "current"


class ProbabilityHeads(torch.nn.Module):
    """The classifier as the graph exports it: ids and mask in, both heads' probabilities out."""

    def __init__(self, model: modeling.SapaIssueClassifier) -> None:
        super().__init__()
        self.model = model
        # The calibrated temperatures are part of the graph: the served probabilities are calibrated.
        self.category_temperature, self.urgency_temperature = temperatures(model)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        output = self.model(input_ids=input_ids, attention_mask=attention_mask)
        return (
            torch.softmax(output.logits / self.category_temperature, dim=-1),
            torch.softmax(output.urgency_logits / self.urgency_temperature, dim=-1),
        )


def export_onnx(model: modeling.SapaIssueClassifier, path: Path, opset: int = 17) -> None:
    model.eval()
    sample = torch.ones((2, 8), dtype=torch.long)
    torch.onnx.export(
        ProbabilityHeads(model),
        (sample, torch.ones_like(sample)),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["category_probs", "urgency_probs"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "category_probs": {0: "batch"},
            "urgency_probs": {0: "batch"},
        },
        opset_version=opset,
        dynamo=False,  # the TorchScript exporter: a plain, quantisation-friendly graph for encoders
        external_data=False,
    )


def export_run(
    run_dir: Path,
    output: Path | None = None,
    *,
    min_agreement: float = 0.98,
    check_texts: list[str] | None = None,
    ngrams: bool = True,
) -> dict[str, Any]:
    """Write the inference folder for `run_dir`'s model and return the check's figures."""
    from sapa.classify.model import (
        METADATA_FILE,
        MODEL_FILE,
        NORMALISER,
        TOKENIZER_FILE,
        ExportedClassifier,
    )

    output = output or DEFAULT_OUTPUT
    model_dir = run_dir / "model"
    run_info = json.loads((model_dir / RUN_FILE).read_text())
    model = modeling.load(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    staging = Path(tempfile.mkdtemp(prefix="sapa-export-"))
    try:
        export_onnx(model, staging / "fp32.onnx")
        # Per-channel weight scales: with one scale per tensor the urgency head of the 2026-12 run agreed
        # with PyTorch on only 96.6% of the check messages (below min_agreement); per channel keeps it.
        # The first encoder layer stays in float: quantising it too put the urgency agreement of the
        # issue-21 retrain at 97.7%, keeping it at 98.5% (excluding the last layer or the heads gained
        # nothing), for about a sixth of the encoder's work in float.
        quantize_dynamic(
            staging / "fp32.onnx",
            staging / MODEL_FILE,
            weight_type=QuantType.QInt8,
            per_channel=True,
            nodes_to_exclude=float_nodes(staging / "fp32.onnx"),
        )
        tokenizer.backend_tokenizer.save(str(staging / TOKENIZER_FILE))
        metadata: dict[str, Any] = {
            "categories": modeling.category_labels(model.config),
            "urgencies": modeling.urgency_labels(model.config),
            "max_length": run_info["max_length"],
            "base_model": run_info["base_model"],
            "run_name": run_info["run_name"],
            "quantization": "onnxruntime dynamic int8 (QInt8 weights, per channel; first layer float)",
            "normaliser": NORMALISER,
            "temperatures": dict(zip(("category", "urgency"), temperatures(model), strict=True)),
            "unsure_below": {
                "category": float(getattr(model.config, "unsure_category_below", 0.0)),
                "urgency": float(getattr(model.config, "unsure_urgency_below", 0.0)),
            },
        }
        (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")

        exported = ExportedClassifier(staging)
        sets = _labelled_sets(run_info) if check_texts is None else {}
        texts = (
            check_texts
            if check_texts is not None
            else [e["text"] for name in ("validation", "calibration") for e in sets[name]]
        )
        check = compare(model, tokenizer, exported, texts, run_info["max_length"])
        metadata["check"] = check
        if min(check["category_agreement"], check["urgency_agreement"]) < min_agreement:
            raise RuntimeError(f"the exported model disagrees with PyTorch too often: {check}")
        if sets:
            metadata["exported_accuracy"] = {
                "encoder only": {
                    name: exported_accuracy(exported, sets[name]) for name in ("test", "calibration")
                }
            }
            if ngrams:
                metadata.update(add_ngrams(staging, exported, sets, run_info))
                (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
                exported = ExportedClassifier(staging)
                metadata["exported_accuracy"]["served (encoder + n-grams)"] = {
                    name: exported_accuracy(exported, sets[name]) for name in ("test", "calibration")
                }
        (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
        (staging / "fp32.onnx").unlink()
        if output.exists():
            shutil.rmtree(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), output)
        output.chmod(0o755)  # mkdtemp made it private; the Lambda image reads it as another user
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {"output": str(output), **metadata}


def float_nodes(path: Path, layers: tuple[str, ...] = ("layer.0/",)) -> list[str]:
    """The matrix products of the encoder layers kept in float (BERT's encoder/layer.N/ and
    DistilBERT's transformer/layer.N/ alike)."""
    import onnx

    graph = onnx.load(str(path)).graph
    return [
        node.name
        for node in graph.node
        if node.op_type in ("MatMul", "Gemm") and any(layer in node.name for layer in layers)
    ]


def compare(
    model: modeling.SapaIssueClassifier,
    tokenizer: Any,
    exported: Any,
    texts: list[str],
    max_length: int,
) -> dict[str, Any]:
    reference = predict_proba(model, tokenizer, texts, max_length)
    category, urgency = exported.probabilities(texts)
    return {
        "n": len(texts),
        "category_agreement": round(float(np.mean(reference.category.argmax(1) == category.argmax(1))), 4),
        "urgency_agreement": round(float(np.mean(reference.urgency.argmax(1) == urgency.argmax(1))), 4),
        "max_abs_category_probability_difference": round(
            float(np.abs(reference.category - category).max()), 4
        ),
        "mean_abs_category_probability_difference": round(
            float(np.abs(reference.category - category).mean()), 5
        ),
    }


def exported_accuracy(exported: Any, examples: list[Example]) -> dict[str, float]:
    """Accuracy of the int8 model itself (what is served), per head."""
    pairs = list(zip(exported.predict([e["text"] for e in examples]), examples, strict=True))
    return {
        "n": len(examples),
        "category": round(float(np.mean([label.category == e["category"] for label, e in pairs])), 4),
        "urgency": round(float(np.mean([label.urgency == e["urgency"] for label, e in pairs])), 4),
    }


def add_ngrams(
    folder: Path, exported: Any, sets: dict[str, list[Example]], run_info: dict[str, Any]
) -> dict[str, Any]:
    """Fit the n-gram reader on the run's training data into `folder` and choose its weight per head on
    the real-style calibration part; returns classifier.json's new keys."""
    from sapa.classify.ngrams import NGRAMS_FILE, NgramClassifier
    from sapa_model import ngrams

    labels = {"category": exported.categories, "urgency": exported.urgencies}
    ngrams.save(
        ngrams.fit(sets["train"], labels["category"], labels["urgency"], int(run_info.get("seed", 42))),
        folder / NGRAMS_FILE,
    )
    reader = NgramClassifier(folder / NGRAMS_FILE)
    calibration = sets["calibration"]
    texts = [e["text"] for e in calibration]
    normalised = model_texts(texts)
    choice = ngrams.choose_weights(
        exported.probabilities(texts),
        reader.both(normalised),
        tuple([labels[head].index(e[head]) for e in calibration] for head in ("category", "urgency")),  # type: ignore[arg-type]
    )
    return {
        "ngram_weight": {head: choice[head]["weight"] for head in ("category", "urgency")},
        "ngram_choice": {
            "chosen_on": f"real-style calibration part (n={len(calibration)})",
            "accuracy_by_weight": {head: choice[head]["accuracy"] for head in ("category", "urgency")},
        },
    }


def _labelled_sets(run_info: dict[str, Any]) -> dict[str, list[Example]]:
    data_args = DataArguments(**run_info["data_arguments"])
    data = prepare(data_args)
    # The real-style messages of the check are the calibration part: the held-out part is only ever
    # read by `make model-eval`.
    return {
        "train": data.train,
        "validation": data.validation,
        "test": data.test,
        "calibration": data.calibration,
    }
