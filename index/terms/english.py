"""How common a word is in English, not on the site: wordfreq's small English list.

A site's vocabulary says which words *it* uses; it cannot tell a real word it lacks ("taxes",
"Lagos", "bad") from a misspelling of one it has ("takes", "lag"), nor a common word of the
asking ("bad", "eat") from a rare word naming a topic ("risotto"). A language-level frequency
list can: wordfreq ships its lists inside the package (nothing is downloaded), and the small
English list (~29,000 words used at least once per million words, Zipf ≥ 3) holds the words
people ask with, not their misspellings ("wierd", "happend", "goverment" are not in it).

wordfreq is imported, and the list read, on the first look-up (0.1 s; ``bench/README.md``,
issue 10 round 23, has the memory): only a question with a word the content lacks needs one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import cache

LIST = "small"  # wordfreq's wordlist: "small" (Zipf ≥ 3) is enough and the lightest


@cache
def _frequencies() -> dict[str, float]:
    import wordfreq  # (here: most questions never need it)

    return wordfreq.get_frequency_dict("en", wordlist=LIST)


def zipf(word: str) -> float:
    """``word``'s Zipf frequency in English (log10 of its uses per billion words: "the" 7.7,
    "bad" 5.5, "taxes" 4.7, "Lagos" 3.6), 0 when the list lacks it (rarer than once per million
    words, or no word: a misspelling, a name the language does not know)."""
    found = _frequencies().get(word.lower())
    return round(math.log10(found) + 9, 2) if found else 0.0


def listed(candidates: Iterable[str], at_least: float) -> list[str]:
    """The ``candidates`` English uses at Zipf frequency ``at_least`` or more."""
    frequencies = _frequencies()
    floor = 10 ** (at_least - 9)
    return [w for w in candidates if frequencies.get(w, 0.0) >= floor]
