"""Other forms of a word: the vocabulary terms a derivational rule links to a question's term.

The stemmer conflates inflections ("decides", "deciding" → ``decid``) but not derivations:
"decide" and "decision" stem to ``decid`` and ``decis``, "acquire" and "acquisition" to
``acquir`` and ``acquisit``, "drive" and "driver" stay apart. A paraphrased question often uses
the other form of the post's word. ``forms`` links a stem to the stems a small set of English
suffix rules derives from it or it from them, *only where the other stem is in the content's
vocabulary* (so the links are checked against the data, not a list of this site's words); the
query searches them at a reduced weight (``query.QueryReader.plan``).
"""

from __future__ import annotations

from collections.abc import Callable

# (the base's ending, the derived form's ending) on Snowball stems: ``root + base`` and
# ``root + derived`` are two forms of one word. Latin consonant alternations before -ion/-ive
# (decid/decis, permit/permiss, solv/solut, assum/assumpt, describ/descript, receiv/recept,
# acquir/acquisit, appli/applic, classifi/classif, explain/explan, accur/accuraci; not
# t/ci: privat/privaci, polit/polici), and suffixes the stemmer keeps on short words (its
# R1/R2 regions): -ion, -ment, -al, -ial (face/facial); agent nouns (drive/driver) in ``AGENTS``.
ALTERNATIONS: tuple[tuple[str, str], ...] = (
    ("d", "s"),
    ("t", "ss"),
    ("v", "ut"),
    ("m", "mpt"),
    ("b", "pt"),
    ("iv", "pt"),
    ("ir", "isit"),
    ("i", "ic"),
    ("ifi", "if"),
    ("ain", "an"),
    ("", "aci"),
)
AGENTS: tuple[tuple[str, str], ...] = (("", "er"), ("", "or"))
NOUNS: tuple[tuple[str, str], ...] = (("", "ion"), ("", "ment"), ("", "al"), ("", "ial"))
# (Agent nouns measured too, not used: "work"/"worker", "read"/"reader" pull in other topics.)
RULES: tuple[tuple[str, str], ...] = ALTERNATIONS + NOUNS
# A shorter root is too often an unrelated word: "ban"/"bain", "train"/"tran".
MIN_ROOT = 3


def forms(term: str, known: Callable[[str], bool]) -> list[str]:
    """The stems ``RULES`` link to ``term`` that ``known`` holds (the content's vocabulary),
    ``term`` itself left out. A stem ending in "e" ("drive", "face") also links as if without
    it ("driver", "facial")."""
    if not term.isalpha() or len(term) < 3:
        return []
    candidates: list[str] = []
    for base_end, derived_end in RULES:
        # ``term`` as the derived form: root + derived_end → root + base_end.
        if term.endswith(derived_end) and len(term) > len(derived_end):
            root = term[: len(term) - len(derived_end)]
            if len(root) >= MIN_ROOT:
                candidates += [root + base_end] if base_end else [root, root + "e"]
        # ``term`` as the base: root + base_end → root + derived_end.
        if term.endswith(base_end):
            root = term[: len(term) - len(base_end)]
            roots = [root, root[:-1]] if not base_end and root.endswith("e") else [root]
            candidates += [r + derived_end for r in roots if len(r) >= MIN_ROOT]
    return [c for c in dict.fromkeys(candidates) if c != term and known(c)]
