"""Chat Indonesian in its written form: one table of colloquial spellings and one message normaliser.

Customers write on WhatsApp as they speak: `udh blm nyampe kak`, `ke-charge 2x`, `makasiii 😍`. Two parts
of Sapa read such text and share this module, so a chat word means the same thing to both:
- the knowledge search (sapa.knowledge.words) maps each word through `COLLOQUIAL` before stemming;
- the issue classifier reads `normalise_message(text)`, in training (model/sapa_model) and in serving
  (sapa.classify.model) alike, so the model never sees a spelling at run time that training mapped away.

Why a table of our own rather than a PyPI slang dictionary: the largest one checked (nahiarhdnlp 1.6.2,
MIT, 15,672 entries) also "normalises" English words into Indonesian (to → tapi, do → di, item → hitam,
money → uang, wrong → salah, cs → rekan), which breaks the English and code-mixed messages that are a
third of what shops receive. The table below holds only spellings whose meaning is the same wherever
they appear (not synonyms, not English words).
"""

from __future__ import annotations

import re
import unicodedata

# Chat spelling → written word. Keys are lower case; values may be several words.
COLLOQUIAL: dict[str, str] = {
    # verbs and their chat forms
    "balik": "kembali", "balikin": "kembalikan", "dibalikin": "dikembalikan", "dapet": "dapat",
    "dpt": "dapat", "tuker": "tukar", "dituker": "ditukar", "nuker": "tukar", "pake": "pakai",
    "dipake": "dipakai", "sampe": "sampai", "nyampe": "sampai", "nyampai": "sampai", "duit": "uang",
    "ngasih": "beri", "dikasih": "diberi", "kasih": "beri", "bikin": "buat", "dibikin": "dibuat",
    "nanya": "tanya", "liat": "lihat", "ngeliat": "melihat", "cek": "periksa", "ngecek": "periksa",
    "dicek": "diperiksa", "mesen": "pesan", "pesen": "pesan", "dipesen": "dipesan", "pesenan": "pesanan",
    "kirimin": "kirimkan", "dikirimin": "dikirimkan", "ngirim": "kirim", "nerima": "terima",
    "dateng": "datang", "ilang": "hilang", "bales": "balas", "dibales": "dibalas", "kirain": "kira",
    "gratisan": "gratis", "ongkirnya": "ongkir",
    # abbreviations and particles
    "brp": "berapa", "udh": "sudah", "udah": "sudah", "sdh": "sudah", "blm": "belum", "blom": "belum",
    "belom": "belum", "tdk": "tidak", "gk": "tidak", "ga": "tidak", "gak": "tidak", "nggak": "tidak",
    "enggak": "tidak", "ngga": "tidak", "engga": "tidak", "kalo": "kalau", "gimana": "bagaimana",
    "gmn": "bagaimana", "krn": "karena", "sy": "saya", "trus": "terus", "tp": "tapi", "dgn": "dengan",
    "sm": "sama", "yg": "yang", "dr": "dari", "utk": "untuk", "jg": "juga", "bgt": "banget",
    "lg": "lagi", "msh": "masih", "skrg": "sekarang", "skrang": "sekarang", "bsk": "besok",
    "kmrn": "kemarin", "kmarin": "kemarin", "td": "tadi", "tdi": "tadi", "tgl": "tanggal",
    "knp": "kenapa", "tlg": "tolong", "tolongin": "tolong", "emg": "memang", "jd": "jadi",
    "jdi": "jadi", "hrs": "harus", "bs": "bisa", "org": "orang", "brg": "barang", "dlm": "dalam",
    "tf": "transfer", "trf": "transfer", "rek": "rekening", "makasi": "makasih", "mksh": "makasih",
    "thx": "thanks", "tq": "thanks", "pls": "please", "plis": "please", "plz": "please",
    "kpn": "kapan", "pkt": "paket", "byr": "bayar", "dibyr": "dibayar", "smpe": "sampai",
    "smpai": "sampai", "msk": "masuk", "gabisa": "tidak bisa", "gbs": "tidak bisa", "sblm": "sebelum",
    "bener": "benar", "bnr": "benar", "dtg": "datang", "krm": "kirim", "dikrm": "dikirim",
    "blum": "belum", "nunggu": "tunggu", "nungguin": "tunggu", "gw": "saya", "gue": "saya",
    "ngembaliin": "mengembalikan",
}  # fmt: skip

# Faces that carry the message's mood (the encoder's word pieces know the words, not the emoji).
_EMOJI = {
    "marah": "😡🤬😠😤👿💢",
    "sedih": "😭😢😞😔🥺😩😫",
    "senang": "😍🥰😊😁😄🙂👍💕❤♥💖👌🤩",
}
_EMOJI_WORD = {emoji: word for word, emojis in _EMOJI.items() for emoji in emojis}
_ELONGATED = re.compile(r"([a-z])\1{2,}")  # jugaaa, makasiii, kakkk: three or more of one letter
_REDUPLICATED = re.compile(r"\b([a-z]{2,})2\b")  # apa2, dateng2: the chat form of a doubled word
_HYPHENATED_PREFIX = re.compile(r"\b(ke|di|ter)-(?=[a-z])")  # ke-charge, di-checkout
_WORD = re.compile(r"[a-z]+")
_LETTERS = re.compile(r"[^\W\d_]")


def is_shouting(text: str) -> bool:
    """Mostly capital letters over at least ten letters: "PAKET HARUS SAMPE HARI INI"."""
    letters = _LETTERS.findall(text)
    return len(letters) >= 10 and sum(letter.isupper() for letter in letters) >= 0.8 * len(letters)


def normalise_message(text: str) -> str:
    """A customer message as the classifier reads it: lower case, chat spellings in their written form,
    stretched letters and `kata2` undone, mood emoji as words, shouting said in words. Punctuation,
    digits and the rest of the text are kept (`!!!`, `2x`, `#48213` carry meaning)."""
    shouting = is_shouting(text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(f" {_EMOJI_WORD[c]} " if c in _EMOJI_WORD else c for c in text)
    text = _ELONGATED.sub(r"\1", text)
    text = _REDUPLICATED.sub(r"\1 \1", text)
    text = _HYPHENATED_PREFIX.sub(r"\1 ", text)
    words: list[str] = []
    last = ""
    for piece in re.split(r"(\W+)", text):
        if _WORD.fullmatch(piece) and not (piece == "kasih" and last == "terima"):  # terima kasih = thanks
            words.append(COLLOQUIAL.get(piece, piece))
            last = piece
        else:
            words.append(piece)
            if piece.strip():
                last = ""
    normal = " ".join("".join(words).split())
    return f"shouting {normal}" if shouting else normal
