"""Answer extraction: after retrieval, the text shown first (the headline) and each result's
snippet, chosen from the passages' sentences.

Retrieval finds passages about the question's subject; the reader wants the sentence that answers
it. Each sentence of the best few passages is scored on evidence that holds for any site:

- **focus coverage**: the IDF weight of the question's words it holds, the question's *focus*
  words (those not in the sentence's post title) counting fully and title words a little: the
  title says what the post is about, so a sentence holding only title words restates the topic;
- **answer form**: the question's intent (*when / how long / how many / how much / who / where /
  which / why / what is / yes-no*) asks for a form of answer (a date, a duration, a count, money or
  a share, a name, a place, a cause, a definition, a verdict), and a sentence stating one is
  likelier to answer than one that does not;
- **retrieval**: the passage's own rank, as a mild prior (the first passage is usually right),
  and, once the index has its passages' vectors, its cosine to the question against the other
  first results' (``COSINE``: a passage answering in other words is near the question in
  meaning though it holds few of its words);
- **standing alone**: a sentence opening on a pronoun ("It did so in 2020.") takes the one
  before it; a headline is at most ``HEADLINE_WORDS`` words;
- **two sentences**: a neighbour that adds to the question held joins the best sentence, and
  so does the passage's next best sentence, "…" between, when it scores ``SECOND`` of the
  best and holds a question word (a passage often names its subject in one sentence and
  answers in a later one, in other words); scored with the section heading's words counted
  like title words, since the citation names them.

- **announcing**: a headline ending on a colon ("… goes on to say:") takes what it announces.
- **learned**: the window itself is then chosen among those around the best sentence's (one
  sentence beyond it either way) by a linear model over their features (``headline_model``,
  fitted on the training question sets by ``bench/fit_headline.py``): it mostly leaves out the
  section's heading line, which the citation names, for the sentence after.

Snippets show each passage's best sentences in text order, at most ``SNIPPET_WORDS`` words, "…"
where sentences are skipped; a sentence is shown once on a page (in the headline or one snippet),
and a passage with nothing left to show (or, the headline's, nothing more of the question) shows
no snippet. The headline's passage ranks the rest of its sentences with its section heading's
words as title words: the headline and the citation already say what the section is about, so
its snippet shows what holds the question's other words (the part that complements the
headline). A section's heading line the sentence after opens by saying again ("Onions · Onions
damage…") is left out of its snippet, as of the headline (``snippets.heading_said_again``).
A line without a sentence's end (a heading, a link's title) is set apart from the
next sentence by " · " (``answers.join_sentences``).
The answer form (or else the question's words) in bold (``snippets``). Question intent and
answer forms are in ``intent``; each sentence's score in ``sentence_scores``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field

from ..retrieval.intent import (
    FORM_BONUS,
    INTENT_WORD,
    WANTS,
    form_spans,
    intent,
)
from . import headline_model
from .headline_model import Window
from .sentence_scores import (
    ANAPHORA,
    CONTEXT_SENTENCES,
    Sentence,
    match_sentence,
    score_sentence,
    terms_of,
    terms_of_title,
)
from .snippets import (
    best_sentences,
    clip,
    heading_said_again,
    says_again,
    shown_key,
    snippet,
    unrelated_items,
    window_start,
    worth_showing,
)
from .text import join_sentences, sentences

HEADLINE_WORDS = 60
POOL = 3  # the first results (the first page in Discord) whose sentences may become the headline
HEADLINE_CHARS = 600  # a bound on characters too, so Discord never cuts what we chose
HEADING_PENALTY = 1e-6  # (so that a heading never wins a tie)
RANK_DECAY = 0.85  # a sentence of the n-th evidence counts RANK_DECAY ** n
PAIR_MARGIN = 1.0  # two sentences are shown when they score more than this times the best one
# The passage's next best sentence joins the headline when it scores this much of the
# headline's best and the two fit its bounds (0.75 until issue 10's round 25a: at 0.4, six
# training sets +5 headlines of 672 and +1 first page, none lost; at 0.3 the same).
SECOND = 0.4
# With the passages' vectors (``Evidence.similarity``), the prior between the first results
# reads the question's cosine to each too: the n-th result's sentences count
# RANK_DECAY ** n × exp(COSINE × (its cosine − the pool's best)). A passage answering in other
# words holds few of the question's words, but its meaning is near the question's. Issue 10,
# round 27a: six training sets, the headline model refitted and cross-fitted, 419 → 427
# headlines of 672, first page 540 → 542 (COSINE chosen on the other sets for each: 425 / 542).
COSINE = 10.0
# On: once the headline's passage is chosen, its sentences compete with its section heading's
# words counted like title words (a digest item's heading is its story's title, which the
# question restates and the citation names); across passages they still count fully (a
# one-line item is its own heading: counted down there, it lost 38 of 448 training headlines).
# Off by default: over six training sets, hand-set and cross-fitted with the learned window,
# +4 headlines of 672 but no more first pages (one fewer on the four the model is fitted on):
# short of the rule for switching it on (bench/README.md, round 16).
HEADING_WITHIN = False


@dataclass(frozen=True, slots=True)
class Evidence:
    """A retrieved passage as extraction sees it."""

    text: str  # the passage text (a section's first passage opens with its heading line)
    title: str  # its post's title
    score: float  # its retrieval score
    heading: str = ""  # its section's heading: as a headline, only when nothing else matches
    # the site's boilerplate lines it may hold (``boilerplate.Boilerplate``): neither headline
    # nor snippet (a footer or a sign-off is no answer, and takes the room of evidence)
    boilerplate: Container[str] = ()
    # the question's cosine to it (its passages' best; ``SearchIndex.dense``), None when the
    # index has no vectors (yet): the headline's choice between passages reads it then
    similarity: float | None = None


# An evidence read: its sentences, and what each holds (``match_sentence``).
Read = tuple[list[str], list[tuple[dict[str, int], int, list[tuple[int, int]]]]]


@dataclass(frozen=True, slots=True)
class Extracted:
    headline: str  # plain text, ≤ HEADLINE_WORDS words
    source: int  # the evidence it came from
    best: list[str]  # each evidence's best sentence
    snippets: list[str]  # each evidence's snippet, Markdown (escaped, answer or terms bold)


@dataclass(slots=True)
class Prepared:
    """A question's evidence as extraction scored it: what the headline's choice and the
    answer's assembly share."""

    kind: str  # the question's intent
    weights: dict[str, float]  # the question's weights, less the words naming its intent
    total: float
    evidence: Sequence[Evidence]
    per_evidence: list[list[Sentence]]  # each evidence's scored sentences
    hand: Window | None  # the hand-set choice of the headline's window
    pool: int
    reads: list[Read]  # each evidence's sentences and what they hold (reused when rescored)
    priors: list[float]  # each pool evidence's prior (``priors``)
    # the headline's passage scored with its heading's words as title words (by source)
    rescored: dict[int, list[Sentence]] = field(default_factory=dict)


def extract(
    question: str,
    weights: Mapping[str, float],
    evidence: Sequence[Evidence],
    pool: int = POOL,
    model: headline_model.Model | None = None,
) -> Extracted:
    """The headline and each evidence's best sentence and snippet; the headline's window
    chosen by ``model`` (None: ``headline_model.SHIPPED``, looked up at each call; all zero
    weights: the hand-set choice)."""
    if not evidence:
        return Extracted("", 0, [], [])
    return extract_prepared(prepare(question, weights, evidence, pool), model)


def extract_prepared(prepared: Prepared, model: headline_model.Model | None = None) -> Extracted:
    """``extract`` of evidence already ``prepare``d (search reads the prepared sentences to
    judge a first page before answering: prepared once, not twice)."""
    if not prepared.evidence:
        return Extracted("", 0, [], [])
    if model is None:
        model = headline_model.SHIPPED
    if prepared.hand is None or not model.active:
        return assemble(prepared, prepared.hand)
    cands, rows = candidate_windows(prepared, model.around)
    if not cands:
        return assemble(prepared, prepared.hand)
    values = headline_model.values(rows, model.weights)
    window = cands[max(range(len(values)), key=lambda n: (values[n], -n))]
    return assemble(prepared, window)


def prepare(
    question: str, weights: Mapping[str, float], evidence: Sequence[Evidence], pool: int = POOL
) -> Prepared:
    """The evidence's sentences scored, and the hand-set choice of the headline's window."""
    kind = intent(question)
    weights = _without_intent_words(question, weights)
    total = sum(weights.values()) or 1.0
    prior = priors(evidence, pool)
    per_evidence, reads, hand = _candidates(kind, weights, evidence, pool, prior)
    window = Window(*hand) if hand is not None else None
    return Prepared(kind, weights, total, evidence, per_evidence, window, pool, reads, prior)


def priors(evidence: Sequence[Evidence], pool: int = POOL) -> list[float]:
    """What each of the first ``pool`` results' sentences count for when the headline is
    chosen between them: RANK_DECAY ** n for the n-th, times exp(COSINE × (its cosine − the
    best)) when every one of them has its cosine to the question (the index has its vectors)."""
    first = evidence[:pool]
    known = [e.similarity for e in first if e.similarity is not None]
    if not COSINE or not first or len(known) < len(first):
        return [RANK_DECAY**i for i in range(len(first))]
    best = max(known)
    return [RANK_DECAY**i * math.exp(COSINE * (s - best)) for i, s in enumerate(known)]


def candidate_windows(
    prepared: Prepared, around: int | None = None
) -> tuple[list[Window], list[list[float]]]:
    """The headline's candidate windows (one or two sentences of the first ``pool``
    passages, within its bounds; with ``around``, those of the hand-set window's passage
    within ``around`` sentences of it) and each one's ``headline_model.FEATURES``."""
    p = prepared
    cands = headline_model.windows(
        p.per_evidence, p.pool, lambda t: _fits(join_sentences(t)), p.hand, around
    )
    if not cands:
        return [], []
    form_bonus = FORM_BONUS[p.kind]
    passages = [headline_model.Passage(e.title, e.heading) for e in p.evidence]

    def hand_score(w: Window) -> float:
        shown = p.per_evidence[w.source][w.start : w.end]
        if len(shown) == 1:
            value = shown[0].score
        else:
            found = {t: 0 for s in shown for t in s.matched}
            forms = [f for s in shown for f in s.forms][:1]
            # (with HEADING_WITHIN, the heading's words count like the title's in the
            # headline's passage, as they did in the hand-set choice)
            within = HEADING_WITHIN and p.hand is not None and w.source == p.hand.source
            title_terms = _topic_terms(p.evidence[w.source], within)
            value = score_sentence(
                found,
                sum(s.words for s in shown),
                forms,
                set(),
                p.weights,
                p.total,
                title_terms,
                form_bonus,
            )
        return max(value, 0.0) * p.priors[w.source]

    rows = headline_model.features(
        cands, p.per_evidence, passages, p.weights, p.total, form_bonus, p.hand, hand_score
    )
    return cands, rows


def headline_of(prepared: Prepared, window: Window) -> tuple[str, list[str], int, int, int | None]:
    """The headline made from ``window``: its text, the answer-form phrases to bold, where it
    starts and ends in its passage, and the position of the passage's next best sentence
    joined to it (or None)."""
    p = prepared
    wants = WANTS[p.kind]
    source = window.source
    past = _past_bare_heading(p, window)
    # (the heading left out is not joined back as the "next best sentence" either)
    skip = 0 if past.start > window.start else None
    window = past
    # (a headline of two sentences never runs one digest item into the next, as one story)
    items = _item_starts(p.per_evidence[source], p.evidence[source].text)
    one = _one_item(past, p.per_evidence[source], items)
    if one != past:  # (nor is the other story left out joined back)
        skip = one.end if one.start == past.start else past.start
        window = one
    headline, bold, first, last = _window(
        p.per_evidence[source], window.start, window.end, p.weights, wants
    )
    if source not in p.rescored:
        ev = p.evidence[source]
        # (An evidence in the pool was read with its answer forms: the same read serves.)
        read = p.reads[source] if source < p.pool else _read(ev, p.weights, WANTS[p.kind])
        p.rescored[source] = _score(p.kind, source, ev, p.weights, p.total, read, True)
    headline, second = _with_second(p.rescored[source], first, last, headline, skip, items)
    return cut_announcing(headline), bold, first, last, second


def cut_announcing(headline: str) -> str:
    """A headline still ending on a colon (what it announces did not fit, or was not text: a
    tweet, a video, a list in the next section) shown as cut ("… goes on to say: …"), not as
    announcing what the reader is not shown. (Leaving the announcing sentence out instead
    lost answers: it is often the one holding the question's words, round 27b.)"""
    return f"{headline} …" if headline.endswith(":") else headline


def _past_bare_heading(p: Prepared, window: Window) -> Window:
    """``window`` without its first line when that is the section's heading and holds none of
    the question's words ("Summary · Recently, OpenAI released…"), or when the sentence after it
    says the heading again ("Chocolate · Chocolate is toxic to cats."): the citation under the
    headline names the section already, and the sentence after it is what answers. A window of
    the heading alone then takes that sentence instead.

    (Only a heading said again: a digest item's heading is its story's title, and the hand-set
    choice and ``headline_model`` keep it before the story's first sentence on purpose.)"""
    scored = p.per_evidence[window.source]
    opening = scored[window.start]
    if window.start != 0 or opening.text != p.evidence[window.source].heading:
        return window
    if window.end >= 2 and not opening.matched:
        return Window(window.source, 1, window.end)
    if len(scored) >= 2 and says_again(opening.text, scored[1].text):
        return Window(window.source, 1, max(window.end, 2))
    return window


# A line of a digest: an item's title, " - ", its summary ("Meta unveils X - "Meta has …"").
_ITEM_LINE = re.compile(r"[^.!?\n]{8,200}? - \S")


def _item_starts(scored: Sequence[Sentence], text: str) -> frozenset[int]:
    """The positions of the sentences opening a digest item's line in a passage's ``text``."""
    lines = f"\n{text}"
    return frozenset(
        s.position
        for s in scored
        if s.position and _ITEM_LINE.match(s.text) and f"\n{s.text[:80]}" in lines
    )


def _items(scored: Sequence[Sentence], text: str) -> frozenset[int]:
    """Where a passage's digest items open (``_item_starts``), its first sentence too."""
    starts = _item_starts(scored, text)
    if starts and _ITEM_LINE.match(scored[0].text):
        starts |= {0}
    return starts


def _one_item(window: Window, scored: Sequence[Sentence], items: Container[int]) -> Window:
    """``window`` (two sentences) without the one on the far side of a digest item's start
    (``items``): two stories read as one answer ("… faster than their predecessors. Alphabet
    Shares Flirt With Record High - …"). The one scoring more stays."""
    if window.end - window.start != 2 or window.start + 1 not in items:
        return window
    if scored[window.start].score >= scored[window.start + 1].score:
        return Window(window.source, window.start, window.start + 1)
    return Window(window.source, window.start + 1, window.end)


def assemble(prepared: Prepared, window: Window | None) -> Extracted:
    """The headline made from ``window`` (None: no headline) and each evidence's best sentence
    and snippet."""
    p = prepared
    per_evidence, evidence, weights, total = p.per_evidence, p.evidence, p.weights, p.total
    form_bonus = FORM_BONUS[p.kind]
    bold: list[str] = []
    headline, source, first, last = "", 0, 0, 0
    second: int | None = None
    # The headline's passage, its sentences scored with its section heading's words as title
    # words: the citation names the heading and the headline already says what the section is
    # about, so what the rest of it adds is what holds the question's other words.
    rest_of_source: list[Sentence] = []
    hand = window
    if window is not None:
        source = window.source
        headline, bold, first, last, second = headline_of(p, window)
        rest_of_source = p.rescored[source]
    best = [max(scored, key=lambda s: s.score).text if scored else "" for scored in per_evidence]
    snippets = []
    # A sentence is shown once on a page: in the headline or in one snippet (two results may
    # hold the same sentence, e.g. a story's first line repeated in a yearly summary).
    # (Told apart as a reader does, ``shown_key``: a line quoted again is the same line.)
    seen = {shown_key(s.text) for s in per_evidence[source][first:last]} if hand else set()
    if second is not None:
        seen.add(shown_key(per_evidence[source][second].text))
    for i, scored in enumerate(per_evidence):
        shown: set[int] = set()
        own: set[str] = set()
        for n, s in enumerate(scored):
            key = shown_key(s.text)
            if key in seen or key in own:  # (a passage may repeat its own line too)
                shown.add(n)
            own.add(key)
        if hand is not None and i == source:
            shown.update(range(first, last))
        if heading_said_again(scored, evidence[i].heading):
            shown.add(0)  # (the citation names the heading; the sentence after says it again)
        # (a digest's other stories, there only because they follow this one, are no snippet)
        unrelated = unrelated_items(scored, _items(scored, evidence[i].text), weights)
        rest = [s for n, s in enumerate(scored) if n not in shown]
        if not rest or (
            hand is not None
            and i == source
            and not any(worth_showing(s) and s.position not in unrelated for s in rest)
        ):
            # All of it is on the page already (a short passage the headline holds whole, or
            # lines shown by an earlier result), or the headline's passage holds nothing more
            # of the question (what is left, a byline or a parent heading, only fills space).
            snippets.append("")
            continue
        ranked = rest_of_source if hand is not None and i == source else scored
        picked = best_sentences(ranked, weights, bold if i == source else [], shown, unrelated)
        if picked is not None:
            text, shows = picked
            seen.update(shown_key(scored[n].text) for n in shows)
            snippets.append(text)
            continue
        title_terms = terms_of_title(evidence[i].title)
        if hand is not None and i == source:
            # The headline is on the page already: its passage shows the best of the rest,
            # by default what follows the headline.
            start = window_start(
                scored,
                weights,
                total,
                title_terms,
                form_bonus,
                shown=range(first, last),
                default=last,
            )
        else:
            start = window_start(scored, weights, total, title_terms, form_bonus)
        if start == 0 and heading_said_again(scored, evidence[i].heading):
            start = 1
        snippets.append(snippet(scored, start, weights, bold if i == source else []))
    return Extracted(headline, source, best, snippets)


def _without_intent_words(question: str, weights: Mapping[str, float]) -> dict[str, float]:
    """The question's weights less the words naming its intent ("how *long*")."""
    asked = {t for m in INTENT_WORD.findall(question) for w in m if w for t in terms_of(w)}
    return {t: w for t, w in weights.items() if t not in asked} or dict(weights)


def _read(ev: Evidence, weights: Mapping[str, float], wants: tuple[str, ...]) -> Read:
    """Evidence's sentences, less the site's boilerplate, and what each holds
    (``match_sentence``: the question's terms, its length, the answer forms of ``wants``)."""
    texts = sentences(ev.text)
    if ev.boilerplate:
        texts = [t for t in texts if t not in ev.boilerplate]
    return texts, [match_sentence(s, weights, wants) for s in texts]


def _score(
    kind: str,
    i: int,
    ev: Evidence,
    weights: Mapping[str, float],
    total: float,
    read: Read,
    heading_as_title: bool = False,
) -> list[Sentence]:
    """Evidence ``i``'s sentences (as ``read``) with their scores; with ``heading_as_title``,
    its section heading's words count as little as its post title's."""
    form_bonus = FORM_BONUS[kind]
    title_terms = _topic_terms(ev, heading_as_title)
    texts, matches = read
    heading_line = bool(texts) and texts[0] == ev.heading
    scored = []
    for pos, (found, n_words, forms) in enumerate(matches):
        context: set[str] = set()
        for before in matches[max(0, pos - CONTEXT_SENTENCES) : pos]:
            context.update(before[0])
        value = score_sentence(
            found, n_words, forms, context, weights, total, title_terms, form_bonus
        )
        if pos == 0 and heading_line:
            value -= HEADING_PENALTY  # the citation names it already: not on a tie
        scored.append(Sentence(texts[pos], i, pos, value, frozenset(found), forms, n_words))
    return scored


def _topic_terms(ev: Evidence, heading_as_title: bool) -> frozenset[str]:
    """The words saying what ``ev`` is about: its post title's, and with ``heading_as_title``
    its section heading's."""
    terms = terms_of_title(ev.title)
    if heading_as_title and ev.heading:
        terms |= terms_of_title(ev.heading)
    return terms


def _candidates(
    kind: str,
    weights: Mapping[str, float],
    evidence: Sequence[Evidence],
    pool: int,
    prior: Sequence[float],
) -> tuple[list[list[Sentence]], list[Read], tuple[int, int, int] | None]:
    """Each evidence's scored sentences and what they were read as, and the headline's window
    (evidence, start, end): the best sentence of the first ``pool`` results (or, when none holds
    anything, of any), with a neighbour when the two hold more."""
    wants, form_bonus = WANTS[kind], FORM_BONUS[kind]
    total = sum(weights.values()) or 1.0
    per_evidence: list[list[Sentence]] = []
    reads: list[Read] = []
    best: Sentence | None = None
    best_value = -1.0
    for i, ev in enumerate(evidence):
        # Answer forms only where the headline may come from: the rest need only the terms.
        reads.append(_read(ev, weights, wants if i < pool else ()))
        scored = _score(kind, i, ev, weights, total, reads[-1])
        per_evidence.append(scored)
        if i < pool:
            for s in scored:
                value = s.score * prior[i]
                if value > best_value:
                    best, best_value = s, value
    if best is None:  # nothing to read on the first page: the best of the rest
        for scored in per_evidence:
            for s in scored:
                if s.score > best_value:
                    best, best_value = s, s.score
    if best is None:
        return per_evidence, reads, None
    source = best.source
    if HEADING_WITHIN:
        # The passage chosen, its sentences compete with its heading's words as title words.
        per_evidence[source] = _score(
            kind, source, evidence[source], weights, total, reads[source], True
        )
        best = max(per_evidence[source], key=lambda s: (s.score, -s.position))
    start, end = _pair(
        per_evidence[source],
        best.position,
        _topic_terms(evidence[source], HEADING_WITHIN),
        weights,
        total,
        wants,
        form_bonus,
        best.score,
    )
    return per_evidence, reads, (source, start, end)


def _with_second(
    scored: list[Sentence],
    first: int,
    last: int,
    headline: str,
    skip: int | None = None,
    items: Container[int] = (),
) -> tuple[str, int | None]:
    """The headline (sentences ``first`` to ``last`` of its passage) with the passage's next
    best sentence, "…" between, when that one scores ``SECOND`` of the headline's best or more,
    holds a word of the question and the two fit the headline's bounds (a passage often names
    its subject in one sentence and answers in a later one); and that sentence's position, or
    None. Never the sentence at ``skip`` (a heading line the headline left out); "…" between
    the two when one opens a digest item (``items``) after the other, even next to it."""
    shown = scored[first:last]
    top = max((s.score for s in shown), default=0.0)
    texts = {shown_key(s.text) for s in shown}  # (not the same sentence again, quoted)
    rest = [
        s
        for s in scored
        if not first <= s.position < last and shown_key(s.text) not in texts and s.position != skip
    ]
    if top <= 0 or not rest:
        return headline, None
    other = max(rest, key=lambda s: (s.score, -s.position))
    if other.score < SECOND * top or not other.matched:
        # (one holding none of the question's words scores by those before it only: a byline,
        # a remark after a quotation; it adds nothing to read first)
        return headline, None
    text = join_sentences([s.text for s in shown])
    joined = f"{text} … {other.text}" if other.position > first else f"{other.text} … {text}"
    if other.position == last and last not in items:
        joined = join_sentences([text, other.text])
    elif other.position == first - 1 and first not in items:
        joined = join_sentences([other.text, text])
    return (joined, other.position) if _fits(joined) else (headline, None)


def _fits(text: str) -> bool:
    return len(text.split()) <= HEADLINE_WORDS and len(text) <= HEADLINE_CHARS


def _pair(
    scored: list[Sentence],
    position: int,
    title_terms: frozenset[str],
    weights: Mapping[str, float],
    total: float,
    wants: tuple[str, ...],
    form_bonus: float,
    alone: float,
) -> tuple[int, int]:
    """The best sentence, or it and a neighbour when the two together hold more of the
    question (an answer often follows the sentence that names its subject, or precedes it):
    the window of one or two sentences scoring best, within the headline's bounds (its title
    words, ``title_terms``, counting ``TITLE_SHARE``)."""
    start, end, best = position, position + 1, alone
    # The sentence after first: on a tie, two sentences (the answer often follows the one
    # naming its subject), and rather with the sentence after than the one before.
    for a in (position, position - 1):
        b = a + 2
        if a < 0 or b > len(scored):
            continue
        joined = join_sentences([s.text for s in scored[a:b]])
        if not _fits(joined):
            continue
        found, n_words, forms = match_sentence(joined, weights, wants)
        value = score_sentence(
            found, n_words, forms, set(), weights, total, title_terms, form_bonus
        )
        if value >= best * PAIR_MARGIN and (end - start == 1 or value > best):
            start, end, best = a, b, value
    return start, end


def _window(
    scored: list[Sentence],
    start: int,
    end: int,
    weights: Mapping[str, float],
    wants: tuple[str, ...],
) -> tuple[str, list[str], int, int]:
    """The headline of sentences ``start`` to ``end``, with the sentence before when the first
    leans on it; the answer-form phrases to bold, and where the headline starts and ends."""
    if start > 0 and ANAPHORA.match(scored[start].text):
        joined = join_sentences([s.text for s in scored[start - 1 : end]])
        if _fits(joined):
            start -= 1
    # A headline ending on a colon announces what follows ("… goes on to say:"): it takes it
    # when the two fit (else ``cut_announcing``).
    announces = end < len(scored) and scored[end - 1].text.rstrip().endswith(":")
    if announces and _fits(join_sentences([s.text for s in scored[start : end + 1]])):
        end += 1
    text = join_sentences([s.text for s in scored[start:end]])
    bold = [text[x:y] for kind in wants for x, y in form_spans(kind, text)][:6]
    return clip(text, HEADLINE_WORDS, HEADLINE_CHARS, weights), bold, start, end
