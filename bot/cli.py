"""The ``briefbot`` command line: its options (``build_parser``) and ``main``, which runs a
command and turns the errors a person can fix into one line and an exit code. What each command
does is in ``cli_commands``.

Every command takes ``--content`` and ``--db`` (or ``BRIEFBOT_CONTENT_DIR`` / ``BRIEFBOT_DB_PATH``);
flags override the environment.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sqlite3
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .cli_commands import (
    cmd_ask,
    cmd_eval,
    cmd_health,
    cmd_index,
    cmd_insights,
    cmd_run,
    cmd_sync,
)
from .cli_output import err
from .settings import Settings, SettingsError

# Nothing heavy here nor in ``cli_commands``: the index (numpy, scipy), discord.py, rich's Markdown
# and the insights report are imported by the commands that use them. `briefbot health` runs every
# 30 s as the container's health check, and `--help` and `--version` should answer at once
# (tests/test_deployment.py checks what they import).


def _version() -> str:
    # As bot.client.version(), without importing discord.py for `--version`. (importlib.metadata
    # and reading the package's metadata: ~3.8 MB, read only when asked: ``_VersionAction``.)
    import importlib.metadata

    try:
        return importlib.metadata.version("briefbot")
    except importlib.metadata.PackageNotFoundError:
        return "dev"


class _VersionAction(argparse.Action):
    """``--version``, looking the version up when it is asked for, not at every command."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kw: Any) -> None:
        kw.setdefault("help", "show program's version number and exit")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kw)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        print(f"{parser.prog} {_version()}")  # (to stdout, as argparse's own action)
        parser.exit()


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date like 2020-06-21, got {text!r}") from exc


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        days = 0
    if days < 1:
        raise argparse.ArgumentTypeError(f"expected a number of days (1 or more), got {text!r}")
    return days


def _count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:  # 0 or fewer would still show one result, as if the option were ignored
        raise argparse.ArgumentTypeError(f"expected a number of results (1 or more), got {text!r}")
    return count


def _common(parser: argparse.ArgumentParser, reads_index: bool = False) -> None:
    # reads_index: ask, eval and insights, which answer from the folder the database was built
    # from when no folder is named (cli_commands.open_service)
    default = "BRIEFBOT_CONTENT_DIR, else " + (
        "the one the database was built from, else " if reads_index else ""
    )
    parser.add_argument(
        "--content", type=Path, help=f"site root or posts folder (default: {default}content/)"
    )
    parser.add_argument(
        "--db",
        type=Path,
        help="SQLite file (default: BRIEFBOT_DB_PATH, else data/briefbot.sqlite3)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefbot", description="Answer questions about a site's posts, with citations."
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", help="build or refresh the index")
    _common(p)
    p.add_argument(
        "--no-embed",
        action="store_true",
        help="skip embedding the passages for meaning-based ranking (the bot does it later)",
    )
    p.add_argument(
        "--drop-other-vectors",
        action="store_true",
        help="delete the stored passage vectors of other embedding models or versions now"
        " (else kept until unused for a week: another install may share the database)",
    )
    p.add_argument(
        "--retry-skipped",
        action="store_true",
        help="embed again the passages and sentences the embedding model failed on before"
        " (else tried again only when their text or the model changes)",
    )
    p.set_defaults(handler=cmd_index)

    p = sub.add_parser("ask", help="answer a question from the terminal")
    _common(p, reads_index=True)
    p.add_argument("question")
    p.add_argument("-k", type=_count, default=5, help="number of results (default 5)")
    p.add_argument("--category", help="only posts in this category")
    p.add_argument("--tag", help="only posts with this tag")
    p.add_argument("--since", type=_date, help="only posts on or after this date (YYYY-MM-DD)")
    p.add_argument("--until", type=_date, help="only posts on or before this date (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    p.set_defaults(handler=cmd_ask)

    p = sub.add_parser("eval", help="measure retrieval and answers on a question set (JSON lines)")
    _common(p, reads_index=True)
    p.add_argument("questions", type=Path, help="questions file, e.g. ../shared/eval/dev.jsonl")
    p.add_argument(
        "-k", type=_count, default=5, help="results per question (default 5; at least 10 are run)"
    )
    p.add_argument("--runs-out", type=Path, help="write one JSON line of results per question")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(handler=cmd_eval)

    p = sub.add_parser("run", help="start the Discord bot (token: DISCORD_TOKEN or .env)")
    _common(p)
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("sync", help="publish the slash commands to Discord")
    _common(p)
    p.add_argument(
        "--guild", type=int, metavar="ID", help="only to this server (instant; default: globally)"
    )
    p.set_defaults(handler=cmd_sync)

    p = sub.add_parser("health", help="exit 0 if the running bot is connected (its heartbeat)")
    p.add_argument("--file", type=Path, help="heartbeat file (default: BRIEFBOT_HEALTH_FILE)")
    p.add_argument(
        "--max-age",
        type=float,
        metavar="SECONDS",
        help="oldest acceptable heartbeat (default: BRIEFBOT_HEALTH_MAX_AGE_SECONDS)",
    )
    p.set_defaults(handler=cmd_health)

    p = sub.add_parser("insights", help="what people asked: the /insights report, or export it")
    _common(p, reads_index=True)
    p.add_argument("--days", type=_days, default=30, help="look back this many days (default 30)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    actions = p.add_subparsers(dest="insights_action", metavar="ACTION")
    e = actions.add_parser("export", help="write helpful answers as an evaluation file")
    e.add_argument("file", type=Path, help="questions voted helpful (dev.jsonl's format)")
    e.add_argument(
        "--review",
        type=Path,
        help="declined and unhelpful questions (default: FILE with .review.jsonl)",
    )
    p.set_defaults(handler=cmd_insights)
    return parser


def run_async(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run_async(args.handler(args))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        if exc.title == Settings.__name__:  # name the variable the user sets
            where = f"{where} (BRIEFBOT_{where.upper()})"
        err.print(
            f"Invalid setting {where}: {first['msg']}", style="red", markup=False, soft_wrap=True
        )
        return 2
    except SettingsError as exc:
        err.print(f"Invalid settings: {exc}", style="red", markup=False, soft_wrap=True)
        return 2
    except (
        FileNotFoundError,
        NotADirectoryError,
        IsADirectoryError,
        FileExistsError,
        PermissionError,
    ) as exc:
        err.print(str(exc), style="red", markup=False, soft_wrap=True)  # paths may hold [ ]
        return 2
    except sqlite3.DatabaseError as exc:  # --db names a folder, a damaged file (one line each)
        err.print(f"Database error: {exc}", style="red", markup=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `briefbot ask … --json | head`: the reader left; stop quietly
        _stdout_to_devnull()
        return 141  # as a Unix tool killed by SIGPIPE (128 + 13): what `set -o pipefail` expects


def _stdout_to_devnull() -> None:
    """Point standard output at /dev/null: Python's flush of it at exit would hit the closed pipe
    again and print "Exception ignored … BrokenPipeError"."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file behind sys.stdout (redirected in-process)
        pass
    finally:
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
