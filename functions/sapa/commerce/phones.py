"""Phone numbers as shops' customers type them, made E.164 (how WhatsApp identifies a customer) with the
shop's country completing numbers typed without a country code (Google's libphonenumber rules)."""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str | None, country: str) -> str | None:
    """`raw` in E.164, or None when it is empty or not a possible phone number. A local number such as
    0812-3456-7890 takes `country`'s code; one starting with + or 00 keeps its own."""
    text = (raw or "").strip()
    if not text:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, country.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
