"""A server warms each index before serving it: no one's question builds its tables.

A process that answers one question (``briefbot ask``) leaves the term-major postings unbuilt
(a pass over the document-major ones answers it, and scipy is never imported:
tests/test_deployment.py); the bot builds them off its event loop as soon as an index is
loaded or swapped in (questions racing a table's build: tests/test_postings.py).
"""

from __future__ import annotations

from pathlib import Path

from briefbot_support import write_site

from bot.client import Briefbot
from index.storage.service import IndexService

QUESTIONS = ["what is alphago", "avalanche model"]


async def test_a_served_index_is_warm_before_any_question(
    bot_db_path: Path, bot_content_dir: Path
) -> None:
    service = await IndexService.open(bot_db_path, bot_content_dir)
    try:
        await service.keep_warm()
        index = await service.ensure()
        assert index.warmed  # its tables made, before any question
    finally:
        await service.close()


async def test_one_question_builds_no_table(bot_db_path: Path, bot_content_dir: Path) -> None:
    service = await IndexService.open(bot_db_path, bot_content_dir)
    try:
        index = await service.ensure()
        assert not index.warmed
        index.search(QUESTIONS[0])
        assert not index.warmed  # (one question: a scan; a field's second builds its table)
    finally:
        await service.close()


async def test_an_index_swapped_in_by_a_reindex_is_warm_before_any_question(
    tmp_path: Path,
) -> None:
    content = write_site(tmp_path / "content")
    service = await IndexService.open(tmp_path / "index.sqlite3", content)
    try:
        await service.keep_warm()
        await service.reindex()  # a first build
        assert service.current is not None and service.current.warmed
        post = sorted((content / "_posts").rglob("*.md"))[0]
        post.write_text(post.read_text("utf-8") + "\n\nOne more line.\n", "utf-8")
        report = await service.reindex()  # follows one changed post: a tail of new postings
        assert len(report.changed) == 1
        assert service.current.warmed
    finally:
        await service.close()


async def test_the_bot_serves_a_warm_index(briefbot: Briefbot) -> None:
    # (The fixture's bot is connected, its commands synced, and its alerts watcher has
    # refreshed the index: no question yet.)
    assert briefbot.index.warmed
