"""Fixtures and helpers for the retrieval core's tests: the hand-written fixture site, and the
real corpus indexed once per session through the ``briefbot index`` command."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from index.search import SearchIndex
from index.storage.service import IndexService
from index.terms.fields import FIELDS, HASHED_FIELDS, IndexData

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_SITE = Path(__file__).resolve().parent / "fixtures" / "site"
SEED_CONTENT = ROOT / "content"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "skynet-today"
DEV_SET = SHARED / "eval" / "dev.jsonl"
SHARED_MISSING = "../shared (real corpus and eval set) not present (fresh clone); CI provides it"

needs_shared = pytest.mark.skipif(not CORPUS.is_dir(), reason=SHARED_MISSING)
needs_dev_set = pytest.mark.skipif(not DEV_SET.is_file(), reason=SHARED_MISSING)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``briefbot ARGV`` in this process: (exit code, stdout, stderr)."""
    from bot.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse errors
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def copy_site(dest: Path) -> Path:
    """A fresh copy of the fixture site at ``dest`` (tests edit their copy)."""
    return Path(shutil.copytree(FIXTURE_SITE, dest))


@pytest.fixture
def fixture_site(tmp_path: Path) -> Path:
    """The hand-written fixture site, copied to this test's tmp_path."""
    return copy_site(tmp_path / "site")


@dataclass(frozen=True)
class SharedIndex:
    content: Path
    db: Path
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def shared_corpus_index(tmp_path_factory: pytest.TempPathFactory) -> SharedIndex:
    """The real corpus indexed by ``briefbot index`` into a fresh database, once per session.

    Read-only for tests: ask and eval on it, never reindex it with other content.
    """
    if not CORPUS.is_dir():
        pytest.skip(SHARED_MISSING)
    db = tmp_path_factory.mktemp("shared-index") / "corpus.sqlite3"
    code, out, err = run_cli(["index", "--content", str(CORPUS), "--db", str(db)])
    return SharedIndex(CORPUS, db, code, out, err)


def field_docs(data: IndexData) -> dict[str, list[dict[object, int]]]:
    """Per field, each document's {term: count}, with terms spelled out (ids are arbitrary)."""
    out = {}
    for name in FIELDS:
        tc = data.fields[name].flat()
        docs = []
        for d in range(tc.n_docs):
            lo, hi = tc.doc_ptr[d], tc.doc_ptr[d + 1]
            ids, counts = tc.term_ids[lo:hi].tolist(), tc.counts[lo:hi].tolist()
            terms = ids if name in HASHED_FIELDS else [data.vocab[i] for i in ids]
            docs.append(dict(zip(terms, counts, strict=True)))
        out[name] = docs
    return out


BRIEF = '---\ntitle: "{title}"\ncategories: [briefs]\n---\n\n{body}\n'


# Posts about other things, so that a small site's IDFs are those of a real one.
FILLER = (
    "A chess engine beat a grandmaster in a blitz match.",
    "A startup released a speech model for call centres.",
    "Researchers trained a model to forecast river floods.",
    "A museum used vision models to sort old photographs.",
    "A bakery chain tested a scheduling model for its ovens.",
)


def with_filler(briefs: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """``briefs`` and one brief per ``FILLER`` line."""
    pages = dict(briefs)
    for n, text in enumerate(FILLER):
        pages[f"2024-02-0{n + 1}-filler.md"] = (f"Item {n}", f"## Story\n\n{text}\n")
    return pages


def fitted_weights(script: str, *args: str) -> tuple[str, list[float]]:
    """What ``python -m bench.<script> ARGS`` prints, and the ``WEIGHTS`` line it prints, parsed."""
    run = subprocess.run(
        [sys.executable, "-m", f"bench.{script}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    printed = re.search(r"^WEIGHTS: tuple\[float, \.\.\.\] = \((.*)\)$", run.stdout, re.M)
    assert printed, run.stdout
    return run.stdout, [float(v) for v in printed.group(1).split(",")]


def briefs_index(base: Path, briefs: dict[str, tuple[str, str]]) -> SearchIndex:
    """A small site of ``briefs`` (file name → title, Markdown body) in ``_posts/briefs``,
    indexed into a fresh database under ``base``."""
    posts = base / "site" / "_posts" / "briefs"
    posts.mkdir(parents=True)
    config = base / "site" / "_config.yml"
    config.write_text("title: Test\nurl: https://example.org\n", encoding="utf-8")
    for name, (title, body) in briefs.items():
        (posts / name).write_text(BRIEF.format(title=title, body=body), encoding="utf-8")
    return built_index(base / "index.sqlite3", base / "site")


def built_index(db: Path, site: Path) -> SearchIndex:
    """``site`` indexed into a fresh database at ``db`` through ``IndexService``, as served."""

    async def build() -> SearchIndex:
        service = await IndexService.open(db, site)
        try:
            return await service.ensure()
        finally:
            await service.close()

    return asyncio.run(build())
