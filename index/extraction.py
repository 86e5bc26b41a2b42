"""Answer extraction: after retrieval, the text shown first (the headline) and each result's
snippet, chosen from the passages' sentences.

Retrieval finds passages about the question's subject; the reader wants the sentence that answers
it. Each sentence of the best few passages is scored on evidence that holds for any site:

- **focus coverage**: the IDF weight of the question's words it holds, the question's *focus*
  words (those not in the sentence's post title) counting fully and title words a little: the
  title says what the post is about, so a sentence holding only title words restates the topic;
- **answer form**: the question's intent (*when / how long / how many / how much / who / where /
  which / why / what is / yes-no*) asks for a form of answer (a date, a duration, a count, money or
  a share, a name, a place, a cause, a definition, a verdict), and a sentence stating one is
  likelier to answer than one that does not;
- **retrieval**: the passage's own rank, as a mild prior (the first passage is usually right);
- **standing alone**: a sentence opening on a pronoun ("It did so in 2020.") takes the one
  before it; a headline is at most ``HEADLINE_WORDS`` words.

Snippets are windows of at most ``SNIPPET_WORDS`` words around each passage's best sentence, the
answer sentence's answer form (or else the question's words) in bold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .analyzer import analyze, term_for_word
from .answers import escape_markdown, sentences

HEADLINE_WORDS = 60
SNIPPET_WORDS = 70
POOL = 3  # the first results (the first page in Discord) whose sentences may become the headline
HEADLINE_CHARS = 600  # a bound on characters too, so Discord never cuts what we chose
SNIPPET_CHARS = 640

_WORD = re.compile(r"\w+(?:[-'’.,]\w+)*")

# ------------------------------------------------------------------------------ question intent

# The first matching pattern names the intent (order matters: "how long" before "how").
_INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("how_long", r"\bhow long\b|\bfor how many (?:days|weeks|months|years)\b"),
        (
            "share",
            r"\bwhat (?:share|percentage|percent|fraction|proportion)\b|\bhow often\b"
            r"|\bwhat (?:portion|part) of\b|\bsuccess rate\b",
        ),
        (
            "how_much",
            r"\bhow much\b|\bwhat did (?:it|they) cost\b|\bhow (?:expensive|big|large"
            r"|fast|far|old|tall|heavy)\b|\bwhat (?:price|amount|sum)\b|\bcost\b"
            r"|\bvalued?\b|\braised?\b|\bsettlement amount\b|\bpaying\b",
        ),
        ("how_many", r"\bhow many\b|\bwhat number\b|\bnumber of\b|\bcount\b"),
        (
            "when",
            r"\bwhen\b|\bwhat (?:year|date|month|day|time)\b|\bwhich (?:year|month|day)\b"
            r"|\bsince when\b|\bhow soon\b",
        ),
        (
            "who",
            r"\bwho(?:se|m)?\b|\bwhich (?:company|companies|person|people|researchers?"
            r"|team|lab|organi[sz]ation|startup|firm|group|country|state|city|university"
            r"|agency|government)\b",
        ),
        ("where", r"\bwhere\b|\bwhat (?:country|city|state|place)\b"),
        (
            "why",
            r"\bwhy\b|\bwhat (?:caused|led to|prompted|pushed|was the reason|triggered)\b"
            r"|\bwhat incident\b|\breason\b",
        ),
        (
            "define",
            r"\bwhat (?:is|are|was|were|does|do)\b|\bdefine\b|\bdefinition\b"
            r"|\bmeaning of\b|\bwhat kind of\b|\bwhat type of\b",
        ),
        ("which", r"\bwhich\b|\bwhat\b"),
        (
            "yes_no",
            r"^\s*(?:is|are|was|were|did|does|do|can|could|will|would|should|has|have"
            r"|had)\b|\bis it true\b|\breally\b",
        ),
        ("how", r"\bhow\b"),
    )
)


def intent(question: str) -> str:
    """What kind of answer ``question`` asks for (``"other"`` when nothing tells)."""
    for name, pattern in _INTENTS:
        if pattern.search(question):
            return name
    return "other"


# ------------------------------------------------------------------------------ answer forms

_NUMBER = (
    r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|hundred|a few|several|dozens?|a dozen|hundreds|"
    r"thousands|millions|a (?:hundred|thousand|million|billion))"
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_FORMS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "date": r"\b(?:1[89]\d\d|20\d\d)s?\b|\b"
        + _MONTH
        + r"\.? \d{1,2}\b|\b"
        + _MONTH
        + r"\b(?= (?:of )?(?:1[89]|20)\d\d)|\b(?:last|next|this) (?:week|month|year|"
        r"spring|summer|fall|autumn|winter)\b|\byesterday\b|\btoday\b|\bdecades? ago\b",
        "duration": r"\b" + _NUMBER + r"[- ](?:more |full |consecutive )?(?:seconds?|minutes?|"
        r"hours?|days?|nights?|weeks?|months?|years?|decades?|centuries)\b"
        r"|\b(?:a|one|half a) (?:day|week|month|year|decade|century)\b"
        r"|\bsince (?:at least )?(?:the )?(?:1[89]|20)\d\d",
        "count": r"\b\d[\d,.]*\b(?!%)|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|"
        r"eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundreds?|thousands?|"
        r"millions?|billions?|trillions?|dozens?)\b",
        "money": r"[$€£¥]\s?\d|\b\d[\d,.]*\s?(?:dollars|euros|pounds|usd|yuan)\b"
        r"|\b(?:million|billion|trillion)\b",
        "share": r"\d\s?%|\b\d[\d,.]*\s?(?:percent|per cent)\b|\b(?:one|1) in (?:\d+|ten|five|"
        r"four|three|two|a hundred)\b|\bhalf\b|\bthird\b|\bquarter\b|\bmajority\b"
        r"|\bmost\b|\bevery\b|\b\d+ (?:out )?of (?:every )?\d+\b|\btimes\b"
        # changes and frequencies ("more than doubled", "once a minute", "weekly")
        r"|\b(?:doubled|tripled|quadrupled|twice|halved)\b|\b\d+(?:\.\d+)?x\b|-fold\b"
        r"|\b(?:once|twice) (?:a|an|per|every)\b|\b(?:per|every) (?:second|minute|"
        r"hour|day|week|month|year)\b|\b(?:hourly|daily|weekly|monthly|yearly|"
        r"annually|bi-weekly)\b",
        "cause": r"\bbecause\b|\bdue to\b|\bsince\b|\bas a result\b|\bafter\b|\bowing to\b"
        r"|\bled to\b|\bcaused?\b|\bso that\b|\bin order to\b|\breasons?\b|\bfor "
        r"(?:its|their|his|her)\b|\bover (?:concerns?|fears?)\b|\bfollowing\b"
        r"|\bin response to\b|\bto (?:avoid|prevent|protect|address|discourage)\b",
        "define": r"\b(?:is|are|was|were) (?:a|an|the|one|about|based|trained|designed|meant|"
        r"used|built|able)\b|\brefers? to\b|\bmeans?\b|\bdefined?\b|\bcalled\b"
        r"|\bknown as\b|\baims? to\b|\bdesigned to\b|\bwhich (?:is|are|can)\b"
        r"|\bthat (?:can|will|would|lets|allows)\b|\bto (?:predict|detect|generate|"
        r"identify|help|make|create|track|learn)\b|\bscience\b",
        "verdict": r"\bnot\b|n[’']t\b|\bno\b|\bnever\b|\bunlikely\b|\bhowever\b|\bbut\b"
        r"|\bactually\b|\bin fact\b|\bonly\b|\btoo early\b|\bmisleading\b"
        r"|\bexaggerat|\boverhyped\b|\bhype\b|\btrue\b|\bfalse\b|\bindeed\b",
    }.items()
}
# A person's or organisation's name: two or more capitalised words, or one before a role, or an
# all-capitals acronym; the sentence's first word is capitalised anyway and does not count alone.
_NAME = re.compile(
    r"(?<!^)(?<![.!?] )\b[A-Z][\w’'-]+(?:\s+(?:[A-Z]\.|[A-Z][\w’'-]+|de|van|von|of))*"
    r"(?:\s+[A-Z][\w’'-]+)|\b[A-Z]{2,}\b|\b(?:Inc|Corp|Labs?|University|Institute|Google|"
    r"OpenAI|Microsoft|Amazon|Meta|Facebook|Apple|Nvidia|IBM|DeepMind|Anthropic)\b"
)
_PLACE = re.compile(r"\b(?:in|at|from|to|of) (?:the )?[A-Z][\w’'-]+")

# The forms each intent asks for, with how much one found counts.
_WANTS: dict[str, tuple[str, ...]] = {
    "when": ("date",),
    "how_long": ("duration",),
    "how_many": ("count",),
    "how_much": ("money", "share", "count"),
    "share": ("share", "count"),
    "who": ("name",),
    "which": ("name",),
    "where": ("place", "name"),
    "why": ("cause",),
    "define": ("define",),
    "yes_no": ("verdict",),
    "how": ("cause", "define"),
    "other": (),
}
# A sentence stating the form the question asks for counts this much more: much for the forms
# a sentence rarely states by chance (a date, a duration, an amount), less for names.
FORM_BONUS = {
    "when": 1.0,
    "how_long": 1.0,
    "how_many": 1.0,
    "how_much": 1.0,
    "share": 1.0,
    "who": 0.3,
    "which": 0.2,
    "where": 0.3,
    "why": 0.5,
    "define": 0.3,
    "yes_no": 0.2,
    "how": 0.2,
    "other": 0.0,
}
# The word after "how" (or "what share") names the intent, not the subject ("how long").
_INTENT_WORD = re.compile(
    r"\bhow (\w+)|\bwhat (share|fraction|percentage|percent|proportion|number|price|amount"
    r"|kind|type|year|date)\b",
    re.IGNORECASE,
)


def _form_pattern(kind: str) -> re.Pattern[str]:
    return _NAME if kind == "name" else _PLACE if kind == "place" else _FORMS[kind]


def form_spans(kind: str, sentence: str) -> list[tuple[int, int]]:
    """Where ``sentence`` states an answer of the form ``kind`` (character spans)."""
    return [m.span() for m in _form_pattern(kind).finditer(sentence)]


# ------------------------------------------------------------------------------ sentences

# Words that make a sentence lean on the one before it.
_ANAPHORA = re.compile(
    r"^(?:it|this|that|these|those|they|he|she|its|their|his|her|such|the (?:company|firm|"
    r"model|system|tool|project|study|paper|group|team|startup|researchers|move|decision|"
    r"program)|also|however|but|so|then|meanwhile|instead|still|yet)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=65536)
def _terms_of(word: str) -> tuple[str, ...]:
    return term_for_word(word.casefold())


@dataclass(frozen=True, slots=True)
class Evidence:
    """A retrieved passage as extraction sees it."""

    text: str  # the passage text (a section's first passage opens with its heading line)
    title: str  # its post's title
    score: float  # its retrieval score
    heading: str = ""  # its section's heading: as a headline, only when nothing else matches


@dataclass(slots=True)
class _Sentence:
    text: str
    source: int  # which evidence
    position: int  # which sentence of it
    score: float
    matched: frozenset[str]
    forms: list[tuple[int, int]]  # where it states the answer's form (the first place)


@dataclass(frozen=True, slots=True)
class Extracted:
    headline: str  # plain text, ≤ HEADLINE_WORDS words
    source: int  # the evidence it came from
    best: list[str]  # each evidence's best sentence
    snippets: list[str]  # each evidence's snippet, Markdown (escaped, answer or terms bold)


def _match(
    sentence: str, weights: Mapping[str, float], wants: tuple[str, ...]
) -> tuple[dict[str, int], int, list[tuple[int, int]]]:
    """The question's terms in ``sentence`` (with the position of each one's first word), its
    word count and where it states the answer form asked for."""
    found: dict[str, int] = {}  # term → position of its first word
    words = _WORD.findall(sentence)
    for n, w in enumerate(words):
        for t in _terms_of(w):
            if t in weights and t not in found:
                found[t] = n
    forms: list[tuple[int, int]] = []
    for kind in wants:
        m = _form_pattern(kind).search(sentence)  # (the first is enough to score it)
        if m:
            forms = [m.span()]
            break
    return found, len(words), forms


def _cover(
    terms: Iterable[str], weights: Mapping[str, float], title_terms: frozenset[str]
) -> float:
    return sum(weights[t] * (TITLE_SHARE if t in title_terms else 1.0) for t in terms)


def _score(
    found: dict[str, int],
    n_words: int,
    forms: list[tuple[int, int]],
    context: set[str],
    weights: Mapping[str, float],
    total: float,
    title_terms: frozenset[str],
    form_bonus: float,
) -> float:
    """A sentence's score: its share of the question's weight (focus words first), plus a
    little for question words in the sentences just before it (the subject it continues),
    more for stating the answer's form. (Not for the question's words side by side: a bonus
    for proximity favoured sentences restating the question, and cost headlines on every set.)"""
    if not n_words:
        return 0.0
    cover = _cover(found, weights, title_terms)
    cover += CONTEXT * _cover(context - found.keys(), weights, title_terms)
    cover /= total
    if forms:
        cover *= 1.0 + form_bonus
    if n_words < SHORT_WORDS:  # a fragment or heading rarely answers alone
        cover *= SHORT_FACTOR
    return cover


TITLE_SHARE = 0.3  # a title word counts this much of a focus word
CONTEXT = 0.5  # a question word in the two sentences before counts this much
CONTEXT_SENTENCES = 2
SHORT_WORDS = 6
SHORT_FACTOR = 0.7
HEADING_PENALTY = 1e-6  # (so that a heading never wins a tie)
RANK_DECAY = 0.85  # a sentence of the n-th evidence counts RANK_DECAY ** n
PAIR_MARGIN = 1.0  # two sentences are shown when they score more than this times the best one


def _title_terms(title: str) -> frozenset[str]:
    return frozenset(analyze(title))


def extract(
    question: str,
    weights: Mapping[str, float],
    evidence: Sequence[Evidence],
    pool: int = POOL,
) -> Extracted:
    """The headline and each evidence's best sentence and snippet."""
    if not evidence:
        return Extracted("", 0, [], [])
    kind = intent(question)
    wants, form_bonus = _WANTS[kind], FORM_BONUS[kind]
    asked = {t for m in _INTENT_WORD.findall(question) for w in m if w for t in _terms_of(w)}
    weights = {t: w for t, w in weights.items() if t not in asked} or dict(weights)
    total = sum(weights.values()) or 1.0
    per_evidence: list[list[_Sentence]] = []
    best_overall: _Sentence | None = None
    best_value = -1.0
    for i, ev in enumerate(evidence):
        title_terms = _title_terms(ev.title)
        texts = sentences(ev.text)
        # Answer forms only where the headline may come from: the rest need only the terms.
        matches = [_match(s, weights, wants if i < pool else ()) for s in texts]
        scored = []
        for pos, (found, n_words, forms) in enumerate(matches):
            context: set[str] = set()
            for before in matches[max(0, pos - CONTEXT_SENTENCES) : pos]:
                context.update(before[0])
            value = _score(found, n_words, forms, context, weights, total, title_terms, form_bonus)
            if pos == 0 and texts[0] == ev.heading:
                value -= HEADING_PENALTY  # the citation names it already: not on a tie
            scored.append(_Sentence(texts[pos], i, pos, value, frozenset(found), forms))
        per_evidence.append(scored)
        if i < pool:
            for s in scored:
                value = s.score * RANK_DECAY**i
                if value > best_value:
                    best_overall, best_value = s, value
    if best_overall is None:  # nothing to read on the first page: the best of the rest
        for scored in per_evidence:
            for s in scored:
                if s.score > best_value:
                    best_overall, best_value = s, s.score
    bold: list[str] = []
    headline, source, first, last = "", 0, 0, 0
    if best_overall is not None:
        source = best_overall.source
        headline, bold, first, last = _headline(
            per_evidence[source],
            best_overall.position,
            evidence[source],
            weights,
            total,
            wants,
            form_bonus,
            best_overall.score,
        )
    best = [max(scored, key=lambda s: s.score).text if scored else "" for scored in per_evidence]
    snippets = []
    for i, scored in enumerate(per_evidence):
        title_terms = _title_terms(evidence[i].title)
        if best_overall is not None and i == source:
            # The headline is on the page already: its passage shows the best of the rest,
            # by default what follows the headline.
            start = _window_start(
                scored,
                weights,
                total,
                title_terms,
                form_bonus,
                shown=range(first, last),
                default=last,
            )
        else:
            start = _window_start(scored, weights, total, title_terms, form_bonus)
        snippets.append(_snippet(scored, start, weights, bold if i == source else []))
    return Extracted(headline, source, best, snippets)


def _window_start(
    scored: list[_Sentence],
    weights: Mapping[str, float],
    total: float,
    title_terms: frozenset[str],
    form_bonus: float,
    shown: range = range(0),
    default: int = 0,
) -> int:
    """Where the snippet's window of sentences (``SNIPPET_WORDS`` words) holding most of the
    question starts: the share of the question's weight its sentences hold (less the ones
    ``shown`` elsewhere), more when one states the answer's form. Ties go to ``default``, then
    to the earliest."""
    budget = SNIPPET_WORDS - 2
    lengths = [len(s.text.split()) for s in scored]

    def value(a: int) -> float:
        terms: set[str] = set()
        form = False
        used = 0
        for b in range(a, len(scored)):
            if used + lengths[b] > budget and b > a:
                break
            used += lengths[b]
            if b not in shown:
                terms |= scored[b].matched
                form = form or bool(scored[b].forms)
        return _cover(terms, weights, title_terms) / total * (1.0 + form_bonus * form)

    if not scored:
        return 0
    default = default if default < len(scored) else (shown.start if shown else 0)
    best, best_value = default, value(default)
    for a in range(len(scored)):
        v = value(a)
        if v > best_value + 1e-12:
            best, best_value = a, v
    return best


def _fits(text: str) -> bool:
    return len(text.split()) <= HEADLINE_WORDS and len(text) <= HEADLINE_CHARS


def _headline(
    scored: list[_Sentence],
    position: int,
    ev: Evidence,
    weights: Mapping[str, float],
    total: float,
    wants: tuple[str, ...],
    form_bonus: float,
    alone: float,
) -> tuple[str, list[str], int, int]:
    """The best sentence, or it and a neighbour when the two together hold more of the
    question (an answer often follows the sentence that names its subject, or precedes it):
    the window of one or two sentences scoring best, within the headline's bounds; with the
    sentence before when its first one leans on it. Also the answer-form phrases to bold, and
    where the headline starts."""
    title_terms = _title_terms(ev.title)
    start, end, best = position, position + 1, alone
    # The sentence after first: on a tie, two sentences (the answer often follows the one
    # naming its subject), and rather with the sentence after than the one before.
    for a in (position, position - 1):
        b = a + 2
        if a < 0 or b > len(scored):
            continue
        joined = " ".join(s.text for s in scored[a:b])
        if not _fits(joined):
            continue
        found, n_words, forms = _match(joined, weights, wants)
        value = _score(found, n_words, forms, set(), weights, total, title_terms, form_bonus)
        if value >= best * PAIR_MARGIN and (end - start == 1 or value > best):
            start, end, best = a, b, value
    if start > 0 and _ANAPHORA.match(scored[start].text):
        joined = " ".join(s.text for s in scored[start - 1 : end])
        if _fits(joined):
            start -= 1
    text = " ".join(s.text for s in scored[start:end])
    bold = [text[x:y] for kind in wants for x, y in form_spans(kind, text)][:6]
    return _clip(text, HEADLINE_WORDS, HEADLINE_CHARS, weights), bold, start, end


def _clip(text: str, max_words: int, max_chars: int, weights: Mapping[str, float]) -> str:
    """``text`` within ``max_words`` words and ``max_chars`` characters: a window around the
    question's words, marked with "…" where cut."""
    words = text.split()
    if len(words) <= max_words and len(text) <= max_chars:
        return " ".join(words)
    max_words -= 2  # room for the "…" at either end (they count as words too)
    hits = [n for n, w in enumerate(words) if any(t in weights for t in _terms_of_word(w))]
    centre = hits[len(hits) // 2] if hits else 0
    start = max(0, min(centre - max_words // 2, len(words) - max_words))
    end = min(len(words), start + max_words)
    while end > start + 1 and len(" ".join(words[start:end])) + 4 > max_chars:
        end -= 1
    out = " ".join(words[start:end])
    return ("… " if start else "") + out + (" …" if end < len(words) else "")


def _terms_of_word(token: str) -> tuple[str, ...]:
    m = _WORD.search(token)
    return _terms_of(m.group()) if m else ()


def _snippet(
    scored: list[_Sentence],
    start: int,
    weights: Mapping[str, float],
    bold: Sequence[str],
) -> str:
    """A window of at most ``SNIPPET_WORDS`` words from sentence ``start`` on (or the one before,
    when it leans on it), as far as the words allow; the answer's form bold in the headline's
    passage, else the question's words."""
    if not scored:
        return ""
    budget = SNIPPET_WORDS - 2  # (room for the "…" at either end)
    chosen: list[str] = []
    used = 0
    for s in scored[start:]:
        n = len(s.text.split())
        if used + n > budget:
            if not chosen:
                chosen.append(s.text)
                used = n
            break
        chosen.append(s.text)
        used += n
    # The sentence before, when the first leans on it and there is room for it.
    if start > 0 and _ANAPHORA.match(scored[start].text):
        n = len(scored[start - 1].text.split())
        if used + n <= budget:
            start -= 1
            chosen.insert(0, scored[start].text)
            used += n
    text = " ".join(" ".join(chosen).split())
    lead = "… " if start > 0 else ""
    tail = " …" if start + len(chosen) < len(scored) else ""
    if used > budget or len(text) > SNIPPET_CHARS:
        text = _clip(text, SNIPPET_WORDS, SNIPPET_CHARS, weights)
        lead, tail = (
            (lead if not text.startswith("…") else ""),
            (tail if not text.endswith("…") else ""),
        )
    spans = [(at, at + len(phrase)) for phrase in bold if phrase and (at := text.find(phrase)) >= 0]
    return lead + mark(text, spans, weights) + tail


def mark(text: str, spans: Sequence[tuple[int, int]], weights: Mapping[str, float]) -> str:
    """``text`` with Markdown escaped; ``spans`` bold, or, without spans, the question's words."""
    if not spans:
        spans = [
            m.span()
            for m in _WORD.finditer(text)
            if any(t in weights for t in _terms_of(m.group()))
        ]
    out: list[str] = []
    pos = 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out.append(escape_markdown(text[pos:a]))
        out.append(f"**{escape_markdown(text[a:b])}**")
        pos = b
    out.append(escape_markdown(text[pos:]))
    return "".join(out).replace("****", "").replace("** **", " ")
