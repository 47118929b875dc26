"""Refusals of the segment and broadcast SQL functions as HTTP errors: the inbox's mapping, plus a
name already in use (23505) as 409."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException, status
from postgrest.exceptions import APIError

from sapa.api.routes._errors import refusals_as_http_errors


@contextmanager
def refusals() -> Iterator[None]:
    try:
        with refusals_as_http_errors():
            yield
    except APIError as error:
        if error.code == "23505":
            raise HTTPException(status.HTTP_409_CONFLICT, "this name is already in use") from error
        raise
