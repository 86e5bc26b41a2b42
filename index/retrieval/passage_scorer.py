"""A learned passage scorer: a question's best candidate passages re-ordered by a small linear
model over lexical features, so that the passage holding the answer comes first.

BM25 over the fields (``scoring``) ranks passages that *match* the question; the one that
*answers* it is often a neighbour: a section holding the question's focus words (those not in
its post's title) together, in a sentence that states the kind of answer asked for (a date, a
count, an amount). Each of a question's best ``CANDIDATES`` passages (the ranking's own order,
after ``rerank``) gets the features ``FEATURES``; the model's score ``WEIGHTS · features``, over
its weight on ``score`` (so that it reads as a log score), re-scores them
(``SearchIndex._learned``, ``rescored``); the ranking's later steps (grouping by post, the
best post's lead, the per-post cap) run on the new scores.

Features of a candidate passage, shares of the question's total IDF weight (its unknown words
included) unless said (``ALL_FEATURES``; the model uses ``FEATURES`` of them):
- ``score``: log of its current score relative to the first candidate's;
- ``union``: the share its post's candidates (text, headings) and its title and summary hold
  between them (``rerank``'s ``union``, over these candidates);
- ``sentence``: the share its best sentence holds (the question's words together);
- ``window``: the share its best two consecutive sentences hold between them (proximity);
- ``focus``: the share of the focus words' weight (the question's words not in its post's
  title) its text and headings hold (1 when there are none);
- ``focus_near``: the same over it and its post's passages before and after it (an answer
  whose words a section's next chunk holds);
- ``ordinal``: log(1 + its place in its post);
- ``rare``: the share of the weight of the question's heaviest third of words (the named
  things) its text, headings, title and summary hold; ``rare_heading``: its headings' share of
  that weight (a digest item's headline naming the story);
- ``form``: 1 when its text states the answer form the question's intent asks for, else 0:
  for *when*, a year (a term of four digits, 1800-2099); for *how long / how many / how much
  / what share*, an amount (``fields.states_amount``, stored with the index); ``form_sentence``:
  ``sentence`` when ``form`` is 1, else 0. (Looked up, not searched for: ``intent``'s patterns
  over forty passages' text took longer than the rest of an answer.)
- ``post_length``: log(1 + its post's passages): a long digest holds many words by chance,
  whatever its category;
- ``assoc``: the share of the question's weight its text and headings hold through the site's
  word associations (``terms.associations``: learned from its headings against their texts)
  of the words they lack, each such word at the strength of its strongest associate held (a
  paraphrase's "lawsuit" against the passage's "plaintiffs"); ``assoc_window``: ``window``
  with each word its two sentences lack counted at the strength of its strongest associate
  they hold;
- ``voice``: the share of its sentences in the writer's own voice (first person, hedging,
  judging: ``terms.voice``), when the question asks for no view; ``voice_asked`` the same when
  it does ("what do … think", "why", "should"); ``heading_voice`` / ``heading_voice_asked``:
  the voice of its deepest heading recurring across the site's posts (a site's own commentary
  section, learned, whatever it is called), split the same way;
- ``dense``: its cosine to the question by a text-embedding model (``dense``: the question's
  ``similarity``, given; 0 without one); ``dense_post``: its post's best passage's;
  ``dense_rank``: log(1 + the passages of the whole index closer to the question);
  ``dense_post_rank``: log(1 + the posts whose best passage is closer than its post's);
  ``dense_gap``: its cosine less the question's closest passage's, over the standard deviation
  of the question's cosines to every passage (0 at the closest; e5's cosines sit in a narrow
  band that moves from question to question, so a raw cosine's weight means something else for
  each); ``dense_post_gap``: its post's best passage's, likewise; ``dense_post_mean``: its
  post's mean cosine less every passage's, over the same deviation (a brief about the subject
  against a digest with one item on it); ``dense_post_mean_rank``: log(1 + the posts of a
  higher mean); ``dense_in_post_rank``: log(1 + its post's passages closer than it);
  ``dense_in_post_rank_long`` and ``dense_post_mean_long``: those two times ``post_length``
  (a digest's item against a post's own section).

Measured in round 18 (bench/README.md), not shipped: cross-fitting over six training sets
chose ``rare_window`` and ``form`` besides ``FEATURES`` (headline +2, first page +1 of 670
questions), but over dev and the held sets the headline fell by 2 questions, so the shipped
model stays round 13's; the others did not help even cross-fitted:
- ``phrase``: the share of the question's adjacent-word pairs its phrase field holds (BM25
  already scores that field: the fitted weight was near 0);
- ``heading``: the share of the question its headings hold (a digest item's heading is its
  story's title);
- ``rare_window``: the heavy third's share (as ``rare``) held by its best two consecutive
  sentences (proximity of the named things);
- ``passage_length``: log(1 + its sentences); ``post_density``: log(1 + its post's sentences a
  passage), the post's layout (a digest's short items, an essay's long sections) read whatever
  its category is called;
- ``story``: log(1 + the other posts among the candidates telling its story, as ``citations``
  judges it: ``SAME_STORY`` of the lighter one's IDF-weighted distinct words shared);
  ``fuller_elsewhere``: 1 when one of them tells it in more distinct words;
- ``form_focus``: the focus words' share held by its best sentence, or two side by side, that
  states the form a *when* (a year) or *how long / many / much / what share* (a number)
  question asks for, among its terms (at sentence grain, unlike ``form``).

Measured in round 20, not shipped: ``assoc`` and ``assoc_window`` (above). Cross-fitted over
the six training sets, forward selection added ``assoc`` (hit@1 +2, ans@1 +2, ans@5 +3 of 672
questions) but the headline fell by 2 and the first page did not rise; ``assoc_window`` lost
(its weight taken from ``window``).

Measured in round 21, not shipped: the voice features (above). Forward selection over the six
training sets added ``voice`` (−0.17: commentary down for a question of fact), ``voice_asked``
(+0.29) and ``heading_voice_asked``; with the headline model refitted, cross-fitted hit@1 +1,
ans@1 +1, ans@5 +2, headline −1, first page +1 of 672 questions; over dev and the held sets the
headline fell by 3. ``heading_voice`` lost (most recurring headings are digests' categories,
whose items quote their sources; a brief's commentary section recurs in about 20 posts).

Measured in round 22, not shipped: gradient-boosted trees (LightGBM's ``lambdarank``, fitted by
``bench.fit_tree_scorer``, evaluated with numpy by ``trees``) added to the linear model over the
same candidates' features (``Model.trees``). Cross-fitted over the six training sets with the
headline model refitted, hit@1 +7 and ans@1 +10 of 672 questions, but ans@5 −1, headline +1
and first page +2: no clear gain, the shipped model stays linear.

Measured in round 24, not shipped: the dense features (an embedding model's cosine, given by
``SearchIndex.dense``; ``bench.semantic_ranking``). Of them, ``dense_rank`` carries the gain
(the raw cosine's narrow range moved little); see bench/README.md for its figures and cost.

Round 29a (``SENTENCE_FORM``, served as ``SENTENCE_MODEL`` once the sentences are stored): the
candidates' sentences' cosines (``_sentence_meaning``; MaxP: a passage as close as its closest
sentence). Cross-fitted on the candidates, ``dense_sentence_gap`` gained most (hit@1 +31, ans@1
+35, ans@5 +26 of 672 questions over the dense form); ``dense_sentence_rank``,
``dense_sentence_post_rank``, ``dense_sentence`` and ``dense_sentence_top2`` less, and none
added to it more than a question. Its weight takes ``sentence``'s (2.03 → −0.10).

Measured in round 27c (``bench.post_meaning``; bench/README.md): where the first result is
another post's, the post-level features do not tell the gold post apart (its post's mean cosine
is the lower in 83 of 125 such training questions); cross-fitted on the candidates, only
``dense_gap`` gained (cross-fitted on the whole search with the round-24 dense features: hit@1
+2, ans@1 +1, ans@5 +3, headline +3, first page +2 of 672 questions), but fitted on six, over
dev and the held sets the first page fell by one question: not shipped.

``python -m bench.fit_passage_scorer`` fits ``WEIGHTS`` on the training question sets only and
prints them as written here (issue 10, rounds 4 and 13). It is on by default
(``RankingWeights.learned`` 1): on the four question sets held back from every fit it ranks the
right post first for 11 more questions of 448 and shows the answer on the first page for 14
more; it costs dev, the set the hand-set weights were fitted on, three first places and three
headlines (bench/README.md, "Answer quality", round 13). Declining still judges the scores
before it.

Pure array code over the index's term counts, read for the candidates only (``pairs``): no
per-term Python loops over the index.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np

from ..terms.associations import Associations
from ..terms.fields import IndexData
from ..terms.term_counts import FieldCounts
from ..terms.voice import Voice, asks_opinion
from .dense import post_best, post_mean, rank_within_post
from .intent import intent
from .trees import Trees

CANDIDATES = 40  # passages re-scored per question (the ranking's best, in its order)
# The intents whose answer form is looked up (``form``), and what states it.
YEAR_INTENTS = frozenset({"when"})
AMOUNT_INTENTS = frozenset({"how_long", "how_many", "how_much", "share"})
# Two candidates of different posts sharing this share of their distinct words (IDF-weighted,
# of the lighter one's) tell the same story (``story``), as ``citations`` judges it; a passage
# of fewer distinct words tells none.
SAME_STORY = 0.8
STORY_TERMS = 20

# Round 27c's candidates (measured, not adopted): cosines in the question's own spread, a post's
# mean cosine, ranks by it and within the post (``_post_meaning``).
POST_LEVEL_DENSE_FEATURES = (
    "dense_gap",
    "dense_post_gap",
    "dense_post_mean",
    "dense_post_mean_rank",
    "dense_in_post_rank",
    "dense_in_post_rank_long",
    "dense_post_mean_long",
)
# Round 29a's candidates: each candidate's sentences' cosines to the question (MaxP: a passage
# as close as its closest sentence), from the sentences' stored vectors
# (``SearchIndex.sentence_vectors``; ``_sentence_meaning``).
# The candidates whose sentences are read (the first, best first): splitting a passage into its
# sentences is most of the features' cost.
SENTENCE_CANDIDATES = CANDIDATES
SENTENCE_DENSE_FEATURES = (
    "dense_sentence",
    "dense_sentence_gap",
    "dense_sentence_rank",
    "dense_sentence_top2",
    "dense_sentence_post_rank",
)
# Every feature the fitting script can choose among (see the module's docstring).
ALL_FEATURES = (
    "score",
    "union",
    "sentence",
    "window",
    "focus",
    "focus_near",
    "ordinal",
    "rare",
    "rare_heading",
    "form",
    "form_sentence",
    "post_length",
    "phrase",
    "heading",
    "rare_window",
    "passage_length",
    "post_density",
    "story",
    "fuller_elsewhere",
    "form_focus",
    "assoc",
    "assoc_window",
    "voice",
    "voice_asked",
    "heading_voice",
    "heading_voice_asked",
    "dense",
    "dense_post",
    "dense_rank",
    "dense_post_rank",
    *POST_LEVEL_DENSE_FEATURES,
    *SENTENCE_DENSE_FEATURES,
)
VOICE_FEATURES = frozenset({"voice", "voice_asked", "heading_voice", "heading_voice_asked"})
DENSE_FEATURES = frozenset(n for n in ALL_FEATURES if n.startswith("dense"))
# Chosen by cross-fitting over the four training sets (bench/README.md, issue 10 round 13):
# the others measured did not help (round 18: on six sets, ``rare_window`` and ``form`` did
# cross-fitted, but not on dev and the held sets; round 20: ``assoc`` gained the ranking, not
# the headline).
FEATURES = ("score", "sentence", "window", "ordinal", "rare", "post_length")
# ``python -m bench.fit_passage_scorer`` (post loss, penalty 0.3, shrink 0.5) on tune, train2,
# train3 and train4.
WEIGHTS: tuple[float, ...] = (2.78, 1.09, 1.91, -0.22, 0.60, -0.25)
# With an embedding model's vectors (``SearchIndex.dense`` set: every passage embedded, see
# ``storage.vectors``), the same features and the dense rank (issue 10, round 24: cross-fitted
# over the six training sets, hit@1 +15, ans@1 +19, ans@5 +10, headline +6, first page +22 of
# 672 questions). Without vectors, ``WEIGHTS`` as before. (Round 27c: + ``dense_gap`` gained
# cross-fitted, but over dev and the held sets lost a first page: not shipped.)
DENSE_MODEL_FEATURES = (*FEATURES, "dense_rank")
# ``python -m bench.fit_passage_scorer --dense --features <DENSE_MODEL_FEATURES> --fit <the six
# training sets>`` printed them (post loss, penalty 0.3, shrink 0.5, no dense pool; round 24's
# fit refitted on today's passages: round 25c's split and round 27b's cleaning moved them
# by up to 0.04).
DENSE_WEIGHTS: tuple[float, ...] = (1.75, 2.03, 1.88, -0.22, 0.64, -0.23, -0.26)


# With the sentences' vectors stored too (``SearchIndex.sentence_vectors``: the bot reads them
# once every sentence is embedded), the dense form and ``dense_sentence_gap``, each candidate's
# closest sentence against the candidates' closest (issue 10, round 29a: cross-fitted over the
# six training sets, the whole search against the dense form refitted alike, hit@1 +28, ans@1
# +32, ans@5 +18, headline +13, first page +20 of 672 questions; bench/README.md). A question
# whose candidates' sentences are not all stored is answered by the dense form.
SENTENCE_MODEL_FEATURES = (*DENSE_MODEL_FEATURES, "dense_sentence_gap")
# ``python -m bench.fit_passage_scorer --dense --sentences --features <SENTENCE_MODEL_FEATURES>
# --fit <the six training sets>`` printed them (post loss, penalty 0.3, shrink 0.5; the
# sentences of all ``SENTENCE_CANDIDATES`` candidates read).
SENTENCE_WEIGHTS: tuple[float, ...] = (1.62, -0.10, 1.26, -0.25, 1.01, -0.33, -0.11, 0.70)


def _is_year(term: str) -> bool:
    return len(term) == 4 and term[:2] in ("18", "19", "20") and term.isdigit()


def _holds(field: FieldCounts, docs: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """A documents × question-terms table: whether ``docs[d]`` has the term ``ids[j]`` (``ids``
    sorted). Only the documents' own entries are read."""
    out = np.zeros((len(docs), len(ids)), bool)
    if not len(docs) or not len(ids):
        return out
    terms, _, row = field.pairs(np.asarray(docs, np.int64))
    at = np.minimum(np.searchsorted(ids, terms), len(ids) - 1)
    hit = ids[at] == terms
    out[row[hit], at[hit]] = True
    return out


class Question:
    """What the features need of a question: its known terms (sorted ids), their weights, its
    total weight and its intent."""

    __slots__ = ("ids", "intent", "opinion", "pairs", "similarity", "total", "weights")

    def __init__(
        self,
        vocab: dict[str, int],
        weight_of: dict[str, float],
        text: str,
        pairs: Sequence[int] = (),
        similarity: np.ndarray | None = None,
    ) -> None:
        known = sorted((vocab[t], w) for t, w in weight_of.items() if t in vocab)
        self.ids = np.array([i for i, _ in known], np.int64)
        self.weights = np.array([w for _, w in known], np.float64)
        self.total = float(sum(weight_of.values()))
        self.intent = intent(text)
        self.opinion = asks_opinion(text)  # (it asks for a view: the voice features)
        # Its adjacent-word pairs (``QueryPlan.phrase_ids``: hashed, as the phrase field's).
        # (a set: ``np.unique`` imports numpy.ma, 1.3 MB of a one-shot ``ask``)
        self.pairs = np.array(sorted(set(pairs)), np.int64)
        # Its cosine to every passage (``dense``: an embedding model's; none given, the dense
        # features read 0).
        self.similarity = similarity


class Features:
    """What the features read: the index's term counts, where each passage's sentences start
    among the sentence documents, which passages state an amount, and the vocabulary (to tell
    a year)."""

    __slots__ = (
        "_amount",
        "_associations",
        "_body",
        "_data",
        "_density",
        "_digit",
        "_heading",
        "_idf",
        "_length",
        "_passage_length",
        "_phrase",
        "_sentence",
        "_sentence_first",
        "_summary",
        "_title",
        "_vocab",
        "_voice",
        "_voice_source",
        "_year",
    )

    def __init__(
        self,
        data: IndexData,
        idf: np.ndarray | None = None,
        voice: Callable[[], Voice] | None = None,
    ) -> None:
        """``idf``: each term's weight (``story``; 1 each when not given); ``voice``: makes the
        passages' voice (``terms.voice``, from their texts: called on first use; none given,
        every passage reads as reporting)."""
        f = data.fields
        self._body, self._heading, self._sentence = f["body"], f["heading"], f["sentence"]
        self._title, self._summary, self._phrase = f["title"], f["summary"], f["phrase"]
        self._sentence_first = np.concatenate(
            [[0], np.cumsum(data.sentence_counts, dtype=np.int64)]
        )
        self._amount = data.states_amount
        self._length = np.log1p(data.passage_counts.astype(np.float64))
        self._passage_length = np.log1p(data.sentence_counts.astype(np.float64))
        # A post's layout: its sentences a passage (a digest's short items, an essay's long
        # sections), whatever its category is called.
        post_first = np.concatenate([[0], np.cumsum(data.passage_counts, dtype=np.int64)])
        sentences = self._sentence_first[post_first]
        self._density = np.log1p(
            (sentences[1:] - sentences[:-1]) / np.maximum(data.passage_counts, 1)
        )
        self._vocab = data.vocab
        self._idf = np.ones(len(data.vocab)) if idf is None else np.asarray(idf, np.float64)
        self._year: np.ndarray | None = None  # per term: a year; holds a digit (on first use)
        self._digit: np.ndarray | None = None
        self._data = data
        self._associations: Associations | None = None  # (``assoc``: on first use)
        self._voice_source = voice
        self._voice: Voice | None = None

    def voice(self) -> Voice:
        """The passages' voice (``terms.voice``), made on first use."""
        if self._voice is None:
            if self._voice_source is None:
                none = np.zeros(len(self._data.sentence_counts))
                self._voice = Voice(none, none)
            else:
                self._voice = self._voice_source()
        return self._voice

    def associations(self) -> Associations:
        """The site's word associations (``terms.associations``), learned on first use."""
        if self._associations is None:
            self._associations = Associations.learn(self._data)
        return self._associations

    def _forms(self) -> tuple[np.ndarray, np.ndarray]:
        """Per vocabulary term: whether it is a year, whether it holds a digit."""
        if self._year is None or self._digit is None:
            vocab = self._vocab
            self._year = np.fromiter((_is_year(t) for t in vocab), bool, len(vocab))
            self._digit = np.fromiter(
                (any(c.isdigit() for c in t) for t in vocab), bool, len(vocab)
            )
        return self._year, self._digit

    def _states_year(self, cand: np.ndarray) -> np.ndarray:
        """Whether each candidate's text has a year among its terms (the candidates' terms
        only are looked at)."""
        terms, _, row = self._body.pairs(np.asarray(cand, np.int64))
        unique, inverse = np.unique(terms, return_inverse=True)
        vocab = self._vocab
        year = np.array([_is_year(vocab[t]) for t in unique.tolist()], bool)
        out = np.zeros(len(cand), bool)
        out[row[year[inverse.ravel()]]] = True
        return out

    def table(
        self,
        q: Question,
        cand: np.ndarray,
        scores: np.ndarray,
        passage_post: np.ndarray,
        post_first_passage: np.ndarray,
        names: Sequence[str] = FEATURES,
        sentence_cosines: Sequence[np.ndarray] | None = None,
    ) -> np.ndarray:
        """One row per candidate (``cand``: passage indexes, best first; ``scores`` theirs),
        the features ``names`` in that order (``sentence_cosines``: per candidate, its sentences'
        cosines to the question; none given, the sentence features read 0)."""
        n = len(cand)
        col = {name: j for j, name in enumerate(names)}
        out = np.zeros((n, len(names)))
        if not n:
            return out

        def put(name: str, value: np.ndarray | float) -> None:
            if name in col:
                out[:, col[name]] = value

        posts = passage_post[cand].astype(np.int64)
        first = post_first_passage[posts]
        top = float(scores[0]) if scores[0] > 0 else 1.0
        put("score", np.log(np.maximum(scores, 1e-6 * top) / top))
        put("ordinal", np.log1p(cand - first))
        put("post_length", self._length[posts])
        put("passage_length", self._passage_length[cand])
        put("post_density", self._density[posts])
        if {"story", "fuller_elsewhere"} & col.keys():
            self._stories(cand, posts, put)
        if VOICE_FEATURES & col.keys():
            # Crossed with the question: commentary answers a question asking for a view.
            v = self.voice()
            own, heading = v.passage[cand], v.heading[cand]
            put("voice_asked" if q.opinion else "voice", own)
            put("heading_voice_asked" if q.opinion else "heading_voice", heading)
        if q.similarity is not None and DENSE_FEATURES & col.keys():
            sims = q.similarity
            put("dense", sims[cand])
            if "dense_post" in col:
                unique, back = np.unique(posts, return_inverse=True)
                put("dense_post", post_best(sims, post_first_passage, unique)[back.ravel()])
            if "dense_rank" in col:
                # (its place among every passage by cosine: how the model ranks it)
                above = (sims[None, :] > sims[cand, None]).sum(axis=1)
                put("dense_rank", np.log1p(above))
            if "dense_post_rank" in col:
                # (its post's place among every post by its best passage's cosine)
                every = post_best(sims, post_first_passage, np.arange(len(post_first_passage) - 1))
                above = (every[None, :] > every[posts, None]).sum(axis=1)
                put("dense_post_rank", np.log1p(above))
            self._post_meaning(sims, cand, posts, post_first_passage, put, col.keys())
            if sentence_cosines is not None:
                _sentence_meaning(sims, cand, posts, sentence_cosines, put)
        if "phrase" in col and len(q.pairs):
            put("phrase", _holds(self._phrase, cand, q.pairs).mean(axis=1))
        if q.total <= 0 or not len(q.ids):
            return out
        ids = q.ids
        w = q.weights / q.total
        heading = _holds(self._heading, cand, ids)
        text = _holds(self._body, cand, ids) | heading
        title = _holds(self._title, posts, ids)
        meta = title | _holds(self._summary, posts, ids)
        # Each candidate's sentences: their shares (alone, and two side by side).
        heavy = np.argsort(-q.weights, kind="stable")[: max(1, (len(ids) + 2) // 3)]
        rare = np.zeros(len(ids))
        rare[heavy] = q.weights[heavy] / q.weights[heavy].sum()
        focus = np.where(title, 0.0, w)  # per candidate: the focus words' weights
        best = np.zeros(n)
        if {
            "sentence",
            "window",
            "form_sentence",
            "rare_window",
            "form_focus",
            "assoc_window",
        } & col.keys():
            s_first = self._sentence_first[cand]
            counts = self._sentence_first[cand + 1] - s_first
            pair = np.zeros(n)
            rare_pair = np.zeros(n)
            form_focus = np.zeros(n)
            soft_pair = np.zeros(n)
            if counts.sum():
                ends = np.cumsum(counts)
                sentences = np.repeat(s_first - (ends - counts), counts) + np.arange(ends[-1])
                row = np.repeat(np.arange(n), counts)
                held = _holds(self._sentence, sentences, ids)
                np.maximum.at(best, row, held @ w)
                soft = None
                if "assoc_window" in col:
                    # Each word held, or else through its strongest associate held.
                    via = self._via_associates((self._sentence,), sentences, ids)
                    soft = np.maximum(held, via)
                    np.maximum.at(soft_pair, row, soft @ w)
                if "rare_window" in col:
                    np.maximum.at(rare_pair, row, held @ rare)
                stated = None
                if "form_focus" in col and q.intent in YEAR_INTENTS | AMOUNT_INTENTS:
                    stated = self._sentences_stating(sentences, q.intent)
                    focus_held = (held * focus[row]).sum(axis=1)
                    np.maximum.at(form_focus, row[stated], focus_held[stated])
                # A sentence and the next of the same passage.
                same = row[1:] == row[:-1]
                if same.any():
                    either = held[1:] | held[:-1]
                    both = either[same] @ w
                    np.maximum.at(pair, row[1:][same], both)
                    if "rare_window" in col:
                        np.maximum.at(rare_pair, row[1:][same], either[same] @ rare)
                    if soft is not None:
                        soft_both = np.maximum(soft[1:], soft[:-1])[same] @ w
                        np.maximum.at(soft_pair, row[1:][same], soft_both)
                    if stated is not None:
                        hit = same & (stated[1:] | stated[:-1])
                        f_both = (either[hit] * focus[row[1:][hit]]).sum(axis=1)
                        np.maximum.at(form_focus, row[1:][hit], f_both)
            put("sentence", best)
            put("window", np.maximum(pair, best))
            put("rare_window", rare_pair)
            put("assoc_window", soft_pair)
            if "form_focus" in col:
                focus_all = focus.sum(axis=1) + (q.total - q.weights.sum()) / q.total
                put("form_focus", form_focus / np.maximum(focus_all, 1e-12))
        # Focus words: the question's words not in the post's title (its unknown words too).
        if {"focus", "focus_near"} & col.keys():
            focus_total = focus.sum(axis=1) + (q.total - q.weights.sum()) / q.total
            share = np.maximum(focus_total, 1e-12)
            put("focus", np.where(focus_total > 0, (text * focus).sum(axis=1) / share, 1.0))
            if "focus_near" in col:
                # Its post's passages before and after it (one table of them: a passage's
                # neighbours are often candidates themselves, read once).
                last = post_first_passage[posts + 1] - 1
                before = np.where(cand > first, cand - 1, cand)
                after = np.where(cand < last, cand + 1, cand)
                near, back = np.unique(np.concatenate([before, after]), return_inverse=True)
                back = back.ravel()
                near_text = _holds(self._body, near, ids) | _holds(self._heading, near, ids)
                around = text | near_text[back[:n]] | near_text[back[n:]]
                put(
                    "focus_near",
                    np.where(focus_total > 0, (around * focus).sum(axis=1) / share, 1.0),
                )
        if "union" in col:
            unique, post_row = np.unique(posts, return_inverse=True)
            union = np.zeros((len(unique), len(ids)), bool)
            np.logical_or.at(union, post_row.ravel(), text | meta)
            put("union", union[post_row.ravel()] @ w)
        put("rare", (text | meta) @ rare)
        if "assoc" in col:
            # The words its text and headings lack, at their associates' strength.
            via = self._via_associates((self._body, self._heading), cand, ids)
            put("assoc", (np.where(text, 0.0, via) * w).sum(axis=1))
        put("rare_heading", heading @ rare)
        put("heading", heading @ w)
        if {"form", "form_sentence"} & col.keys():
            if q.intent in AMOUNT_INTENTS:
                form = self._amount[cand].astype(np.float64)
            elif q.intent in YEAR_INTENTS:
                form = self._states_year(cand).astype(np.float64)
            else:
                form = np.zeros(n)
            put("form", form)
            if "form_sentence" in col:
                put("form_sentence", form * best)
        return out

    def _post_meaning(
        self,
        sims: np.ndarray,
        cand: np.ndarray,
        posts: np.ndarray,
        post_first_passage: np.ndarray,
        put: Callable[..., None],
        names: Collection[str],
    ) -> None:
        """The post-level dense features (round 27c): cosines in the question's own spread
        (its cosines' standard deviation over every passage: e5's cosines sit in a narrow band
        that moves from question to question), the post's mean cosine, ranks by it and within
        the post, and two crossed with the post's length (a digest's item against a brief's own
        section). Each is a handful of whole-array reductions, once per question."""
        if not set(POST_LEVEL_DENSE_FEATURES) & set(names):
            return
        best, spread = float(sims.max()), float(sims.std()) or 1.0
        put("dense_gap", (sims[cand] - best) / spread)
        if "dense_post_gap" in names:
            unique, back = np.unique(posts, return_inverse=True)
            post_top = post_best(sims, post_first_passage, unique)[back.ravel()]
            put("dense_post_gap", (post_top - best) / spread)
        if {"dense_post_mean", "dense_post_mean_rank", "dense_post_mean_long"} & set(names):
            means = post_mean(sims, post_first_passage)
            put("dense_post_mean", (means[posts] - float(sims.mean())) / spread)
            put(
                "dense_post_mean_long",
                (means[posts] - float(sims.mean())) / spread * self._length[posts],
            )
            above = (means[None, :] > means[posts, None]).sum(axis=1)
            put("dense_post_mean_rank", np.log1p(above))
        if {"dense_in_post_rank", "dense_in_post_rank_long"} & set(names):
            within = np.log1p(rank_within_post(sims, post_first_passage, cand, posts))
            put("dense_in_post_rank", within)
            put("dense_in_post_rank_long", within * self._length[posts])

    def _via_associates(
        self, fields: Sequence[FieldCounts], docs: np.ndarray, ids: np.ndarray
    ) -> np.ndarray:
        """A documents × question-terms table: the strength of each term's strongest associate
        (``terms.associations``) that a document holds in one of ``fields`` (0: none)."""
        out = np.zeros((len(docs), len(ids)))
        near, strength, which = self.associations().table(ids)
        if not len(near) or not len(docs):
            return out
        unique, column = np.unique(near, return_inverse=True)
        held = _holds(fields[0], docs, unique)
        for field in fields[1:]:
            held |= _holds(field, docs, unique)
        got = np.where(held[:, column.ravel()], strength[None, :], 0.0)
        np.maximum.at(out.T, which, got.T)  # (per term: the best of its associates)
        return out

    def _sentences_stating(self, sentences: np.ndarray, asked: str) -> np.ndarray:
        """Whether each sentence document states the answer form ``asked`` (an intent of
        ``YEAR_INTENTS`` or ``AMOUNT_INTENTS``): a year, or a number, among its terms."""
        year, digit = self._forms()
        flag = year if asked in YEAR_INTENTS else digit
        terms, _, row = self._sentence.pairs(np.asarray(sentences, np.int64))
        out = np.zeros(len(sentences), bool)
        out[row[flag[terms]]] = True
        return out

    def _stories(self, cand: np.ndarray, posts: np.ndarray, put: Callable[..., None]) -> None:
        """``story`` and ``fuller_elsewhere``: the other posts among the candidates telling a
        candidate's story (a digest's item, its brief, a yearly review's line), and whether one
        of them tells it in more words (the fuller post is the one to show, issue 10)."""
        terms, _, row = self._body.pairs(np.asarray(cand, np.int64))
        unique, column = np.unique(terms, return_inverse=True)
        has = np.zeros((len(cand), len(unique)))
        has[row, column.ravel()] = 1.0
        idf = np.maximum(self._idf[unique], 0.0)
        weight = has @ idf
        shared = (has * idf) @ has.T
        size = has.sum(axis=1)
        same = shared >= SAME_STORY * np.minimum(weight[:, None], weight[None, :])
        same &= (size[:, None] >= STORY_TERMS) & (size[None, :] >= STORY_TERMS)
        same &= posts[:, None] != posts[None, :]
        # Other posts, each counted once.
        tells = np.zeros((len(cand), int(posts.max()) + 1 if len(posts) else 0), bool)
        r, c = np.nonzero(same)
        tells[r, posts[c]] = True
        put("story", np.log1p(tells.sum(axis=1)))
        put("fuller_elsewhere", (same & (size[None, :] > size[:, None])).any(axis=1))


def _sentence_meaning(
    sims: np.ndarray,
    cand: np.ndarray,
    posts: np.ndarray,
    sentences: Sequence[np.ndarray],
    put: Callable[..., None],
) -> None:
    """The sentence-level dense features (round 29a), from each candidate's sentences' cosines
    (``sentences``; a candidate with none reads its passage's cosine): its closest sentence's
    cosine (``dense_sentence``), its gap to the candidates' closest in the question's own spread
    (``dense_sentence_gap``: as ``dense_gap``, the standard deviation of its cosines to every
    passage), its place among the candidates by it (``dense_sentence_rank``: log(1 + the
    candidates closer)), and the mean of its two closest sentences likewise as a gap
    (``dense_sentence_top2``: one close sentence in a long digest against a section about it),
    and its post's place among the candidates' posts by their closest candidate sentence
    (``dense_sentence_post_rank``: log(1 + the posts closer)).
    ``sentences`` may cover only the first candidates: the others read as the last of those."""
    read = len(sentences)
    if not 0 < read <= len(cand):
        raise ValueError(f"sentences of {read} candidates for {len(cand)}")
    pairs = zip(sentences, cand[:read], strict=True)
    best = np.array([float(s.max()) if len(s) else sims[c] for s, c in pairs])
    pairs = zip(sentences, cand[:read], strict=True)
    two = np.array([float(np.sort(s)[-2:].mean()) if len(s) else sims[c] for s, c in pairs])
    # The candidates past those read (``SENTENCE_CANDIDATES``) read as the last of them.
    best = np.concatenate([best, np.full(len(cand) - read, best.min())])
    two = np.concatenate([two, np.full(len(cand) - read, two.min())])
    spread = float(sims.std()) or 1.0
    put("dense_sentence", best)
    put("dense_sentence_gap", (best - best.max()) / spread)
    put("dense_sentence_rank", np.log1p((best[None, :] > best[:, None]).sum(axis=1)))
    put("dense_sentence_top2", (two - two.max()) / spread)
    unique, back = np.unique(posts, return_inverse=True)
    post_best = np.full(len(unique), -np.inf)
    np.maximum.at(post_best, back.ravel(), best)
    own = post_best[back.ravel()]
    put("dense_sentence_post_rank", np.log1p((post_best[None, :] > own[:, None]).sum(axis=1)))


def learned_order(feats: np.ndarray, weights: Sequence[float]) -> np.ndarray:
    """The model's score of each candidate, on the scale of a log score: ``weights ·
    features`` over the weight on ``score``."""
    w = np.asarray(weights, np.float64)
    return (feats @ w) / (w[0] or 1.0)


@dataclass(frozen=True, slots=True)
class Model:
    """Which features the scorer reads (``score`` first), their weights and, optionally, trees
    over the same columns added to the linear part (``trees``; ``bench.fit_tree_scorer``)."""

    features: tuple[str, ...] = FEATURES
    weights: tuple[float, ...] = WEIGHTS
    trees: Trees | None = None

    def order(self, feats: np.ndarray) -> np.ndarray:
        """``learned_order`` of the features ``features`` (in that order), plus the trees'."""
        linear = learned_order(feats, self.weights)
        return linear if self.trees is None else linear + self.trees.predict(feats)


MODEL = Model()  # the shipped one
DENSE_MODEL = Model(DENSE_MODEL_FEATURES, DENSE_WEIGHTS)  # the shipped one with vectors
# The dense form reading the candidates' sentences too (round 29a).
SENTENCE_FORM = Model(SENTENCE_MODEL_FEATURES, SENTENCE_WEIGHTS)
# The scorer used once the sentences' vectors are read (``SearchIndex.sentence_vectors``);
# None: the dense form. ``SENTENCE_FORM`` passes the ship-on rule (round 29a, held…held5 hit@1
# +16, headline +12, first page +4 of 560). Splitting and looking up its 40 candidates'
# sentences costs ~5 ms an answer (6.0 → 11.1 ms p50 "dense + stated"): inside the 50 ms a
# model may add, beside the ~20 ms of embedding the question (switched on by the lead).
SENTENCE_MODEL: Model | None = SENTENCE_FORM


def rescored(
    scores: np.ndarray, choice: np.ndarray, cand: np.ndarray, model: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``scores`` and ``choice`` with the candidates ``cand`` (best first) re-scored by
    ``model`` (log scores): each candidate's scores multiplied by what makes its score the
    first candidate's times exp(its model score − the best). (With only the current score in
    the model, nothing moves.) The other passages stay below every candidate: scaled down
    together when a candidate falls below them."""
    top, floor = float(scores[cand[0]]), float(scores[cand[-1]])
    target = top * np.exp(model - model.max())
    factor = target / scores[cand]
    low = float(target.min())
    if low < floor:  # (a whole-array product: as cheap as the copy it replaces)
        scores, choice = scores * (low / floor), choice * (low / floor)
        factor *= floor / low
    else:
        scores, choice = scores.copy(), choice.copy()
    scores[cand] *= factor
    choice[cand] *= factor
    return scores, choice
