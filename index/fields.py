"""What gets indexed: the fields of each passage and post, and their persisted term statistics.

A passage is searched through several fields, each its own BM25 space:

- ``body``     the passage text;
- ``heading``  its heading path (a question that names a section should find it);
- ``phrase``   adjacent-term pairs of heading + body (phrase and proximity evidence);
- ``title``    the post title (post-level: one document per post);
- ``summary``  the post's excerpt, tags and categories (post-level);
- ``post``     the whole post's text as one document (post-level: questions that combine facts
               from several passages still find the post);
- ``sentence`` each sentence of each passage as its own document (sentence-level: a passage is
               as good as its best sentence, which rewards query terms that occur *together*).

``IndexData`` is the whole index as numbers: vocabulary, post order, and per-field term counts.
It is what the store persists and what incremental re-indexing edits: documents of unchanged posts
are kept as they are, so only new or changed files are parsed and analysed again.
"""

from __future__ import annotations

import io
import itertools
import json
from dataclasses import dataclass, field

import numpy as np

from .analyzer import analyze
from .bm25 import TermCounts
from .models import ParsedPost
from .passages import split_sentences

PASSAGE_FIELDS = ("body", "heading", "phrase")
POST_FIELDS = ("title", "summary", "post")
SENTENCE_FIELDS = ("sentence",)
FIELDS = PASSAGE_FIELDS + POST_FIELDS + SENTENCE_FIELDS


def phrase_terms(terms: list[str]) -> list[str]:
    """Adjacent pairs of terms ("facial recognit"), the cheap form of phrase matching."""
    return [f"{a} {b}" for a, b in itertools.pairwise(terms) if a != b]


@dataclass(slots=True)
class PostTerms:
    """One post's analysed fields: per passage (in order) and for the post as a whole."""

    post_id: str
    passages: dict[str, list[list[str]]]  # field → one term list per passage
    post: dict[str, list[str]]  # field → the post's term list
    sentences: list[list[list[str]]]  # per passage, the term list of each sentence


def analyze_post(parsed: ParsedPost) -> PostTerms:
    post = parsed.post
    body, heading, phrase, sentences = [], [], [], []
    heading_cache: dict[tuple[str, ...], list[str]] = {}
    for passage in parsed.passages:
        h = heading_cache.get(passage.heading_path)
        if h is None:
            h = heading_cache[passage.heading_path] = analyze(" ".join(passage.heading_path))
        s = [
            analyze(sentence)
            for line in passage.text.split("\n")
            for sentence in split_sentences(line)
        ]
        s = [terms for terms in s if terms] or [[]]
        b = [t for terms in s for t in terms]
        body.append(b)
        heading.append(h)
        phrase.append(phrase_terms(h) + phrase_terms(b))
        sentences.append(s)
    summary_text = " ".join([post.excerpt, *post.tags, *post.categories])
    title = analyze(post.title)
    return PostTerms(
        post_id=post.id,
        passages={"body": body, "heading": heading, "phrase": phrase},
        post={
            "title": title,
            "summary": analyze(summary_text),
            "post": title + [t for b in body for t in b],
        },
        sentences=sentences,
    )


@dataclass(slots=True)
class IndexData:
    """The searchable index as arrays. Posts are in ``post_ids`` order; each post's passages are
    contiguous and in ordinal order, ``passage_counts[i]`` of them for post ``i``."""

    vocab: list[str] = field(default_factory=list)
    post_ids: list[str] = field(default_factory=list)
    passage_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    sentence_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    fields: dict[str, TermCounts] = field(
        default_factory=lambda: {name: TermCounts.empty() for name in FIELDS}
    )

    @property
    def n_passages(self) -> int:
        return int(self.passage_counts.sum())

    def updated(self, keep: set[str], added: list[PostTerms]) -> IndexData:
        """A new IndexData with only the posts in ``keep`` (kept in order) plus ``added``."""
        vocab = list(self.vocab)
        term_id = {t: i for i, t in enumerate(vocab)}

        def ids(terms: list[str]) -> list[int]:
            out = []
            for t in terms:
                i = term_id.get(t)
                if i is None:
                    i = term_id[t] = len(vocab)
                    vocab.append(t)
                out.append(i)
            return out

        keep_post = np.fromiter((p in keep for p in self.post_ids), bool, len(self.post_ids))
        keep_passage = np.repeat(keep_post, self.passage_counts)
        fields: dict[str, TermCounts] = {}
        for name in PASSAGE_FIELDS:
            new_docs = [ids(doc) for pt in added for doc in pt.passages[name]]
            fields[name] = TermCounts.concat(
                [self.fields[name].select(keep_passage), TermCounts.from_docs(new_docs)]
            )
        for name in POST_FIELDS:
            new_docs = [ids(pt.post[name]) for pt in added]
            fields[name] = TermCounts.concat(
                [self.fields[name].select(keep_post), TermCounts.from_docs(new_docs)]
            )
        keep_sentence = np.repeat(keep_passage, self.sentence_counts)
        new_sentences = [ids(s) for pt in added for p in pt.sentences for s in p]
        fields["sentence"] = TermCounts.concat(
            [self.fields["sentence"].select(keep_sentence), TermCounts.from_docs(new_sentences)]
        )
        sentence_counts = np.concatenate(
            [
                self.sentence_counts[keep_passage],
                np.array([len(p) for pt in added for p in pt.sentences], np.int32),
            ]
        ).astype(np.int32)
        data = IndexData(
            vocab=vocab,
            post_ids=[p for p, k in zip(self.post_ids, keep_post, strict=True) if k]
            + [pt.post_id for pt in added],
            passage_counts=np.concatenate(
                [
                    self.passage_counts[keep_post],
                    np.array([len(pt.passages["body"]) for pt in added], np.int32),
                ]
            ).astype(np.int32),
            sentence_counts=sentence_counts,
            fields=fields,
        )
        return data.compacted() if len(vocab) > 1.5 * data.live_terms() + 1000 else data

    def live_terms(self) -> int:
        used = np.zeros(len(self.vocab), bool)
        for tc in self.fields.values():
            used[tc.term_ids] = True
        return int(used.sum())

    def compacted(self) -> IndexData:
        """Drop terms no document uses any more (they pile up as posts are edited or removed)."""
        used = np.zeros(len(self.vocab), bool)
        for tc in self.fields.values():
            used[tc.term_ids] = True
        mapping = np.cumsum(used) - 1
        return IndexData(
            vocab=[t for t, u in zip(self.vocab, used, strict=True) if u],
            post_ids=self.post_ids,
            passage_counts=self.passage_counts,
            sentence_counts=self.sentence_counts,
            fields={name: tc.remap_terms(mapping) for name, tc in self.fields.items()},
        )

    def to_bytes(self) -> bytes:
        arrays: dict[str, np.ndarray] = {
            "vocab": np.frombuffer("\n".join(self.vocab).encode(), np.uint8),
            "post_ids": np.frombuffer(json.dumps(self.post_ids).encode(), np.uint8),
            "passage_counts": self.passage_counts,
            "sentence_counts": self.sentence_counts,
        }
        for name, tc in self.fields.items():
            arrays[f"{name}.doc_ptr"] = tc.doc_ptr
            arrays[f"{name}.term_ids"] = tc.term_ids
            arrays[f"{name}.counts"] = tc.counts
        buf = io.BytesIO()
        np.savez(buf, **arrays)  # uncompressed: loading speed matters more than size
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> IndexData:
        with np.load(io.BytesIO(blob)) as z:
            vocab_text = z["vocab"].tobytes().decode()
            return cls(
                vocab=vocab_text.split("\n") if vocab_text else [],
                post_ids=json.loads(z["post_ids"].tobytes().decode()),
                passage_counts=z["passage_counts"],
                sentence_counts=z["sentence_counts"],
                fields={
                    name: TermCounts(
                        z[f"{name}.doc_ptr"], z[f"{name}.term_ids"], z[f"{name}.counts"]
                    )
                    for name in FIELDS
                },
            )
