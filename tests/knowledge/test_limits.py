"""The dashboard checks a file's size before uploading it, with the API's limit."""

from __future__ import annotations

import re
from pathlib import Path

from sapa.knowledge.limits import MAX_UPLOAD_BYTES

DASHBOARD_API = Path(__file__).resolve().parents[2] / "dashboard" / "src" / "knowledge" / "api.ts"


def test_the_dashboard_uses_the_api_upload_limit() -> None:
    match = re.search(r"export const MAX_UPLOAD_BYTES = ([0-9 *]+)\n", DASHBOARD_API.read_text())
    assert match, "MAX_UPLOAD_BYTES not found in dashboard/src/knowledge/api.ts"
    factors = [int(factor) for factor in match.group(1).split("*")]
    product = 1
    for factor in factors:
        product *= factor
    assert product == MAX_UPLOAD_BYTES
