from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sapa.conversations.window import OutsideServiceWindow, require_open_window

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_free_text_is_allowed_within_24_hours_of_the_customers_last_message() -> None:
    require_open_window(NOW - timedelta(hours=23, minutes=59), NOW, is_template=False)


@pytest.mark.parametrize("last_inbound", [NOW - timedelta(hours=24, seconds=1), None])
def test_free_text_outside_the_window_is_refused_with_a_clear_error(last_inbound: datetime | None) -> None:
    with pytest.raises(OutsideServiceWindow, match="approved template"):
        require_open_window(last_inbound, NOW, is_template=False)


def test_a_template_may_go_out_any_time() -> None:
    require_open_window(NOW - timedelta(days=30), NOW, is_template=True)
    require_open_window(None, NOW, is_template=True)
