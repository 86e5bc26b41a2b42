"""Retrieval: a question → ranked, cited passages (or a plain "not covered").

Ranking, in order of evidence:
1. Every passage gets a weighted sum of BM25 scores over its fields (see ``fields.py``): body,
   heading, adjacent-term pairs, its best sentence, and its post's title and summary;
   then a small prior for a post's opening passages and a bonus for posts dated when the question
   says ("in May 2024"). When no passage holds 0.4 of the question's weight (a paraphrase),
   the candidate posts are re-ranked by the share of it their matching passages hold between
   them (see ``rerank``).
2. Passages are grouped by post: a post is as good as its best passage, plus a little for further
   matching passages; each post's best passage comes before its others, a further passage of a
   post is ranked by its own score, and no post takes more than ``per_post_in_top`` of the first
   five results, so one long post cannot crowd out the others. The best post's next passages
   (up to ``best_post_lead`` in all) then lead the results, each unless it scores less than half
   the result whose place it takes: the right post comes first nine times in ten, so its other
   sections are likelier to hold the answer than the runner-up posts.
3. A question is declined, with the closest post titles offered instead of weak matches dressed
   up as answers, when the best post holds too little of its weight: under 0.6 when it has a word
   found nowhere in the content, else under 0.3 with no post standing out from the others (see
   ``SearchIndex._not_covered``; ``SearchIndex.confidence`` is a further cut, off by default).

Query terms missing from the vocabulary are treated as typos and replaced by the nearest
vocabulary terms by edit distance (weighted down).
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from . import extraction, rerank
from .analyzer import analyze, term_for_word, terms_of_plain_words, words
from .bm25 import Postings, SegmentMax, field_part, okapi_weights, top_k
from .fields import FIELDS, HASHED_FIELDS, PHRASE_BUCKETS, IndexData, pair_ids, term_hash
from .models import Answer, Passage, Post, PostRef, SearchFilters, SearchResult


@dataclass(frozen=True, slots=True)
class RankingWeights:
    """How much each field counts relative to the passage body, and other ranking knobs."""

    heading: float = 0.5
    phrase: float = 0.5
    title: float = 0.5  # (1.0 before issue 10: on fresh questions half ranks better)
    summary: float = 1.0
    sentence: float = 1.0
    further_passages: float = 0.15  # post bonus per unit of its 2nd-best passage score
    same_post_decay: float = 1.0  # 0: every post's best passage first; 1: pure passage order
    quantity: float = 0.5  # bonus, when a question asks "how much", for passages stating amounts
    lead: float = 0.1  # bonus for a post's opening passages: 1 + lead / (1 + position)
    per_post_in_top: int = 4  # passages one post may have among the first TOP results
    # The best post's first this many passages lead the results, each unless it scores less than
    # ``lead_share`` of the result whose place it takes: with the right post first nine times in
    # ten, its other passages are likelier to hold the answer than the runner-up posts' best.
    best_post_lead: int = 4
    lead_share: float = 0.5
    typo: float = 0.8  # weight of a typo-corrected term
    # Decline when the confidence (see ``confidence``) is below this: the first passage shown
    # holds few of the question's telling words, and no post stands out from the others.
    decline_below: float = 0.0
    stand_out: float = 1.5  # power of the best post's lead over the third in the confidence
    # Decline, too, when the best post holds less than this share of the question's weight and
    # leads the third post by less than ``cover_lead`` (0 turns it off); or, when the question
    # has a word found nowhere in the content, less than ``unknown_cover_below``. See
    # ``_not_covered``.
    cover_below: float = 0.3
    cover_lead: float = 2.0
    unknown_cover_below: float = 0.6
    date_match: float = 0.4  # score bonus (relative) for posts dated when the question says
    # The candidate posts re-ranked by ``rerank``'s linear model (its weights times this; 0
    # turns it off) when the best passage holds under ``rerank_below`` of the question's
    # weight: a paraphrase, whose words the right post holds between its sections. Declining
    # still judges the passage scores before it. (Issue 10, round 3: on every question it
    # helped held2 but hurt dev and held; gated, it helps held2 and leaves the others be.)
    rerank: float = 1.0
    rerank_below: float = 0.4


DEFAULT_WEIGHTS = RankingWeights()
CANDIDATES = 100  # passages considered before grouping by post
MAX_RESULTS = 50
TOP = 5  # the results people read first
MIN_FIX_DF = 2  # a typo is corrected only to a word found in at least this many passages
# Longer "words" are pasted junk, not typos: the one-edit spellings of a word cost the square
# of its length (a 1,000-letter word: 1.4 s and 110 MB; 3,000 letters: 8.7 s and 1 GB).
MAX_TYPO_WORD = 40
RUNNERS_UP = 2  # confidence compares the best post with the one this many places below it
MAX_STAND_OUT = 3.0  # (and counts a lead over it of at most this much)
# Sentences per passage laid out for the best-sentence maximum; most passages have fewer, and
# the rest go to a small overflow area (more rows would cost more to clear than they save).
SENTENCE_ROWS = 8
SECTION_PASSAGES = 3  # passages of one section a citation shows at most
# Two passages of different posts sharing this share of their words (IDF-weighted) tell the same
# story: a digest's items come back word for word in its yearly review, while related stories
# share well under two thirds.
SAME_STORY = 0.8
STORY_TERMS = 20  # distinct words a passage needs to tell a story ("Check out our podcast" not)


_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for name in names
}
_MONTH_YEAR = re.compile(
    r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?,?\s+(19[5-9]\d|20\d\d)\b",
    re.IGNORECASE,
)
# Questions asking for an amount ("how much", "what share"); ``fields.states_amount`` finds
# passages that state one.
_ASKS_QUANTITY = re.compile(
    r"\b(?:how (?:much|many|often|big|long|large|fast|far|old|expensive)|by how much"
    r"|what (?:share|percentage|percent|fraction|proportion|number|price)|what did it cost)\b",
    re.IGNORECASE,
)
# News is written up a little after it happens (weekly digests, yearly reviews in late December).
DATE_GRACE = dt.timedelta(days=14)


def _one_edit_away(word: str) -> set[str]:
    """Every word one deletion, transposition, substitution or insertion away (a-z)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return (
        {a + b[1:] for a, b in splits if b}
        | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        | {a + c + b[1:] for a, b in splits if b for c in string.ascii_lowercase}
        | {a + c + b for a, b in splits for c in string.ascii_lowercase}
    ) - {word}


def question_periods(question: str) -> list[tuple[dt.date, dt.date]]:
    """Date ranges a question names: "May 2024" → May 2024; "in 2019" → the year 2019."""
    if ("19" not in question and "20" not in question) or not _YEAR.search(question):
        return []  # most questions name no year (the substring checks cost less than a search)
    periods = []
    for month, year in _MONTH_YEAR.findall(question):
        start = dt.date(int(year), _MONTHS[month.lower()], 1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        periods.append((start, end + DATE_GRACE))
    if not periods:
        for year in _YEAR.findall(question):
            periods.append((dt.date(int(year), 1, 1), dt.date(int(year), 12, 31) + DATE_GRACE))
    return periods


TermInfo = tuple[int, float, int]  # a term's (id, weight in a question, ``term_hash``)
NOT_IN_USE: TermInfo = (-1, 0.0, 0)


class QueryPlan(NamedTuple):  # (a tuple: made for every question, cheaper than a frozen class)
    term_ids: list[int]
    boosts: list[float]
    phrase_ids: list[int]
    terms: frozenset[str]  # analysed terms that matter for marking and coverage
    weight_of: dict[str, float]  # term → IDF weight used for coverage and best sentence
    unknown: int  # question terms found nowhere in the content
    periods: list[tuple[dt.date, dt.date]]  # dates the question names
    asks_quantity: bool  # "how much…": passages stating an amount answer it


Entry = tuple[int, float, int]  # (passage, shown score, post), in result order


class _Candidates:
    """A question's best passages, best first (ties by index), grouped by post.

    As Python lists: there are a hundred, and plain Python on them costs less than the few
    dozen small numpy calls a vectorised grouping takes.
    """

    __slots__ = (
        "_by_choice",
        "choice",
        "decay",
        "further",
        "members",
        "passage",
        "post",
        "reach",
        "score",
    )

    def __init__(
        self,
        passage: list[int],
        score: list[float],
        choice: list[float],
        post: list[int],
        weights: RankingWeights,
    ) -> None:
        self.passage, self.score, self.choice, self.post = passage, score, choice, post
        self.further = weights.further_passages  # a post's best counts this of its second best
        self.decay = weights.same_post_decay  # a post's n-th slot counts decay**n times less
        # The most a candidate's shown score can exceed its own (by the bonus, as its post's
        # best); the margin covers float rounding.
        self.reach = 1.0 + self.further + 1e-9
        members: dict[int, list[int]] = {}  # post → its candidates (positions), best first
        for j, p in enumerate(post):
            if p in members:
                members[p].append(j)
            else:
                members[p] = [j]
        self.members = members
        self._by_choice: dict[int, list[int]] = {}

    def shown(self, j: int) -> float:
        """Candidate ``j``'s score as shown: a post's best counts a little for its second."""
        js = self.members[self.post[j]]
        if js[0] != j or len(js) == 1:
            return self.score[j]
        return self.score[j] + self.further * self.score[js[1]]

    def filling(self, post: int, slot: int) -> int:
        """The passage shown in a post's ``slot``: its slot-th candidate by ``choice``."""
        order = self._by_choice.get(post)
        if order is None:
            choice, passage = self.choice, self.passage
            order = sorted(self.members[post], key=lambda j: (-choice[j], passage[j]))
            self._by_choice[post] = order
        return self.passage[order[slot]]


def _result_order(cands: _Candidates, length: int | None) -> list[Entry]:
    """The first ``length`` results (all if None), before the best post's lead and the cap.

    Each candidate fills a slot of its post: slot n holds the post's n-th best score (slot 0
    with the bonus for a second passage) and shows its n-th passage by ``choice``; results go
    by that score, ``same_post_decay`` times less per slot.

    Only candidates that can reach the first ``length`` are looked at: each of the first
    ``length`` candidates scores at least the last of them (the floor), so a later one gets in
    only by scoring the floor, or as its post's best with the bonus.
    """
    score = cands.score
    total = len(score)
    if length is None or length >= total or cands.further < 0 or cands.decay != 1.0:
        length, picked = None, range(total)
    else:
        floor = score[length - 1]
        picked = list(range(length))
        for j in range(length, total):
            if score[j] * cands.reach < floor:
                break
            if score[j] >= floor or cands.shown(j) >= floor:
                picked.append(j)
    passage, post, members = cands.passage, cands.post, cands.members
    keyed = []  # (-effective score, slot, passage shown there, shown score, post)
    for j in picked:
        p = post[j]
        js = members[p]
        if len(js) == 1:
            keyed.append((-score[j], 0, passage[j], score[j], p))
            continue
        slot = js.index(j)
        shown = cands.shown(j)
        effective = shown if cands.decay == 1.0 else shown * cands.decay**slot
        keyed.append((-effective, slot, cands.filling(p, slot), shown, p))
    keyed.sort()  # (nearly sorted already)
    return [(passage, shown, post) for _, _, passage, shown, post in keyed[:length]]


def _best_post_first(
    queue: list[Entry], cands: _Candidates, lead: int, share: float
) -> list[Entry]:
    """The best post's first ``lead`` passages moved to the front, each only if it scores at
    least ``share`` of the entry whose place it takes (they come in slot order: a later one
    never scores higher). ``queue`` may be the first few results only: the best post's
    further passages are taken from its candidates."""
    best_post = queue[0][2]
    front = [queue[0]]
    for slot, j in enumerate(cands.members[best_post][1:lead], 1):
        shown = cands.score[j]
        if shown < share * queue[len(front)][1]:
            break
        front.append((cands.filling(best_post, slot), shown, best_post))
    if len(front) == 1:
        return queue
    moved = {passage for passage, _, _ in front}
    return front + [e for e in queue[1:] if e[0] not in moved]


def _cap_per_post(
    queue: list[Entry], k: int, cap: int
) -> tuple[list[tuple[int, float]], bool, bool]:
    """The first ``k`` entries with at most ``cap`` of one post among the first TOP, whether
    one had to be let in for want of other posts' entries, and whether ``queue`` held enough
    (else every entry was used)."""
    top: list[tuple[int, float]] = []
    later: list[tuple[int, float]] = []
    shown_per_post: dict[int, int] = {}
    enough = False
    for passage, shown, post in queue:
        if len(top) < TOP and shown_per_post.get(post, 0) >= cap:
            later.append((passage, shown))
            continue
        shown_per_post[post] = shown_per_post.get(post, 0) + 1
        (top if len(top) < TOP else later).append((passage, shown))
        if len(top) + len(later) >= k and len(top) >= min(k, TOP):
            enough = True
            break
    held_back_in_top = len(top) < min(k, TOP) and bool(later)
    return (top + later)[:k], held_back_in_top, enough


def _best_post_scores(cands: _Candidates, count: int) -> list[float]:
    """The best ``count`` posts' shown scores, best first. Posts come in the order of their
    best candidate, and the bonus adds at most ``further`` times that: stop once no later post
    can make the list."""
    best: list[float] = []
    for js in cands.members.values():
        if len(best) == count and cands.score[js[0]] * cands.reach < best[-1]:
            break
        best.append(cands.shown(js[0]))
        best.sort(reverse=True)
        del best[count:]
    return best


class SearchIndex:
    """An immutable, in-memory searchable index. Swap the whole object to re-index atomically."""

    def __init__(
        self,
        data: IndexData,
        posts: list[Post],
        passages: Sequence[Passage],  # a PassageTable when served (compact, see passage_table)
        weights: RankingWeights = DEFAULT_WEIGHTS,
        generation: int = 0,
        built_at: dt.datetime | None = None,
    ) -> None:
        assert [p.id for p in posts] == data.post_ids, "posts must follow the index order"
        assert len(passages) == data.n_passages, "passages must follow the index order"
        self.data = data
        self.posts = posts
        self.passages = passages
        self.weights = weights
        self.generation = generation
        self.built_at = built_at
        self.vocab = {t: i for i, t in enumerate(data.vocab)}
        n_terms = len(data.vocab)
        # In the smallest type that holds a post's index: a question looks up its hundred best
        # passages' posts here, and a small table is likelier to be in cache.
        self.passage_post = np.repeat(
            np.arange(len(posts), dtype=np.min_scalar_type(max(len(posts) - 1, 0))),
            data.passage_counts,
        )
        self.post_index = {p.id: i for i, p in enumerate(posts)}
        self.post_first_passage = np.concatenate([[0], np.cumsum(data.passage_counts)]).astype(
            np.int64
        )
        self.post_dates = np.array([p.date.toordinal() for p in posts], dtype=np.int64)
        self._passages_per_post = data.passage_counts.astype(np.intp)

        self._build_tables(weights)  # (and the body field's IDF and document frequencies)
        # Per term, as Python values: a question looks up a handful, where numpy scalars cost.
        self._term_weight = np.maximum(self.idf, 0.1).tolist()  # a word's weight in a question
        self._spelling: dict[int, list[str]] | None = None  # made on the first unknown word
        self._typo_cache: dict[str, list[str]] = {}
        self._terms: dict[str, TermInfo] = {}  # see ``_term``
        self._rerank_terms: rerank.Terms | None = None  # made on first use (see ``_reranked``)
        self._idf_max = max((float(self.idf.max()) if n_terms else 0.0), 1.0)
        # Per term, as Python floats (a few dozen looked up per question); rank-bm25's IDF can
        # be negative.
        self._story_idf: list[float] = np.maximum(self.idf, 0.0).tolist()

    def _build_tables(self, w: RankingWeights) -> None:
        """Fold every field and its weight into one look-up table.

        Scores are linear in the fields, so they are summed ahead of time; one table holds, per
        term (and per hashed pair, after the terms), its weight in each passage, in each
        sentence and in each post, sent to one output array with a region for each:

            [passages | sentences (laid out for a per-passage maximum) | posts]

        A question then costs one pass over its postings (see ``Postings.scores``). The
        opening-passage prior is folded in as a per-passage weight.
        """
        n_passages = len(self.passages)
        n_terms = len(self.data.vocab)
        ordinal = np.arange(n_passages) - self.post_first_passage[self.passage_post]
        lead = 1.0 + w.lead / (1.0 + ordinal)
        self._sentences = SegmentMax(self.data.sentence_counts, SENTENCE_ROWS)
        self._sentence_offset = n_passages
        self._post_offset = n_passages + self._sentences.n_slots
        post_slots = self._post_offset + np.arange(len(self.posts), dtype=np.int64)
        # Per field: its weight (a number, or one per passage), where its ids start in the
        # table, and where its documents go in the output.
        placement: dict[str, tuple[float | np.ndarray, int, np.ndarray | None]] = {
            "body": (lead, 0, None),
            "heading": (w.heading * lead, 0, None),
            "phrase": (w.phrase * lead, n_terms, None),
            "title": (w.title, 0, post_slots),
            "summary": (w.summary, 0, post_slots),
            "sentence": (w.sentence, 0, self._sentence_offset + self._sentences.positions),
        }
        in_use = np.zeros(n_terms, dtype=bool)
        parts = []
        for name in FIELDS:
            # One field at a time, so that only its part (not every field's BM25 arrays) is
            # kept while the table is built: loading an index peaks lower.
            hashed = name in HASHED_FIELDS
            field = okapi_weights(self.data.fields[name], PHRASE_BUCKETS if hashed else n_terms)
            if name == "body":
                self.idf = field.idf  # what a question's words weigh (coverage, confidence)
                self._body_df = field.df
            if not hashed:
                in_use |= field.df > 0
            factor, id_offset, positions = placement[name]
            if name == "body" or getattr(w, name):
                parts.append(field_part(field, factor, id_offset, positions, np.float32))
            del field
        self._in_use = in_use.tolist()  # a Python list: a question looks up a handful
        # Single precision, as bm25s keeps its scores, and summed by a compiled kernel: half the
        # memory a question reads and writes, and no copies of its postings. (The BM25 core keeps
        # double precision and rank-bm25's order of addition: it must match it bit for bit.)
        self._table = Postings(
            parts,
            n_terms + PHRASE_BUCKETS,
            self._post_offset + len(self.posts),
            dtype=np.float32,
            in_order=False,
        )

    # ---------------------------------------------------------------- catalogue look-ups

    def __len__(self) -> int:
        return len(self.posts)

    def post(self, post_id: str) -> Post | None:
        i = self.post_index.get(post_id)
        return None if i is None else self.posts[i]

    def post_passages(self, post_id: str) -> list[Passage]:
        i = self.post_index[post_id]
        first, stop = int(self.post_first_passage[i]), int(self.post_first_passage[i + 1])
        return [self.passages[j] for j in range(first, stop)]

    def categories(self) -> list[str]:
        return sorted({c for p in self.posts for c in p.categories})

    def latest(self, count: int = 5, category: str | None = None) -> list[Post]:
        posts = [p for p in self.posts if category is None or category in p.categories]
        return sorted(posts, key=lambda p: (p.date, p.id), reverse=True)[:count]

    def find_titles(self, text: str, limit: int = 25) -> list[Post]:
        """Posts whose title best matches ``text`` (for autocomplete): substring, then fuzzy."""
        needle = text.casefold().strip()
        if not needle:
            return self.latest(limit)
        exact = [p for p in self.posts if needle in p.title.casefold()]
        exact.sort(key=lambda p: (not p.title.casefold().startswith(needle), -p.date.toordinal()))
        if len(exact) >= limit:
            return exact[:limit]
        seen = {p.id for p in exact}
        fuzzy = process.extract(
            needle,
            {i: p.title.casefold() for i, p in enumerate(self.posts) if p.id not in seen},
            limit=limit - len(exact),
            score_cutoff=60,
        )
        return exact + [self.posts[key] for _, _, key in fuzzy]

    # ---------------------------------------------------------------- the question

    def _term(self, term: str) -> TermInfo:
        """What a question needs of a term (``NOT_IN_USE`` if no passage has it), remembered:
        one look-up for the next question with it instead of four, each a likely cache miss
        in a busy process."""
        i = self.vocab.get(term)
        info = (
            (i, self._term_weight[i], term_hash(term))
            if i is not None and self._in_use[i]
            else NOT_IN_USE
        )
        if len(self._terms) > 100_000:  # questions bring new words: keep it bounded
            self._terms.clear()
        self._terms[term] = info
        return info

    def _plan(self, question: str) -> QueryPlan:
        terms = list(dict.fromkeys(analyze(question)))
        ids: list[int] = []
        boosts: list[float] = []
        weight_of: dict[str, float] = {}
        hashes: list[int] = []  # of the terms kept, in order (for adjacent pairs)
        unknown = 0
        surface: dict[str, str] | None = None  # term → the question's word it came from
        known = self._terms
        for term in terms:
            i, weight, hashed = known.get(term) or self._term(term)
            if i >= 0:
                ids.append(i)
                boosts.append(1.0)
                weight_of[term] = weight
                hashes.append(hashed)
                continue
            fixes = self._typo_fixes(term)
            if not fixes:
                if surface is None:
                    surface = {t: w for w in words(question) for t in term_for_word(w)}
                fixes = self._word_typo_fixes(surface.get(term, ""))
            if not fixes:
                unknown += 1
                weight_of[term] = self._idf_max  # an unseen word is as telling as the rarest
                continue
            boost = self.weights.typo / len(fixes)  # two guesses share one word's weight
            for fix in fixes:
                j, weight, hashed = known.get(fix) or self._term(fix)
                ids.append(j)
                boosts.append(boost)
                weight_of[fix] = weight * boost
                hashes.append(hashed)
        pairs = pair_ids(hashes)
        return QueryPlan(
            ids,
            boosts,
            pairs,
            frozenset(weight_of),
            weight_of,
            unknown,
            question_periods(question),
            bool(_ASKS_QUANTITY.search(question)),
        )

    def _typo_fixes(self, term: str) -> list[str]:
        """Nearest vocabulary terms for an unknown word: edit distance 1 (2 for long words)."""
        if not 4 <= len(term) <= MAX_TYPO_WORD or not term.isalpha():
            return []
        cached = self._typo_cache.get(term)
        if cached is not None:
            return cached
        max_dist = 1 if len(term) < 8 else 2
        # Only words of about the same length can be within the distance.
        spelling = self._words_by_length()
        candidates = [
            word
            for n in range(len(term) - max_dist, len(term) + max_dist + 1)
            for word in spelling.get(n, ())
        ]
        found = process.extract(
            term, candidates, scorer=Levenshtein.distance, score_cutoff=max_dist, limit=None
        )
        # Nearest first; among equals the more common word, then alphabetical (deterministic).
        ranked = sorted(found, key=lambda f: (f[1], -int(self._body_df[self.vocab[f[0]]]), f[0]))
        fixes = [word for word, dist, _ in ranked if dist == ranked[0][1]][:2] if ranked else []
        return self._remember_fixes(term, fixes)

    def _words_by_length(self) -> dict[int, list[str]]:
        """The words typos are corrected to, by length: words in use in a few passages; not
        words of removed posts, nor one-off words (an unknown name is likelier another name than
        a typo of those). Made when first needed: a reindex need not wait for it."""
        if self._spelling is None:
            spelling: dict[int, list[str]] = {}
            usable = (self._body_df >= MIN_FIX_DF).tolist()
            for t, ok in zip(self.data.vocab, usable, strict=True):
                if ok and t.isalpha() and len(t) >= 3:
                    spelling.setdefault(len(t), []).append(t)
            self._spelling = spelling
        return self._spelling

    def _word_typo_fixes(self, word: str) -> list[str]:
        """Vocabulary terms of the words one edit away from a misspelt word, most common first.

        Where ``_typo_fixes`` compares stems, this edits the word as typed: a typo can keep the
        stemmer from stripping a suffix ("clssifier" stays whole, "classifier" → "classifi"), so
        the misspelt stem can be several edits from the right one although the word is one.
        """
        if not 4 <= len(word) <= MAX_TYPO_WORD or not word.isascii() or not word.isalpha():
            return []
        key = "\0" + word  # cached alongside the stem-level fixes
        cached = self._typo_cache.get(key)
        if cached is not None:
            return cached
        found: dict[str, int] = {}
        for term in terms_of_plain_words(list(_one_edit_away(word))):
            i = self.vocab.get(term)
            if i is not None and self._body_df[i] >= MIN_FIX_DF:  # (so in use, too)
                found[term] = int(self._body_df[i])
        fixes = sorted(found, key=lambda t: (-found[t], t))[:2]
        return self._remember_fixes(key, fixes)

    def _remember_fixes(self, key: str, fixes: list[str]) -> list[str]:
        if len(self._typo_cache) > 10_000:  # questions bring new words: keep it bounded
            self._typo_cache.clear()
        self._typo_cache[key] = fixes
        return fixes

    def _passage_scores(self, plan: QueryPlan) -> tuple[np.ndarray, np.ndarray]:
        """Scores to rank posts by, and scores to choose which of a post's passages to show.

        Best-sentence evidence helps find the right post but, within a post, tends to prefer
        summary-like passages; so the choice of passage inside a post goes without it.
        """
        w = self.weights
        n = len(self.passages)
        n_terms = len(self.data.vocab)
        ids = plan.term_ids + [n_terms + pair for pair in plan.phrase_ids]
        boosts = plan.boosts + [1.0] * len(plan.phrase_ids)
        summed = self._table.scores(ids, boosts)
        choice = summed[:n]  # (a view: summed is this question's own array)
        # (each post's passages are consecutive: repeating its sums reads less than a gather)
        choice += np.repeat(summed[self._post_offset :], self._passages_per_post)
        scores = self._sentences.reduce(summed[self._sentence_offset : self._post_offset])
        scores += choice
        if plan.asks_quantity and w.quantity:
            # Which of a post's passages to show: the one that states an amount.
            choice *= 1.0 + w.quantity * self.data.states_amount  # ``scores`` as is
        if plan.periods and w.date_match:
            in_period = np.zeros(len(self.posts), dtype=bool)
            for start, end in plan.periods:
                in_period |= (self.post_dates >= start.toordinal()) & (
                    self.post_dates <= end.toordinal()
                )
            factor = 1.0 + w.date_match * in_period[self.passage_post]
            scores *= factor
            choice *= factor
        return scores, choice

    def _rerank_inputs(
        self, plan: QueryPlan, scores: np.ndarray
    ) -> tuple[rerank.Terms, np.ndarray, list[int], list[float], float]:
        """The re-ranking tables, the best ``CANDIDATES`` passages (best first) and the
        question's known terms, their weights and its total weight."""
        if self._rerank_terms is None:  # made on first use: a reindex need not wait for it
            data = self.data.fields
            self._rerank_terms = rerank.Terms(
                [data["body"], data["heading"]],
                [data["title"], data["summary"]],
                self.data.passage_counts,
                len(self.data.vocab),
            )
        cand = top_k(scores, min(CANDIDATES, len(scores)))
        cand = cand[scores[cand] > 0]
        known = [(self.vocab[t], w) for t, w in plan.weight_of.items() if t in self.vocab]
        ids, weights = [i for i, _ in known], [w for _, w in known]
        return self._rerank_terms, cand, ids, weights, sum(plan.weight_of.values())

    def rerank_features(
        self, plan: QueryPlan, scores: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The best ``CANDIDATES`` passages (best first), and ``rerank.Terms.features`` of
        their posts: the posts (indexes), each candidate's post row, the features."""
        terms, cand, ids, weights, total = self._rerank_inputs(plan, scores)
        posts, group, feats = terms.features(cand, self.passage_post[cand], ids, weights, total)
        return cand, posts, group, feats

    def _rerank_factors(
        self, plan: QueryPlan, scores: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The candidate passages and their posts' ``rerank.factors``, or ``None`` when the
        best passage holds ``rerank_below`` of the question (BM25's order stands)."""
        terms, cand, ids, weights, total = self._rerank_inputs(plan, scores)
        if len(cand) < 2 or (
            terms.passage_coverage(int(cand[0]), ids, weights, total) >= self.weights.rerank_below
        ):
            return None
        _, group, feats = terms.features(cand, self.passage_post[cand], ids, weights, total)
        scale = self.weights.rerank
        return cand, rerank.factors(feats, tuple(scale * w for w in rerank.WEIGHTS))[group]

    def _reranked(self, plan: QueryPlan, scores: np.ndarray) -> np.ndarray:
        """``scores`` with the candidate posts' passages multiplied by their re-rank factors."""
        found = self._rerank_factors(plan, scores)
        if found is None:
            return scores
        cand, factor = found
        out = scores.copy()
        out[cand] *= factor
        return out

    def _filter_mask(self, filters: SearchFilters) -> np.ndarray | None:
        if filters == SearchFilters():
            return None
        keep = np.ones(len(self.posts), dtype=bool)
        if filters.category:
            cat = filters.category.casefold()
            keep &= [cat in (c.casefold() for c in p.categories) for p in self.posts]
        if filters.tag:
            tag = filters.tag.casefold()
            keep &= [tag in (t.casefold() for t in p.tags) for p in self.posts]
        if filters.since:
            keep &= self.post_dates >= filters.since.toordinal()
        if filters.until:
            keep &= self.post_dates <= filters.until.toordinal()
        if filters.post_id:
            keep &= [p.id == filters.post_id for p in self.posts]
        return keep[self.passage_post]

    def search(self, question: str, k: int = 5, filters: SearchFilters | None = None) -> Answer:
        """The best ``k`` passages for ``question`` (best passage of each post first)."""
        question = question.strip()
        k = max(1, min(k, MAX_RESULTS))
        filters = filters or SearchFilters()
        plan = self._plan(question)
        if not plan.term_ids:
            return Answer(
                question=question,
                declined=True,
                message=(
                    "That question has no searchable words I recognise."
                    if not plan.unknown
                    else "None of the words in that question appear in the content."
                ),
                suggestions=tuple(self._suggest(question, filters)),
            )
        scores, choice = self._passage_scores(plan)
        mask = self._filter_mask(filters)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        plain = scores
        if self.weights.rerank:
            scores = self._reranked(plan, scores)
        # More than k passages: two of one section become one citation (see ``_cited``).
        ranked, post_scores = self._rank(scores, choice, 2 * k)
        judged = ranked
        if scores is not plain and ranked:
            # Declining judges the passages' own evidence: re-ranking favours posts holding
            # more of the question, which would hide that none holds enough.
            judged, post_scores = self._rank(plain, choice, 2 * k)
        if not ranked:
            return Answer(
                question=question,
                declined=True,
                message="Nothing in the content matches that question.",
                suggestions=tuple(self._suggest(question, filters)),
            )
        evidence = float(choice[ranked[0][0]])
        if self.confidence(
            plan, evidence, post_scores
        ) < self.weights.decline_below or self._not_covered(
            plan, int(self.passage_post[judged[0][0]]), post_scores
        ):
            return Answer(
                question=question,
                declined=True,
                message="The content doesn't seem to cover that.",
                suggestions=tuple(self._suggest(question, filters, ranked)),
            )
        cited = self._cited(ranked, k)
        if len(cited) < k and len(ranked) == 2 * k:  # many passages of few sections: look further
            cited = self._cited(self._rank(scores, choice, 6 * k)[0], k)
        return self._answer(question, cited, plan)

    def _cited(
        self, ranked: list[tuple[int, float]], k: int
    ) -> list[tuple[list[int], float, list[int]]]:
        """The first ``k`` citations: one per section, each with the passages of its section
        among the results (in text order) and the section's next passage, so that an answer
        just past a passage boundary is still shown; at the place of its best passage.

        A story told again in another post (a digest's item repeated in a yearly review, a
        brief and its digest item) is one citation: the fuller telling (the longer passage)
        takes the place of the first, and the other is listed as "also in" (the passages
        returned third)."""
        Key = tuple[int, tuple[str, ...], str | None]
        entries: list[tuple[Key, list[int], float, list[int]]] = []
        where: dict[Key, int] = {}  # section → its entry (-1: told in another's entry)
        stories: dict[int, tuple[frozenset[int], float]] = {}  # passage → its ``_story``
        for i, score in ranked:
            passage = self.passages[i]
            key = (int(self.passage_post[i]), passage.heading_path, passage.anchor)
            n = where.get(key)
            if n is not None:
                if n >= 0:
                    entries[n][1].append(i)
                continue
            if i not in stories:
                stories[i] = self._story(i)
            twin = next(
                (
                    m
                    for m, e in enumerate(entries)
                    if e[0][0] != key[0] and self._same_story(stories[e[1][0]], stories[i])
                ),
                None,
            )
            if twin is not None:
                old_key, members, old_score, also = entries[twin]
                where[key] = -1
                if len(passage.text.split()) > len(self.passages[members[0]].text.split()):
                    # The fuller telling is cited, where the first was.
                    entries[twin] = (key, [i], old_score, [*also, members[0]])
                    where[old_key], where[key] = -1, twin
                else:
                    also.append(i)
            elif len(entries) < k:
                where[key] = len(entries)
                entries.append((key, [i], score, []))
        out = []
        for (post, path, anchor), members, score, also in entries:
            members = sorted(members[:SECTION_PASSAGES])  # the best few, in text order
            after = members[-1] + 1
            if (
                len(members) < SECTION_PASSAGES
                and after < self.post_first_passage[post + 1]
                and self.passages[after].heading_path == path
                and self.passages[after].anchor == anchor
            ):
                members.append(after)
            out.append((members, score, also))
        return out

    def _story(self, i: int) -> tuple[frozenset[int], float]:
        """Passage ``i``'s distinct words and their IDF weight, for ``_same_story``."""
        body = self.data.fields["body"]
        ids = frozenset(body.term_ids[body.doc_ptr[i] : body.doc_ptr[i + 1]].tolist())
        idf = self._story_idf
        return ids, sum(idf[t] for t in ids)

    def _same_story(self, a: tuple[frozenset[int], float], b: tuple[frozenset[int], float]) -> bool:
        """Whether two passages (their ``_story``) tell the same story: the words they share
        weigh at least ``SAME_STORY`` of the lighter one's (IDF-weighted, distinct words)."""
        (ta, wa), (tb, wb) = a, b
        if min(len(ta), len(tb)) < STORY_TERMS:  # a line of boilerplate is not a story
            return False
        idf = self._story_idf
        return sum(idf[t] for t in ta & tb) >= SAME_STORY * min(wa, wb)

    def _answer(
        self, question: str, cited: list[tuple[list[int], float]], plan: QueryPlan
    ) -> Answer:
        """The cited results, their snippets and the headline (see ``extraction``)."""
        texts = ["\n".join(self.passages[i].text for i in members) for members, _, _ in cited]
        evidence = [
            extraction.Evidence(
                text,
                self.posts[int(self.passage_post[members[0]])].title,
                score,
                self.passages[members[0]].heading,
            )
            for text, (members, score, _) in zip(texts, cited, strict=True)
        ]
        found = extraction.extract(question, plan.weight_of, evidence)
        results = []
        labels: dict[tuple[str, str], int] = {}
        for n, (members, score, also) in enumerate(cited):
            result = self._result(members[0], score, found.best[n], found.snippets[n], texts[n])
            if also:
                result = result.model_copy(update={"also_in": tuple(map(self._ref, also))})
            # Two sections of one post with the same heading: told apart by a part number.
            label = (result.post_id, result.heading)
            labels[label] = labels.get(label, 0) + 1
            if labels[label] > 1:
                result = result.model_copy(update={"part": f"part {labels[label]}"})
            results.append(result)
        return Answer(
            question=question,
            results=tuple(results),
            headline=found.headline,
            headline_from=found.source,
        )

    def _rank(
        self, scores: np.ndarray, choice: np.ndarray, k: int
    ) -> tuple[list[tuple[int, float]], list[float]]:
        """Passages in result order, and the best few posts' scores (best first).

        Posts are ranked by their best passage (plus a little for further matching passages).
        Each further passage of an already listed post counts ``same_post_decay`` times less per
        passage already shown, so one long post cannot crowd out the others but a clearly better
        post may show a second passage before a weak post's first.
        """
        ranked, held_back, post_scores = self._rank_among(scores, choice, k, CANDIDATES)
        if held_back and len(scores) > CANDIDATES:
            # The best candidates were too few posts to fill the first results without crowding:
            # look at every matching passage for other posts.
            ranked, _, post_scores = self._rank_among(scores, choice, k, len(scores))
        return ranked, post_scores

    def _rank_among(
        self, scores: np.ndarray, choice: np.ndarray, k: int, candidates: int
    ) -> tuple[list[tuple[int, float]], bool, list[float]]:
        """Results from the best ``candidates`` passages, whether the crowding cap had to let
        a held-back passage into the first results for want of other posts, and the best
        ``RUNNERS_UP`` + 1 posts' scores (best first)."""
        w = self.weights
        cand = top_k(scores, min(candidates, len(scores)))  # best first, ties by index
        score = scores[cand].tolist()
        if score and not score[-1] > 0:  # (best first: only a tail can be non-positive)
            cand = cand[: sum(s > 0 for s in score)]
            score = score[: len(cand)]
        if not score:
            return [], False, []
        cands = _Candidates(
            cand.tolist(), score, choice[cand].tolist(), self.passage_post[cand].tolist(), w
        )
        lead = min(w.best_post_lead, w.per_post_in_top)
        # The first few results settle the answer unless the cap holds many back: then all.
        for length in (k + w.per_post_in_top, None):
            queue = _result_order(cands, length)
            if lead > 1:
                queue = _best_post_first(queue, cands, lead, w.lead_share)
            results, held_back, enough = _cap_per_post(queue, k, w.per_post_in_top)
            if enough or length is None or length >= len(cands.score):
                break
        post_scores = _best_post_scores(cands, RUNNERS_UP + 1)
        return results, held_back, post_scores

    def confidence(self, plan: QueryPlan, evidence: float, post_scores: list[float]) -> float:
        """How sure we are that the content answers the question.

        The first passage's own evidence (its score without best-sentence evidence, which any
        passage naming the question's subject gets) relative to the question's total IDF weight
        (unknown words included), times how far the best post stands out from the third best,
        to the power ``stand_out``. A question the content answers usually has a post about it,
        well ahead of the rest; one it does not answer matches many posts about equally (its
        subject named in passing). The third post, not the second: a digest and its yearly
        review often repeat the same item.
        """
        total = sum(plan.weight_of.values())
        if total <= 0:
            return 0.0
        lead = MAX_STAND_OUT
        if len(post_scores) > RUNNERS_UP and post_scores[RUNNERS_UP] > 0:
            lead = min(post_scores[0] / post_scores[RUNNERS_UP], MAX_STAND_OUT)
        return evidence / total * lead**self.weights.stand_out

    def _ref(self, i: int) -> PostRef:
        """A reference to passage ``i``'s post, opened at its section."""
        post = self.posts[int(self.passage_post[i])]
        url = self.passage_url(post, self.passages[i])
        return PostRef(post_id=post.id, title=post.title, date=post.date, url=url)

    def post_coverage(self, plan: QueryPlan, post: int) -> float:
        """The share of the question's weight (unknown words included) that the post holds
        anywhere: its title, summary, headings or text."""
        total = sum(plan.weight_of.values())
        if total <= 0:
            return 0.0
        data = self.data.fields
        a, b = int(self.post_first_passage[post]), int(self.post_first_passage[post + 1])
        held: set[int] = set()
        for name, lo, hi in (
            ("body", a, b),
            ("heading", a, b),
            ("title", post, post + 1),
            ("summary", post, post + 1),
        ):
            tc = data[name]
            held.update(tc.term_ids[tc.doc_ptr[lo] : tc.doc_ptr[hi]].tolist())
        found = sum(w for t, w in plan.weight_of.items() if self.vocab.get(t, -1) in held)
        return found / total

    def _not_covered(self, plan: QueryPlan, post: int, post_scores: list[float]) -> bool:
        """Whether the best post holds too little of the question's weight: a question about
        something the site never mentions, matched on its common words.

        Two cases. A question with a word found nowhere in the content (and no typo of a word
        that is) is likely about something the site does not cover: declined unless the best
        post holds ``unknown_cover_below`` of its weight (the unknown word counted as the
        rarest). Otherwise only when the best post holds under ``cover_below`` and does not
        stand out from the others (a lead under ``cover_lead`` over the third): a paraphrase
        shares few words with the post that answers it, so a low share alone is no reason.
        (Issue 10, round 2: the earlier single rule, under half the weight and a lead under
        1.5, wrongly declined 14 % of the answerable questions of a set written like dev.)"""
        w = self.weights
        # (Pasted junk, a "word" too long to be one, tells nothing of the topic.)
        unknown = bool(plan.unknown) and any(
            len(t) <= MAX_TYPO_WORD and (self._terms.get(t) or self._term(t))[0] < 0
            for t in plan.weight_of
        )
        if not w.cover_below and not (unknown and w.unknown_cover_below):
            return False
        coverage = self.post_coverage(plan, post)
        if unknown and coverage < w.unknown_cover_below:
            return True
        lead = MAX_STAND_OUT
        if len(post_scores) > RUNNERS_UP and post_scores[RUNNERS_UP] > 0:
            lead = min(post_scores[0] / post_scores[RUNNERS_UP], MAX_STAND_OUT)
        return lead < w.cover_lead and coverage < w.cover_below

    def _result(self, i: int, score: float, sentence: str, snippet: str, text: str) -> SearchResult:
        passage = self.passages[i]
        post = self.posts[int(self.passage_post[i])]
        return SearchResult(
            post_id=post.id,
            title=post.title,
            heading=passage.heading,
            heading_path=passage.heading_path,
            date=post.date,
            categories=post.categories,
            url=self.passage_url(post, passage),
            score=round(score, 4),
            text=text,
            snippet=snippet,
            best_sentence=sentence,
        )

    @staticmethod
    def passage_url(post: Post, passage: Passage) -> str:
        """The post URL, opened at the passage's section (redirected posts live elsewhere)."""
        if passage.anchor and not post.redirect:
            return f"{post.url.split('#', 1)[0]}#{passage.anchor}"
        return post.url

    def _suggest(
        self,
        question: str,
        filters: SearchFilters,
        ranked: list[tuple[int, float]] | None = None,
        limit: int = 3,
    ) -> list[PostRef]:
        """Closest post titles: from weak matches if any, else by fuzzy title similarity."""
        posts: list[Post] = []
        for i, _ in ranked or []:
            post = self.posts[int(self.passage_post[i])]
            if post not in posts:
                posts.append(post)
        if len(posts) < limit:
            posts += [p for p in self.find_titles(question, limit) if p not in posts]
        if filters.category:
            posts = [p for p in posts if filters.category in p.categories] or posts
        return [PostRef(post_id=p.id, title=p.title, date=p.date, url=p.url) for p in posts[:limit]]


# ---------------------------------------------------------------- explaining (see explain.py)


def explain_plan(index: SearchIndex, question: str) -> QueryPlan:
    """How the ranking reads ``question`` (terms searched, typo fixes and their boosts, adjacent
    pairs, dates named): what ``index.explain`` needs to look inside the ranking."""
    return index._plan(question)


def explain_rerank(index: SearchIndex, question: str) -> dict[str, float]:
    """Each candidate post's re-rank factor for ``question`` (empty when the question was not
    re-ranked): the ranking's own ``_rerank_factors``, by post id, for ``index.explain``."""
    if not index.weights.rerank:
        return {}
    plan = index._plan(question)
    scores, _ = index._passage_scores(plan)
    found = index._rerank_factors(plan, scores)
    if found is None:
        return {}
    cand, factor = found
    return {
        index.posts[int(index.passage_post[i])].id: float(f)
        for i, f in zip(cand.tolist(), factor.tolist(), strict=True)
    }
