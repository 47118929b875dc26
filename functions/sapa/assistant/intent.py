"""What a customer's message asks for, read from its words: the offline responder's understanding.

Checked in order of what matters most: a wish for a person or an upset customer first (never answer
those with a template), then a named order, then policies, order status and products."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sapa.assistant.chat import standard_spelling
from sapa.assistant.language import ENGLISH_WORDS, INDONESIAN_WORDS
from sapa.assistant.money import without_amounts
from sapa.assistant.types import PolicyTopic

IntentKind = Literal["handoff", "order_status", "policy", "product", "greeting", "thanks", "unknown"]


@dataclass(frozen=True)
class Intent:
    kind: IntentKind
    order_number: str | None = None
    topic: PolicyTopic | None = None
    """For policy: which one; for handoff: a policy worth quoting while the customer waits."""
    product_query: str = ""
    """The message's content words, for a catalogue search."""
    reason: str | None = None
    """For handoff: why, in words for the team."""
    upset: bool = False
    """For handoff: the customer is upset or reports a problem (the reply apologises)."""


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# fmt: off
_ASKS_FOR_PERSON = _any(
    r"\b(bicara|ngobrol|chat|hubungi|sambungkan|disambungkan|sambung|minta|mau|ingin|pengen|bisa|tolong)\b"
    r"[^.?!\n]{0,25}"
    r"\b(admin|cs|customer service|orang(nya)?|manusia|staf+|agen|petugas|operator|owner|pemilik)\b",
    r"\b(talk|speak|chat|connect|transfer|put)\b[^.?!\n]{0,25}\b(person|human|someone|agent|staff|team|"
    r"representative|manager|owner|admin)\b",
    r"\b(real|actual|live) (person|human|agent)\b", r"^\W*(admin|cs|human|agent|operator|orang)\W*$",
)
_UPSET = _any(
    r"\b(kecewa|parah|penipu(an)?|tipu|nipu|bohong|marah|kesal|kesel|jengkel|payah|becus|komplain|lapor)\b",
    r"\b(disappointed|terrible|awful|scam|fraud|angry|furious|worst|ridiculous|unacceptable|useless|"
    r"complain(t)?)\b",
    r"\b(lama|lambat|lelet) (banget|sekali|bgt)\b", r"[!?]{3,}",
)
_DAMAGED = _any(
    r"\b(rusak|cacat|sobek|robek|noda(nya)?|bernoda|jahitan(nya)? lepas|salah kirim|tidak sesuai|"
    r"nggak sesuai|gak sesuai|beda jauh|kurang satu|isinya kurang)\b",
    r"\b(damaged|broken|torn|stain(ed)?|defect(ive)?|wrong (item|size|colou?r)|missing|"
    r"not as described|different from the (photo|picture)s?)\b",
)
_WHOLESALE = _any(r"\b(grosir|reseller|dropship(per)?|seragam|wholesale|bulk|in bulk)\b",
                  r"\b([2-9][0-9]|[1-9][0-9]{2,}) ?(pcs|potong|buah|pieces)\b")
_CHANGE_ORDER = _any(
    r"\b(ganti|ubah|batal(kan)?|dibatalkan|cancel)\b[^.?!\n]{0,30}\b(alamat|pesanan|order|warna|ukuran|"
    r"motif|size)\b",
    r"\b(cancel|batalkan|batal)\b", r"\bchange (the|my) (address|order|size|colou?r)\b",
    r"\b(swap|modify)\b[^.?!\n]{0,20}\border\b",
)
_HASH_NUMBER = re.compile(r"#\s*(\d{1,10})\b")
_KEYWORD_NUMBER = re.compile(
    r"\b(?:pesanan|order|orderan|invoice|inv|nomor|no|number|nr)\b[^\d\n]{0,20}?\b(\d{3,10})\b", re.IGNORECASE
)
_BARE_NUMBER = re.compile(r"^\W*(?:kak|min|ya)?\W*#?(\d{3,10})\W*(?:kak|min|ya)?\W*$", re.IGNORECASE)
_PAID = _any(r"\b(sudah|udah|sdh|telah) (transfer|tf|bayar|dibayar|lunas)\b",
             r"\bbukti (transfer|tf|bayar)\b",
             r"\b(already|just) (paid|transferred)\b", r"\bi(?:'ve| have) (paid|transferred)\b",
             r"\bpayment\b[^.?!\n]{0,20}\b(done|made|sent)\b")
_POLICIES: tuple[tuple[PolicyTopic, re.Pattern[str]], ...] = (
    ("returns", _any(r"\b(refund|retur|return(s|ed)?|tukar|ditukar|penukaran|pengembalian|dikembalikan|"
                     r"kembalikan|exchange|garansi|warranty|money back|send (it|them) back)\b")),
    ("payment", _any(r"\b(bayar|pembayaran|transfer|rekening|cod|qris|gopay|ovo|shopeepay|kartu kredit|"
                     r"cicilan|virtual account|va|payments?|pay|(credit|debit) cards?|cash on delivery|"
                     r"installments?|paypal)\b")),
    ("shipping", _any(r"\b(ongkir|ongkos kirim|biaya (kirim|pengiriman)|gratis ongkir|free ongkir|kurir|"
                      r"ekspedisi|estimasi|shipping|courier|free delivery|delivery (cost|fee|time))\b",
                      r"\b(kirim|dikirim|pengiriman|deliver(y|ed)?|ship(ping|ped)?)\b[^.?!\n]{0,10}\b(ke|to)\b",
                      r"\bberapa (hari|lama)\b", r"\bhow many (working |business )?days\b",
                      r"\b(delivery|shipping) (times?|takes?|costs?|fees?|rates?)\b",
                      r"\bhow (long|much)\b[^.?!\n]{0,30}\b(deliver|delivery|ship|shipping)")),
    ("hours", _any(r"\b(jam (buka|operasional|kerja|berapa)|buka (jam|sampai|hari)|tutup|libur|showroom|"
                   r"offline store|toko (offline|fisik)|alamat toko|lokasi toko|ambil (langsung|di toko)|"
                   r"opening hours|open(ing)? (hours|times)|are you open|physical (shop|store)|visit|"
                   r"pick ?up|store location)\b")),
)
_ORDER_WORDS = _any(
    r"\b(pesanan|paket|resi|kiriman|orderan|dikirim|diproses|sampai mana|sudah sampai|belum sampai|"
    r"konfirmasi|status)\b",
    r"\b(order|tracking|track|shipped|arrived?|delivered|parcel|package|where is my|has my)\b",
)
_PRODUCT_WORDS = _any(
    r"\b(ready|stok|stock|tersedia|available|harga(nya)?|price|bahan(nya)?|fabric|material|warna|colou?rs?|"
    r"ukuran|size|motif|katalog|catalogue|catalog|koleksi|jual|sell|do you have|have you got|cotton|katun)\b",
)
_GREETING = _any(r"^\W*((halo|hallo|hai|hi|hello|hey|helo|permisi|assalamu'?alaikum|"
                 r"selamat (pagi|siang|sore|malam)|pagi|siang|sore|malam|good (morning|afternoon|evening))"
                 r"\W*(kak|min|admin|gan|sis)?\W*)+$")
_THANKS = _any(r"\b(terima ?kasih|makasih|makasi|trims|thanks|thank you|thx|tq|ty)\b",
               r"^\W*(ok(e|ay)?|sip|siap|mantap|baik|great|perfect|alright|noted)\b[^?]{0,40}$")
_QUESTION_WORDS = frozenset(re.findall(r"\S+", """
ready stok stock tersedia available harga harganya price bahan bahannya fabric material warna colour
color colours colors ukuran size motif katalog catalogue catalog koleksi jual sell tanya info
"""))
# fmt: on


def detect_intent(message: str) -> Intent:
    text = standard_spelling(message)
    query = content_words(text)
    handoff = _handoff(text)
    if handoff is not None:
        return handoff
    number = order_number_in(text)
    if number is not None:
        return Intent("order_status", order_number=number)
    if _PAID.search(text):
        return Intent("order_status")
    for topic, pattern in _POLICIES:
        if pattern.search(text):
            return Intent("policy", topic=topic)
    if _ORDER_WORDS.search(text):
        return Intent("order_status")
    if _PRODUCT_WORDS.search(text) and query:
        return Intent("product", product_query=query)
    if _GREETING.search(text):
        return Intent("greeting")
    if _THANKS.search(text) and "?" not in text:
        return Intent("thanks")
    return Intent("unknown", product_query=query)


def _handoff(text: str) -> Intent | None:
    if _ASKS_FOR_PERSON.search(text):
        return Intent("handoff", reason="the customer asked for a person")
    if _DAMAGED.search(text):
        reason = "the customer reports a damaged or wrong item"
        return Intent(
            "handoff", topic="returns", reason=reason, upset=True, order_number=order_number_in(text)
        )
    if _UPSET.search(text) or _shouting(text):
        return Intent("handoff", reason="the customer is upset", upset=True)
    if _WHOLESALE.search(text):
        return Intent("handoff", topic="general", reason="wholesale enquiry")
    if _CHANGE_ORDER.search(text):
        return Intent("handoff", topic="orders", reason="the customer wants to change or cancel an order",
                      order_number=order_number_in(text))  # fmt: skip
    return None


def _shouting(text: str) -> bool:
    words = re.findall(r"[A-Za-z]{3,}", text)
    return len(words) >= 3 and all(w.isupper() for w in words)


def order_number_in(text: str) -> str | None:
    """An order number the message names: '#1042', 'pesanan 1042', 'order no. 1042', or just '1042';
    never a digit of a money amount ('Rp 200.000', '150rb')."""
    numbers = without_amounts(text)
    for pattern in (_HASH_NUMBER, _KEYWORD_NUMBER, _BARE_NUMBER):
        match = pattern.search(numbers)
        if match:
            return match.group(1)
    return None


def content_words(text: str) -> str:
    """The words that can name a product: the message without chat particles and question words, and
    without words of one or two letters ('dr', 'PR'), which would prefix-match half the catalogue."""
    words = re.findall(r"[^\W\d_]{3,}", standard_spelling(text).lower())
    common = INDONESIAN_WORDS | ENGLISH_WORDS | _QUESTION_WORDS
    keep = [w for w in words if w not in common]
    return " ".join(dict.fromkeys(keep))
