"""Is every number in a paragraph one of the figures it was written from?

The LLM may round a figure ("12.5%" → "13%", "IDR 352,417" → "IDR 352 thousand" or "Rp 352k") but not
state anything else: no estimate, no sum it worked out, no invented date. Numbers are read from digits
(spelled-out words are not: "doubled" or "one thing to do" state no figure); a separator may be a
thousands separator or a decimal point in either convention (1,234.5 or 1.234,5), and a word such as
"thousand", "k", "million" or "juta" after a number multiplies it. A reading is allowed when ANY
interpretation of it is within rounding of a number in the input."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

_NUMBER = re.compile(
    r"(?P<digits>\d+(?:[.,]\d+)*)"
    r"(?:\s?(?P<scale>thousand|million|billion|ribu|rb|juta|jt|miliar|bn|mn|k|m|b)(?![a-z]))?",
    re.IGNORECASE,
)
_SCALES = {
    "k": 10**3,
    "thousand": 10**3,
    "ribu": 10**3,
    "rb": 10**3,
    "m": 10**6,
    "mn": 10**6,
    "million": 10**6,
    "juta": 10**6,
    "jt": 10**6,
    "b": 10**9,
    "bn": 10**9,
    "billion": 10**9,
    "miliar": 10**9,
}


@dataclass(frozen=True)
class Reading:
    """One way to read a number in the text: its value and how finely it is stated (half a unit of
    its last digit, times its scale word)."""

    value: Decimal
    tolerance: Decimal


@dataclass(frozen=True)
class StatedNumber:
    text: str
    readings: tuple[Reading, ...]


def numbers_in(text: str) -> list[StatedNumber]:
    return [StatedNumber(match.group(0).strip(), _readings(match)) for match in _NUMBER.finditer(text)]


def _readings(match: re.Match[str]) -> tuple[Reading, ...]:
    digits = match.group("digits")
    scale_word = (match.group("scale") or "").lower()
    scales = [1] + ([_SCALES[scale_word]] if scale_word else [])  # "12m" may be minutes, not millions
    plain: list[tuple[Decimal, int]] = [(Decimal(re.sub(r"[.,]", "", digits)), 0)]
    last = max(digits.rfind("."), digits.rfind(","))
    if last >= 0:  # the last separator as a decimal point, the others as thousands separators
        whole, fraction = re.sub(r"[.,]", "", digits[:last]), digits[last + 1 :]
        plain.append((Decimal(f"{whole}.{fraction}"), len(fraction)))
    return tuple(
        Reading(value * scale, Decimal(5) * Decimal(10) ** (-places - 1) * scale)
        for value, places in plain
        for scale in scales
    )


def _values(text: str) -> set[Decimal]:
    return {reading.value for number in numbers_in(text) for reading in number.readings}


def ungrounded_numbers(paragraph: str, source: str) -> list[str]:
    """The numbers of `paragraph` that are not (a rounding of) a number in `source`."""
    given = _values(source)
    return [
        number.text
        for number in numbers_in(paragraph)
        if not any(
            abs(reading.value - value) <= reading.tolerance for reading in number.readings for value in given
        )
    ]
