"""The inbox API's fixtures (the functions app against the stack's database, a fresh store with its team)."""

from tests.api.conftest import api, db, jobs, shop, twilio

__all__ = ["api", "db", "jobs", "shop", "twilio"]
