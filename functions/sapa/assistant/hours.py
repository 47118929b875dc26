"""Business hours in the shop's time zone: is the team in now, and when does it open next. Wall-clock times
are read in the zone at each date, so a zone with daylight saving (Europe/Amsterdam) opens at 09:00 local
on both sides of the change."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sapa.assistant.settings import DAYS, AssistantSettings, clock_minutes, clock_time
from sapa.assistant.types import Language

_WEEKDAYS: dict[Language, tuple[str, ...]] = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS: dict[Language, tuple[str, ...]] = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def is_open(settings: AssistantSettings, at: datetime) -> bool:
    local = at.astimezone(ZoneInfo(settings.timezone))
    minute = local.hour * 60 + local.minute
    periods = settings.business_hours.get(DAYS[local.weekday()], [])
    return any(clock_minutes(p.open) <= minute < clock_minutes(p.close) for p in periods)


def next_opening(settings: AssistantSettings, at: datetime) -> datetime | None:
    """The next moment after `at` the team comes in (local time, with its zone); None if the shop has no
    hours at all."""
    zone = ZoneInfo(settings.timezone)
    today = at.astimezone(zone).date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        for period in sorted(settings.business_hours.get(DAYS[day.weekday()], []), key=lambda p: p.open):
            opens = datetime.combine(day, clock_time(period.open), tzinfo=zone)
            if opens > at:
                return opens
    return None


def opening_phrase(opens: datetime, language: Language) -> str:
    """ "Senin, 7 Des 09:00 WIB" / "Monday, 7 Dec 09:00 CET": the day, the local time and the zone's name."""
    weekday = _WEEKDAYS[language][opens.weekday()]
    month = _MONTHS[language][opens.month - 1]
    return f"{weekday}, {opens.day} {month} {opens:%H:%M} {opens.tzname()}"


def schedule_lines(settings: AssistantSettings) -> list[str]:
    """The weekly hours as the system prompt states them (the same every minute)."""
    lines = []
    for index, day in enumerate(DAYS):
        periods = settings.business_hours.get(day, [])
        hours = ", ".join(f"{p.open}-{p.close}" for p in periods) if periods else "closed"
        lines.append(f"  {_WEEKDAYS['en'][index]}: {hours}")
    return lines
