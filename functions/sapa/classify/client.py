"""How the worker reaches the classifier: in process (local stack, or wherever the model folder is), or
by invoking the classifier Lambda (AWS, where the model lives in its own container image)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from pydantic import TypeAdapter

from sapa.aws import aws_client
from sapa.classify.labels import Label
from sapa.settings import Settings

logger = logging.getLogger(__name__)
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[3] / "model" / "artifacts" / "current"
"""Where `make model` writes the exported model in a checkout of the repository."""
_LABELS = TypeAdapter(list[Label])


class Classifier(Protocol):
    def classify(self, texts: Sequence[str]) -> list[Label]: ...


class InProcessClassifier:
    def classify(self, texts: Sequence[str]) -> list[Label]:
        from sapa.classify.predict import predict  # ONNX Runtime loads only where the model runs

        return predict(texts)


class LambdaClassifier:
    """Invokes the classifier Lambda synchronously with {"texts": [...]} and reads {"labels": [...]}."""

    def __init__(self, client: Any, function_name: str) -> None:
        self._client = client
        self._function_name = function_name

    def classify(self, texts: Sequence[str]) -> list[Label]:
        response = self._client.invoke(
            FunctionName=self._function_name, Payload=json.dumps({"texts": list(texts)}).encode()
        )
        payload = json.loads(response["Payload"].read())
        if response.get("FunctionError"):
            raise RuntimeError(f"the classifier Lambda failed: {payload.get('errorMessage', payload)}")
        return _LABELS.validate_python(payload["labels"])


def classifier_from_settings(settings: Settings) -> Classifier | None:
    """The configured classifier; None (messages stay unlabelled, with a warning) when there is none."""
    if settings.classifier_function_name:
        client = aws_client("lambda", settings.aws_endpoint_url)
        return LambdaClassifier(client, settings.classifier_function_name)
    model_dir = Path(settings.classifier_path) if settings.classifier_path else DEFAULT_MODEL_DIR
    if (model_dir / "model.onnx").exists():
        return InProcessClassifier()
    logger.warning("no classifier model at %s: messages stay unlabelled (run `make model`)", model_dir)
    return None
