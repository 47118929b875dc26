"""Fixtures for the conversation flows: a store of its own with its team, as in tests/api (the settings,
service-role client and fake OpenAI fixtures are shared from tests/conftest.py)."""

from __future__ import annotations

from tests.api.conftest import db as db
from tests.api.conftest import shop as shop
