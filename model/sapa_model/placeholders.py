"""Fill Bitext's `{{placeholders}}` with values a WooCommerce shop in Indonesia would see.

Filling is seeded per utterance (a hash of the seed and the text), so a run is reproducible and does
not depend on the order rows are processed in.
"""

from __future__ import annotations

import hashlib
import random
import re

PLACEHOLDER = re.compile(r"\{\{([^}]+)\}\}")

PERSON_NAMES = tuple(
    [
        "Budi Santoso",
        "Siti Rahayu",
        "Dewi Lestari",
        "Agus Setiawan",
        "Rina Wijaya",
        "Andi Pratama",
        "Putri Maharani",
        "Joko Susilo",
        "Nur Aini",
        "Fajar Nugroho",
        "Maria Tan",
        "Kevin Halim",
        "John Smith",
        "Emily Clark",
        "David Lee",
        "Sarah Johnson",
        "Ahmad Fauzi",
        "Indah Permata",
    ]
)
ACCOUNT_KINDS = tuple(
    [
        "free",
        "premium",
        "gold",
        "platinum",
        "business",
        "standard",
        "pro",
        "personal",
        "reseller",
        "member",
        "VIP",
        "basic",
    ]
)
CITIES = tuple(
    [
        "Jakarta",
        "Surabaya",
        "Bandung",
        "Medan",
        "Semarang",
        "Makassar",
        "Yogyakarta",
        "Denpasar",
        "Palembang",
        "Balikpapan",
        "Malang",
        "Bogor",
        "Singapore",
        "Kuala Lumpur",
    ]
)
COUNTRIES = ("Indonesia", "Malaysia", "Singapore", "Australia", "the Philippines", "Thailand", "Brunei")
# (currency symbol as written before an amount, amount generator)
CURRENCIES: tuple[tuple[str, str], ...] = (("Rp", "idr"), ("Rp ", "idr"), ("IDR ", "idr"), ("$", "usd"))


def _amount(rng: random.Random, style: str) -> str:
    if style == "idr":
        thousands = rng.choice((25, 49, 75, 99, 120, 150, 189, 250, 349, 500, 1250))
        return f"{thousands}.000" if thousands < 1000 else f"{thousands // 1000}.{thousands % 1000:03d}.000"
    return rng.choice(("12", "25", "39.99", "49", "75.50", "120", "18.90"))


def _order_number(rng: random.Random) -> str:
    number = rng.randint(1040, 98999)
    return rng.choice((f"#{number}", str(number), f"#{number}", f"no {number}"))


def fill(text: str, seed: int) -> str:
    """Replace every placeholder of `text`; unknown placeholder names become a plausible noun."""
    digest = hashlib.sha256(f"{seed}:{text}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 (not a secret)
    symbol, style = rng.choice(CURRENCIES)
    if "{{Currency Symbol}}" not in text:
        style = "usd"  # Bitext writes "{{Refund Amount}} dollars" when no symbol precedes the amount
    values = {
        "Order Number": lambda: _order_number(rng),
        "Invoice Number": lambda: f"INV-{rng.randint(2024, 2026)}-{rng.randint(100, 9999):04d}",
        "Person Name": lambda: rng.choice(PERSON_NAMES),
        "Account Type": lambda: rng.choice(ACCOUNT_KINDS),
        "Account Category": lambda: rng.choice(ACCOUNT_KINDS),
        "Refund Amount": lambda: _amount(rng, style),
        "Currency Symbol": lambda: symbol,
        "Delivery City": lambda: rng.choice(CITIES),
        "Delivery Country": lambda: rng.choice(COUNTRIES),
    }

    def replace(match: re.Match[str]) -> str:
        make = values.get(match.group(1).strip())
        return make() if make else "item"

    return PLACEHOLDER.sub(replace, text)
