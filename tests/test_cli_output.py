"""What ``briefbot`` prints comes from posts and settings written by others: it must neither crash
on them, nor let them drive the terminal or smuggle a ``javascript:`` link into ``--json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from retrieval_support import copy_site, run_cli

import index.retrieval.query
from index.search import SearchIndex
from index.storage.service import IndexService

ESC = "\x1b"


pytestmark = pytest.mark.usefixtures("clean_cli_environment")


def site_with(tmp_path: Path, name: str, text: str) -> Path:
    site = copy_site(tmp_path / "site")
    (site / "_posts" / "briefs" / name).write_text(text, encoding="utf-8")
    return site


def ask(site: Path, tmp_path: Path, question: str, *extra: str) -> tuple[int, str, str]:
    db = str(tmp_path / "db.sqlite3")
    return run_cli(["ask", question, "--content", str(site), "--db", db, *extra])


MARKUP_POST = """---
title: "Zebrafinch [/] the [bold]rewilding[/bold] plan"
---

## Counting [/] zebrafinches

Volunteers counted zebrafinch nests along the river for the rewilding plan.
"""


def test_a_title_or_heading_with_rich_markup_is_printed_as_written(tmp_path: Path) -> None:
    site = site_with(tmp_path, "2024-01-01-zebrafinch.md", MARKUP_POST)
    code, out, err = ask(site, tmp_path, "zebrafinch nests rewilding")
    assert code == 0, err
    assert "Zebrafinch [/] the [bold]rewilding[/bold] plan — Counting [/] zebrafinches" in out


ESCAPE_POST = f"""---
title: "Zebrafinch {ESC}]0;owned{chr(7)}census {ESC}[2J"
---

## Counting {ESC}[31mzebrafinches{ESC}[0m

Volunteers counted {ESC}[5mzebrafinch{ESC}[0m nests{chr(0x9B)}2J along the river.
"""


def test_escape_sequences_from_posts_never_reach_the_terminal(tmp_path: Path) -> None:
    site = site_with(tmp_path, "2024-01-02-census.md", ESCAPE_POST)
    code, out, err = ask(site, tmp_path, "zebrafinch nests census")
    assert code == 0, err
    assert ESC not in out and chr(0x9B) not in out and chr(7) not in out
    assert "Zebrafinch census" in out and "Counting zebrafinches" in out
    assert "[5m" not in out and "[0m" not in out  # whole sequences go, even in snippets
    # --json keeps the text as it is, but escaped: nothing raw reaches the terminal either.
    code, out, err = ask(site, tmp_path, "zebrafinch nests census", "--json")
    assert code == 0, err
    assert ESC not in out and chr(0x9B) not in out and chr(7) not in out
    assert chr(0x9B) in json.loads(out)["results"][0]["text"]


@pytest.mark.parametrize(
    "target",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html,<b>hi</b>",
        "java\tscript:alert(1)",
        "//evil.example/phish",
        "vbscript:msgbox(1)",
    ],
)
def test_json_never_cites_a_script_or_data_url(tmp_path: Path, target: str) -> None:
    post = (
        f"---\ntitle: Zebrafinch census\nredirect_to: {json.dumps(target)}\n---\n\n"
        "Volunteers counted zebrafinch nests along the river.\n"
    )
    site = site_with(tmp_path, "2024-01-03-census.md", post)
    code, out, err = ask(site, tmp_path, "zebrafinch nests", "--json")
    assert code == 0, err
    url = json.loads(out)["results"][0]["url"]
    # Its own page (_posts/briefs/ files it; with no categories it is at /census/, as in Jekyll).
    assert url.startswith("https://circuitnotes.example.org/census/"), url


def test_json_keeps_a_real_redirect(tmp_path: Path) -> None:
    post = (
        "---\ntitle: Zebrafinch census\nredirect_to: https://birds.example.org/census\n"
        "---\n\nVolunteers counted zebrafinch nests along the river.\n"
    )
    site = site_with(tmp_path, "2024-01-04-census.md", post)
    code, out, err = ask(site, tmp_path, "zebrafinch nests", "--json")
    assert code == 0, err
    assert json.loads(out)["results"][0]["url"].startswith("https://birds.example.org/census")


def test_an_unknown_log_level_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFBOT_LOG_LEVEL", "nonsense")
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    site = copy_site(tmp_path / "site")
    code, _out, err = run_cli(["run", "--content", str(site), "--db", str(tmp_path / "db")])
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "BRIEFBOT_LOG_LEVEL" in err and "nonsense" in err and "DEBUG" in err


def test_a_dot_env_that_is_not_utf8_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"BRIEFBOT_MODERATOR_ROLE=Mod\xe9rateur\n")
    site = copy_site(tmp_path / "site")
    code, _out, err = ask(site, tmp_path, "avalanche model")
    assert code == 2
    assert " ".join(err.split()) == (
        "Invalid settings: cannot read .env: not valid UTF-8 (byte 0xe9 at offset 27); "
        "save it as UTF-8"
    )


def test_a_long_question_is_cut_with_a_note(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    question = "Which model forecasts avalanche danger? " + "and also " * 600
    code, out, err = ask(site, tmp_path, question, "--json")
    assert code == 0, err
    assert "searching its first" in " ".join(err.split())
    assert len(json.loads(out)["question"]) <= 1000


async def test_a_long_unbroken_word_is_not_typo_corrected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A typo's one-edit spellings cost the square of its length: long words are not typos."""
    tried: list[int] = []
    one_edit = index.retrieval.query.one_edit_away

    def spy(word: str) -> set[str]:
        tried.append(len(word))
        return one_edit(word)

    monkeypatch.setattr(index.retrieval.query, "one_edit_away", spy)
    service = await IndexService.open(tmp_path / "db.sqlite3", copy_site(tmp_path / "site"))
    try:
        await service.reindex()
        searcher = service.current
        assert isinstance(searcher, SearchIndex)
        answer = searcher.search("avalanche " + "qwertyuiop" * 100)
        assert answer.results  # the real word still answers
        assert all(n <= 40 for n in tried), max(tried)
        # Ordinary typos are still corrected.
        fixed = searcher.search("Which model forcasts avalanhce danger?")
        assert fixed.results and "Glacierfall" in fixed.results[0].title
    finally:
        await service.close()


def test_a_long_link_is_printed_whole_on_one_line(fixture_site: Path, tmp_path: Path) -> None:
    """rich broke a link longer than the terminal (a redirected post's text fragment, ~95
    characters here, often 150) over two lines: a terminal opened, and a reader copied, only
    its first part."""
    code, out, err = ask(fixture_site, tmp_path, "how the orbital debris predictions work")
    assert code == 0, err
    url = "https://orbit.example.net/stories/orbital-debris-tracker/#:~:text=How%20the%20Predictions%20Work"
    assert len(url) > 80  # (the console's width here)
    assert any(line.strip() == url for line in out.splitlines()), out
    # The closest posts of a declined question: each line whole, its link at its end.
    question = "Who won the football world cup in 2022?"
    code, out, _ = ask(fixture_site, tmp_path, question)
    _, data, _ = ask(fixture_site, tmp_path, question, "--json")
    urls = [ref["url"] for ref in json.loads(data)["suggestions"]]
    assert urls and any(len(u) > 60 for u in urls), urls
    lines = [line.rstrip() for line in out.splitlines()]
    assert all(any(line.endswith(" " + u) for line in lines) for u in urls), out
