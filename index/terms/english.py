"""How common a word is in English, not on the site: a language-level word frequency list.

A site's vocabulary says which words *it* uses; it cannot tell a real word it lacks ("taxes",
"Lagos", "bad") from a misspelling of one it has ("takes", "lag"), nor a common word of the
asking ("bad", "eat") from a rare word naming a topic ("risotto"). A language-level frequency
list can, e.g. wordfreq's small English list (``wordfreq.get_frequency_dict("en",
wordlist="small")``: ~29,000 words used at least once per million words, Zipf ≥ 3; it holds the
words people ask with, not their misspellings: "wierd", "happend", "goverment" are not in it).

Not used by default (issue 10, round 23: measured, not adopted; ``bench/README.md``), so wordfreq
is no dependency of the app: the caller passes the list (``bench`` and the tests read
wordfreq's) to ``QueryReader.with_language_words`` and ``SearchIndex.language``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping


class English:
    """Words' frequencies in English: ``frequencies`` maps a lower-case word to its share of
    the words written (wordfreq's ``get_frequency_dict``)."""

    def __init__(self, frequencies: Mapping[str, float]) -> None:
        self.frequencies = frequencies

    def zipf(self, word: str) -> float:
        """``word``'s Zipf frequency (log10 of its uses per billion words: "the" 7.7, "bad"
        5.5, "taxes" 4.7, "Lagos" 3.6), 0 when the list lacks it (a misspelling, a name the
        language does not know, or a word rarer than the list holds)."""
        found = self.frequencies.get(word.lower())
        return round(math.log10(found) + 9, 2) if found else 0.0

    def listed(self, candidates: Iterable[str], at_least: float) -> list[str]:
        """The ``candidates`` English uses at Zipf frequency ``at_least`` or more."""
        floor = 10 ** (at_least - 9)
        return [w for w in candidates if self.frequencies.get(w, 0.0) >= floor]
