"""The database side of the CSV import, through the service-role client (SQL: import_customers)."""

from __future__ import annotations

import uuid
from typing import Any

from supabase import Client

from sapa.customers.csv_import import Contact


def store_country(supabase: Client, store_id: uuid.UUID) -> str:
    """The country a store's local phone numbers belong to (ISO 3166 alpha-2)."""
    rows: list[dict[str, Any]] = (
        supabase.table("stores").select("default_country").eq("id", str(store_id)).execute().data  # type: ignore[assignment]
    )
    return str(rows[0]["default_country"])


def import_contacts(
    supabase: Client, store_id: uuid.UUID, contacts: list[Contact], actor_id: uuid.UUID
) -> dict[str, int]:
    """Store the contacts in one transaction: {"created", "updated", "opted_in", "opted_out"}."""
    params = {
        "p_store_id": str(store_id),
        "p_rows": [contact.as_row() for contact in contacts],
        "p_actor_id": str(actor_id),
    }
    result: dict[str, int] = supabase.rpc("import_customers", params).execute().data  # type: ignore[assignment]
    return result
