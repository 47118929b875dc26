"""The stemmers are shared objects with per-word state: words normalised from several threads at once (the
worker's lanes, two extraction runs of one document) must come out as they do one at a time."""

from __future__ import annotations

import random
import string
from concurrent.futures import ThreadPoolExecutor

from sapa.knowledge import words


def _words(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - test words, nothing secret
    endings = ("ing", "ness", "ations", "ment", "kan", "nya", "an", "ly")
    return [
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9))) + rng.choice(endings)
        for _ in range(count)
    ]


def test_words_normalise_the_same_from_many_threads_at_once() -> None:
    batches = [_words(1500, seed) for seed in range(4)]
    words._normal.cache_clear()
    alone = [[words._normal(word) for word in batch] for batch in batches]
    words._normal.cache_clear()  # stem every word again, now four threads at a time
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda batch: [words._normal(word) for word in batch], batches))
    assert together == alone
