"""The words of a question that are worth matching as keywords: without the common words of Indonesian
and English chat (question words, particles, pronouns), which would match nearly every passage.

Keywords are normalised the same way on both sides (a passage's words when it is stored, a question's
when it is asked), so that a chat word finds the written one: colloquial Indonesian becomes standard
(gimana → bagaimana, dapet → dapat, nyuci → cuci, dikembaliin → dikembalikan), Indonesian words are
stemmed with Sastrawi's dictionary-based stemmer (dikembalikan, pengembalian → kembali) and the words it
does not know with the Snowball English stemmer (returned, returns → return)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the stemmers load on the first search, not in the api's cold start
    import snowballstemmer
    from Sastrawi.Stemmer.Stemmer import Stemmer

from sapa.chatwords import COLLOQUIAL

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

# Chat spellings of common words → the written word: one table, shared with the classifier's normaliser.
_COLLOQUIAL = COLLOQUIAL
# Colloquial active verbs: a nasal instead of the written prefix (nyuci = mencuci, ngirim = mengirim,
# nanggung = menanggung). Each candidate root is kept only when the dictionary knows it.
_NASAL = (("ny", ("c", "s")), ("nge", ("",)), ("ng", ("", "k")), ("n", ("t",)), ("m", ("p",)))
_VOWELS = "aiueo"


@lru_cache(maxsize=1)
def _indonesian() -> Stemmer:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    # The plain stemmer, not the factory's CachedStemmer (its cache grows without bound); see _normal.
    stemmer: Stemmer = StemmerFactory().create_stemmer().delegatedStemmer
    return stemmer


@lru_cache(maxsize=1)
def _english() -> snowballstemmer.stemmer:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


# The stemmers are single objects that keep the word being stemmed in their own fields (Snowball's
# `current`/`cursor`): two threads stemming at once (the worker's lanes, two extraction runs) corrupt each
# other's word ("string index out of range"). One lock; _normal's cache keeps it rarely taken.
_stemming = threading.Lock()


def _root(word: str) -> str | None:
    """The word's Indonesian root when the dictionary knows it (the word itself or what Sastrawi makes
    of it), else None."""
    stemmer = _indonesian()
    with _stemming:
        stem = stemmer.stem(word)
    return stem if stemmer.dictionary.contains(stem) else None


@lru_cache(maxsize=20_000)
def _normal(word: str) -> str:
    """One lower-case word in its searchable form (see the module's docstring)."""
    word = _COLLOQUIAL.get(word, word)
    if word.isdigit():
        return word
    for candidate in (word, *_colloquial_forms(word)):
        root = _root(candidate)
        if root is not None:  # a chat root (balik in baliknya) becomes the written one too
            return _root(_COLLOQUIAL[root]) or _COLLOQUIAL[root] if root in _COLLOQUIAL else root
    if word.endswith("nya") and len(word) > 5:  # a loanword with the clitic: refundnya
        word = word[:-3]
    english = _english()
    with _stemming:
        return str(english.stemWord(word))


def _colloquial_forms(word: str) -> list[str]:
    """Written forms a chat word may stand for: the clitic -nya dropped (refundnya), the suffix -in as
    -kan (dikembaliin), a nasal prefix as the root's first letter (nyuci → cuci)."""
    forms: list[str] = []
    if word.endswith("nya") and len(word) > 5:
        forms.append(word[:-3])
    base = forms[-1] if forms else word
    if base.endswith("in") and len(base) > 5:
        forms.append(base[:-2] + "kan")
        forms.append(base[:-2])
    for written in list(forms) or [word]:
        for prefix, replacements in _NASAL:
            rest = written[len(prefix) :]
            if written.startswith(prefix) and len(rest) >= 3 and rest[0] in _VOWELS:
                forms += [first + rest for first in replacements]
    return forms


def normal_words(text: str) -> list[str]:
    """All of the text's words (of two letters or more) in their searchable form, in order."""
    return [_normal(w) for w in _WORD.findall(text.lower())]


def search_terms(text: str) -> str:
    """A passage's (or heading's) words in searchable form, without repeats: stored with the passage so
    that its full-text index holds them next to the words as written."""
    return " ".join(dict.fromkeys(normal_words(text)))


def keywords(text: str, ignore: Iterable[str] = ()) -> str:
    """The question's distinctive words in searchable form, in order, without repeats (nor common
    words, nor `ignore`, compared as written and normalised)."""
    skip = COMMON_WORDS | set(ignore)
    normal_skip = skip | {_normal(w) for w in skip}
    words = [w for w in _WORD.findall(text.lower()) if w not in skip and _COLLOQUIAL.get(w, w) not in skip]
    return " ".join(dict.fromkeys(n for n in map(_normal, words) if n not in normal_skip))
