"""The assistant settings a shop chooses (name, persona, greeting, languages, hours, hand-off rules, answer
length, on/off): one validated object, kept as versions in SQL (migration 250, assistant_settings_versions)
and read by both responders.

A store that never saved any gets `defaults(store)`: the assistant is on, always open, named "Sapa", with
the store's own languages, length limit, time zone and persona text."""

from __future__ import annotations

import re
from datetime import time
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sapa.assistant.types import Language

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {day: day for day in DAYS} | {
    "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri",
    "saturday": "sat", "sunday": "sun", "senin": "mon", "selasa": "tue", "rabu": "wed", "kamis": "thu",
    "jumat": "fri", "sabtu": "sat", "minggu": "sun",
}  # fmt: skip
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
DEFAULT_NAME = "Sapa"
ALL_LANGUAGES: tuple[Language, ...] = ("id", "en")
READ_ONLY = ("version", "updated_at", "updated_by", "store_id")
"""Keys GET adds beside the settings; PUT accepts them back and ignores them."""

Tone = Literal["friendly", "professional", "cheerful", "calm"]
Formality = Literal["casual", "polite", "formal"]
Address = Literal["kak", "first_name", "kak_first_name", "formal", "none"]
"""How the assistant addresses customers: "kak" (Indonesian shops' usual), their first name, "kak" and the
first name ("kak Rina"), "Bapak/Ibu" (formal), or no form of address."""
OutsideHours = Literal["answer", "away"]
"""Outside business hours: answer and say the team follows up in hours (hand-offs get the away message
with the next opening time), or answer nothing and send every message to the team with that message."""


class OpeningPeriod(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    open: str = Field(description="HH:MM, the shop's local time")
    close: str = Field(description="HH:MM after open; 24:00 for midnight")

    @field_validator("open", "close")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f"{value!r} is not a time of day as HH:MM (00:00 to 24:00)")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> OpeningPeriod:
        if clock_minutes(self.close) <= clock_minutes(self.open):
            raise ValueError(f"closes ({self.close}) before it opens ({self.open})")
        return self


BusinessHours = dict[str, list[OpeningPeriod]]


def clock_minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def clock_time(value: str) -> time:
    return time(23, 59) if value == "24:00" else time.fromisoformat(value)


def always_open() -> BusinessHours:
    return {day: [OpeningPeriod(open="00:00", close="24:00")] for day in DAYS}


class AssistantSettings(BaseModel):
    """The whole settings object, as GET returns it and PUT takes it (keys left out keep their value)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(DEFAULT_NAME, min_length=1, max_length=40, description="The assistant's name")
    greeting: str | None = Field(
        None,
        max_length=500,
        description="The greeting of a new conversation; {name} and {shop} are filled in. null: the "
        "built-in greeting in the customer's language, which introduces the assistant by its name.",
    )
    enabled: bool = Field(True, description="false: the assistant is off, every message goes to the team")
    tone: Tone = "friendly"
    formality: Formality = "polite"
    emoji: bool = True
    address: Address = "kak"
    languages: list[Language] = Field(default_factory=lambda: list(ALL_LANGUAGES), min_length=1, max_length=2)
    timezone: str = Field("Asia/Jakarta", description="IANA time zone of the business hours (the store's)")
    business_hours: BusinessHours = Field(default_factory=always_open)
    outside_hours: OutsideHours = "answer"
    away_message: str | None = Field(
        None,
        max_length=500,
        description="Sent outside hours with a hand-off; {name}, {shop} and {opens} (the next opening "
        "time) are filled in. null: the built-in message.",
    )
    handoff_topics: list[str] = Field(default_factory=list, max_length=20)
    handoff_min_confidence: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Hand off when the classifier is less sure than this of the message's category; 0: never",
    )
    max_answer_chars: int = Field(1600, ge=160, le=4800)
    persona_notes: str | None = Field(None, max_length=2000, description="More about how to speak, free text")

    @model_validator(mode="before")
    @classmethod
    def _zone_with_the_hours(cls, data: Any) -> Any:
        return zone_out_of_hours(data)

    @field_validator("handoff_topics", mode="before")
    @classmethod
    def _topics_as_text(cls, value: Any) -> Any:
        return value.split(",") if isinstance(value, str) else value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value or any(c in value for c in "{}\n"):
            raise ValueError("a name of 1 to 40 characters, without braces or line breaks")
        return value

    @field_validator("greeting", "away_message", "persona_notes")
    @classmethod
    def _blank_is_default(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("greeting")
    @classmethod
    def _greeting_placeholders(cls, value: str | None) -> str | None:
        return _only_placeholders(value, {"name", "shop"})

    @field_validator("away_message")
    @classmethod
    def _away_placeholders(cls, value: str | None) -> str | None:
        return _only_placeholders(value, {"name", "shop", "opens"})

    @field_validator("languages")
    @classmethod
    def _distinct(cls, value: list[Language]) -> list[Language]:
        if len(set(value)) != len(value):
            raise ValueError("each language once")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Asia/Jakarta, Europe/Amsterdam)")
        try:
            ZoneInfo(value)
        except ZoneInfoNotFoundError as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @field_validator("business_hours", mode="before")
    @classmethod
    def _hours(cls, value: Any) -> Any:
        return normalise_hours(value)

    @field_validator("handoff_topics")
    @classmethod
    def _topics(cls, value: list[str]) -> list[str]:
        topics: list[str] = []
        for topic in (t.strip() for t in value):
            if not 2 <= len(topic) <= 60:
                raise ValueError(f"each hand-off topic is 2 to 60 characters ({topic!r} is not)")
            if topic.lower() not in (t.lower() for t in topics):
                topics.append(topic)
        return topics

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def zone_out_of_hours(data: Any) -> Any:
    """Business hours given with their time zone inside ({"timezone": …, "mon": …}): the zone becomes the
    settings' `timezone` (the store's); a `timezone` given beside them wins."""
    if isinstance(data, dict) and isinstance(data.get("business_hours"), dict):
        hours = dict(data["business_hours"])
        zone = hours.pop("timezone", None) or hours.pop("time_zone", None)
        data = {**data, "business_hours": hours}
        if zone is not None and "timezone" not in data:
            data["timezone"] = zone
    return data


def normalise_hours(value: Any) -> Any:
    """Every day present, under its short name; a day may be given as null/[] (closed), one period
    {"open", "close"}, a list of them, or "09:00-17:00". Anything else is left for validation to refuse."""
    if value is None:
        return always_open()
    if isinstance(value, list):  # [{"day": "mon", "open": "09:00", "close": "17:00"}, …]
        value = _days_of_list(value)
    if not isinstance(value, dict):
        raise ValueError(
            'business_hours is an object of days: {"mon": [{"open": "09:00", "close": "17:00"}], …}'
        )
    hours: dict[str, Any] = {day: [] for day in DAYS}
    for key, periods in value.items():
        day = _DAY_NAMES.get(str(key).strip().lower())
        if day is None:
            raise ValueError(f"{key!r} is not a day of the week (mon … sun)")
        hours[day] = [_period(p) for p in _as_list(periods)]
    return hours


def _days_of_list(periods: list[Any]) -> dict[str, list[Any]]:
    days: dict[str, list[Any]] = {}
    for period in periods:
        if not isinstance(period, dict) or "day" not in period:
            raise ValueError('each period in a list of business hours names its "day"')
        rest = {k: v for k, v in period.items() if k != "day"}
        days.setdefault(str(period["day"]), []).append(rest)
    return days


def _as_list(periods: Any) -> list[Any]:
    if periods is None or periods is False:
        return []
    return periods if isinstance(periods, list) else [periods]


def _period(period: Any) -> Any:
    if isinstance(period, str) and "-" in period:
        opens, _, closes = period.partition("-")
        return {"open": opens.strip(), "close": closes.strip()}
    return period


def _only_placeholders(value: str | None, allowed: set[str]) -> str | None:
    if value is None:
        return None
    unknown = sorted({p for p in _PLACEHOLDER.findall(value) if p not in allowed})
    if unknown:
        names = ", ".join("{" + p + "}" for p in sorted(allowed))
        raise ValueError(f"unknown placeholder {{{unknown[0]}}}: only {names} are filled in")
    return value


def defaults(store: dict[str, Any]) -> AssistantSettings:
    """The settings of a store that never saved any, from its own columns."""
    return AssistantSettings.model_validate(_store_columns(store))


def current_settings(saved: dict[str, Any] | None, store: dict[str, Any]) -> AssistantSettings:
    """The saved version (or the defaults), with the keys the store's own columns hold taken from them:
    saving settings writes those columns, and they may also change on their own (the store settings page,
    SQL), so the columns are what is current."""
    if saved is None:
        return defaults(store)
    return AssistantSettings.model_validate(saved).model_copy(update=_store_columns(store))


def _store_columns(store: dict[str, Any]) -> dict[str, Any]:
    columns = {
        "languages": store.get("bot_languages"),
        "max_answer_chars": store.get("bot_max_reply_chars"),
        "timezone": store.get("timezone"),
    }
    return {key: value for key, value in columns.items() if value is not None} | {
        "persona_notes": store.get("bot_persona")
    }


def updated(current: AssistantSettings, changes: dict[str, Any]) -> AssistantSettings:
    """The current settings with the keys of `changes` replaced, validated as a whole (ValidationError).
    Read-only keys GET adds are ignored; unknown keys are refused."""
    changes = zone_out_of_hours({k: v for k, v in changes.items() if k not in READ_ONLY})
    merged = current.as_json() | changes
    return AssistantSettings.model_validate(merged)
