"""The example question every reply that suggests one shows (/help, the reply to a bare
mention, a declined question's "ask about what the posts cover"), drawn from the site served:
a fixed example about one site ("what did IBM decide?") is a question every other site
declines, shown to a member as the way to ask; the newest title as is ("tell me about Last Week
in AI #341") names a newsletter's issue, not a topic."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..models import Post
from ..terms.analyzer import STOPWORDS

# A title quoted whole in an example: a few plain words (no Markdown, mentions or code).
_PLAIN_TITLE = re.compile(r"[\w ,.'’:?!&-]{4,60}")
QUESTION_TITLE_MAX = 60  # characters of a title quoted in an example question
# A title's subtitle, after a colon ("AI News in 2023: a Digest"): the part before it names the
# topic, and a question reads as a person would ask it without the rest. Kept whole when the
# part before is a single word ("Update: ...") or has a sentence's end or a quote.
_SUBTITLE = re.compile(r"([^:.?!\"“”'‘’]+\s[^:.?!\"“”'‘’]+?):\s+\S.*")


@dataclass(frozen=True, slots=True)
class Examples:
    question: str  # a question the site answers ("tell me about <a post's title>")
    title_word: str | None  # a word of a title, as /brief's autocomplete takes it
    category: str | None  # the category most posts are in


GENERIC = Examples(question="what is new?", title_word=None, category=None)


def site_examples(newest_first: Sequence[Post]) -> Examples:
    """Examples from ``newest_first`` (the site's posts, newest first): a question about the
    newest post with a plain title (its words are the site's, so it is answered), a word of
    that title, and the most used category."""
    if not newest_first:
        return GENERIC
    plain = [p for p in newest_first if _PLAIN_TITLE.fullmatch(" ".join(p.title.split()))]
    short = [p for p in plain if len(" ".join(p.title.split())) <= QUESTION_TITLE_MAX]
    post = (short or plain or newest_first)[0]
    title = " ".join(post.title.replace("`", "").split())
    if head := _SUBTITLE.fullmatch(title):
        title = head.group(1)
    if len(title) > QUESTION_TITLE_MAX:
        title = title[:QUESTION_TITLE_MAX].rsplit(" ", 1)[0]
    title = title.rstrip(" ,.:;!?-")
    word = next(
        (w.casefold() for w in re.findall(r"[^\W\d_]{4,}", title) if w.casefold() not in STOPWORDS),
        None,
    )
    counts = Counter(c for p in newest_first for c in p.categories)
    category = min(counts, key=lambda c: (-counts[c], c)) if counts else None
    return Examples(question=f"tell me about {title}", title_word=word, category=category)
