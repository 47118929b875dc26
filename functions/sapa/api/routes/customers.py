"""Importing contacts into a store's customers (owners and admins).

POST /api/stores/{store_id}/customers/import[?dry_run=true], body: the CSV file (Content-Type text/csv,
UTF-8, at most 5 MB) → 200 the report: rows accepted, created, updated, merged duplicates, consents
changed, and every refused row with its line number and reason. Nothing is stored on a dry run; otherwise
the accepted rows are stored in one transaction (all or none). 400: not a CSV file with a phone column;
413: too large. The list and its CSV export are read through PostgREST (view customer_overview)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel

from sapa.api.deps import StoreAdmin, SupabaseDep, read_body
from sapa.api.routes._errors import AUTH_RESPONSES, refusals_as_http_errors
from sapa.customers import storage
from sapa.customers.csv_import import UnreadableFile, read_contacts

router = APIRouter(prefix="/api/stores/{store_id}/customers", tags=["customers"], responses=AUTH_RESPONSES)

MAX_FILE_BYTES = 5 * 1024 * 1024


class RefusedRow(BaseModel):
    line: int
    phone: str
    reason: str


class ImportReport(BaseModel):
    dry_run: bool
    accepted: int
    """Customers the file names once its duplicates are merged."""
    merged: int
    created: int | None = None
    updated: int | None = None
    opted_in: int | None = None
    opted_out: int | None = None
    refused: list[RefusedRow]


@router.post(
    "/import",
    response_model=ImportReport,
    responses={400: {"description": "Not a CSV file with a phone column"}, 413: {"description": "Over 5 MB"}},
)
async def import_customers(
    request: Request, member: StoreAdmin, supabase: SupabaseDep, dry_run: bool = False
) -> ImportReport:
    raw = await read_body(request, MAX_FILE_BYTES, "a CSV file may be at most 5 MB")
    try:
        checked = read_contacts(raw.decode("utf-8"), storage.store_country(supabase, member.store_id))
    except UnicodeDecodeError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the file is not UTF-8 text") from error
    except UnreadableFile as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from error
    report = ImportReport(
        dry_run=dry_run,
        accepted=len(checked.contacts),
        merged=checked.merged,
        refused=[RefusedRow(line=r.line, phone=r.phone, reason=r.reason) for r in checked.refused],
    )
    if dry_run or not checked.contacts:
        return report
    with refusals_as_http_errors():
        stored = storage.import_contacts(supabase, member.store_id, checked.contacts, member.user_id)
    return report.model_copy(update=stored)
