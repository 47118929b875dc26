"""A reporting period and the one it is compared with.

A period is [start, end): the SQL functions count what happened at or after `start` and before `end`.
The comparison period has the same length and the same clock times in the store's time zone, moved back
by the period's length rounded up to whole days: "today so far" (midnight → 15:00) compares with yesterday
midnight → 15:00, "the last 7 days" with the 7 days before, a custom run of whole days with the run of
days just before it. Moving by whole local days (not by the exact length) keeps the comparison on the
same hours of the day, which is what a shop's rhythm follows; the dashboard computes it the same way
(dashboard/src/kpi/period.ts)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

MAX_PERIOD = timedelta(days=400)
"""Longer than any store keeps data (retention defaults to 6 months); a bound on the work one call does."""


class Period(BaseModel):
    """[start, end) as ISO timestamps with a UTC offset; in JSON `from` and `to`."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    start: AwareDatetime = Field(alias="from")
    end: AwareDatetime = Field(alias="to")

    @model_validator(mode="after")
    def _ordered_and_bounded(self) -> Period:
        if self.start >= self.end:
            raise ValueError("`from` must be before `to`")
        if self.end - self.start > MAX_PERIOD:
            raise ValueError(f"a period can be at most {MAX_PERIOD.days} days long")
        return self

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def as_params(self) -> dict[str, str]:
        """The period as the KPI functions' arguments (UTC, so PostgREST reads the instant unambiguously)."""
        return {
            "p_from": self.start.astimezone(UTC).isoformat(),
            "p_to": self.end.astimezone(UTC).isoformat(),
        }


def previous_period(period: Period, timezone: str) -> Period:
    """The comparison period: same length, same local clock times, whole days earlier (see above)."""
    days = max(1, math.ceil(period.length / timedelta(days=1)))
    zone = ZoneInfo(timezone)
    # Arithmetic on aware datetimes of one zone is wall-clock arithmetic: 7 days back is the same local time.
    start = period.start.astimezone(zone) - timedelta(days=days)
    end = period.end.astimezone(zone) - timedelta(days=days)
    return Period(start=_utc(start), end=_utc(end))


def _utc(moment: datetime) -> datetime:
    # Through a timestamp so that a local time which a DST change skipped or repeated gets its real offset.
    return datetime.fromtimestamp(moment.timestamp(), UTC)
