"""A post's furniture out of its prose: what a page shows around the text, not the text.

A page lays out more than its author's sentences: a picture's credit ("Image credit: Reuters",
"Photo by Jane Doe on Unsplash", a caption's "(source)" whose link is gone), an embedded tweet's
sign-off ("— Jane Doe (@jane) March 3, 2020", the handle and date Twitter's widget prints under
the tweet). Read as a sentence they take a headline's or snippet's room and say nothing; each is
recognised by its shape alone (what any site's pictures and embeds look like), never by a phrase
of one site. Used by ``cleaning`` on each block of prose (not on headings or code) after
``inline`` has flattened it.

- An embedded tweet's sign-off keeps the author's name and the date, as a quotation's
  attribution ("… than North Korea. — Elon Musk, August 12, 2017"): whose words the tweet's are
  (not the post's) and when. The handle goes (and with the date the year a question may name
  stays searchable: dropping it lost a training question). Text after a sign-off (the next
  tweet of an embed) starts a line of its own.
- A credit sentence ("Credit: X", "Image credit: X", "Photo by X", "Courtesy of X", "Source: X",
  a reference's "DOI: 10.…") goes when it is short (a name, not a sentence: a news title
  opening "Source: …" says more); so does a credit in brackets ("(source)", "(Source: X)",
  "(credit: X)"), a link's text left when its address went.
"""

from __future__ import annotations

import re

from .passages import split_sentences

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# "— Name (@handle) Month D, YYYY": a dash, a name (which may hold a bracket of its own, "Anima
# Anandkumar (hiring)"), the handle in brackets, then the tweet's date if it is there.
_SIGN_OFF = re.compile(
    r"(?:^|(?<=\s))(?P<dash>[—–])\s*"
    r"(?P<name>(?:[^()\n—–@]|\([^()@\n]*\)){1,60}?)\s*"
    r"\(@\w{1,15}\)"
    rf"(?:\s+(?P<date>{_MONTH}\s+\d{{1,2}}(?:,\s*\d{{4}})?))?"
)
# A credit sentence: what credits ("Credit", "Image credit", "Photo by", "Courtesy of"), then
# the credited. "Source" alone is a news title's opening word too ("Source: Apple to buy X"):
# it counts only before a name of a few words.
_PICTURE = r"(?:image|photo(?:graph)?s?|picture|illustration|video|graphic|figure|header|cover)"
_CREDIT = re.compile(
    rf"^(?:{_PICTURE}\s+)?credits?\s*:"
    rf"|^{_PICTURE}\s+(?:credits?|courtesy|sources?)\b"
    r"|^courtesy\s+(?:of\s+)?\w"
    r"|^doi\s*:"
    r"|\bon\s+(?:Unsplash|Pexels|Pixabay|Flickr)\.?$",
    re.IGNORECASE,
)
# "Photo by Jane Doe", "Image via Reuters": shorter still ("Photos by the rover show …" is news).
_BY = re.compile(rf"^{_PICTURE}\s+(?:by|via)\s", re.IGNORECASE)
BY_WORDS = 8
_SOURCE = re.compile(r"^sources?\s*(?::|$)", re.IGNORECASE)
CREDIT_WORDS = 12  # a credit names someone: longer, it is a sentence saying something
# After "Source:", a name: a few words, each capitalised or a domain ("Google AI", "arxiv.org");
# a news title opening "Source: …" says more ("Sources: Apple to buy Shazam").
SOURCE_WORDS = 4


def _is_name_word(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit() or "." in word or "/" in word


# A credit in brackets: "(source)", "(Source: X)", "(credit - X)", where the link it was has
# been flattened to its text.
_CREDIT_ASIDE = re.compile(
    r"\s*\(\s*(?:(?:image|photo)\s+)?(?:sources?|credits?|courtesy)\b"
    r"(?:\s*[:\-–—]\s*[^()\n]{0,80})?\)",
    re.IGNORECASE,
)
# (cheap tests first: most blocks hold none of these words; substring tests on the lowercased
# text are ~50 times faster than one case-blind regex of them)
_MAY_HOLD: tuple[str, ...] = ("(@", "credit", "courtes", "source", "photo", "image", "doi")
_MAY_HOLD += ("unsplash", "pexels", "pixabay", "flickr")


def is_credit(sentence: str) -> bool:
    """Whether ``sentence`` only credits a picture or a source ("Image credit: Reuters",
    "Photo by Jane Doe on Unsplash", "Source: arxiv.org")."""
    text = sentence.strip().strip('*_"“”()[] ')
    words = len(text.split())
    if m := _SOURCE.match(text):
        named = text[m.end() :].split()
        return len(named) <= SOURCE_WORDS and all(map(_is_name_word, named))
    if _BY.match(text):
        return words <= BY_WORDS
    return words <= CREDIT_WORDS and bool(_CREDIT.search(text))


def _credit_aside(m: re.Match[str]) -> str:
    inside = m.group(0).strip()[1:-1]
    return "" if len(inside.split()) <= CREDIT_WORDS else m.group(0)


_OPENING = re.compile(r"^[\"“‘(\[]+")
_CLOSING = re.compile(r"[\"”’)\]]+$")


def _without_credits(sentences: list[str]) -> str:
    """The sentences but their credits, joined; a quotation mark or bracket a credit opened or
    closed (a quoted excerpt's first or last sentence) kept, on the sentence next to it."""
    kept: list[str] = []
    opening = ""
    for sentence in sentences:
        if not is_credit(sentence):
            kept.append(opening + sentence)
            opening = ""
            continue
        if m := _OPENING.match(sentence):
            opening += m.group(0)
        if (m := _CLOSING.search(sentence)) and kept:
            kept[-1] += m.group(0)
    return " ".join(kept)


def without_furniture(text: str) -> list[str]:
    """A block's prose without its furniture, as lines (one, or more where an embedded tweet's
    sign-off is followed by more text); none when nothing is left."""
    lowered = text.lower()
    if not any(word in lowered for word in _MAY_HOLD):
        return [text] if text else []
    lines: list[str] = []
    if "(@" in text:
        pos = 0
        for m in _SIGN_OFF.finditer(text):
            said = text[pos : m.start()]
            # (a tweet of a picture or a link only: nothing of it is left but its sign-off)
            signed = f"{m.group('dash')} {m.group('name').strip()}"
            if m.group("date"):
                signed += f", {m.group('date')}"
            lines.append(f"{said}{signed}" if said.strip() else "")
            pos = m.end()
        lines.append(text[pos:])
    else:
        lines.append(text)
    out = []
    for line in lines:
        if "(" in line:
            line = _CREDIT_ASIDE.sub(_credit_aside, line)
        sentences = split_sentences(line)
        if any(map(is_credit, sentences)):
            line = _without_credits(sentences)
        line = line.strip()
        if line and any(c.isalnum() for c in line):
            out.append(line)
    return out
