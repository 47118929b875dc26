"""Amounts as customers read them: Rupiah without decimals and with dots (Rp 150.000)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def format_money(amount: Decimal | int | float, currency: str) -> str:
    value = Decimal(str(amount))
    if currency == "IDR":
        rupiah = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return f"Rp {rupiah:,}".replace(",", ".")
    return f"{currency} {value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
