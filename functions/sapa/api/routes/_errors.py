"""Refusals of the inbox's SQL functions as HTTP errors. The functions raise with a SQLSTATE and a
message written for people (see migration 20261123000009_inbox.sql); anything else is a server error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException, status
from postgrest.exceptions import APIError

AUTH_RESPONSES: dict[int | str, dict[str, str]] = {
    401: {"description": "No valid Supabase access token (Authorization: Bearer <token>)"},
    403: {"description": "Not a member of the store, or the role does not allow it"},
}
"""What every /api/stores/{store_id}/... route may answer before it does anything."""

HTTP_STATUS_OF_SQLSTATE = {
    "P0002": status.HTTP_404_NOT_FOUND,  # no_data_found: not in this store
    "42501": status.HTTP_403_FORBIDDEN,  # insufficient_privilege: not a member, or role too low
    "55000": status.HTTP_409_CONFLICT,  # object_not_in_prerequisite_state: e.g. resolved
    "22023": status.HTTP_422_UNPROCESSABLE_CONTENT,  # invalid_parameter_value: e.g. assignee of no store
    "22P02": status.HTTP_422_UNPROCESSABLE_CONTENT,  # invalid_text_representation
    "23514": status.HTTP_422_UNPROCESSABLE_CONTENT,  # check_violation
    "23505": status.HTTP_409_CONFLICT,  # unique_violation: e.g. a member already
}


@contextmanager
def refusals_as_http_errors() -> Iterator[None]:
    try:
        yield
    except APIError as error:
        code = HTTP_STATUS_OF_SQLSTATE.get(error.code or "")
        if code is None:
            raise
        raise HTTPException(code, error.message or "refused") from error
