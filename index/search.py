"""Retrieval: a question → ranked, cited passages (or a plain "not covered").

``SearchIndex.search`` runs the pipeline, each step its own module:

1. ``query``: the question read into a ``QueryPlan`` (terms, typo fixes, dates, intent).
2. ``scoring``: every passage scored over its fields in one pass. When no passage holds 0.4 of
   the question's weight (a paraphrase), the candidate posts are re-ranked by the share of it
   their matching passages hold between them (``rerank``, hooked in here). The best candidates
   are then re-scored by a learned model of whether a passage holds the answer
   (``passage_scorer``, hooked in here too; ``RankingWeights.learned``).
3. ``ranking``: passages grouped by post, at most a few of one post among the first results,
   the best post's further passages leading.
4. Declining: a question is declined, with the closest post titles offered (``catalogue``)
   instead of weak matches dressed up as answers, when none of its best three posts holds
   enough of its weight: 0.6 when it has a word found nowhere in the content, else 0.3 with no
   post standing out from the others; judged on the scores before step 2's re-scorings
   (``decline``, its rule ``decline.RULE``, reading how common in English a missing word is;
   ``ranking.confidence`` is a further cut, off by default); or when the site favours none of
   its words, using none more than English does (``decline.off_topic``: "how long should I
   boil an egg" on a site about AI, matched on "boil down to data"); or, once the site's
   sentences have their vectors stored (``stated_rule``, set by the bot and the CLI), when no
   sentence of the first page is close to it in meaning (``answerability``: the posts are
   about its subject but none says what it asks).
5. ``citations``: one citation per section, a story told twice cited once, and the answer's
   results with their snippets (``extraction``).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from types import EllipsisType

import numpy as np

from .answers import answerability, extraction
from .answers.citations import Stories, answer_evidence, build_answer, cite
from .models import Answer, Passage, Post, SearchFilters
from .retrieval import decline, dense, intent, passage_scorer, ranking, rerank
from .retrieval.catalogue import Catalogue
from .retrieval.query import QueryPlan, QueryReader
from .retrieval.ranking import CANDIDATES, DEFAULT_WEIGHTS, MAX_RESULTS, RankingWeights
from .retrieval.scoring import Follows, ScoreTable
from .retrieval.selection import top_k
from .terms.analyzer import term_for_word, words
from .terms.boilerplate import Boilerplate
from .terms.english import ENGLISH, English, zipf_reader
from .terms.fields import IndexData
from .terms.voice import Voice

log = logging.getLogger(__name__)

SITE_USES_SLICE = 1 << 16  # term counts per ``bincount`` in ``site_zipf``
# The reply when the posts are about a question's subject but none seems to say what it asks
# (``SearchIndex.stated_rule``).
NOT_STATED = "The posts are about that, but none seems to say it."


@dataclass(frozen=True, slots=True)
class RerankInputs:
    """What re-ranking a question's candidates needs."""

    terms: rerank.Terms  # the re-ranking tables
    cand: np.ndarray  # the best ``CANDIDATES`` passages, best first
    ids: list[int]  # the question's known terms
    weights: list[float]  # and their weights
    total: float  # the question's total weight


class SearchIndex(Catalogue):
    """An immutable, in-memory searchable index. Swap the whole object to re-index atomically."""

    def __init__(
        self,
        data: IndexData,
        posts: list[Post],
        passages: Sequence[Passage],  # a PassageTable when served (compact, see passage_table)
        weights: RankingWeights = DEFAULT_WEIGHTS,
        generation: int = 0,
        built_at: dt.datetime | None = None,
        previous: SearchIndex | None = None,
        reparsed: Collection[str] = (),
        okapi: bool = False,
        site_english: Mapping[str, float] | None = None,
    ) -> None:
        """``previous``: the index this one follows after a reindex that parsed the posts
        ``reparsed`` again (new or changed) and kept the rest of ``data``'s posts as they were
        (first, in their order): the scoring tables then follow what changed instead of being
        built whole. ``okapi``: what is built whole, rank-bm25 builds (indexing; see
        ``ScoreTable``). ``site_english``: English's words the site has, stored with ``data``
        (``english.site_table``; None: read from the list)."""
        assert [p.id for p in posts] == data.post_ids, "posts must follow the index order"
        assert len(passages) == data.n_passages, "passages must follow the index order"
        super().__init__(posts, passages, data.passage_counts)
        self.data = data
        self.weights = weights
        self.generation = generation
        self.built_at = built_at
        self.vocab = {t: i for i, t in enumerate(data.vocab)}
        # The site's boilerplate (lines recurring in many posts): shown nowhere.
        self.boilerplate = Boilerplate.of(data.sentence_hashes, len(data.post_ids))
        # (per passage, one byte: a set of the passages holding one took 2.8 MB at 10x)
        self._has_boilerplate = self.boilerplate.passages(
            data.sentence_hashes, data.sentence_counts
        )
        follows = None
        if previous is not None:
            now = set(data.post_ids)
            kept = [p in now and p not in reparsed for p in previous.data.post_ids]
            follows = Follows(previous._table, previous.data, np.array(kept, dtype=bool))
        self._table: ScoreTable = ScoreTable(
            data,
            self.passage_post,
            self.post_first_passage,
            self.post_dates,
            weights,
            follows,
            okapi,
        )
        del follows
        self.idf = self._table.idf  # what a question's words weigh (coverage, confidence)
        # Words' frequencies in English (wordfreq's list, read at its first look-up, once per
        # process): a real word the content lacks is no typo (``QueryReader``), and a common
        # one weighs less when declining (``decline.BY_LANGUAGE``). Issue 10, round 23.
        self.language: English | None = ENGLISH
        # The list's words whose terms the site has, with their Zipf (``english.site_table``,
        # stored with the index): what the off-topic rule reads for the words the site has,
        # without reading the list (wordfreq's import, ~15 MB, ~0.2 s) at every question.
        self.site_english = site_english
        self.reader = QueryReader(
            data.vocab,
            self.vocab,
            self.idf,
            self._table.body_df,
            self._table.in_use,
            weights.typo,
            weights.name_parts,
            self.language,
        )
        # Per term, as Python floats (a few dozen looked up per question), clipped at 0 as the
        # stories' weights must be (``bm25`` keeps every served IDF at or above 0 already).
        self._stories = Stories(data.fields["body"], np.maximum(self.idf, 0.0).tolist())
        self._rerank_terms: rerank.Terms | None = None  # (see ``rerank_terms``)
        self._passage_features: passage_scorer.Features | None = None  # (see ``_learned``)
        self.passage_model = passage_scorer.MODEL  # (a fitting script sets its own)
        # An embedding model's passage vectors and question embedder: the learned scorer's
        # dense features (``passage_scorer.DENSE_MODEL``) and candidates (issue 10, round 24).
        # Set whole, once every passage has its vector or its text was skipped (the model fails
        # on it: ``Dense.known``; ``storage.vectors``); None: answers without
        # (``passage_scorer.MODEL``).
        self.dense: dense.Dense | None = None
        self._site_zipf: np.ndarray | None = None  # (see ``site_zipf``)

    def search(self, question: str, k: int = 5, filters: SearchFilters | None = None) -> Answer:
        """The best ``k`` passages for ``question`` (best passage of each post first)."""
        question = question.strip()
        k = max(1, min(k, MAX_RESULTS))
        filters = filters or SearchFilters()
        if intent.asks_for_latest(question):
            return self._newest(question, k, filters)
        plan = self._plan(question)
        if not plan.term_ids and not plan.unknown:
            return self._wordless(question)
        if not plan.term_ids:
            return self._declined(
                question, filters, "None of the words in that question appear in the content."
            )
        scores, choice = self._passage_scores(plan)
        mask = self.filter_mask(filters)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        plain, plain_choice = scores, choice
        if self.weights.rerank:
            scores = self._reranked(plan, scores)
        # The question's vector, once (None: no vectors, or the model failed on it): the
        # learned scorer and the headline's choice between the first results read it.
        use = self._dense_for(question)
        if self.weights.learned:
            scores, choice = self._learned(question, plan, scores, choice, mask, use)
        # More than k passages: two of one section become one citation (see ``cite``).
        ranked, post_scores = self._rank(scores, choice, 2 * k)
        judged = ranked
        if scores is not plain and ranked:
            # Declining judges the passages' own evidence: re-ranking and the learned scorer
            # favour posts holding more of the question, which would hide that none holds
            # enough.
            judged, post_scores = self._rank(plain, plain_choice, 2 * k)
        if not ranked:
            return self._declined(
                question, filters, "Nothing in the content matches that question."
            )
        if self._off_topic(question, plan):
            return self._unrelated(question)
        evidence = float(choice[ranked[0][0]])
        if self.confidence(
            plan, evidence, post_scores
        ) < self.weights.decline_below or self._not_covered(question, plan, judged, post_scores):
            return self._declined(
                question, filters, "The content doesn't seem to cover that.", ranked
            )
        cited = cite(self, self._stories, ranked, k)
        if len(cited) < k and len(ranked) == 2 * k:  # many passages of few sections: look further
            cited = cite(self, self._stories, self._rank(scores, choice, 6 * k)[0], k)
        # (the headline's choice between the first results reads the cosines: issue 10, 27a)
        read = answer_evidence(
            self,
            cited,
            self.boilerplate,
            self._has_boilerplate,
            None if use is None else use.similarities(question),
        )
        if not read:
            return build_answer(self, question, cited, plan.weight_of, evidence=read)
        prepared = extraction.prepare(question, plan.weight_of, read)
        if self._not_stated(question, prepared, use):
            return self._declined(question, filters, NOT_STATED, ranked)
        return build_answer(self, question, cited, plan.weight_of, prepared=prepared)

    def warm(self) -> None:
        """Make this index ready for many questions: build what a question would otherwise
        build at the second one (each field's term-major postings: 0.1-0.3 s at 10x, and
        scipy's import), the titles' vocabulary (else made at autocomplete's first
        keystrokes), the English word list (else read at the first question: wordfreq's
        import, ~0.1 s) and the site's word frequencies (``site_zipf``). A server calls it off
        its event loop before serving the index; a process that answers one question does not
        (it would only add to its start-up)."""
        self._table.warm()
        self.title_words.warm()
        if math.isfinite(self.off_topic_rule.gap):
            self.site_zipf()
        if self.language is not None:
            self.language.load()
        if "assoc" in self.passage_model.features:  # (the site's word associations)
            self.passage_features().associations()
        if passage_scorer.VOICE_FEATURES & set(self.passage_model.features):
            self.passage_features().voice()

    @property
    def warmed(self) -> bool:
        """Whether a question will build nothing more (``warm``, or after a second question)."""
        return self._table.warmed

    def _newest(self, question: str, k: int, filters: SearchFilters) -> Answer:
        """A request for the newest posts ("what's new?"), answered by date: each of the ``k``
        newest posts that pass ``filters``, cited at its opening, newest first."""
        posts = self.newest(k, filters)
        if not posts:
            return self._declined(question, filters, "No post matches those filters.")
        ranked = [(int(self.post_first_passage[i]), float(k - n)) for n, i in enumerate(posts)]
        cited = cite(self, self._stories, ranked, k)
        return build_answer(self, question, cited, {}, self.boilerplate, self._has_boilerplate)

    def _declined(
        self,
        question: str,
        filters: SearchFilters,
        message: str,
        ranked: list[tuple[int, float]] | None = None,
    ) -> Answer:
        return Answer(
            question=question,
            declined=True,
            message=message,
            suggestions=tuple(self.suggest(question, filters, ranked)),
        )

    def _wordless(self, question: str) -> Answer:
        """A question with nothing to search for ("?", spaces, only words like "what" and
        "the"): no post is closer than another, so none is offered; an example instead."""
        message = (
            "There is nothing in that question to search for. Ask in a few words what you want"
            " to know" + self._for_example()
        )
        return Answer(question=question, declined=True, wordless=True, message=message)

    def _unrelated(self, question: str) -> Answer:
        """A question none of whose words the site favours (``_off_topic``): the closest posts
        would share only common words with it ("good morning everyone" → three digests), so
        none is offered; an example of what the posts are about instead."""
        message = (
            "None of the posts is about that. Ask about something they cover" + self._for_example()
        )
        return Answer(question=question, declined=True, message=message)

    def _for_example(self) -> str:
        """ ", for example “tell me about <a plain title>”." (the one example every reply that
        suggests a question shows: ``examples``), or "." for a site of no posts."""
        return f", for example “{self.examples.question}”." if self.posts else "."

    # ---------------------------------------------------------------- the steps

    def _plan(self, question: str) -> QueryPlan:
        return self.reader.plan(question)

    def _passage_scores(self, plan: QueryPlan) -> tuple[np.ndarray, np.ndarray]:
        """Scores to rank posts by, and scores to choose a post's passage by (``scoring``)."""
        return self._table.scores(plan)

    def _rank(
        self, scores: np.ndarray, choice: np.ndarray, k: int
    ) -> tuple[list[tuple[int, float]], list[float]]:
        """Passages in result order, and the best few posts' scores (``ranking.rank``)."""
        return ranking.rank(scores, choice, self.passage_post, self.weights, k)

    def confidence(self, plan: QueryPlan, evidence: float, post_scores: list[float]) -> float:
        """How sure we are that the content answers the question (``ranking.confidence``)."""
        return ranking.confidence(plan, evidence, post_scores, self.weights)

    # ---------------------------------------------------------------- re-ranking

    def rerank_terms(self) -> rerank.Terms:
        """The re-ranking look-ups (over the index's own term counts: nothing to build)."""
        if self._rerank_terms is None:
            data = self.data.fields
            self._rerank_terms = rerank.Terms(
                [data["body"], data["heading"]],
                [data["title"], data["summary"]],
                self.data.passage_counts,
                len(self.data.vocab),
            )
        return self._rerank_terms

    def _rerank_inputs(self, plan: QueryPlan, scores: np.ndarray) -> RerankInputs:
        """The re-ranking tables, the best ``CANDIDATES`` passages (best first) and the
        question's known terms, their weights and its total weight."""
        terms = self.rerank_terms()
        cand = top_k(scores, min(CANDIDATES, len(scores)))
        cand = cand[scores[cand] > 0]
        known = [(self.vocab[t], w) for t, w in plan.weight_of.items() if t in self.vocab]
        ids, weights = [i for i, _ in known], [w for _, w in known]
        return RerankInputs(terms, cand, ids, weights, sum(plan.weight_of.values()))

    def rerank_features(
        self, plan: QueryPlan, scores: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The best ``CANDIDATES`` passages (best first), and ``rerank.Terms.features`` of
        their posts: the posts (indexes), each candidate's post row, the features."""
        r = self._rerank_inputs(plan, scores)
        posts, group, feats = r.terms.features(
            r.cand, self.passage_post[r.cand], r.ids, r.weights, r.total
        )
        return r.cand, posts, group, feats

    def _rerank_factors(
        self, plan: QueryPlan, scores: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The candidate passages and their posts' ``rerank.factors``, or ``None`` when the
        best passage holds ``rerank_below`` of the question (BM25's order stands)."""
        r = self._rerank_inputs(plan, scores)
        if len(r.cand) < 2 or (
            r.terms.passage_coverage(int(r.cand[0]), r.ids, r.weights, r.total)
            >= self.weights.rerank_below
        ):
            return None
        _, group, feats = r.terms.features(
            r.cand, self.passage_post[r.cand], r.ids, r.weights, r.total
        )
        scale = self.weights.rerank
        return r.cand, rerank.factors(feats, tuple(scale * w for w in rerank.WEIGHTS))[group]

    def _reranked(self, plan: QueryPlan, scores: np.ndarray) -> np.ndarray:
        """``scores`` with the candidate posts' passages multiplied by their re-rank factors."""
        found = self._rerank_factors(plan, scores)
        if found is None:
            return scores
        cand, factor = found
        out = scores.copy()
        out[cand] *= factor
        return out

    # ---------------------------------------------------------------- the learned scorer

    def passage_features(self) -> passage_scorer.Features:
        """The learned scorer's look-ups, made on first use (like ``rerank_terms``)."""
        if self._passage_features is None:
            self._passage_features = passage_scorer.Features(
                self.data, np.maximum(self.idf, 0.0), self._voice
            )
        return self._passage_features

    def _voice(self) -> Voice:
        """The passages' voice, from their texts (read once: about 30 ms at 1x)."""
        n = len(self.passages)
        return Voice.learn(
            self.passages.texts(range(n)),
            [self.passages.heading_path(i) for i in range(n)],
            self.passage_post.tolist(),
        )

    def learned_pool(
        self,
        question: str,
        scores: np.ndarray,
        choice: np.ndarray,
        allowed: np.ndarray | None = None,
        with_dense: dense.Dense | EllipsisType | None = ...,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The learned scorer's candidates: the best ``passage_scorer.CANDIDATES`` passages by
        ``scores`` (best first), then, with ``dense`` pooling, the best by cosine among those
        ``allowed`` (``dense.joined``); and ``scores`` and ``choice`` with those raised to the
        last candidate's (``dense.with_joined``; ``with_dense``: that one, None for none, by
        default the index's ``dense``)."""
        cand = top_k(scores, min(passage_scorer.CANDIDATES, len(scores)))
        cand = cand[scores[cand] > 0]
        use = self.dense if with_dense is ... else with_dense
        if use is not None and use.pool > 0 and len(cand):
            sims = use.similarities(question)
            extra = dense.joined(cand, sims, use.pool, use.joinable(allowed))
            return dense.with_joined(cand, scores, choice, extra)
        return cand, scores, choice

    def learned_features(
        self,
        question: str,
        plan: QueryPlan,
        scores: np.ndarray,
        names: Sequence[str] | None = None,
        cand: np.ndarray | None = None,
        with_dense: dense.Dense | EllipsisType | None = ...,
        sentences: Sequence[np.ndarray] | EllipsisType | None = ...,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The candidates ``cand`` (by default the best ``passage_scorer.CANDIDATES`` passages
        by ``scores``, best first) and their features ``names`` (the model's by default; the
        dense ones from ``with_dense``, by default the index's ``dense``; the sentence ones from
        ``sentences``, by default looked up: ``candidate_sentences``)."""
        if cand is None:
            cand = top_k(scores, min(passage_scorer.CANDIDATES, len(scores)))
            cand = cand[scores[cand] > 0]
        names = self.learned_model().features if names is None else names
        similarity = None
        use = self.dense if with_dense is ... else with_dense
        if use is not None and passage_scorer.DENSE_FEATURES & set(names):
            similarity = use.similarities(question)
        if sentences is ...:
            sentences = None
            if similarity is not None and set(passage_scorer.SENTENCE_DENSE_FEATURES) & set(names):
                sentences = self.candidate_sentences(question, cand, use)
        return cand, self.passage_features().table(
            passage_scorer.Question(
                self.vocab, plan.weight_of, question, plan.phrase_ids, similarity
            ),
            cand,
            scores[cand].astype(np.float64),
            self.passage_post,
            self.post_first_passage,
            names,
            sentences,
        )

    def candidate_sentences(
        self, question: str, cand: np.ndarray, use: dense.Dense | None
    ) -> list[np.ndarray] | None:
        """Per candidate passage of ``cand`` (the first ``passage_scorer.SENTENCE_CANDIDATES``
        of them), its sentences' cosines to ``question`` (as
        ``answerability.passage_sentences`` splits them, their vectors read through
        ``sentence_vectors``, the question's from ``use``); None without either, or when one
        sentence has no vector (not stored yet) or the look-up fails: no sentence features."""
        lookup = self.sentence_vectors
        if use is None or lookup is None or not len(cand):
            return None
        read = cand[: passage_scorer.SENTENCE_CANDIDATES].tolist()
        per = [answerability.passage_sentences(t) for t in self.passages.texts(read)]
        every = list(dict.fromkeys(s for p in per for s in p))
        if not every:
            return [np.zeros(0) for _ in per]
        try:
            vectors = lookup(every)
        except Exception:
            log.warning("Reading the candidates' sentence vectors failed", exc_info=True)
            return None
        if vectors is None:
            return None
        cosines = (np.asarray(vectors, np.float32) @ use.question_vector(question)).astype(
            np.float64
        )
        at = {s: i for i, s in enumerate(every)}
        return [cosines[[at[s] for s in p]] for p in per]

    def learned_model(self, use: dense.Dense | EllipsisType | None = ...) -> passage_scorer.Model:
        """The learned scorer a search uses: ``passage_model``, but the shipped one becomes
        its dense form (``passage_scorer.DENSE_MODEL``) once the index has its vectors
        (``use``, by default ``dense``), and ``passage_scorer.SENTENCE_MODEL`` (when there is
        one) once its sentences' vectors are read too (``sentence_vectors``; ``_learned`` falls
        back to the dense form for a question whose candidates' sentences are not all stored).
        A model set by hand (fitting, tests) is used as it is."""
        use = self.dense if use is ... else use
        if use is not None and self.passage_model is passage_scorer.MODEL:
            sentences = passage_scorer.SENTENCE_MODEL
            if sentences is not None and self.sentence_vectors is not None:
                return sentences
            return passage_scorer.DENSE_MODEL
        return self.passage_model

    def _dense_for(self, question: str) -> dense.Dense | None:
        """The index's vectors for this question (read once: the vector filler may set them
        meanwhile), or None when the model fails on it: the question is answered by words
        alone, as before the site was embedded, rather than not at all."""
        use = self.dense
        if use is not None:
            try:
                use.similarities(question)  # (kept: the pool and the features read it)
            except Exception:
                log.warning(
                    "The embedding model failed on a question; answered by words alone",
                    exc_info=True,
                )
                return None
        return use

    def _learned(
        self,
        question: str,
        plan: QueryPlan,
        scores: np.ndarray,
        choice: np.ndarray,
        allowed: np.ndarray | None = None,
        with_dense: dense.Dense | EllipsisType | None = ...,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``scores`` and ``choice`` with the best candidates re-scored by the learned scorer
        (``allowed``: the passages a search's filters leave, for ``dense`` pooling;
        ``with_dense``: the vectors, as ``_dense_for`` gave them, by default looked up)."""
        use = self._dense_for(question) if with_dense is ... else with_dense
        scorer = self.learned_model(use)
        cand, scores, choice = self.learned_pool(question, scores, choice, allowed, use)
        sentences: list[np.ndarray] | EllipsisType | None = ...
        if scorer is passage_scorer.SENTENCE_MODEL:
            sentences = self.candidate_sentences(question, cand, use)
            if sentences is None:  # (a sentence not stored yet: the dense form, as before)
                scorer = passage_scorer.DENSE_MODEL
        cand, feats = self.learned_features(
            question, plan, scores, scorer.features, cand, use, sentences
        )
        if len(cand) < 2:
            return scores, choice
        model = scorer.order(feats) * self.weights.learned
        return passage_scorer.rescored(scores, choice, cand, model)

    # ---------------------------------------------------------------- declining

    # When a question is declined (``decline``); set on an instance to measure another rule.
    decline_rule: decline.Rule = decline.RULE

    def post_coverage(self, plan: QueryPlan, post: int) -> float:
        """The share of the question's weight (unknown words included) that the post holds
        anywhere: its title, summary, headings or text."""
        return self._share_held(plan.weight_of, self._post_terms(post))

    def _post_terms(self, post: int) -> set[int]:
        """The terms a post holds anywhere: its title, summary, headings or text."""
        data = self.data.fields
        a, b = int(self.post_first_passage[post]), int(self.post_first_passage[post + 1])
        held: set[int] = set()
        for name, lo, hi in (
            ("body", a, b),
            ("heading", a, b),
            ("title", post, post + 1),
            ("summary", post, post + 1),
        ):
            held.update(data[name].terms(lo, hi).tolist())
        return held

    def _share_held(self, weights: Mapping[str, float], held: set[int]) -> float:
        total = sum(weights.values())
        if total <= 0:
            return 0.0
        return sum(w for t, w in weights.items() if self.vocab.get(t, -1) in held) / total

    def decline_evidence(
        self,
        question: str,
        plan: QueryPlan,
        judged: list[tuple[int, float]],
        post_scores: list[float],
        rule: decline.Rule,
        enough: float = math.inf,
    ) -> decline.Evidence:
        """What ``decline`` judges of ranked passages ``judged`` (not empty), best first, and
        the best posts' scores, read as ``rule`` says. The first posts are looked at until one
        holds ``enough`` (a coverage that declines nothing: the others cannot change the
        decision)."""
        weights = plan.weight_of
        known = self.reader.term
        left_out = decline.asking_words_unknown(question, lambda t: known(t)[0] >= 0)
        if rule.compounds:
            left_out |= decline.compounds_of_known_words(question, lambda t: known(t)[0] >= 0)
        if left_out:
            weights = decline.weights_judged(weights, left_out)
        if (rule.asking_from or rule.common_from) and plan.unknown:
            if self.language is None:
                raise ValueError("this decline rule reads English word frequencies: none given")
            zipfs = decline.missing_words_zipf(
                question, weights, lambda t: known(t)[0] >= 0, self.language.zipf
            )
            if zipfs:
                weights = decline.by_language(weights, zipfs, rule)
        posts: list[int] = []
        for passage, _ in judged:
            post = int(self.passage_post[passage])
            if post not in posts:
                posts.append(post)
        coverage = 0.0
        for post in posts[: max(1, rule.posts)]:
            coverage = max(coverage, self._share_held(weights, self._post_terms(post)))
            if coverage >= enough:
                break
        first = judged[0][0]
        post = int(self.passage_post[first])
        data = self.data.fields
        held = set(data["title"].terms(post, post + 1).tolist())
        for name in ("body", "heading"):
            held.update(data[name].terms(first, first + 1).tolist())
        unknown = self.reader.has_unknown_word(
            replace(plan, weight_of=weights) if weights is not plan.weight_of else plan
        )
        return decline.Evidence(
            coverage, self._share_held(weights, held), ranking.stand_out(post_scores), unknown
        )

    # Whether the first page states an answer, in meaning (``answerability.StatedRule``; issue
    # 10, rounds 28b and 28e): off until the site's sentences have their vectors stored. It
    # reads the first page's sentences' vectors through ``sentence_vectors`` (in the bot and
    # the CLI, a look-up by text digest in the index's file: ``storage.vectors.StoredSentences``,
    # no model call) and the question's from ``dense``; without either, or with a sentence not
    # stored, it judges nothing (the question is answered as without the rule).
    stated_rule: answerability.StatedRule = answerability.NOT_STATED_OFF
    sentence_vectors: answerability.SentenceVectors | None = None

    def _not_stated(
        self,
        question: str,
        prepared: extraction.Prepared,
        use: dense.Dense | None,
    ) -> bool:
        """Whether no sentence of the first page is close enough to the question in meaning
        (``answerability.declines``): the posts are about its subject but none says what it
        asks ("How many employees does X have?" where X's posts never count them)."""
        rule, lookup = self.stated_rule, self.sentence_vectors
        if not rule.active or use is None or lookup is None:
            return False
        if not answerability.judges(question):
            return False
        texts = answerability.first_page_sentences(prepared, rule.results)
        if not texts:
            return False
        try:
            vectors = lookup(texts)
        except Exception:
            log.warning("Reading a first page's sentence vectors failed; not judged", exc_info=True)
            return False
        if vectors is None:  # (a sentence not stored yet: judged once it is)
            return False
        best = answerability.best_cosine(use.question_vector(question), vectors)
        return answerability.declines(best, rule)

    # Far off-topic questions (``decline.OffTopicRule``; issue 10, round 27d).
    off_topic_rule: decline.OffTopicRule = decline.OFF_TOPIC

    def site_zipf(self) -> np.ndarray:
        """Per term, how often the site uses it (its posts' text, headings, titles and
        summaries: a word a post says only in its title is the site's too), as a Zipf
        frequency (0: never); made at the first call (one pass over those counts)."""
        if self._site_zipf is None:
            uses = np.zeros(len(self.data.vocab))
            for name in ("body", "heading", "title", "summary"):
                field = self.data.fields[name]
                counts = field.span(0, field.n_docs)
                # A slice at a time: ``bincount`` copies its weights as float64 (a field's
                # whole counts: ~4 MB more at a one-shot ``ask``'s peak); the sums are of whole
                # numbers, exact in any order.
                for at in range(0, len(counts.term_ids), SITE_USES_SLICE):
                    part = slice(at, at + SITE_USES_SLICE)
                    uses += np.bincount(
                        counts.term_ids[part], weights=counts.counts[part], minlength=len(uses)
                    )
            total = float(uses.sum())
            with np.errstate(divide="ignore"):
                zipf = np.log10(uses / max(total, 1.0)) + 9.0
            self._site_zipf = np.where(uses > 0, np.maximum(zipf, 1e-6), 0.0)
        return self._site_zipf

    def site_words(self, question: str, plan: QueryPlan | None = None) -> list[decline.SiteWord]:
        """``question``'s searched words as the off-topic rule reads them: each with the
        site's use of it and English's (``decline.SiteWord``); the words of the asking,
        compounds of known words and numbers left out. A typo's fix for a word English lists
        ("yolk" read as "york") stands for that word, which the site lacks: judged as unused."""
        plan = self._plan(question.strip()) if plan is None else plan
        known = self.reader.term
        left_out = decline.asking_words_unknown(question, lambda t: known(t)[0] >= 0)
        left_out |= decline.compounds_of_known_words(question, lambda t: known(t)[0] >= 0)
        # (the index's table of English's words the site has, else the list: ``english``)
        zipf = zipf_reader(self.language, self.site_english, self.vocab)
        english: dict[str, float] = {}
        typed: dict[str, float] = {}  # a fix → the Zipf of the English word it stands for
        for word in words(question):
            terms = term_for_word(word)
            if not terms:  # (a stopword: no Zipf to read)
                continue
            # (English's list has "vacuum", not "vacuum's")
            frequency = max(zipf(word), zipf(word.split("'")[0].split("’")[0]))
            for term in terms:
                english[term] = max(english.get(term, 0.0), frequency)
                if term in plan.weight_of or known(term)[0] >= 0 or not english[term]:
                    continue
                for fix in self.reader.typo_fixes(term) or self.reader.word_typo_fixes(word):
                    typed[fix] = max(typed.get(fix, 0.0), english[term])
        site = self.site_zipf()
        found = []
        for term in plan.weight_of:
            if term in left_out or term.isdigit():  # (a number is of no topic)
                continue
            i = self.vocab.get(term, -1)
            used = float(site[i]) if i >= 0 else 0.0
            if term not in english and term in typed:
                found.append(decline.SiteWord(term, 0.0, typed[term]))
            else:
                found.append(decline.SiteWord(term, used, english.get(term, -1.0)))
        return found

    def _off_topic(self, question: str, plan: QueryPlan) -> bool:
        """Whether the site favours none of the question's words (``decline.off_topic``): a
        question about cooking, sport or the weather on a site about AI, matched on words
        the site uses no more than English does ("boil" in "…boil down to data")."""
        rule = self.off_topic_rule
        return math.isfinite(rule.gap) and decline.off_topic(self.site_words(question, plan), rule)

    def _not_covered(
        self,
        question: str,
        plan: QueryPlan,
        judged: list[tuple[int, float]],
        post_scores: list[float],
    ) -> bool:
        """Whether the question's best evidence holds too little of it (``decline``): a
        question about something the site never mentions, matched on its common words.
        Issue 10: round 2 chose the thresholds, round 15 the evidence they read (the best of
        the first three posts); rounds 4, 8, 11 and 15 measured other rules."""
        rule = self.decline_rule
        if rule.enough <= 0:
            return False
        evidence = self.decline_evidence(question, plan, judged, post_scores, rule, rule.enough)
        return decline.declines(evidence, rule)


# ---------------------------------------------------------------- explaining (see explain.py)


def explain_plan(index: SearchIndex, question: str) -> QueryPlan:
    """How the ranking reads ``question`` (terms searched, typo fixes and their boosts, adjacent
    pairs, dates named): what ``index.explain`` needs to look inside the ranking."""
    return index._plan(question)


def explain_rerank(index: SearchIndex, question: str) -> dict[str, float]:
    """Each candidate post's re-rank factor for ``question`` (empty when the question was not
    re-ranked): the ranking's own ``_rerank_factors``, by post id, for
    ``index.explain``."""
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


def explain_learned(index: SearchIndex, question: str) -> np.ndarray | None:
    """Each passage's factor from the learned scorer for ``question`` (its score after over
    before; ``None`` when the scorer is off or moved nothing): the ranking's own ``_learned``,
    for ``index.explain``."""
    if not index.weights.learned:
        return None
    plan = index._plan(question.strip())
    if not plan.term_ids:
        return None
    scores, choice = index._passage_scores(plan)
    if index.weights.rerank:
        scores = index._reranked(plan, scores)
    after, _ = index._learned(question.strip(), plan, scores, choice)
    if after is scores:
        return None
    return np.divide(after, scores, out=np.ones_like(after, dtype=np.float64), where=scores > 0)


def explain_decline(
    index: SearchIndex, question: str, rule: decline.Rule | None = None, k: int = 5
) -> decline.Evidence | None:
    """What declining judges of ``question``, read as ``rule`` (the index's own by default)
    says (``None`` when it has no searchable word or nothing matches): the search's own steps
    up to the decision, every one of the first posts looked at, for ``bench.fit_decline``."""
    question = question.strip()
    plan = index._plan(question)
    if not plan.term_ids:
        return None
    scores, choice = index._passage_scores(plan)
    judged, post_scores = index._rank(scores, choice, 2 * max(1, min(k, MAX_RESULTS)))
    if not judged:
        return None
    rule = index.decline_rule if rule is None else rule
    return index.decline_evidence(question, plan, judged, post_scores, rule)
