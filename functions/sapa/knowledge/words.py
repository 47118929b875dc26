"""The words of a question that are worth matching as keywords: without the common words of Indonesian
and English chat (question words, particles, pronouns), which would match nearly every passage."""

from __future__ import annotations

import re
from collections.abc import Iterable

_COMMON = """
ada adakah agak aja aku akan anda apa apakah atau bagaimana baik bang banget bapak begitu belum berapa
bgt bisa boleh bu buat cara caranya dan dapat dari deh di dgn dong engga enggak gak gimana ga gitu gmn
harus hari ibu ini itu iya jadi juga kak kakak kalau kalian kamu kan kapan karena ke kenapa kok kalo
lagi lah mana mas masih mau min mbak mohon nggak ngga nih nya oke pak para pun saja sama saya siapa
sih sudah supaya tapi tau tentang terima tolong udah untuk wah ya yang yg
a about after all am an and any anything are as at be been before but by can could did do does for
from get got has have how i if in is it its me my need of on or our please so some than that the
their them there this to us was we what when where which who why will with would you your
"""
COMMON_WORDS = frozenset(_COMMON.split())
_WORD = re.compile(r"[^\W_]{2,}")


def keywords(text: str, ignore: Iterable[str] = ()) -> str:
    """The question's distinctive words, lower case, in order, without repeats (nor `ignore`)."""
    skip = COMMON_WORDS | set(ignore)
    words = [w for w in _WORD.findall(text.lower()) if w not in skip]
    return " ".join(dict.fromkeys(words))
