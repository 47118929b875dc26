"""A classifier Lambda: {"texts": [...]} → {"labels": [...]}, for a worker deployed without the model
(settings.classifier_function_name), invoked directly (not through API Gateway). serverless.yml deploys
none: its worker runs from the models image (model/Dockerfile) and classifies in process; a function of
that image with this handler as its command would serve it. The model is loaded on the first invocation
of a container and reused while the container is warm.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sapa.classify.predict import predict

MAX_TEXTS = 256


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: list[str] = Field(max_length=MAX_TEXTS)


def classify_event(event: dict[str, Any]) -> dict[str, Any]:
    request = ClassifyRequest.model_validate(event)
    return {"labels": [asdict(label) for label in predict(request.texts)]}


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    return classify_event(event)
