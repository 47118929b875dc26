"""The team API's fixtures: the inbox API's app and store (tests/api) and the local outbox."""

from __future__ import annotations

from tests.api.conftest import api, db, jobs, shop
from tests.channels.test_twilio_sender import twilio

__all__ = ["api", "db", "jobs", "shop", "twilio"]
