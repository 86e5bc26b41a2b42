"""What the ``briefbot`` command line prints: answers for a terminal or as JSON, and the
indexing progress bar.

Post text reaches the user's terminal here, so it is stripped of escape sequences and control
characters first (a post must not drive the terminal), and taken literally by Rich's markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from index.models import Answer


class LazyConsole:
    """A rich ``Console``, made (and rich imported) when first used: ``briefbot ask`` loads its
    index before it prints anything, and rich (2 MB) would otherwise add to its peak memory."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    @property
    def real(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


console = LazyConsole(highlight=False)
err = LazyConsole(stderr=True, highlight=False)


def answer_json(answer: Answer) -> dict[str, Any]:
    """The answer as JSON: ``headline`` is the text shown first, each result's ``snippet`` the
    text shown under its citation as read (``snippet_markdown``: with its bold marks). Every
    post cited or offered (results, their ``also_in``, ``suggestions``) has ``url``, a link a
    reader can open (http/https) or null, and ``path``, the page's path on a site with no
    public address (no ``url`` in _config.yml nor BRIEFBOT_SITE_URL) or null: what the terminal
    and the bot link, and no path a consumer would take for a link."""
    from index.answers.text import shown_text

    data = answer.model_dump(mode="json", by_alias=True)
    if answer.declined:
        data["headline"] = ""
    for result in data["results"]:
        result["snippet_markdown"] = result["snippet"]
        result["snippet"] = shown_text(result["snippet"])
    for ref in [*data["suggestions"], *data["results"]]:
        for cited in [ref, *ref.get("also_in", ())]:
            link = link_or_nothing(cited["url"])
            cited["path"] = None if link else cited["url"]
            cited["url"] = link or None
    return data


# Terminal escape sequences (CSI "ESC [ … m", OSC "ESC ] … BEL", other ESC pairs), then any
# other control character but newline and tab: post text must not drive the user's terminal.
# (Snippets are Markdown, with "[" escaped as "\[".)
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\\?\[[0-?]*[ -/]*[@-~]|\x1b\\?\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


C1_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in range(0x80, 0xA0)}


def terminal_text(text: str) -> str:
    """``text`` without terminal escape sequences or control characters."""
    if text.isprintable():
        return text
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


def safe_markup(text: object) -> str:
    """Post text for Rich markup: no control sequences, and ``[`` taken literally."""
    from rich.markup import escape

    return escape(terminal_text(str(text)))


def link_or_nothing(url: str) -> str:
    """``url`` when a reader can open it, else "": the links the bot shows (its ``safe_url``:
    Discord refuses anything but http(s)), so ``briefbot ask`` shows what Discord would."""
    return url if url.startswith(("https://", "http://")) else ""


def print_answer(answer: Answer) -> None:
    from rich.markdown import Markdown

    from bot.formatting.code import result_snippet
    from index.answers.citations import alike_stories
    from index.answers.text import escape_markdown

    if answer.declined:
        console.print(f"[bold yellow]{safe_markup(answer.message)}[/]")
        if answer.suggestions:
            console.print("Closest posts:")
            for ref in answer.suggestions:
                title = f"{ref.title} › {ref.heading}" if ref.heading else ref.title
                line = f"  • {title} ({ref.date}) {link_or_nothing(ref.url)}".rstrip()
                # (soft-wrapped, as every link below: a line rich breaks inside a URL is a link
                # no terminal opens whole, nor copies)
                console.print(terminal_text(line), markup=False, soft_wrap=True)
        return
    if answer.headline:  # (none for a post of only code: its citation shows the code's start)
        headline = terminal_text(escape_markdown(answer.headline))
        console.print(Markdown(f"> {headline} [{answer.headline_from + 1}]"))
        console.print()
    stories = alike_stories(answer.results)  # (sections of one name: which story each cites)
    for n, result in enumerate(answer.results, 1):
        section = f" — {result.heading}" if result.heading else ""
        if stories[n - 1]:
            section += f" › {stories[n - 1]}"
        if result.part:
            section += f" ({result.part})"
        title = safe_markup(f"[{n}] {result.title}{section}")
        console.print(f"[bold]{title}[/] [dim]({result.date})[/]")
        if link_or_nothing(result.url):
            url = terminal_text(result.url)
            console.print(f"    {url}", style="cyan", markup=False, soft_wrap=True)
        console.print(Markdown(terminal_text(result_snippet(result))))
        if result.also_in:
            also = "; ".join(f"{ref.title} ({ref.date})" for ref in result.also_in)
            console.print(f"    also in: {terminal_text(also)}", style="dim", markup=False)
        console.print()


def progress_bar(description: str) -> tuple[Progress, Callable[[int, int], None]]:
    """A transient progress bar on stderr, and the callback that moves it (done, total)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err.real,
        transient=True,
    )
    task = progress.add_task(description, total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total or None)

    return progress, update
