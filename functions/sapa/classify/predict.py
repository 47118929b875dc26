"""Batch prediction with the exported model, loaded once per process and reused by every call."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from sapa.classify.client import DEFAULT_MODEL_DIR
from sapa.classify.labels import Label
from sapa.classify.model import ExportedClassifier


class ClassifierSettings(BaseSettings):
    """The classifier image's own settings: it needs no database or API secrets (same variable as
    Settings.classifier_path, which the worker reads)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    classifier_path: str | None = None


def classifier_dir() -> Path:
    """The configured folder (CLASSIFIER_PATH), else the repository's `make model` output."""
    configured = ClassifierSettings().classifier_path
    return Path(configured) if configured else DEFAULT_MODEL_DIR


@lru_cache(maxsize=4)
def load_classifier(directory: Path) -> ExportedClassifier:
    return ExportedClassifier(directory)


def predict(texts: Sequence[str], model_dir: str | Path | None = None) -> list[Label]:
    """One label per text, in order. Raises ClassifierNotFoundError when no model is exported."""
    if not texts:
        return []
    directory = Path(model_dir) if model_dir is not None else classifier_dir()
    return load_classifier(directory.resolve()).predict(list(texts))
