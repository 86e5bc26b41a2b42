"""How much of a question is searched: the one rule the CLI's ``ask`` and the bot's /ask share."""

from __future__ import annotations

# Questions are searched on their first characters only: beyond this it is pasted text, and every
# extra unknown word costs a typo look-up over the whole vocabulary.
MAX_QUESTION_CHARS = 1000


def clip_question(question: str, limit: int = MAX_QUESTION_CHARS) -> tuple[str, bool]:
    """The part of ``question`` that is searched (cut at a word), and whether it was cut."""
    question = " ".join(question.split())
    if len(question) <= limit:
        return question, False
    cut = question.rfind(" ", 0, limit + 1)
    return question[: cut if cut > limit // 2 else limit], True
