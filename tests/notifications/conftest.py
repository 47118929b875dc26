"""Fixtures for the notification settings: the inbox API's (the app under TestClient on the stack's
database, a store of its own with its team)."""

from tests.api.conftest import api, db, jobs, shop  # noqa: F401 (fixtures)
from tests.channels.test_twilio_sender import twilio  # noqa: F401 (fixture the api fixture needs)
