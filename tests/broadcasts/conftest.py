"""Fixtures for segments and broadcasts: the inbox API's (the app under TestClient on the stack's
database, a store of its own with its team) and a fake Twilio that takes and lists messages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.conftest import api, db, jobs, shop  # noqa: F401 (fixtures)
from tests.broadcasts.fake_twilio import FakeTwilioMessages
from tests.channels.test_twilio_sender import twilio  # noqa: F401 (fixture the api fixture needs)


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilioMessages]:
    with FakeTwilioMessages().running() as fake:
        yield fake
