"""Snippets: what each result shows under its citation, at most ``SNIPPET_WORDS`` words: its best
sentences (those not shown elsewhere on the page) in text order, "…" where sentences are skipped;
or, when its best sentence is too long or nothing matches, a window of sentences clipped to
Discord's bounds. The answer's form (or else the question's words) in bold. A sentence is shown
once on a page as a reader tells sentences apart (``shown_key``): a line quoted again is not
shown again.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Collection, Mapping, Sequence
from functools import lru_cache

from .sentence_scores import (
    ANAPHORA,
    SHORT_WORDS,
    WORD,
    Sentence,
    coverage,
    terms_of,
    terms_of_word,
)
from .text import (
    LINE_BREAK,
    balance_quotes,
    ends_sentence,
    escape_markdown,
    join_sentences,
    phrase_at,
    quote_edges,
)

SNIPPET_WORDS = 70
SNIPPET_CHARS = 640
# What a reader does not see as telling two sentences apart: quotation marks (a passage quoting
# its own line, '"Tesla is clear …"' then 'Tesla is clear …'), case, spacing and the closing
# punctuation.
_QUOTE_MARKS = re.compile(r"[\"“”‘’'`]")
_CLOSING_MARKS = ".!?:;, …"


@lru_cache(maxsize=8192)
def shown_key(text: str) -> str:
    """A sentence as a reader tells it apart from another: without quotation marks, case,
    spacing or closing punctuation. Two sentences with one key are one sentence on a page."""
    return " ".join(_QUOTE_MARKS.sub("", text).casefold().split()).rstrip(_CLOSING_MARKS)


def window_start(
    scored: list[Sentence],
    weights: Mapping[str, float],
    total: float,
    title_terms: frozenset[str],
    form_bonus: float,
    shown: range = range(0),
    default: int = 0,
) -> int:
    """Where the snippet's window of sentences (``SNIPPET_WORDS`` words) holding most of the
    question starts: the share of the question's weight its sentences hold (less the ones
    ``shown`` elsewhere), more when one states the answer's form. Ties go to ``default``, then
    to the earliest."""
    budget = SNIPPET_WORDS - 2
    lengths = [len(s.text.split()) for s in scored]

    def value(a: int) -> float:
        terms: set[str] = set()
        form = False
        used = 0
        for b in range(a, len(scored)):
            if used + lengths[b] > budget and b > a:
                break
            used += lengths[b]
            if b not in shown:
                terms |= scored[b].matched
                form = form or bool(scored[b].forms)
        return coverage(terms, weights, title_terms) / total * (1.0 + form_bonus * form)

    if not scored:
        return 0
    default = default if default < len(scored) else (shown.start if shown else 0)
    best, best_value = default, value(default)
    for a in range(len(scored)):
        v = value(a)
        if v > best_value + 1e-12:
            best, best_value = a, v
    return best


def says_again(heading: str, sentence: str, opening: bool = False) -> bool:
    """Whether ``sentence`` is one (it ends as one) holding ``heading``'s words in order; with
    ``opening``, opening on them."""
    words = re.escape(heading.strip()).replace(r"\ ", r"\s+")
    at = "^" if opening else r"(?<!\w)"
    return ends_sentence(sentence) and re.search(rf"{at}{words}(?!\w)", sentence, re.I) is not None


def heading_said_again(scored: Sequence[Sentence], heading: str) -> bool:
    """Whether the passage opens on its section ``heading`` and the sentence after opens by
    saying it again ("Onions · Onions damage a cat's…"): a snippet leaves that line out, as the
    headline does, since the citation above it names the section.

    (Only a sentence opening on it: a digest item's heading is its story's title, which its
    summary names later on ("The article discusses …"), and a snippet keeps that title.)"""
    return (
        len(scored) >= 2
        and bool(heading)
        and scored[0].text == heading
        and says_again(heading, scored[1].text, opening=True)
    )


def clip(text: str, max_words: int, max_chars: int, weights: Mapping[str, float]) -> str:
    """``text`` within ``max_words`` words and ``max_chars`` characters: a window around the
    question's words, marked with "…" where cut."""
    words = text.split()
    if len(words) <= max_words and len(text) <= max_chars:
        return " ".join(words)
    max_words -= 2  # room for the "…" at either end (they count as words too)
    hits = [n for n, w in enumerate(words) if any(t in weights for t in terms_of_word(w))]
    centre = hits[len(hits) // 2] if hits else 0
    start = max(0, min(centre - max_words // 2, len(words) - max_words))
    end = min(len(words), start + max_words)
    while end > start + 1 and len(" ".join(words[start:end])) + 4 > max_chars:
        end -= 1
    out = " ".join(words[start:end])
    return ("… " if start else "") + out + (" …" if end < len(words) else "")


def snippet(
    scored: list[Sentence],
    start: int,
    weights: Mapping[str, float],
    bold: Sequence[str],
) -> str:
    """A window of at most ``SNIPPET_WORDS`` words from sentence ``start`` on (or the one before,
    when it leans on it), as far as the words allow; the answer's form bold in the headline's
    passage, else the question's words."""
    if not scored:
        return ""
    budget = SNIPPET_WORDS - 2  # (room for the "…" at either end)
    chosen: list[str] = []
    used = 0
    for s in scored[start:]:
        n = len(s.text.split())
        if used + n > budget:
            if not chosen:
                chosen.append(s.text)
                used = n
            break
        chosen.append(s.text)
        used += n
    # The sentence before, when the first leans on it and there is room for it.
    if start > 0 and ANAPHORA.match(scored[start].text):
        n = len(scored[start - 1].text.split())
        if used + n <= budget:
            start -= 1
            chosen.insert(0, scored[start].text)
            used += n
    chosen = [" ".join(c.split()) for c in chosen]
    text = balance_quotes(join_sentences(chosen))
    used += sum(not ends_sentence(c) for c in chosen[:-1])  # (each line break's mark)
    lead = "… " if start > 0 else ""
    tail = " …" if start + len(chosen) < len(scored) else ""
    if used > budget or len(text) > SNIPPET_CHARS:
        text = clip(text, SNIPPET_WORDS, SNIPPET_CHARS, weights)
        lead, tail = (
            (lead if not text.startswith("…") else ""),
            (tail if not text.endswith("…") else ""),
        )
    spans = [(at, at + len(phrase)) for phrase in bold if (at := phrase_at(text, phrase)) >= 0]
    return lead + mark(text, spans, weights) + tail


def mark(text: str, spans: Sequence[tuple[int, int]], weights: Mapping[str, float]) -> str:
    """``text`` with Markdown escaped; ``spans`` bold, or, without spans, the question's words."""
    if not spans:
        spans = [
            m.span() for m in WORD.finditer(text) if any(t in weights for t in terms_of(m.group()))
        ]
    out: list[str] = []
    pos = 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out.append(escape_markdown(text[pos:a]))
        out.append(f"**{escape_markdown(text[a:b])}**")
        pos = b
    out.append(escape_markdown(text[pos:]))
    return "".join(out).replace("****", "").replace("** **", " ")


def worth_showing(sentence: Sentence) -> bool:
    """Whether a sentence is worth a snippet's room: it scores, and holds a question word or
    is more than a fragment ("Related:", "None", a byline score only by what they follow)."""
    return sentence.score > 0 and (
        bool(sentence.matched) or len(sentence.text.split()) >= SHORT_WORDS
    )


# A digest's story holding less of the question than this share of what its best story holds
# is about something else: it names a word of the question in passing ("AI", "announced").
ITEM_SHARE = 0.5


def unrelated_items(
    scored: Sequence[Sentence], items: Collection[int], weights: Mapping[str, float]
) -> frozenset[int]:
    """The positions of the sentences of a digest's stories (``items``: where each opens)
    holding less than ``ITEM_SHARE`` of the question's weight its best story holds: other
    stories of the newsletter, there because they follow one that answers (a story's first
    sentence scores by the context before it) or name a word of the question in passing."""
    if not items:
        return frozenset()
    starts = sorted(items)
    item_of = [bisect_right(starts, s.position) for s in scored]
    held: dict[int, set[str]] = {}
    for n, s in enumerate(scored):
        held.setdefault(item_of[n], set()).update(s.matched)
    cover = {item: coverage(terms, weights, frozenset()) for item, terms in held.items()}
    best = max((c for item, c in cover.items() if item), default=0.0)  # (0: before the first)
    return frozenset(
        s.position
        for n, s in enumerate(scored)
        if item_of[n] and (best <= 0 or cover[item_of[n]] < ITEM_SHARE * best)
    )


def best_sentences(
    scored: list[Sentence],
    weights: Mapping[str, float],
    bold: Sequence[str],
    shown: Collection[int] = (),
    unrelated: Collection[int] = (),
) -> tuple[str, list[int]] | None:
    """The passage's best sentences by score (those at positions ``shown`` elsewhere on the page
    left out) in text order, as many as ``SNIPPET_WORDS`` words and ``SNIPPET_CHARS``
    characters hold, with "…" where sentences are skipped. A window of the passage covers one
    stretch of it; the best sentences cover more of what answers, wherever it is. When none
    holds any of the question, the first ones not shown. The sentences of ``unrelated``
    (digest items about other stories, ``unrelated_items``) only then. The snippet and the
    positions of the sentences it shows; None when the first to show does not fit whole (then
    a window of it, clipped, is shown)."""
    unshown = [i for i in range(len(scored)) if i not in shown]
    # A fragment ("Related:", "More on this:", "None") shows only when it holds a question word:
    # its score is the context it follows, not anything it says.
    order = sorted(
        (i for i in unshown if worth_showing(scored[i]) and i not in unrelated),
        key=lambda i: (-scored[i].score, i),
    )
    if not order:
        order = unshown  # nothing else matches: the passage's first sentences not shown
    if not order:
        return None
    words = {i: scored[i].text.split() for i in order}
    sizes = {
        i: (len(w), sum(map(len, w)) + len(w) + _marks(scored[i].text)) for i, w in words.items()
    }
    bare = {i for i in order if not ends_sentence(scored[i].text)}  # lines without an end
    chosen: list[int] = []
    for i in order:
        trial = sorted([*chosen, i])
        if _fits(sizes, trial, len(scored), bare):
            chosen = trial
        elif not chosen:
            return None  # (the best does not fit whole: a window of it, clipped)
    texts = {i: " ".join(words[i]) for i in chosen}
    for run in _runs(chosen):
        # A run of consecutive sentences starting or ending inside a longer quotation is shown
        # as an excerpt of it: its quotes closed at either end.
        lead, tail = quote_edges(" ".join(texts[i] for i in run))
        texts[run[0]] = lead + texts[run[0]]
        texts[run[-1]] += tail
    parts: list[str] = []
    for n, i in enumerate(chosen):
        if i > (chosen[n - 1] + 1 if n else 0):
            parts.append("…")
        elif n and chosen[n - 1] in bare:
            parts.append(LINE_BREAK.strip())
        spans = [
            (at, at + len(phrase)) for phrase in bold if (at := phrase_at(texts[i], phrase)) >= 0
        ]
        parts.append(mark(texts[i], spans, weights))
    if chosen[-1] < len(scored) - 1:
        parts.append("…")
    return " ".join(parts), chosen


def _marks(text: str) -> int:
    """Room for the quotes ``quote_edges`` may add to a run of sentences holding ``text``."""
    return 2 if any(c in text for c in '"“”') else 0


def _runs(chosen: list[int]) -> list[list[int]]:
    """``chosen`` (sorted positions) as runs of consecutive sentences."""
    runs: list[list[int]] = []
    for i in chosen:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _fits(
    sizes: Mapping[int, tuple[int, int]], chosen: list[int], n: int, bare: Collection[int]
) -> bool:
    """Whether the sentences ``chosen`` (their ``sizes``: words, characters), in order, with
    their "…" marks (and a line break's mark after each ``bare`` line followed by the next
    sentence) fit a snippet of a passage of ``n`` sentences."""
    gaps = sum(i > (chosen[k - 1] + 1 if k else 0) for k, i in enumerate(chosen))
    gaps += chosen[-1] < n - 1
    gaps += sum(i == chosen[k - 1] + 1 and chosen[k - 1] in bare for k, i in enumerate(chosen) if k)
    n_words = sum(sizes[i][0] for i in chosen) + gaps
    chars = sum(sizes[i][1] for i in chosen) + 2 * gaps
    return n_words <= SNIPPET_WORDS and chars <= SNIPPET_CHARS
