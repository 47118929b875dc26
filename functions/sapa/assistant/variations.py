"""Variations (sizes, colours, …) in the offline responder's answers: which of a product's variations a
question names ("Ada ukuran XL?", "in blue", "nomor 42"), and how each one's stock reads, in Indonesian
and English."""

from __future__ import annotations

import re

from sapa.assistant.money import format_money
from sapa.assistant.types import Language, Product, Variation

_WORD = re.compile(r"\w+")
_COLOURS = (
    ("merah", "red"), ("biru", "blue"), ("hijau", "green"), ("kuning", "yellow"), ("hitam", "black"),
    ("putih", "white"), ("coklat", "brown"), ("cokelat", "brown"), ("ungu", "purple"), ("abu", "grey"),
    ("abu", "gray"), ("oranye", "orange"), ("jingga", "orange"), ("krem", "cream"), ("emas", "gold"),
    ("perak", "silver"), ("navy", "navy"),
)  # fmt: skip
"""A customer may name a colour in the other language than the shop's option ("blue" for "Biru")."""
_SAME: dict[str, set[str]] = {}
for _id, _en in _COLOURS:
    _SAME.setdefault(_id, set()).add(_en)
    _SAME.setdefault(_en, set()).add(_id)

# fmt: off
_TEXTS: dict[Language, dict[str, str]] = {
    "id": {"ready": "Ada kak: {item} ({details}).", "sold_out": "Maaf kak, {item} sedang habis 🙏",
           "others": "Yang masih ready: {options}.", "none_left": "Pilihan lainnya juga sedang habis.",
           "in_stock": "ready", "left": "stok {n}", "out": "habis", "backorder": "pre-order"},
    "en": {"ready": "Yes: {item} ({details}).", "sold_out": "Sorry, {item} is out of stock.",
           "others": "Still available: {options}.", "none_left": "The other options are out of stock too.",
           "in_stock": "in stock", "left": "{n} left", "out": "out of stock", "backorder": "on backorder"},
}
# fmt: on


def named(product: Product, question: str) -> list[Variation]:
    """The product's variations whose attribute values the question names, those naming the most of
    them first ("XL biru" picks XL/Biru over XL/Merah); none when it names none."""
    words = _words(question)

    def hits(variation: Variation) -> int:
        return sum(_mentions(words, attribute.option) for attribute in variation.attributes)

    best = max((hits(v) for v in product.variations), default=0)
    return [v for v in product.variations if best > 0 and hits(v) == best]


def answer(product: Product, chosen: list[Variation], currency: str, language: Language) -> str:
    """Each named variation's price and stock; when every one of them is sold out, the variations of the
    product that are still available."""
    texts = _TEXTS[language]
    ready = [v for v in chosen if _available(v)]
    lines = [
        texts["ready"].format(item=_item(product, v), details=_details(v, currency, language)) for v in ready
    ]
    if not ready:
        lines += [texts["sold_out"].format(item=_item(product, v)) for v in chosen]
        others = [v for v in product.variations if _available(v)]
        options = ", ".join(f"{_short(v)} ({stock(v, language)})" for v in others)
        lines.append(texts["others"].format(options=options) if others else texts["none_left"])
    if product.permalink:
        lines.append(product.permalink)
    return "\n".join(lines)


def options_line(product: Product, language: Language) -> str | None:
    """The product's variations and their stock on one line ("Size: S (stok 4) · XL (habis)"); None for a
    product without variations."""
    if not product.variations:
        return None
    names = " / ".join(a.name for a in product.variations[0].attributes)
    options = " · ".join(f"{_short(v)} ({stock(v, language)})" for v in product.variations)
    return f"{names}: {options}" if names else options


def stock(variation: Variation, language: Language) -> str:
    texts = _TEXTS[language]
    if variation.stock_status == "outofstock":
        return texts["out"]
    if variation.stock_status == "onbackorder":
        return texts["backorder"]
    if variation.stock_quantity is not None and variation.stock_quantity > 0:
        return texts["left"].format(n=variation.stock_quantity)
    return texts["in_stock"]


def _available(variation: Variation) -> bool:
    return variation.stock_status != "outofstock"


def _details(variation: Variation, currency: str, language: Language) -> str:
    price = format_money(variation.price, currency) if variation.price is not None else None
    return ", ".join(part for part in (price, stock(variation, language)) if part)


def _item(product: Product, variation: Variation) -> str:
    return f"{product.name} — {variation.label}" if variation.label else product.name


def _short(variation: Variation) -> str:
    return " / ".join(a.option for a in variation.attributes) or variation.label or variation.sku or "?"


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _mentions(words: list[str], option: str) -> bool:
    wanted = _words(option)
    spellings = [wanted, *([other] for other in _SAME.get(" ".join(wanted), ()))]
    return any(_contains(words, spelling) for spelling in spellings if spelling)


def _contains(words: list[str], run: list[str]) -> bool:
    return any(words[i : i + len(run)] == run for i in range(len(words) - len(run) + 1))
