"""The classifier image installs exactly the pinned runtime of pyproject.toml, and its handler exists."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_image_requirements_match_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {re.split(r"==", line)[0]: line for line in project["dependencies"]}
    expected = sorted([*project["optional-dependencies"]["classify"], pins["pydantic-settings"]])
    lines = (ROOT / "model" / "requirements-classifier.txt").read_text().splitlines()

    assert sorted(line for line in lines if line and not line.startswith("#")) == expected


def test_dockerfile_copies_what_the_handler_imports() -> None:
    dockerfile = (ROOT / "model" / "Dockerfile").read_text()

    assert 'CMD ["sapa.classify.handler.handler"]' in dockerfile
    assert "CLASSIFIER_PATH=/opt/sapa/classifier" in dockerfile
    for module in ("functions/sapa/settings.py", "functions/sapa/classify/", "model/artifacts/current/"):
        assert module in dockerfile
