"""How common a word is in English, not on the site: a language-level word frequency list.

A site's vocabulary says which words *it* uses; it cannot tell a real word it lacks ("taxes",
"Lagos", "bad") from a misspelling of one it has ("takes", "lag"), nor a common word of the
asking ("bad", "eat") from a rare word naming a topic ("risotto"). A language-level frequency
list can, e.g. wordfreq's small English list (``wordfreq.get_frequency_dict("en",
wordlist="small")``: ~29,000 words used at least once per million words, Zipf ≥ 3; it holds the
words people ask with, not their misspellings: "wierd", "happend", "goverment" are not in it).

Used by default (issue 10, round 23; switched on afterwards: ``bench/README.md``): every
``SearchIndex`` reads ``ENGLISH``, wordfreq's list, through ``QueryReader`` and
``decline.BY_LANGUAGE``. The list is read once per process, at its first look-up (a question
with a word the content lacks; a server's ``SearchIndex.warm``), not at import: wordfreq's import
brings ftfy, regex and msgpack (~0.1 s, ~6-10 MB), which a question whose words the site all
has never needs.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping


@functools.cache
def small_list() -> Mapping[str, float]:
    """wordfreq's small English list (its data ships inside the package: nothing is
    downloaded), read once per process."""
    import wordfreq  # (here, not at import: see the module's docstring)

    return wordfreq.get_frequency_dict("en", wordlist="small")


class English:
    """Words' frequencies in English: ``frequencies`` maps a lower-case word to its share of
    the words written (wordfreq's ``get_frequency_dict``); None: wordfreq's small English list,
    read at the first look-up (``small_list``)."""

    def __init__(self, frequencies: Mapping[str, float] | None = None) -> None:
        self._frequencies = frequencies

    @property
    def frequencies(self) -> Mapping[str, float]:
        """The list (read now if it was not yet)."""
        if self._frequencies is None:
            self._frequencies = small_list()
        return self._frequencies

    @property
    def loaded(self) -> bool:
        """Whether the list has been read."""
        return self._frequencies is not None

    def load(self) -> None:
        """Read the list now, not at the first look-up (a server, off its event loop)."""
        _ = self.frequencies

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


# The list the app reads (``SearchIndex.language``): wordfreq's, read when first needed.
ENGLISH = English()
