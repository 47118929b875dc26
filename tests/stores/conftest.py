"""The store API's fixtures: those of tests/commerce (stack, app, fake WooCommerce) and a fake Twilio."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.commerce.conftest import client, db, jobs, settings, supabase, woo
from tests.stores.fake_twilio import FakeTwilioAccounts

__all__ = ["client", "db", "jobs", "settings", "supabase", "twilio_accounts", "woo"]


@pytest.fixture
def twilio_accounts() -> Iterator[FakeTwilioAccounts]:
    with FakeTwilioAccounts().running() as fake:
        yield fake
