"""``briefbot index`` and ``briefbot ask`` end to end: in-process through ``bot.cli.main`` and
as the installed console script."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from briefbot_support import SUITE_SETTINGS
from retrieval_support import (
    ROOT,
    SEED_CONTENT,
    SharedIndex,
    copy_site,
    run_cli,
)

from index.ingest.loader import parse_post
from index.ingest.site import find_site
from index.models import ParsedPost

SEED_POST = "briefs/2020-06-21-face-recog-police.md"
SEED_QUESTION = "Which companies stopped selling face recognition to police?"
GLACIERFALL = "briefs/2022-03-03-glacierfall-avalanche-model.md"
BRIEFBOT = Path(sys.executable).with_name("briefbot")


def script_environment() -> dict[str, str]:
    """This process's environment without briefbot's settings (as a fresh shell has it)."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("BRIEFBOT_") or k in SUITE_SETTINGS  # (the suite's: conftest.py)
    }


def run_script(
    *argv: str, cwd: Path, env: dict[str, str] | None = None, stdout: int = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    """The installed ``briefbot`` console script, run as a person runs it from ``cwd``; its
    output read back (or sent to the file descriptor ``stdout``), its errors read back."""
    return subprocess.run(
        [str(BRIEFBOT), *argv],
        cwd=cwd,
        env=script_environment() if env is None else env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )


def flat(text: str) -> str:
    """Terminal output with rich's line wrapping undone."""
    return " ".join(text.split())


pytestmark = pytest.mark.usefixtures("clean_cli_environment")


def ask_json(*argv: str) -> dict:
    code, out, err = run_cli(["ask", *argv, "--json"])
    assert code == 0, err
    return json.loads(out)


# ---------------------------------------------------------------------------- index


def test_index_prints_counts_issues_and_time(fixture_site: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite3")
    code, out, err = run_cli(["index", "--content", str(fixture_site), "--db", db])
    assert code == 0, err
    m = re.search(r"Indexed (\d+) posts, (\d+) passages in (\d+\.\d\d) s", flat(out))
    assert m and m.group(1) == "13" and int(m.group(2)) > 13
    assert "(13 added, 0 changed, 0 removed)" in flat(out)
    assert "Files skipped: 0; recovered: 0" in flat(out)

    posts = fixture_site / "_posts"
    (posts / "briefs" / "2024-07-01-latin1.md").write_bytes(
        "---\ntitle: Caf\xe9 robots\n---\n\nA caf\xe9 run by robots.\n".encode("latin-1")
    )
    (posts / "digests" / "2024-07-08-broken-yaml.md").write_text(
        '---\ntitle: "Broken: [front matter\ntags: [a, b\n---\n\n## News\n\nRobots again.\n',
        encoding="utf-8",
    )
    code, out, err = run_cli(["index", "--content", str(fixture_site), "--db", db])
    assert code == 0, err
    text = flat(out)
    assert "Indexed 14 posts" in text and "(1 added, 0 changed, 0 removed)" in text
    assert "Files skipped: 1; recovered: 1" in text
    assert "[skipped] briefs/2024-07-01-latin1.md: not valid UTF-8" in text
    assert "[recovered] digests/2024-07-08-broken-yaml.md: invalid YAML front matter" in text
    # A refresh with nothing new still lists them, and says nothing changed.
    code, out, _ = run_cli(["index", "--content", str(fixture_site), "--db", db])
    assert "(0 added, 0 changed, 0 removed)" in flat(out)
    assert "Files skipped: 1; recovered: 1" in flat(out)


def test_index_of_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "1", "question": "anything"}\n', encoding="utf-8")
    for command in (["index"], ["ask", "anything"], ["eval", str(questions)]):
        code, out, err = run_cli(
            [*command, "--content", str(tmp_path / "nope"), "--db", str(tmp_path / "db")]
        )
        assert code == 2, command
        assert "not found" in flat(err) and "nope" in flat(err)
        assert "Traceback" not in out + err


def test_a_content_folder_without_posts_is_said_so(tmp_path: Path) -> None:
    """A Jekyll root without ``_posts/`` or an empty folder (say a site mounted at the wrong
    path): indexed as no posts, and said so, with where posts are looked for; not left to look
    like searches that find nothing."""
    jekyll_root = tmp_path / "site"
    jekyll_root.mkdir()
    (jekyll_root / "_config.yml").write_text("title: Site\n", encoding="utf-8")
    (jekyll_root / "index.html").write_text("<h1>Site</h1>\n", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    for folder in (jekyll_root, tmp_path / "empty"):
        db = str(tmp_path / f"{folder.name}.sqlite3")
        code, out, err = run_cli(["index", "--content", str(folder), "--db", db])
        assert code == 0, err
        said = flat(out + err)
        assert f"No posts found in {folder}" in said and "_posts" in said, said
        # (no posts, no links to warn about: the one thing to fix is the folder)
        assert "Links:" not in said, said
        # Asked later, the empty index is named as the reason.
        code, out, err = run_cli(["ask", "robots", "--content", str(folder), "--db", db])
        assert code == 0, err
        assert f"No posts found in {folder}" in flat(err) and "Links:" not in flat(err)
    code, out, err = run_cli(["index", "--content", str(copy_site(tmp_path / "posts"))])
    assert code == 0 and "No posts found" not in flat(out + err)


def test_content_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    file = tmp_path / "posts.md"
    file.write_text("# not a folder\n", encoding="utf-8")
    code, out, err = run_cli(["index", "--content", str(file), "--db", str(tmp_path / "db")])
    assert code == 2
    assert "not a folder" in flat(err)
    assert "Traceback" not in out + err


def test_unusable_database_path_is_a_clear_error(fixture_site: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    for db in (tmp_path, blocker / "sub" / "db.sqlite3"):  # a folder; under a file
        code, out, err = run_cli(["index", "--content", str(fixture_site), "--db", str(db)])
        assert code == 2, db
        assert err.strip() and "Traceback" not in out + err


def test_a_database_that_cannot_be_opened_is_one_line_naming_it(
    fixture_site: Path, tmp_path: Path
) -> None:
    """SQLite cannot open the file (here: a link into a folder that does not exist; also a
    folder this user may not write in): one line naming the file, and no traceback from the
    connection's thread."""
    db = tmp_path / "briefbot.sqlite3"
    db.symlink_to(tmp_path / "gone" / "briefbot.sqlite3")
    done = run_script("index", "--content", str(fixture_site), "--db", str(db), cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr, done.stderr
    assert str(db) in flat(done.stderr) and "cannot open" in done.stderr


# ---------------------------------------------------------------------------- ask


def seed_anchors() -> set[str]:
    root, site = find_site(SEED_CONTENT)
    parsed = parse_post(root / SEED_POST, root, site)
    assert isinstance(parsed, ParsedPost)
    return {p.anchor for p in parsed.passages if p.anchor}


def test_ask_answers_from_the_bundled_seed(tmp_path: Path) -> None:
    data = ask_json(SEED_QUESTION, "--content", str(SEED_CONTENT), "--db", str(tmp_path / "db"))
    assert not data["declined"]
    first = data["results"][0]
    assert first["post"] == SEED_POST
    base, _, anchor = first["url"].partition("#")
    assert base == "https://www.skynettoday.com/briefs/face-recog-police"
    assert anchor in seed_anchors()
    for company in ("IBM", "Microsoft", "Amazon"):
        assert company in first["text"]
    for result in data["results"]:
        assert {"post", "title", "heading", "url", "score", "text"} <= set(result)
        assert result["title"].startswith("IBM, Microsoft, and Amazon Halt Sales")
        assert isinstance(result["score"], float) and result["text"]
    assert "â€" not in json.dumps(data, ensure_ascii=False)  # mojibake repaired


def test_ask_prints_a_readable_cited_answer(tmp_path: Path) -> None:
    code, out, err = run_cli(
        ["ask", SEED_QUESTION, "--content", str(SEED_CONTENT), "--db", str(tmp_path / "db")]
    )
    assert code == 0, err
    text = flat(out)
    assert "[1] IBM, Microsoft, and Amazon Halt Sales of Facial Recognition" in text
    assert re.search(r"https://www\.skynettoday\.com/briefs/face-recog-police#[\w-]+", out)
    assert "(2020-06-21)" in text


def test_ask_builds_the_index_first_when_there_is_none(fixture_site: Path, tmp_path: Path) -> None:
    db = tmp_path / "new" / "dir" / "index.sqlite3"
    argv = ["ask", "Which model forecasts avalanches?", "--content", str(fixture_site)]
    code, out, err = run_cli([*argv, "--db", str(db)])
    assert code == 0 and db.exists()
    assert "building it first" in flat(err) and "Indexed 13 posts" in flat(err)
    assert "Glacierfall" in out
    code, out, err = run_cli([*argv, "--db", str(db)])  # now it is there: no rebuild
    assert code == 0 and "building" not in err and "Glacierfall" in out
    # --json keeps stdout pure JSON even when it has to build first.
    fresh = tmp_path / "fresh.sqlite3"
    assert ask_json(*argv[1:], "--db", str(fresh))["results"][0]["post"] == GLACIERFALL


def test_ask_with_only_a_database_asks_that_databases_site(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `--db` alone names an index of another site than the default content/: it must be
    # asked as it is, not rebuilt from content/ (which would lose it).
    db = str(tmp_path / "other.sqlite3")
    assert run_cli(["index", "--content", str(fixture_site), "--db", db])[0] == 0
    monkeypatch.chdir(ROOT)  # where the default content/ folder is
    monkeypatch.delenv("BRIEFBOT_CONTENT_DIR", raising=False)
    code, out, err = run_cli(["ask", "Which model forecasts avalanches?", "--db", db])
    assert code == 0 and "building" not in err and "Glacierfall" in out
    code, out, err = run_cli(["ask", SEED_QUESTION, "--db", db, "--json"])
    assert code == 0 and SEED_POST not in {r["post"] for r in json.loads(out)["results"]}
    # With `--content`, that folder is what is asked: the database is rebuilt for it.
    code, out, err = run_cli(["ask", SEED_QUESTION, "--db", db, "--content", str(SEED_CONTENT)])
    assert code == 0 and "building it first" in flat(err)


def test_ask_declines_plainly_with_suggestions(fixture_site: Path, tmp_path: Path) -> None:
    argv = ["--content", str(fixture_site), "--db", str(tmp_path / "db")]
    # (Not "the best recipe for sourdough bread": none of its words are the site's since its
    # real English words are no longer read as typos of the site's, "bread" of "read".)
    code, out, _ = run_cli(["ask", "Who won the football world cup in 2022?", *argv])
    assert code == 0
    assert "doesn't seem to cover" in flat(out) and "Closest posts:" in out
    data = ask_json("Who won the football world cup in 2022?", *argv)
    assert data["declined"] and data["results"] == [] and data["suggestions"]
    for wordless in ("", "?", "  ", "what is the?"):  # nothing to search: no closest posts
        code, out, _ = run_cli(["ask", wordless, *argv])
        assert code == 0 and "nothing in that question to search for" in flat(out), wordless
        assert "Closest posts" not in out and "for example “tell me about " in flat(out)
        data = ask_json(wordless, *argv)
        assert data["declined"] and data["suggestions"] == [] and data["results"] == []


def test_ask_filters(fixture_site: Path, tmp_path: Path) -> None:
    argv = ["--content", str(fixture_site), "--db", str(tmp_path / "db"), "-k", "10"]
    since = ask_json("chess engine tournament", *argv, "--since", "2024-01-01")
    assert since["results"] and all(r["date"] >= "2024-01-01" for r in since["results"])
    assert since["results"][0]["post"] == "digests/2024-05-20-last-week-in-ai-120.md"
    until = ask_json("chess engine tournament", *argv, "--until", "2023-12-31")
    assert {r["post"] for r in until["results"]} == {"digests/2023-10-16-last-week-in-ai-110.md"}
    editorials = ask_json("privacy and regulation", *argv, "--category", "editorials")
    assert editorials["results"]
    assert all("editorials" in r["categories"] for r in editorials["results"])
    tagged = ask_json("regulator", *argv, "--tag", "drones")
    drones = "editorials/2024-05-09-delivery-drone-noise.md"
    assert {r["post"] for r in tagged["results"]} == {drones}
    one = ask_json("avalanche", *argv[:-2], "-k", "1")
    assert len(one["results"]) == 1


def test_ask_says_which_filter_no_post_passes(fixture_site: Path, tmp_path: Path) -> None:
    """A filter no post passes (a misspelt category, a tag no post has, dates outside the
    site's) is named, not answered with "nothing matches that question"."""
    argv = ["--content", str(fixture_site), "--db", str(tmp_path / "db")]
    said = ask_json("avalanche", *argv, "--category", "brief")
    assert said["results"] == [] and said["message"] == (
        "No post is in the category 'brief'; the categories are: briefs, digests, editorials."
    )
    said = ask_json("avalanche", *argv, "--tag", "skiing")
    assert said["message"] == "No post has the tag 'skiing'."
    said = ask_json("avalanche", *argv, "--category", "briefs", "--since", "2030-01-01")
    assert said["message"] == (
        "No post in the category 'briefs' is dated from 2030-01-01: those posts run from "
        "2020-11-20 to 2023-05-22."
    )
    code, out, err = run_cli(["ask", "avalanche", *argv, "--until", "2001-01-01"])
    assert code == 0 and "No post is dated until 2001-01-01" in flat(out), out + err
    # Filters some post passes answer as before.
    assert ask_json("avalanche", *argv, "--category", "BRIEFS")["results"]


def test_a_category_on_a_site_without_categories_says_so(tmp_path: Path) -> None:
    """A plain folder of posts has no categories: the message says so instead of ending on
    "the categories are: ." (an empty list)."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "2024-05-01-cats.md").write_text(
        "---\ntitle: Feeding cats\n---\nChocolate is toxic to cats.\n", encoding="utf-8"
    )
    argv = ["--content", str(tmp_path / "site"), "--db", str(tmp_path / "db")]
    said = ask_json("chocolate", *argv, "--category", "briefs")
    assert said["message"] == "No post is in the category 'briefs': the posts have no categories."


@pytest.mark.parametrize("k", ["0", "-3", "many"])
def test_a_count_of_results_below_one_is_refused(k: str, tmp_path: Path) -> None:
    for command in (["ask", "avalanche"], ["eval", str(tmp_path / "q.jsonl")]):
        code, _out, err = run_cli([*command, "-k", k, "--db", str(tmp_path / "db")])
        assert code == 2 and "expected a number of results (1 or more)" in flat(err), err
        assert not (tmp_path / "db").exists()


def test_ask_rejects_a_bad_date(fixture_site: Path, tmp_path: Path) -> None:
    code, _, err = run_cli(
        [
            "ask",
            "x",
            "--since",
            "2024-13-01",
            "--content",
            str(fixture_site),
            "--db",
            str(tmp_path / "db"),
        ]
    )
    assert code == 2
    assert "expected a date like 2020-06-21" in err and "Traceback" not in err


# ---------------------------------------------------------------------------- settings


def test_defaults_are_content_and_data_in_the_working_directory(tmp_path: Path) -> None:
    copy_site(tmp_path / "content")
    data = ask_json("Which model forecasts avalanches?")
    assert data["results"][0]["post"] == GLACIERFALL
    assert (tmp_path / "data" / "briefbot.sqlite3").exists()


def test_environment_settings_and_flags_overriding_them(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_db = tmp_path / "env" / "index.sqlite3"
    monkeypatch.setenv("BRIEFBOT_CONTENT_DIR", str(fixture_site))
    monkeypatch.setenv("BRIEFBOT_DB_PATH", str(env_db))
    assert ask_json("Which model forecasts avalanches?")["results"][0]["post"] == GLACIERFALL
    assert env_db.exists()
    assert not (tmp_path / "data").exists()

    # Flags win over the environment.
    flag_db = tmp_path / "flag.sqlite3"
    monkeypatch.setenv("BRIEFBOT_CONTENT_DIR", str(tmp_path / "does-not-exist"))
    data = ask_json(SEED_QUESTION, "--content", str(SEED_CONTENT), "--db", str(flag_db))
    assert data["results"][0]["post"] == SEED_POST
    assert flag_db.exists()
    # And the environment is what is used without flags: its content folder is missing here.
    code, _, err = run_cli(["ask", "anything"])
    assert code == 2 and "does-not-exist" in flat(err)


def test_a_setting_left_blank_is_its_default(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``BRIEFBOT_X=`` (a line of .env emptied to turn a setting off) means the default: not a
    content folder of "." (the working directory indexed in place of the site) nor an error
    for a number."""
    db = tmp_path / "db.sqlite3"
    code, _, err = run_cli(["index", "--content", str(fixture_site), "--db", str(db)])
    assert code == 0, err
    monkeypatch.setenv("BRIEFBOT_CONTENT_DIR", "")
    monkeypatch.setenv("BRIEFBOT_LOG_LEVEL", "")
    (tmp_path / ".env").write_text("BRIEFBOT_DEV_GUILD_ID=\nBRIEFBOT_GIT_PULL=\n", "utf-8")
    (tmp_path / "notes.md").write_text("---\ntitle: Notes\n---\nAvalanche notes.\n", "utf-8")
    code, out, err = run_cli(["ask", "Which model forecasts avalanches?", "--db", str(db)])
    assert code == 0, err
    assert "building it first" not in err and "Glacierfall" in flat(out)  # the stored site


def test_a_misspelt_setting_is_named_with_the_one_meant(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown ``BRIEFBOT_*`` name, in the environment or in ``.env``, is not silently
    ignored (the setting meant would keep its default): one line each, naming the closest."""
    monkeypatch.setenv("BRIEFBOT_CONTNET_DIR", "/srv/site")
    (tmp_path / ".env").write_text(
        "DISCORD_TOKEN=\nSITE_DIR=../site\nBRIEFBOT_ALERT_POLL_SECOND=60\nbriefbot_log_level=INFO\n",
        encoding="utf-8",
    )
    db = str(tmp_path / "db.sqlite3")
    code, out, err = run_cli(["index", "--content", str(fixture_site), "--db", db])
    assert code == 0, err
    lines = [line for line in flat(err).split("Unknown setting ") if line]
    assert lines == [
        "BRIEFBOT_CONTNET_DIR (in the environment) is ignored; did you mean BRIEFBOT_CONTENT_DIR? ",
        "BRIEFBOT_ALERT_POLL_SECOND (in .env) is ignored; did you mean "
        "BRIEFBOT_ALERT_POLL_SECONDS?",
    ]
    assert "Indexed 13 posts" in flat(out)  # a warning, not an error


# ---------------------------------------------------------------------------- the console script


def test_installed_console_script(fixture_site: Path, tmp_path: Path) -> None:
    assert BRIEFBOT.exists(), "the briefbot console script is not installed in this venv"
    env = script_environment()
    env["BRIEFBOT_DB_PATH"] = str(tmp_path / "script.sqlite3")
    question = "Why are towns complaining about drone noise?"
    done = run_script(
        "ask", question, "--json", "--content", str(fixture_site), cwd=tmp_path, env=env
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    first = data["results"][0]
    assert first["post"] == "editorials/2024-05-09-delivery-drone-noise.md"
    assert first["url"].startswith("https://circuitnotes.example.org/editorials/delivery-drone")
    assert "#" in first["url"]

    missing = run_script("index", "--content", str(tmp_path / "nowhere"), cwd=tmp_path, env=env)
    assert missing.returncode == 2
    assert "content folder not found" in flat(missing.stderr)
    assert "Traceback" not in missing.stderr


def test_output_to_a_reader_that_has_gone_is_no_traceback(
    fixture_site: Path, tmp_path: Path
) -> None:
    """``briefbot ask … --json | head -3``: the reader leaves before the answer is written. The
    command stops quietly as Unix tools do (status 141, as if killed by SIGPIPE)."""
    db = tmp_path / "pipe.sqlite3"
    code, _, err = run_cli(["index", "--content", str(fixture_site), "--db", str(db)])
    assert code == 0, err
    for json_flag in (["--json"], []):
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader is gone before anything is written
        try:
            done = run_script(
                "ask",
                "drone noise",
                "--db",
                str(db),
                *json_flag,
                cwd=tmp_path,
                stdout=write_end,
            )
        finally:
            os.close(write_end)
        assert "Traceback" not in done.stderr and "Broken pipe" not in done.stderr, done.stderr
        assert done.returncode in (1, 141), json_flag


# ---------------------------------------------------------------------------- the real corpus


@pytest.mark.shared
def test_index_of_the_shared_corpus(shared_corpus_index: SharedIndex) -> None:
    assert shared_corpus_index.exit_code == 0, shared_corpus_index.stderr
    text = flat(shared_corpus_index.stdout)
    # 439 files, of which 4 share a URL with a later post (which Jekyll publishes there).
    m = re.search(r"Indexed 435 posts, (\d+) passages in (\d+\.\d\d) s \(435 added", text)
    assert m, text[:500]
    m = re.search(r"Files skipped: 4; recovered: (\d+)", text)
    assert m
    assert set(re.findall(r"\[skipped\] (\S+\.md): same URL as ", text)) == {
        "digests/2023-03-21-211.md",
        "digests/2024-11-25-297.md",
        "digests/2025-02-03-300.md",
        "podcast/2020-12-04-dedemocratization.md",
    }
    listed = re.findall(r"\[recovered\] (\S+\.md): ", text)
    assert len(listed) == int(m.group(1)) >= 4
    assert {"digests/2024-02-19-258.md", "digests/2025-07-28-317.md"} <= set(listed)
    reasons = dict(re.findall(r"\[recovered\] (\S+\.md): (.+?)(?= \[recovered\]|$)", text))
    assert "invalid YAML front matter" in reasons["digests/2024-02-19-258.md"]
    assert "code fence" in reasons["digests/2025-07-28-317.md"]


@pytest.mark.shared
def test_ask_on_the_shared_corpus(shared_corpus_index: SharedIndex) -> None:
    argv = ["--content", str(shared_corpus_index.content), "--db", str(shared_corpus_index.db)]
    data = ask_json("What did IBM decide about facial recognition?", *argv)
    assert not data["declined"]
    posts_root = shared_corpus_index.content / "_posts"
    for result in data["results"]:
        assert (posts_root / result["post"]).is_file()
        assert result["url"].startswith("https://www.skynettoday.com/")
    assert any("IBM" in r["text"] for r in data["results"][:3])
    code, out, err = run_cli(["ask", "AlphaGo Monte Carlo tree search", *argv])
    assert code == 0 and "building" not in err  # the session's index is used as it is
    assert "skynettoday.com" in out


@pytest.mark.shared
def test_a_body_less_editorial_is_cited_at_its_home(shared_corpus_index: SharedIndex) -> None:
    # The corpus holds 21 editorials that are only front matter redirecting to lastweekin.ai;
    # their excerpt makes them citable.
    argv = ["--content", str(shared_corpus_index.content), "--db", str(shared_corpus_index.db)]
    data = ask_json("does Blake Lemoine's chat transcript show LaMDA is sentient?", *argv)
    stub = "editorials/2022-06-24-lamdas-sentience-is-nonsense-heres.md"
    cited = [r for r in data["results"] if r["post"] == stub]
    assert cited and cited[0]["url"].startswith("https://lastweekin.ai/")


def test_readme_commands_match_the_cli() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f'briefbot ask "{SEED_QUESTION}"' in readme
    assert shutil.which("briefbot", path=str(BRIEFBOT.parent)) is not None
