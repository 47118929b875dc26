"""How customers write on WhatsApp, made plain for the offline responder's patterns: chat spellings and
abbreviations of Indonesian become the written word (brp → berapa, tuker → tukar, dr → dari,
returnya → retur), so that one pattern reads both. Only words whose meaning is the same wherever they
appear; not synonyms."""

from __future__ import annotations

import re

# fmt: off
_STANDARD = {
    "brp": "berapa", "brapa": "berapa", "tuker": "tukar", "nuker": "tukar", "dituker": "ditukar",
    "returnya": "retur", "returan": "retur", "refundnya": "refund", "balikin": "kembalikan",
    "dibalikin": "dikembalikan", "udh": "sudah", "udah": "sudah", "sdh": "sudah", "dah": "sudah",
    "blm": "belum", "blom": "belum", "gk": "tidak", "ga": "tidak", "gak": "tidak", "nggak": "tidak",
    "ngga": "tidak", "enggak": "tidak", "engga": "tidak", "tdk": "tidak", "dr": "dari", "dri": "dari",
    "thn": "tahun", "tahunan": "tahun", "hr": "hari", "hri": "hari", "jm": "jam", "tgl": "tanggal",
    "pesenan": "pesanan", "psnan": "pesanan", "pesananku": "pesanan saya", "orderanku": "orderan saya",
    "paketku": "paket saya", "sampe": "sampai", "nyampe": "sampai", "nyampai": "sampai",
    "ongkirnya": "ongkir", "ongkosnya": "ongkos", "kirimnya": "kirim", "dikirimnya": "dikirim",
    "ukurannya": "ukuran", "hrg": "harga", "hrgnya": "harga", "stoknya": "stok", "bayarnya": "bayar",
    "tf": "transfer", "trf": "transfer", "knp": "kenapa", "kpn": "kapan", "gmn": "bagaimana",
    "gimana": "bagaimana", "gmana": "bagaimana", "dmn": "di mana", "dmana": "di mana", "sy": "saya",
    "aq": "aku", "sm": "sama", "yg": "yang", "dgn": "dengan", "utk": "untuk", "jg": "juga", "lg": "lagi",
    "bs": "bisa", "bsa": "bisa", "org": "orang", "kak": "kak", "kk": "kak", "mksd": "maksud",
    "pake": "pakai", "dipake": "dipakai", "mesen": "pesan", "dipesen": "dipesan", "liat": "lihat",
    "krn": "karena", "tp": "tapi", "kalo": "kalau", "klo": "kalau", "bgt": "banget",
}
# fmt: on
_WORD = re.compile(r"[A-Za-z]+")


def standard_spelling(text: str) -> str:
    """The message with chat spellings replaced by the written word; case, digits and punctuation kept."""
    return _WORD.sub(lambda m: _STANDARD.get(m.group(0).lower(), m.group(0)), text)
