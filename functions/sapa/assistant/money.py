"""Amounts as customers read them: Rupiah without decimals and with dots (Rp 150.000), and how to tell an
amount in a message from other numbers (an order number)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

AMOUNT = re.compile(
    r"(?:\b(?:rp|idr|usd|eur|sgd|myr)\.?|\$)\s*\d[\d.,]*(?:\s*(?:rb|ribu|k|jt|juta)\b)?|"
    r"\b\d{1,3}(?:[.,]\d{3})+\b|\b\d+(?:[.,]\d+)?\s*(?:rb|ribu|k|jt|juta|rupiah)\b",
    re.IGNORECASE,
)
"""Money written the ways customers and shops write it: Rp 200.000, IDR 150000, 150rb, 1,5 juta, $12."""


def format_money(amount: Decimal | int | float, currency: str) -> str:
    value = Decimal(str(amount))
    if currency == "IDR":
        rupiah = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return f"Rp {rupiah:,}".replace(",", ".")
    return f"{currency} {value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def without_amounts(text: str) -> str:
    """The text with its money amounts blanked out, so that no digit of an amount is read as something
    else ("My order is only Rp 200.000" names no order #200)."""
    return AMOUNT.sub(" ", text)
