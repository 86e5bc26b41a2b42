"""What gets indexed: the fields of each passage and post, and their persisted term statistics.

A passage is searched through several fields, each its own BM25 space:

- ``body``     the passage text;
- ``heading``  its heading path (a question that names a section should find it);
- ``phrase``   adjacent-term pairs of heading + body (phrase and proximity evidence), hashed
               into a fixed id space: pairs are nearly all distinct, and a vocabulary of them
               would be ten times the size of the word vocabulary;
- ``title``    the post title (post-level: one document per post);
- ``summary``  the post's excerpt, tags, categories and authors (post-level);
- ``sentence`` each sentence of each passage as its own document (sentence-level: a passage is
               as good as its best sentence, which rewards query terms that occur *together*).

Besides the fields, each passage carries one flag worked out with the rest of its analysis:
whether it states an amount (for questions asking "how much"); and each sentence document a hash
of its normalised text, to tell the site's boilerplate (``boilerplate``: lines recurring in many
posts).

``IndexData`` is the whole index as numbers: vocabulary, post order, and per-field term counts.
It is what the store persists and what incremental re-indexing edits: documents of unchanged posts
are kept as they are, so only new or changed files are parsed and analysed again.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..ingest.passages import split_sentences
from ..models import ParsedPost
from .analyzer import analyze
from .boilerplate import HASH_TYPE, post_hashes
from .term_counts import FieldCounts, TermCounts

PASSAGE_FIELDS = ("body", "heading", "phrase")
HASHED_FIELDS = ("phrase",)  # term ids are hash buckets, not vocabulary entries
POST_FIELDS = ("title", "summary")
SENTENCE_FIELDS = ("sentence",)
FIELDS = PASSAGE_FIELDS + POST_FIELDS + SENTENCE_FIELDS


PHRASE_BUCKETS = 1 << 20  # hashed pair ids; collisions are rare enough not to matter
# Bumped whenever what is stored changes meaning (e.g. how pairs are hashed): an index stored in
# another format is rebuilt rather than misread.
# (4: authors in the summary field, and a post's introduction kept apart from its first section.)
# (5: each sentence document's hash of its normalised text, for the site's boilerplate.)
# (6: code blocks, {% highlight %} ones too, as marked lines of passages: posts stored before
# would keep showing their code as sentences until edited.)
# (7: a heading with no text before a sibling heading as a passage of its own, and a post's
# furniture out of its prose (picture credits, tweets' handles): posts stored before would keep
# their old passages, and citations, until edited.)
INDEX_FORMAT = 7


# Text stating an amount: money, a percentage, a multiple, a count of time or of people. Three
# patterns over lower-cased text, the cheap substring tests first: one case-insensitive pattern
# with all the alternatives took 2.7 times as long over a site's passages.
_MONEY = re.compile(r"\$\s?\d")
_NUMBER_OF = re.compile(  # a number's last digit, then its unit ("1,200 gpus", "12 %")
    r"\d\s*(?:%|percent|per cent|times\b|x\b|-?fold\b|billion|million|thousand"
    r"|hours?\b|days?\b|weeks?\b|months?\b|minutes?\b|seconds?\b|[gtc]pus?\b|petaflops?\b"
    r"|people\b|users\b)"
)
_AMOUNT_WORDS = ("twice", "half", "double", "triple", "weekly", "daily", "monthly")
_AMOUNT_WORD = re.compile(r"\b(?:" + "|".join(_AMOUNT_WORDS) + r")\b")


def states_amount(text: str) -> bool:
    """Whether ``text`` states an amount ("$1.5 billion", "12%", "twice as fast")."""
    text = text.lower()
    return bool(
        ("$" in text and _MONEY.search(text))
        or _NUMBER_OF.search(text)
        or (any(w in text for w in _AMOUNT_WORDS) and _AMOUNT_WORD.search(text))
    )


_PAIR_MIX = 0x9E3779B1  # an odd multiplier: (a, b) and (b, a) land in different buckets


class _TermHashes(dict[str, int]):
    """crc32 of each term, computed once: ids must be the same in every process and every run,
    which Python's own (randomised) string hash is not."""

    def __missing__(self, term: str) -> int:
        if len(self) >= 1_000_000:  # questions bring new words; keep the cache bounded
            self.clear()
        value = self[term] = zlib.crc32(term.encode())
        return value


_term_hash = _TermHashes()
term_hash = _term_hash.__getitem__


def phrase_ids(terms: list[str]) -> list[int]:
    """Ids of adjacent term pairs ("facial recognit"), the cheap form of phrase matching."""
    return pair_ids(list(map(term_hash, terms)))


def pair_ids(hashes: list[int]) -> list[int]:
    """``phrase_ids`` of terms given by their ``term_hash``."""
    mask = PHRASE_BUCKETS - 1
    return [((a * _PAIR_MIX) ^ b) & mask for a, b in itertools.pairwise(hashes) if a != b]


def _narrow(values: np.ndarray) -> np.ndarray:
    """The same non-negative integers in the smallest type that holds them."""
    top = int(values.max()) if len(values) else 0
    return values.astype(np.min_scalar_type(top), copy=False)


def _narrow_counts(tc: TermCounts) -> TermCounts:
    """``tc`` with its counts in the smallest type that holds them (nearly always one byte):
    the live index keeps every field's counts, 30 million of them at 10x, for the next reindex
    and its look-ups. (Scoring reads them as floats: the same values whatever their type.)"""
    return TermCounts(tc.doc_ptr, tc.term_ids, _narrow(tc.counts))


@dataclass(slots=True)
class PostTerms:
    """One post's analysed fields: per passage (in order) and for the post as a whole."""

    post_id: str
    passages: dict[str, list[list[str]]]  # field → one term list per passage ("heading")
    phrases: list[list[int]]  # per passage, its hashed term pairs
    post: dict[str, list[str]]  # field → the post's term list ("title", "summary")
    sentences: list[list[list[str]]]  # per passage, the term list of each sentence (the body)
    amounts: list[bool]  # per passage, whether it states an amount
    hashes: list[int]  # per sentence document (in order): ``boilerplate.post_hashes``


def analyze_post(parsed: ParsedPost) -> PostTerms:
    post = parsed.post
    heading, phrase, sentences = [], [], []
    texts: list[str] = []  # each sentence document's text
    heading_cache: dict[tuple[str, ...], list[str]] = {}
    for passage in parsed.passages:
        h = heading_cache.get(passage.heading_path)
        if h is None:
            h = heading_cache[passage.heading_path] = analyze(" ".join(passage.heading_path))
        analysed = [
            (analyze(sentence), sentence)
            for line in passage.text.split("\n")
            for sentence in split_sentences(line)
        ]
        analysed = [(terms, text) for terms, text in analysed if terms]
        s = [terms for terms, _ in analysed] or [[]]
        texts.extend([text for _, text in analysed] or [""])
        heading.append(h)
        phrase.append(phrase_ids(h) + phrase_ids([t for terms in s for t in terms]))
        sentences.append(s)
    # Authors as words ("andrey_kurenkov" → "andrey kurenkov"): "what did Andrey write about…".
    authors = [a.replace("_", " ") for a in post.authors]
    summary_text = " ".join([post.excerpt, *post.tags, *post.categories, *authors])
    return PostTerms(
        post_id=post.id,
        passages={"heading": heading},
        phrases=phrase,
        post={"title": analyze(post.title), "summary": analyze(summary_text)},
        sentences=sentences,
        amounts=[states_amount(p.text) for p in parsed.passages],
        hashes=post_hashes(texts),
    )


@dataclass(slots=True)
class IndexData:
    """The searchable index as arrays. Posts are in ``post_ids`` order; each post's passages are
    contiguous and in ordinal order, ``passage_counts[i]`` of them for post ``i``."""

    vocab: list[str] = field(default_factory=list)
    post_ids: list[str] = field(default_factory=list)
    passage_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    sentence_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    states_amount: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # per passage
    # per sentence document, its ``boilerplate.post_hashes`` (0: never boilerplate)
    sentence_hashes: np.ndarray = field(default_factory=lambda: np.zeros(0, HASH_TYPE))
    fields: Mapping[str, FieldCounts] = field(
        default_factory=lambda: {name: TermCounts.empty() for name in FIELDS}
    )

    @property
    def n_passages(self) -> int:
        return int(self.passage_counts.sum())

    @classmethod
    def from_posts(cls, posts: list[PostTerms]) -> IndexData:
        """Index data for analysed posts, numbering terms locally.

        Worker processes build these from the posts they parsed: numpy arrays and one short
        vocabulary are far cheaper to send back than millions of term strings, and merging
        (``updated``) only has to renumber arrays.
        """
        vocab: list[str] = []
        term_id: dict[str, int] = {}

        def counts(docs: list[list[str]]) -> TermCounts:
            # One pass over all documents' terms: per-document Python work is what costs.
            flat = list(itertools.chain.from_iterable(docs))
            # In order of first use (dict.fromkeys, not a set): term ids must not depend on the
            # process's string hashing, or two builds of one corpus would differ.
            for t in dict.fromkeys(flat):
                if t not in term_id:
                    term_id[t] = len(vocab)
                    vocab.append(t)
            ids = np.fromiter(map(term_id.__getitem__, flat), np.int64, len(flat))
            return TermCounts.from_flat(ids, np.fromiter(map(len, docs), np.int64, len(docs)))

        # Sentences are analysed once; passage bodies and whole posts are their sums.
        sentence_counts = np.array([len(p) for pt in posts for p in pt.sentences], np.int32)
        passage_counts = np.array([len(pt.sentences) for pt in posts], np.int32)
        sentence = counts([s for pt in posts for p in pt.sentences for s in p])
        body = sentence.grouped(
            np.repeat(np.arange(len(sentence_counts)), sentence_counts), len(sentence_counts)
        )
        fields = {
            "body": body,
            "heading": counts([h for pt in posts for h in pt.passages["heading"]]),
            "phrase": TermCounts.from_docs([ids for pt in posts for ids in pt.phrases]),
            "title": counts([pt.post["title"] for pt in posts]),
            "summary": counts([pt.post["summary"] for pt in posts]),
            "sentence": sentence,
        }
        return cls(
            vocab=vocab,
            post_ids=[pt.post_id for pt in posts],
            passage_counts=passage_counts,
            sentence_counts=sentence_counts,
            states_amount=np.array([a for pt in posts for a in pt.amounts], bool),
            sentence_hashes=np.array([h for pt in posts for h in pt.hashes], HASH_TYPE),
            fields=fields,
        )

    def _levels(self, keep: set[str]) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Which posts and passages are in ``keep``, and per field which of its documents."""
        keep_post = np.fromiter((p in keep for p in self.post_ids), bool, len(self.post_ids))
        keep_passage = np.repeat(keep_post, self.passage_counts)
        keep_sentence = np.repeat(keep_passage, self.sentence_counts)
        level = {name: keep_passage for name in PASSAGE_FIELDS}
        level.update({name: keep_post for name in POST_FIELDS})
        level.update({name: keep_sentence for name in SENTENCE_FIELDS})
        return keep_post, keep_passage, level

    def select(self, keep: set[str]) -> IndexData:
        """Only the posts in ``keep``, in order (the vocabulary is left as it is)."""
        keep_post, keep_passage, level = self._levels(keep)
        return IndexData(
            vocab=self.vocab,
            post_ids=[p for p, k in zip(self.post_ids, keep_post, strict=True) if k],
            passage_counts=self.passage_counts[keep_post],
            sentence_counts=self.sentence_counts[keep_passage],
            states_amount=self.states_amount[keep_passage],
            sentence_hashes=self.sentence_hashes[level["sentence"]],
            fields={name: tc.select(level[name]) for name, tc in self.fields.items()},
        )

    def updated(self, keep: set[str], added: list[IndexData]) -> IndexData:
        """The posts in ``keep`` (kept in order) followed by those of ``added``, one vocabulary.
        What is kept is not copied: each field shares the arrays it had (``TermCounts.followed``:
        kept documents, then a tail of new ones; one copy past ``MERGE_SHARE``)."""
        keep_post, keep_passage, level = self._levels(keep)
        vocab = list(self.vocab)
        term_id = {t: i for i, t in enumerate(vocab)}
        remapped = []
        for part in added:
            for t in part.vocab:
                if t not in term_id:
                    term_id[t] = len(vocab)
                    vocab.append(t)
            mapping = np.fromiter(map(term_id.__getitem__, part.vocab), np.int64, len(part.vocab))
            remapped.append(part._renumbered(vocab, mapping))
        data = IndexData(
            vocab=vocab,
            post_ids=[p for p, k in zip(self.post_ids, keep_post, strict=True) if k]
            + [p for part in remapped for p in part.post_ids],
            passage_counts=np.concatenate(
                [self.passage_counts[keep_post], *(p.passage_counts for p in remapped)]
            ).astype(np.int32),
            sentence_counts=np.concatenate(
                [self.sentence_counts[keep_passage], *(p.sentence_counts for p in remapped)]
            ).astype(np.int32),
            states_amount=np.concatenate(
                [self.states_amount[keep_passage], *(p.states_amount for p in remapped)]
            ).astype(bool),
            sentence_hashes=np.concatenate(
                [
                    self.sentence_hashes[level["sentence"]],
                    *(p.sentence_hashes for p in remapped),
                ]
            ).astype(HASH_TYPE),
            fields={
                name: self.fields[name].followed(
                    level[name], [p.fields[name].flat() for p in remapped]
                )
                for name in FIELDS
            },
        )
        return data.compacted() if len(vocab) > 1.5 * data.live_terms() + 1000 else data

    def _used_terms(self) -> np.ndarray:
        used = np.zeros(len(self.vocab), bool)
        for name, tc in self.fields.items():
            if name not in HASHED_FIELDS:
                tc.mark_used(used)
        return used

    def live_terms(self) -> int:
        return int(self._used_terms().sum())

    def compacted(self) -> IndexData:
        """Drop terms no document uses any more (they pile up as posts are edited or removed)."""
        used = self._used_terms()
        vocab = [t for t, u in zip(self.vocab, used, strict=True) if u]
        return self._renumbered(vocab, np.cumsum(used) - 1)

    def _renumbered(self, vocab: list[str], mapping: np.ndarray) -> IndexData:
        """The same documents with term ids renumbered through ``mapping`` into ``vocab``."""
        return IndexData(
            vocab=vocab,
            post_ids=self.post_ids,
            passage_counts=self.passage_counts,
            sentence_counts=self.sentence_counts,
            states_amount=self.states_amount,
            sentence_hashes=self.sentence_hashes,
            fields={
                name: tc if name in HASHED_FIELDS else tc.remap_terms(mapping)
                for name, tc in self.fields.items()
            },
        )
