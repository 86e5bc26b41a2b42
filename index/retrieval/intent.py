"""Question intent and answer forms: what kind of answer a question asks for (*when / how long /
how many / how much / who / where / which / why / what is / yes-no*) and where a sentence states an
answer of that form (a date, a duration, a count, money or a share, a name, a place, a cause, a
definition, a verdict). Used by answer extraction to favour sentences that state the form asked.
"""

from __future__ import annotations

import re

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


# A request for what the posts say about a subject, not for a fact about it ("tell me about
# cats", "what does the site say about compost?"): any passage on the subject
# answers it, so no sentence has to state one thing asked.
_OVERVIEW = re.compile(
    r"^\W*(?:(?:can|could|would) you |please )?(?:tell me (?:more |something )?about\b"
    r"|talk about\b|summari[sz]e\b|(?:give me )?(?:an )?overview of\b"
    r"|what (?:do|does|did) (?:you|the (?:site|posts?|blog|briefs?|articles?)) (?:know|say"
    r"|have|write|cover)\b)",
    re.IGNORECASE,
)


def asks_for_overview(question: str) -> bool:
    """Whether ``question`` asks what the posts say about a subject rather than for a fact."""
    return _OVERVIEW.search(question) is not None


# A request for the newest posts, and nothing else ("what's new?", "latest news", "any recent
# posts?"): its words would find old posts saying "new"; a topic after it ("what's new in
# robotics?") makes it a question about that topic.
_LATEST = re.compile(
    r"^\W*(?:what(?:['’]s| is| are) (?:new|the (?:latest|newest|most recent))"
    r"|(?:(?:show|give|tell) me |list |any(?:thing)? )?(?:the )?(?:latest|newest|most recent"
    r"|recent|new)|anything new)"
    r"(?: (?:posts?|news|briefs?|articles?|stories|digests?|editorials?|stuff))?\W*$",
    re.IGNORECASE,
)


def asks_for_latest(question: str) -> bool:
    """Whether ``question`` asks only for the newest posts (answered by date, not by words)."""
    return _LATEST.search(question) is not None


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
        # (a year is a date, not a count)
        "count": r"\b(?!(?:1[89]|20)\d\d\b)\d[\d,.]*\b(?!%)|\b(?:one|two|three|four|five|six|"
        r"seven|eight|nine|ten|"
        r"eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundreds?|thousands?|"
        r"millions?|billions?|trillions?|dozens?)\b",
        "money": r"[$€£¥]\s?\d|\b\d[\d,.]*\s?(?:dollars|euros|pounds|usd|yuan)\b"
        r"|\b(?:million|billion|trillion)\b",
        "share": r"\d+(?:[.,]\d+)*\s?%|\b\d[\d,.]*\s?(?:percent|per cent)\b"
        r"|\b(?:one|1) in (?:\d+|ten|five|"
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
WANTS: dict[str, tuple[str, ...]] = {
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
    # ("not", "but", "however" are in many sentences that are no verdict: a hint, no more)
    "yes_no": 0.1,
    "how": 0.3,  # (a means or a cause, like "define")
    "other": 0.0,
}
# The word after "how" (or "what share") names the intent, not the subject ("how long").
INTENT_WORD = re.compile(
    r"\bhow (\w+)|\bwhat (share|fraction|percentage|percent|proportion|number|price|amount"
    r"|kind|type|year|date)\b",
    re.IGNORECASE,
)


def form_pattern(kind: str) -> re.Pattern[str]:
    return _NAME if kind == "name" else _PLACE if kind == "place" else _FORMS[kind]


def form_spans(kind: str, sentence: str) -> list[tuple[int, int]]:
    """Where ``sentence`` states an answer of the form ``kind`` (character spans)."""
    return [m.span() for m in form_pattern(kind).finditer(sentence)]


# ------------------------------------------------------------------------------ sentences
