"""Tables as files: each table once as JSON and once as CSV, the shape both the customer export and the
store backup use."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from sapa.db import Row


def as_json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode()


def as_csv(table_rows: Sequence[Row]) -> bytes:
    """One row per line; nested values (jsonb) as their JSON text, null as an empty cell."""
    columns: list[str] = []
    for row in table_rows:
        columns.extend(key for key in row if key not in columns)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in table_rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue().encode()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
