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

The off-topic rule (``decline.OffTopicRule``, round 27d) reads the Zipf of every question's
words, but needs it only for the words the site uses: so the index stores, with each generation,
the list's words whose terms the site has (``site_table``), and ``SiteEnglish`` answers from
that table for a word whose terms the site has (a listed word is in it; any other is unlisted,
Zipf 0, as the list would say), reading the list only for a word the site lacks.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping

from .analyzer import term_for_word


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


def site_table(vocab: Collection[str], english: English = ENGLISH) -> dict[str, float]:
    """The words of ``english``'s list with a term in ``vocab`` (a site's terms), lower-cased,
    with their Zipf frequency (``English.zipf``): stored with the index (``SiteEnglish``)."""
    table: dict[str, float] = {}
    for word in english.frequencies:
        key = word.lower()
        if key not in table and any(t in vocab for t in term_for_word(key)):
            table[key] = english.zipf(key)
    return table


class WordTable(Mapping[str, float]):
    """Words and their Zipf frequencies kept as the text stored ("word<TAB>zipf" lines): a
    question looks up a few, and a dict of a site's ~20,000 would hold ~2 MB more at every
    ``briefbot ask`` (its text: ~0.35 MB)."""

    def __init__(self, text: str) -> None:
        self.text = text if text.startswith("\n") else "\n" + text

    @classmethod
    def of(cls, table: Mapping[str, float]) -> WordTable:
        # (a word with a tab or a line break is no question's word: ``analyzer.words``)
        lines = "".join(f"\n{w}\t{z!r}" for w, z in table.items() if not {"\t", "\n"} & set(w))
        return cls(lines + "\n")

    def __getitem__(self, word: str) -> float:
        at = -1 if {"\t", "\n"} & set(word) else self.text.find(f"\n{word}\t")
        if at < 0:
            raise KeyError(word)
        start = at + len(word) + 2
        return float(self.text[start : self.text.index("\n", start)])

    def __iter__(self) -> Iterator[str]:
        return (line.split("\t")[0] for line in self.text.split("\n") if line)

    def __len__(self) -> int:
        return max(0, self.text.count("\n") - 1)


class SiteEnglish:
    """``English.zipf`` for a site's index, from the table stored with it (``site_table``,
    made from ``english``'s list and the same ``vocab``): the same Zipf for every word, the
    list read only for a word none of whose terms the site has."""

    def __init__(
        self, table: Mapping[str, float], vocab: Collection[str], english: English = ENGLISH
    ) -> None:
        self._table = table
        self._vocab = vocab
        self._english = english

    def zipf(self, word: str) -> float:
        key = word.lower()
        found = self._table.get(key)
        if found is not None:
            return found
        if any(t in self._vocab for t in term_for_word(key)):
            return 0.0  # (a listed word with a term the site has is in the table)
        return self._english.zipf(word)


def zipf_reader(
    english: English | None, table: Mapping[str, float] | None, vocab: Collection[str]
) -> Callable[[str], float]:
    """How a question's words' Zipf is read for the index of ``vocab``: from its stored
    ``table`` (None: an index stored before round 27d's table, or made in memory) when
    ``english`` is the list it was made from and not read yet, else from ``english``."""
    if english is None:
        return lambda _: 0.0
    if table is None or english is not ENGLISH or english.loaded:
        return english.zipf
    return SiteEnglish(table, vocab, english).zipf
