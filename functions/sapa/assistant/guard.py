"""The output guard: every LLM answer is checked here before it is stored or sent.

Two kinds of refusal. Text that is not an answer (tool-call syntax, tool names, template placeholders,
role markers, code, key-like strings, nothing at all, a language the store does not answer in, more
than the store's length limit). And order facts the answer states (order numbers, statuses, totals,
dates, tracking numbers, items) that no tool returned in this conversation, or facts about an order that
is not the sender's: DESIGN §7 enforced on the way out, not only in the tools.

The guard is pure: it reads the answer and the grounding (what the tools returned, what the store and
the customer wrote) and returns the refusals; llm.py decides what happens next."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sapa.assistant.language import language_scores
from sapa.assistant.money import without_amounts
from sapa.assistant.types import Language

RefusalCode = Literal[
    "empty", "tool_syntax", "tool_name", "placeholder", "role_marker", "code", "secret", "language",
    "too_long", "prompt_leak", "order_number", "foreign_order", "order_status", "order_total",
    "order_date", "tracking_number", "order_items", "amount",
]  # fmt: skip
Decision = Literal["passed", "retried", "replaced"]

TOOL_NAMES = ("my_orders", "order_status", "search_products", "store_policies", "knowledge", "hand_off")


@dataclass(frozen=True)
class Refusal:
    code: RefusalCode
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "detail": self.detail}


@dataclass(frozen=True)
class GuardRecord:
    """What the guard decided about one reply, for the message's metadata (`metadata.guard`)."""

    decision: Decision
    refusals: list[Refusal] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "reasons": sorted({r.code for r in self.refusals}),
            "refusals": [r.as_json() for r in self.refusals],
        }


@dataclass(frozen=True)
class GroundOrder:
    """An order as a tool returned it to the model (tools.order_json)."""

    number: str
    status: str
    total: str
    tracking_number: str | None
    dates: tuple[datetime, ...]
    items: tuple[str, ...]

    @property
    def states(self) -> set[str]:
        """What may truthfully be said of it: its status and what that status implies."""
        states = {self.status}
        if self.status in ("processing", "completed"):
            states.add("paid")
        if self.tracking_number or self.status == "completed":
            states.add("shipped")
        if self.status == "pending" or self.status == "on-hold":
            states |= {"pending", "on-hold"}
        return states


@dataclass
class Grounding:
    """What an answer may rest on: the tools' results in this conversation and the texts the store and
    the customer wrote (policies, facts, the customer's own messages)."""

    languages: tuple[Language, ...] = ("id", "en")
    max_chars: int = 1600
    timezone: str = "Asia/Jakarta"
    orders: dict[str, GroundOrder] = field(default_factory=dict)
    not_found: set[str] = field(default_factory=set)
    """Order numbers a tool was asked about and answered not_found (another customer's, or none)."""
    customer_numbers: set[str] = field(default_factory=set)
    """Order numbers the customer wrote (the answer may repeat them, but state no facts about them)."""
    texts: list[str] = field(default_factory=list)
    """Tool results, policies, store facts and the customer's messages: amounts and percentages in the
    answer must appear in one of them."""
    private_texts: list[str] = field(default_factory=list)
    """Instructions the customer must never see (the rules of the system prompt)."""

    def add_tool_result(self, content: str) -> None:
        self.texts.append(content)
        try:
            value = json.loads(content)
        except ValueError:
            return
        if not isinstance(value, dict):
            return
        found = [value["order"]] if isinstance(value.get("order"), dict) else value.get("orders") or []
        for order in found:
            if isinstance(order, dict) and order.get("number"):
                ground = _ground_order(order)
                self.orders[ground.number] = ground
        if value.get("result") == "not_found" and value.get("order_number"):
            self.not_found.add(_digits(str(value["order_number"])))

    def add_customer_text(self, text: str) -> None:
        self.texts.append(text)
        self.customer_numbers |= {n for n in _order_numbers(text)}


def _ground_order(order: dict[str, Any]) -> GroundOrder:
    dates = tuple(
        datetime.fromisoformat(str(order[key]))
        for key in ("ordered_at", "paid_at", "completed_at")
        if order.get(key)
    )
    items = tuple(str(item.get("name", "")) for item in order.get("items") or [] if isinstance(item, dict))
    return GroundOrder(
        number=_digits(str(order["number"])),
        status=str(order.get("status") or ""),
        total=str(order.get("total") or ""),
        tracking_number=order.get("tracking_number") or None,
        dates=dates,
        items=items,
    )


def check(answer: str, grounding: Grounding) -> list[Refusal]:
    """Every reason to refuse the answer; [] when it may go to the customer."""
    text = answer.strip()
    if not text:
        return [Refusal("empty", "the answer has no text")]
    refusals = [*_not_an_answer(text, grounding), *_unsupported_amounts(text, grounding)]
    refusals += _order_facts(text, grounding)
    return refusals


# Text that is not an answer -------------------------------------------------------------------------
_TOOL_SYNTAX = re.compile(
    r"</?tool_call>|</?tools>|</?function(?:_call|s)?\b[^>]*>|\[TOOL_CALLS\]|<\|python_tag\|>|"
    r"\"(?:name|arguments|parameters|function|tool_calls?)\"\s*:|\{\s*'(?:name|arguments)'\s*:|"
    r"\bfunctions?\.\w+\s*\(|\b\w+\s*\(\s*\w+\s*=",
    re.IGNORECASE,
)
_TOOL_WORDS = re.compile(
    r"\b(?:" + "|".join(name for name in TOOL_NAMES if "_" in name) + r")\b|`knowledge`|\bknowledge\s*\(|"
    r"\b(?:the|a|my|this) knowledge (?:tool|function)\b|\b(?:tool|function) call(?:s|ing)?\b|"
    r"\b(?:use|call|invoke|using|calling)\b[^.\n]{0,30}\b(?:function|tool)s?\b",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"\{\{[^{}\n]{0,40}\}\}|\{[a-z_][a-z0-9_]{0,30}\}|\$\{[^}\n]{0,40}\}|<(?!https?:)[a-z_][a-z0-9_ ]{1,30}>|"
    r"\[(?:(?:nama|name|customer|pelanggan|order|nomor|number|your|insert|produk|product|tanggal|date|"
    r"link|toko|store)[^\]\n]{0,30})\]|\b(?:X{3,}|lorem ipsum)\b",
    re.IGNORECASE,
)
_ROLE_MARKER = re.compile(
    r"<\|[a-z_]{2,20}\|>|\[/?INST\]|<</?SYS>>|</?s>|^\s*#{2,}\s*(?:instruction|response|system)\b|"
    r"^\s*(?:system|assistant|user|human|ai|bot|customer|tool)\s*:",
    re.IGNORECASE | re.MULTILINE,
)
_CODE = re.compile(
    r"```|^\s*(?:def \w+\(|class \w+[(:]|import \w+\s*$|from [\w.]+ import |function \w*\(|"
    r"(?:const|let|var) \w+ =|print\(|return \w)|\bconsole\.log\(|\w+\[::-1\]|\bSELECT \* FROM\b",
    re.MULTILINE,
)
_SECRET = re.compile(
    r"\b(?:sk-[A-Za-z0-9_-]{6,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+|AKIA[0-9A-Z]{12,}|"
    r"(?:ck|cs)_[a-f0-9]{20,}|[A-Fa-f0-9]{32,}|[A-Za-z0-9+/]{40,}={0,2})",
)
_LETTER = re.compile(r"[^\W\d_]")
_OTHER_LANGUAGES = frozenset(
    re.findall(
        r"\S+",
        """
el la los las del por para con una que est les des une pour avec votre vous nous sont der die das und ist
nicht ein eine mit ich sie não uma com você het een van voor niet il che non sono della gli está merci
gracias pedido commande bestellung
""",
    )
)
"""Common words of the other languages small models slip into (Spanish, French, German, Portuguese,
Dutch, Italian): a text with more of them than Indonesian or English words is in neither."""
_LATIN = re.compile(r"[A-Za-zÀ-ɏ]")


def _not_an_answer(text: str, grounding: Grounding) -> list[Refusal]:
    refusals: list[Refusal] = []
    checks: list[tuple[RefusalCode, re.Pattern[str]]] = [
        ("tool_syntax", _TOOL_SYNTAX), ("tool_name", _TOOL_WORDS), ("placeholder", _PLACEHOLDER),
        ("role_marker", _ROLE_MARKER), ("code", _CODE), ("secret", _SECRET),
    ]  # fmt: skip
    for code, pattern in checks:
        match = pattern.search(text)
        if match:
            refusals.append(Refusal(code, f"the answer contains {match.group(0).strip()[:40]!r}"))
    language = answer_language(text)
    if language not in grounding.languages:
        written = language or "another language"
        refusals.append(Refusal("language", f"the answer is in {written}; the store answers in "
                                            f"{', '.join(grounding.languages)}"))  # fmt: skip
    if len(text) > grounding.max_chars:
        refusals.append(
            Refusal("too_long", f"{len(text)} characters; the store's limit is {grounding.max_chars}")
        )
    leak = _leaked_rule(text, grounding.private_texts)
    if leak:
        refusals.append(Refusal("prompt_leak", f"the answer repeats the assistant's instructions: {leak!r}"))
    return refusals


def answer_language(text: str) -> Language | None:
    """'id' or 'en' when the answer is written in one of them; None for another language or script."""
    letters = _LETTER.findall(text)
    if letters and sum(bool(_LATIN.match(c)) for c in letters) < 0.8 * len(letters):
        return None  # mostly another script (Chinese, Arabic, Cyrillic, ...)
    indonesian, english = language_scores(text)
    words = re.findall(r"[^\W\d_]{2,}", text.lower())
    foreign = sum(word in _OTHER_LANGUAGES for word in words)
    if foreign > indonesian + english or (indonesian + english == 0 and len(words) >= 6):
        return None
    if indonesian + english == 0:
        return _short_default(text)
    return "id" if indonesian >= english else "en"


def _short_default(text: str) -> Language:
    return "en" if re.search(r"\b(ok|okay|sure|thanks)\b", text, re.IGNORECASE) else "id"


def _leaked_rule(text: str, private: list[str], size: int = 10) -> str | None:
    """A run of `size` words of the private instructions that the answer repeats (long enough that an
    answer saying what the rules tell it to say, "I cannot find that order for this WhatsApp number",
    is not one)."""
    answer = " ".join(re.findall(r"\w+", text.lower()))
    for instructions in private:
        words = re.findall(r"\w+", instructions.lower())
        for start in range(0, max(0, len(words) - size + 1)):
            run = " ".join(words[start : start + size])
            if f" {run} " in f" {answer} ":
                return run
    return None


# Amounts and percentages ---------------------------------------------------------------------------
_AMOUNT = re.compile(
    r"(?:\b(?:rp|idr)\.?\s*(?P<a>\d[\d.,]*)(?:\s*(?P<au>rb|ribu|k|jt|juta)\b)?)|"
    r"(?:\b(?P<b>\d[\d.,]*)\s*(?P<bu>rb|ribu|k|jt|juta|rupiah)\b)|"
    r"(?:\b(?:usd|eur|sgd|myr)\s*(?P<c>\d[\d.,]*))|(?:\$\s*(?P<d>\d[\d.,]*))",
    re.IGNORECASE,
)
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:%|persen\b|percent\b)", re.IGNORECASE)
_MULTIPLIER = {"rb": 1000, "ribu": 1000, "k": 1000, "jt": 1_000_000, "juta": 1_000_000}


def amounts_in(text: str) -> set[Decimal]:
    """Money amounts written in the text, as numbers (Rp 150.000, 150rb and IDR 150000 are one amount)."""
    found: set[Decimal] = set()
    for match in _AMOUNT.finditer(text):
        raw = match.group("a") or match.group("b") or match.group("c") or match.group("d") or ""
        unit = (match.group("au") or match.group("bu") or "").lower()
        value = _number(
            raw.rstrip(".,"), decimals=unit in _MULTIPLIER or bool(match.group("c") or match.group("d"))
        )
        if value is not None:
            found.add(value * _MULTIPLIER.get(unit, 1))
    return found


def _number(raw: str, *, decimals: bool) -> Decimal | None:
    """'150.000' → 150000; '1,5' (with a unit) → 1.5; '12.50' (USD) → 12.50."""
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw) and not (
        decimals and re.fullmatch(r"\d+[.,]\d{1,2}", raw)
    ):
        raw = re.sub(r"[.,]", "", raw)
    elif re.fullmatch(r"\d+[.,]\d{1,2}", raw):
        raw = raw.replace(",", ".")
    else:
        raw = re.sub(r"[.,]", "", raw)
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def _unsupported_amounts(text: str, grounding: Grounding) -> list[Refusal]:
    known = set().union(*(amounts_in(source) for source in grounding.texts)) if grounding.texts else set()
    refusals = [
        Refusal("amount", f"the amount {amount} is in no tool result, policy or customer message")
        for amount in sorted(amounts_in(text) - known)
    ]
    known_percent = {_percent(m) for source in grounding.texts for m in _PERCENT.findall(source)}
    refusals += [
        Refusal("amount", f"the percentage {value}% is in no tool result, policy or customer message")
        for value in sorted({_percent(m) for m in _PERCENT.findall(text)} - known_percent)
    ]
    return refusals


def _percent(raw: str) -> Decimal:
    return Decimal(raw.replace(",", "."))


# Order facts ----------------------------------------------------------------------------------------
_NUMERIC_DATE = re.compile(r"\b\d{1,4}[/-]\d{1,2}[/-]\d{1,4}\b")
_NUMBER_AFTER_WORD = re.compile(
    r"(?:#\s*|\b(?:pesanan|order|orderan|invoice|inv|nomor pesanan|no\.? pesanan|order number|order no\.?)"
    r"\s*(?:#|no\.?|nomor|number|nr\.?)?\s*)(\d{3,10})\b",
    re.IGNORECASE,
)
_POSSESSIVE_ORDER = re.compile(
    r"\b(?:pesanan|orderan|order|paket|kiriman)(?:nya|mu)?\s*(?:kakak|kak|anda|kamu|saya|ibu|bapak|bu|pak)\b|"
    r"\bpesanan(?:nya|mu)\b|\byour (?:order|package|parcel|purchase)s?\b|\bstatus(?:nya)?\b|"
    r"\b(?:resi|tracking)",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# What a sentence may say of an order's state: phrase → the states it claims (GroundOrder.states).
_STATE_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (state, re.compile(pattern, re.IGNORECASE))
    for state, pattern in (
        ("cancelled", r"\b(?:dibatalkan|batal|cancel(?:l)?ed)\b"),
        ("refunded", r"\b(?:di-?refund|refunded|dana(?:nya)? (?:sudah )?dikembalikan)\b"),
        ("failed", r"\b(?:gagal|failed)\b"),
        ("pending", r"\b(?:menunggu pembayaran|awaiting payment|pending|unpaid)\b"),
        (
            "on-hold",
            r"\b(?:menunggu konfirmasi(?: pembayaran)?|on[- ]hold|awaiting (?:payment )?confirmation)\b",
        ),
        (
            "processing",
            r"\b(?:diproses|sedang disiapkan|disiapkan|dikemas|being (?:processed|prepared)|"
            r"processing)\b",
        ),
        (
            "shipped",
            r"\b(?:dikirim|terkirim|dalam pengiriman|dalam perjalanan|shipped|on (?:its|the) way|"
            r"in transit|sent out|dispatched)\b",
        ),
        ("completed", r"\b(?:selesai|sudah sampai|sudah diterima|completed|delivered|arrived)\b"),
        ("paid", r"\b(?:dibayar|lunas|paid)\b"),
    )
)
_NEGATION = re.compile(
    r"\b(?:belum|tidak|tak|bukan|not(?: yet)?|hasn't|has not|haven't|isn't|wasn't|never)"
    r"(?:\s+\w+)?\s*$",
    re.IGNORECASE,
)
_NOT_A_FACT = re.compile(
    r"\b(?:akan|bakal|will|would|estimasi|perkiraan|diperkirakan|expected|biasanya|usually|setelah|after|"
    r"kalau|jika|apabila|if|once|when|sebelum|before|bisa|can|could|mau|ingin|want)\b(?:\s+\w+){0,2}\s*$",
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"^\W*(?:\w+\s+){0,2}\d+\s*-?\s*\d*\s*(?:hari|days?|jam|hours?|minggu|weeks?)\b", re.IGNORECASE
)
_MONTH_NAMES = (
    "jan feb mar apr mei jun jul agu sep okt nov des",
    "jan feb mar apr may jun jul aug sep oct nov dec",
)
_MONTHS = {name: i + 1 for names in _MONTH_NAMES for i, name in enumerate(re.findall(r"\S+", names))} | {
    "agt": 8, "agustus": 8, "maret": 3, "juni": 6, "juli": 7, "oktober": 10, "desember": 12, "pebruari": 2,
}  # fmt: skip
_DATE_WORDS = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3,9})\.?(?:\s+(\d{4}))?\b")
_DATE_NUMERIC = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b|\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})\b")
_TRACKING = re.compile(r"\b(?=[A-Z0-9]*\d{8})[A-Z]{0,4}\d[A-Z0-9]{7,29}\b")
_TRACKING_CONTEXT = re.compile(r"\b(?:resi|tracking|awb|lacak|track)", re.IGNORECASE)
_ITEMS = re.compile(
    r"(?:\bisi pesanan(?:nya)?|\bberisi|\bitems?\s*:|\byou ordered|\bkakak (?:pesan|beli)|\byang dipesan|"
    r"\b(?:order|pesanan)(?:nya)?\s+(?:contains|includes))\s*:?\s*(?P<rest>.+)",
    re.IGNORECASE,
)
_ITEM_GENERIC = frozenset(
    re.findall(
        r"\S+",
        """
dan and atau or yang the a an of untuk for dengan with ukuran size warna colour color pcs buah potong
sudah masih juga ada ini itu kak kakak ya your order pesanan total isi items item barang produk
""",
    )
)


def _order_numbers(text: str) -> list[str]:
    return [m.group(1) for m in _NUMBER_AFTER_WORD.finditer(_NUMERIC_DATE.sub(" ", without_amounts(text)))]


def _digits(number: str) -> str:
    return number.strip().lstrip("#").strip()


def _order_facts(text: str, grounding: Grounding) -> list[Refusal]:
    refusals: list[Refusal] = []
    named_anywhere = [n for n in _order_numbers(text) if n in grounding.orders]
    for sentence in (s.strip() for s in _SENTENCE.split(text)):
        if not sentence:
            continue
        numbers = list(dict.fromkeys(_order_numbers(sentence)))
        facts = _sentence_facts(sentence)
        for number in numbers:
            if number in grounding.orders:
                continue
            if number in grounding.not_found and facts:
                refusals.append(Refusal("foreign_order", f"facts about order #{number}, not this customer's"))
            elif number not in grounding.not_found and number not in grounding.customer_numbers:
                refusals.append(Refusal("order_number", f"order #{number} was returned by no tool"))
            elif facts:
                refusals.append(
                    Refusal("foreign_order", f"facts about order #{number}, which no tool returned")
                )
        about_order = bool(numbers or facts.items) or bool(_POSSESSIVE_ORDER.search(sentence))
        if not about_order or not facts:
            continue
        own = [grounding.orders[n] for n in numbers if n in grounding.orders]
        candidates = own or [grounding.orders[n] for n in named_anywhere] or list(grounding.orders.values())
        if numbers and not own:
            continue  # already refused above
        if not candidates:
            refusals.append(
                Refusal(_first_fact_code(facts), f"order facts no tool returned: {sentence[:80]!r}")
            )
            continue
        refusals += _facts_against(sentence, facts, candidates, grounding.timezone)
    return refusals


@dataclass(frozen=True)
class _Facts:
    states: list[tuple[str, bool]]
    """(state, negated)"""
    amounts: set[Decimal]
    dates: list[tuple[int, int, int | None]]
    tracking: list[str]
    items: list[str]

    def __bool__(self) -> bool:
        return bool(self.states or self.amounts or self.dates or self.tracking or self.items)


def _sentence_facts(sentence: str) -> _Facts:
    states: list[tuple[str, bool]] = []
    for state, pattern in _STATE_PHRASES:
        for match in pattern.finditer(sentence):
            before = sentence[: match.start()]
            if _NOT_A_FACT.search(before) or _DURATION.search(sentence[match.end() :]):
                continue
            states.append((state, bool(_NEGATION.search(before))))
    tracking = [t for t in _TRACKING.findall(sentence) if not re.match(r"^(?:62|08)", t)]
    if not _TRACKING_CONTEXT.search(sentence):
        tracking = [t for t in tracking if len(t) >= 12]
    items_match = _ITEMS.search(sentence)
    items = _item_phrases(items_match.group("rest")) if items_match else []
    return _Facts(states, amounts_in(sentence), _dates_in(sentence), tracking, items)


def _item_phrases(rest: str) -> list[str]:
    phrases = re.split(r",|;|\s+(?:dan|and|&)\s+", re.split(r"[.!?(]", rest)[0])
    return [p.strip() for p in phrases if _item_words(p)]


def _item_words(phrase: str) -> set[str]:
    return {w for w in re.findall(r"[^\W\d_]{3,}", phrase.lower()) if w not in _ITEM_GENERIC}


def _dates_in(sentence: str) -> list[tuple[int, int, int | None]]:
    dates: list[tuple[int, int, int | None]] = []
    for day, month_word, year in _DATE_WORDS.findall(sentence):
        month = _MONTHS.get(month_word.lower()) or _MONTHS.get(month_word.lower()[:3])
        if month and 1 <= int(day) <= 31:
            dates.append((int(day), month, int(year) if year else None))
    for y1, m1, d1, d2, m2, y2 in _DATE_NUMERIC.findall(sentence):
        day, month, year = (int(d1), int(m1), int(y1)) if y1 else (int(d2), int(m2), int(y2))
        if 1 <= day <= 31 and 1 <= month <= 12:
            dates.append((day, month, year + (2000 if year < 100 else 0)))
    return dates


def _first_fact_code(facts: _Facts) -> RefusalCode:
    if facts.states:
        return "order_status"
    if facts.amounts:
        return "order_total"
    if facts.dates:
        return "order_date"
    if facts.tracking:
        return "tracking_number"
    return "order_items"


def _facts_against(sentence: str, facts: _Facts, orders: list[GroundOrder], timezone: str) -> list[Refusal]:
    refusals: list[Refusal] = []
    for state, negated in facts.states:
        if not any((state in o.states) != negated for o in orders):
            said = f"not {state}" if negated else state
            refusals.append(
                Refusal("order_status", f"the answer says the order is {said}; the tools did not")
            )
    totals = {a for o in orders for a in amounts_in(o.total)}
    for amount in facts.amounts - totals:
        refusals.append(Refusal("order_total", f"the amount {amount} is not the order's total"))
    local_dates = {_local_day(d, timezone) for o in orders for d in o.dates}
    for day, month, year in facts.dates:
        if not any(d == day and m == month and year in (None, y) for d, m, y in local_dates):
            refusals.append(Refusal("order_date", f"the date {day}/{month} is no date of the order"))
    tracking = {o.tracking_number for o in orders if o.tracking_number}
    for token in facts.tracking:
        if token not in tracking:
            refusals.append(Refusal("tracking_number", f"the tracking number {token} is not the order's"))
    names = [_item_words(name) for o in orders for name in o.items]
    for phrase in facts.items:
        words = _item_words(phrase)
        if names and not any(len(words & name) * 2 >= len(words) for name in names):
            refusals.append(Refusal("order_items", f"the item {phrase[:40]!r} is not in the order"))
    return refusals


def _local_day(moment: datetime, timezone: str) -> tuple[int, int, int]:
    local = moment.astimezone(ZoneInfo(timezone))
    return local.day, local.month, local.year


# The correction the model gets after a refusal ----------------------------------------------------
_EXPLAIN: dict[RefusalCode, str] = {
    "empty": "it was empty",
    "tool_syntax": "it contained tool-call syntax instead of words for the customer",
    "tool_name": "it named your tools or functions",
    "placeholder": "it contained a template placeholder",
    "role_marker": "it contained chat role markers",
    "code": "it contained program code; you only help with this shop",
    "secret": "it contained something that looks like a key or password",
    "language": "it was not in the customer's language",
    "too_long": "it was too long for WhatsApp",
    "prompt_leak": "it repeated your instructions",
    "order_number": "it named an order number no tool returned",
    "foreign_order": "it stated facts about an order that is not this customer's",
    "order_status": "it stated an order status the tools did not return",
    "order_total": "it stated an order total the tools did not return",
    "order_date": "it stated an order date the tools did not return",
    "tracking_number": "it stated a tracking number the tools did not return",
    "order_items": "it named items that are not in the order",
    "amount": "it stated an amount that no tool, policy or customer message gave",
}


def correction(refusals: list[Refusal], language: Language, max_chars: int) -> str:
    reasons = "; ".join(dict.fromkeys(_EXPLAIN[r.code] for r in refusals))
    name = "Indonesian" if language == "id" else "English"
    return (
        f"(Sapa, not the customer:) your last answer was not sent because {reasons}. Write the answer to "
        f"the customer again: plain words in {name}, at most {max_chars} characters, no tool names, JSON or "
        "code. State order numbers, statuses, totals, dates, tracking numbers and items only as a tool "
        "returned them for this customer; if you do not know, say so or hand off."
    )
