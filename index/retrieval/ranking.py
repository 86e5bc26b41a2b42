"""Ranking: passage scores → results in order, and how sure the ranking is of them.

1. Passages are grouped by post: a post is as good as its best passage, plus a little for further
   matching passages; each post's best passage comes before its others, a further passage of a
   post is ranked by its own score, and no post takes more than ``per_post_in_top`` of the first
   five results, so one long post cannot crowd out the others. The best post's next passages
   (up to ``best_post_lead`` in all) then lead the results, each unless it scores less than half
   the result whose place it takes: the right post comes first nine times in ten, so its other
   sections are likelier to hold the answer than the runner-up posts.
2. ``confidence`` and ``stand_out`` say how far the best post leads the others, for declining
   (see ``SearchIndex._not_covered``).

How passages are scored in the first place is ``scoring``; the knobs of both are
``RankingWeights``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .query import QueryPlan
from .selection import top_k


@dataclass(frozen=True, slots=True)
class RankingWeights:
    """How much each field counts relative to the passage body, and other ranking knobs."""

    heading: float = 0.5
    phrase: float = 0.5
    title: float = 0.5  # (1.0 before issue 10: on fresh questions half ranks better)
    summary: float = 1.0
    sentence: float = 1.0
    further_passages: float = 0.15  # post bonus per unit of its 2nd-best passage score
    same_post_decay: float = 1.0  # 0: every post's best passage first; 1: pure passage order
    quantity: float = 0.5  # bonus, when a question asks "how much", for passages stating amounts
    lead: float = 0.1  # bonus for a post's opening passages: 1 + lead / (1 + position)
    per_post_in_top: int = 4  # passages one post may have among the first TOP results
    # The best post's first this many passages lead the results, each unless it scores less than
    # ``lead_share`` of the result whose place it takes: with the right post first nine times in
    # ten, its other passages are likelier to hold the answer than the runner-up posts' best.
    best_post_lead: int = 4
    lead_share: float = 0.5
    typo: float = 0.8  # weight of a typo-corrected term
    # Weight of a compound name's parts ("gpt" and "3" of "GPT-3", searched beside the name
    # "gpt3") when the name itself is in the content: one word of the question, not three.
    # (Issue 10, round 8: 1.0 before; 0.15–0.4 rank alike.)
    name_parts: float = 0.25
    # Decline when the confidence (see ``confidence``) is below this: the first passage shown
    # holds few of the question's telling words, and no post stands out from the others.
    decline_below: float = 0.0
    stand_out: float = 1.5  # power of the best post's lead over the third in the confidence
    # (Declining on how much of the question the best posts hold: ``decline``'s rules.)
    date_match: float = 0.4  # score bonus (relative) for posts dated when the question says
    # The candidate posts re-ranked by ``rerank``'s linear model (its weights times this; 0
    # turns it off) when the best passage holds under ``rerank_below`` of the question's
    # weight: a paraphrase, whose words the right post holds between its sections. Declining
    # still judges the passage scores before it. (Issue 10, round 3: on every question it
    # helped held2 but hurt dev and held; gated, it helps held2 and leaves the others be.)
    rerank: float = 1.0
    rerank_below: float = 0.4
    # The best candidate passages re-scored by ``passage_scorer``'s learned model (its log
    # score times this; 0 turns it off). (Issue 10, round 13: on since; see bench/README.md.)
    learned: float = 1.0


DEFAULT_WEIGHTS = RankingWeights()
CANDIDATES = 100  # passages considered before grouping by post
MAX_RESULTS = 50
TOP = 5  # the results people read first
RUNNERS_UP = 2  # confidence compares the best post with the one this many places below it
MAX_STAND_OUT = 3.0  # (and counts a lead over it of at most this much)

# (passage, shown score, post), in result order: a plain tuple, as a hundred are made, sorted
# and sliced per question.
Entry = tuple[int, float, int]


class Candidates:
    """A question's best passages, best first (ties by index), grouped by post.

    As Python lists: there are a hundred, and plain Python on them costs less than the few
    dozen small numpy calls a vectorised grouping takes.
    """

    __slots__ = (
        "_by_choice",
        "choice",
        "decay",
        "further",
        "members",
        "passage",
        "post",
        "reach",
        "score",
    )

    def __init__(
        self,
        passage: list[int],
        score: list[float],
        choice: list[float],
        post: list[int],
        weights: RankingWeights,
    ) -> None:
        self.passage, self.score, self.choice, self.post = passage, score, choice, post
        self.further = weights.further_passages  # a post's best counts this of its second best
        self.decay = weights.same_post_decay  # a post's n-th slot counts decay**n times less
        # The most a candidate's shown score can exceed its own (by the bonus, as its post's
        # best); the margin covers float rounding.
        self.reach = 1.0 + self.further + 1e-9
        members: dict[int, list[int]] = {}  # post → its candidates (positions), best first
        for j, p in enumerate(post):
            if p in members:
                members[p].append(j)
            else:
                members[p] = [j]
        self.members = members
        self._by_choice: dict[int, list[int]] = {}

    def shown(self, j: int) -> float:
        """Candidate ``j``'s score as shown: a post's best counts a little for its second."""
        js = self.members[self.post[j]]
        if js[0] != j or len(js) == 1:
            return self.score[j]
        return self.score[j] + self.further * self.score[js[1]]

    def filling(self, post: int, slot: int) -> int:
        """The passage shown in a post's ``slot``: its slot-th candidate by ``choice``."""
        order = self._by_choice.get(post)
        if order is None:
            choice, passage = self.choice, self.passage
            order = sorted(self.members[post], key=lambda j: (-choice[j], passage[j]))
            self._by_choice[post] = order
        return self.passage[order[slot]]


def result_order(cands: Candidates, length: int | None) -> list[Entry]:
    """The first ``length`` results (all if None), before the best post's lead and the cap.

    Each candidate fills a slot of its post: slot n holds the post's n-th best score (slot 0
    with the bonus for a second passage) and shows its n-th passage by ``choice``; results go
    by that score, ``same_post_decay`` times less per slot.

    Only candidates that can reach the first ``length`` are looked at: each of the first
    ``length`` candidates scores at least the last of them (the floor), so a later one gets in
    only by scoring the floor, or as its post's best with the bonus.
    """
    score = cands.score
    total = len(score)
    picked: Sequence[int]
    if length is None or length >= total or cands.further < 0 or cands.decay != 1.0:
        length, picked = None, range(total)
    else:
        floor = score[length - 1]
        reaching = list(range(length))
        for j in range(length, total):
            if score[j] * cands.reach < floor:
                break
            if score[j] >= floor or cands.shown(j) >= floor:
                reaching.append(j)
        picked = reaching
    passage, post, members = cands.passage, cands.post, cands.members
    keyed = []  # (-effective score, slot, passage shown there, shown score, post)
    for j in picked:
        p = post[j]
        js = members[p]
        if len(js) == 1:
            keyed.append((-score[j], 0, passage[j], score[j], p))
            continue
        slot = js.index(j)
        shown = cands.shown(j)
        effective = shown if cands.decay == 1.0 else shown * cands.decay**slot
        keyed.append((-effective, slot, cands.filling(p, slot), shown, p))
    keyed.sort()  # (nearly sorted already)
    return [(passage, shown, post) for _, _, passage, shown, post in keyed[:length]]


def best_post_first(queue: list[Entry], cands: Candidates, lead: int, share: float) -> list[Entry]:
    """The best post's first ``lead`` passages moved to the front, each only if it scores at
    least ``share`` of the entry whose place it takes (they come in slot order: a later one
    never scores higher). ``queue`` may be the first few results only: the best post's
    further passages are taken from its candidates."""
    best_post = queue[0][2]
    front = [queue[0]]
    for slot, j in enumerate(cands.members[best_post][1:lead], 1):
        shown = cands.score[j]
        if shown < share * queue[len(front)][1]:
            break
        front.append((cands.filling(best_post, slot), shown, best_post))
    if len(front) == 1:
        return queue
    moved = {passage for passage, _, _ in front}
    return front + [e for e in queue[1:] if e[0] not in moved]


def cap_per_post(
    queue: list[Entry], k: int, cap: int
) -> tuple[list[tuple[int, float]], bool, bool]:
    """The first ``k`` entries with at most ``cap`` of one post among the first TOP, whether
    one had to be let in for want of other posts' entries, and whether ``queue`` held enough
    (else every entry was used)."""
    top: list[tuple[int, float]] = []
    later: list[tuple[int, float]] = []
    shown_per_post: dict[int, int] = {}
    enough = False
    for passage, shown, post in queue:
        if len(top) < TOP and shown_per_post.get(post, 0) >= cap:
            later.append((passage, shown))
            continue
        shown_per_post[post] = shown_per_post.get(post, 0) + 1
        (top if len(top) < TOP else later).append((passage, shown))
        if len(top) + len(later) >= k and len(top) >= min(k, TOP):
            enough = True
            break
    held_back_in_top = len(top) < min(k, TOP) and bool(later)
    return (top + later)[:k], held_back_in_top, enough


def best_post_scores(cands: Candidates, count: int) -> list[float]:
    """The best ``count`` posts' shown scores, best first. Posts come in the order of their
    best candidate, and the bonus adds at most ``further`` times that: stop once no later post
    can make the list."""
    best: list[float] = []
    for js in cands.members.values():
        if len(best) == count and cands.score[js[0]] * cands.reach < best[-1]:
            break
        best.append(cands.shown(js[0]))
        best.sort(reverse=True)
        del best[count:]
    return best


def rank_among(
    scores: np.ndarray,
    choice: np.ndarray,
    passage_post: np.ndarray,
    w: RankingWeights,
    k: int,
    candidates: int,
) -> tuple[list[tuple[int, float]], bool, list[float]]:
    """Results from the best ``candidates`` passages, whether the crowding cap had to let
    a held-back passage into the first results for want of other posts, and the best
    ``RUNNERS_UP`` + 1 posts' scores (best first)."""
    cand = top_k(scores, min(candidates, len(scores)))  # best first, ties by index
    score = scores[cand].tolist()
    if score and not score[-1] > 0:  # (best first: only a tail can be non-positive)
        cand = cand[: sum(s > 0 for s in score)]
        score = score[: len(cand)]
    if not score:
        return [], False, []
    cands = Candidates(cand.tolist(), score, choice[cand].tolist(), passage_post[cand].tolist(), w)
    lead = min(w.best_post_lead, w.per_post_in_top)
    # The first few results settle the answer unless the cap holds many back: then all.
    for length in (k + w.per_post_in_top, None):
        queue = result_order(cands, length)
        if lead > 1:
            queue = best_post_first(queue, cands, lead, w.lead_share)
        results, held_back, enough = cap_per_post(queue, k, w.per_post_in_top)
        if enough or length is None or length >= len(cands.score):
            break
    post_scores = best_post_scores(cands, RUNNERS_UP + 1)
    return results, held_back, post_scores


def rank(
    scores: np.ndarray, choice: np.ndarray, passage_post: np.ndarray, w: RankingWeights, k: int
) -> tuple[list[tuple[int, float]], list[float]]:
    """Passages in result order, and the best few posts' scores (best first).

    Posts are ranked by their best passage (plus a little for further matching passages).
    Each further passage of an already listed post counts ``same_post_decay`` times less per
    passage already shown, so one long post cannot crowd out the others but a clearly better
    post may show a second passage before a weak post's first.
    """
    ranked, held_back, post_scores = rank_among(scores, choice, passage_post, w, k, CANDIDATES)
    if held_back and len(scores) > CANDIDATES:
        # The best candidates were too few posts to fill the first results without crowding:
        # look at every matching passage for other posts.
        ranked, _, post_scores = rank_among(scores, choice, passage_post, w, k, len(scores))
    return ranked, post_scores


def stand_out(post_scores: list[float]) -> float:
    """How far the best post leads the ``RUNNERS_UP``-th below it (at most ``MAX_STAND_OUT``)."""
    if len(post_scores) > RUNNERS_UP and post_scores[RUNNERS_UP] > 0:
        return min(post_scores[0] / post_scores[RUNNERS_UP], MAX_STAND_OUT)
    return MAX_STAND_OUT


def confidence(
    plan: QueryPlan, evidence: float, post_scores: list[float], w: RankingWeights
) -> float:
    """How sure we are that the content answers the question.

    The first passage's own evidence (its score without best-sentence evidence, which any
    passage naming the question's subject gets) relative to the question's total IDF weight
    (unknown words included), times how far the best post stands out from the third best,
    to the power ``stand_out``. A question the content answers usually has a post about it,
    well ahead of the rest; one it does not answer matches many posts about equally (its
    subject named in passing). The third post, not the second: a digest and its yearly
    review often repeat the same item.
    """
    total = sum(plan.weight_of.values())
    if total <= 0:
        return 0.0
    return evidence / total * stand_out(post_scores) ** w.stand_out
