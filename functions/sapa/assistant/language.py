"""Which language a customer writes in: Indonesian or English, from the words they use.

Customers write short, informal messages ("min paket #1042 udah dikirim?"), where dictionary-based
detectors stumble; counting the function words and chat particles of each language works well for
these two. Product names are Indonesian in both, so nouns of the catalogue are not counted."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sapa.assistant.types import Language


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# fmt: off
INDONESIAN_WORDS = _word_set("""
kak kakak ka min mimin gan sis bang mas mbak bu pak bapak ibu saya aku sy gue gw kami kita anda kamu
apa apakah ya yah yaa iya sudah udah sdh belum blm bisa bs tidak tdk tak nggak ngga gak ga enggak engga
mau ingin pengen tolong mohon terima kasih makasih trims tq berapa brp dong kok sih deh nih tuh lho kah
untuk utk buat dengan dgn sama yang yg ini itu ada kapan dikirim kirim ongkir bayar dan atau di ke dari
jam hari sampai sampe mana gimana bagaimana masih lagi juga tanya halo hai selamat pagi siang sore malam
harga stok bahan warna ukuran tukar batal dibatalkan pembayaran pengiriman paket resi toko tokonya buka
tutup cuma aja saja banget sekali tapi karena kalau kalo lama baru gratis diskon pakai pake beli belanja
dana masuk alamat ganti salah kurang datang minta boleh silakan besok kemarin sekarang pesanan pesan
barang sudahkah belumkah kenapa mengapa bagus oke sip siap mantap adem luntur jadi soalnya padahal
""")
ENGLISH_WORDS = _word_set("""
i i'm im i'd i've i'll my me mine you your you're the a an is are was were be been being has have had
do does did don't doesn't didn't can can't could couldn't would will won't should what what's where
when how why which who please thanks thank hello hey of to for with and or not it it's this that there
here yet still any some much many shipping delivery deliver delivered arrived arrive payment pay cash
card available size colour color fabric made shop open opening hours tomorrow yesterday today need want
like get got just also too if but because about from at on in yes great perfect person speak talk
someone team address change wrong damaged broken since after before days haven't hasn't isn't we us our
they them their hi there's still sure ok okay cheers much many tracking number shipped received
""")
# fmt: on
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def language_scores(text: str) -> tuple[int, int]:
    """(Indonesian, English) marker words in the text."""
    words = _WORD.findall(text.lower())
    return sum(w in INDONESIAN_WORDS for w in words), sum(w in ENGLISH_WORDS for w in words)


def detect_language(text: str, default: Language = "id") -> Language:
    """'id' or 'en'; `default` when the text gives no clue (a bare order number, an emoji)."""
    indonesian, english = language_scores(text)
    if indonesian == english:
        return default
    return "id" if indonesian > english else "en"


def conversation_language(
    text: str, earlier_customer_texts: Iterable[str], default: Language = "id"
) -> Language:
    """The language of the new message; when it gives no clue, that of the customer's earlier ones."""
    indonesian, english = language_scores(text)
    if indonesian != english:
        return "id" if indonesian > english else "en"
    return detect_language(" ".join(earlier_customer_texts), default)
