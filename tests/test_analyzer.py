"""The analyzer: text → index terms, the same for posts and questions."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.terms.analyzer import (
    STOPWORDS,
    analyze,
    analyze_many,
    term_for_word,
    terms_of_plain_words,
    words,
)


def test_case_folding() -> None:
    assert analyze("Autonomous CRANES") == analyze("autonomous cranes") == ["autonom", "crane"]
    assert analyze("STRASSE") == analyze("Straße")  # full case folding, not just lower()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Café naïve résumé", "cafe naive resume"),  # accents folded away
        ("nai\u0308ve cafe\u0301", "naïve café"),  # decomposed (NFD) text is the same word
        ("İstanbul", "Istanbul"),  # the dotted capital I folds to a plain i
        ("Ελλάδα", "ελλαδα"),
        ("ℌ", "h"),  # compatibility letters end up case-folded too
    ],
)
def test_unicode_variants_give_the_same_terms(a: str, b: str) -> None:
    assert analyze(a) == analyze(b)
    assert analyze(a)


def test_non_latin_words_stay_whole() -> None:
    assert analyze("東京 Москва") == ["東京", "москва"]
    assert analyze("Ainu (アイヌ語)") == ["ainu", "アイヌ語"]
    # Devanagari vowel signs are combining marks: a word must not fall apart at them.
    assert len(analyze("हिन्दी")) == 1
    assert len(analyze("हिन्दी भाषा")) == 2
    assert analyze("Sámi") == analyze("sami")
    # Compatibility forms that spell out several words give several terms, never a spaced one.
    assert analyze("ﷺ") == ["صلى", "الله", "عليه", "وسلم"]
    assert analyze("ﱞ") == []  # an isolated ligature of two marks: nothing left
    assert analyze("ﬁne") == ["fine"]


def test_stopwords_are_dropped() -> None:
    assert analyze("What is the") == []
    assert analyze("the and of it is, was they're") == []
    assert analyze("Which companies stopped selling to the police?") == [
        "compani",
        "stop",
        "sell",
        "polic",
    ]
    assert not STOPWORDS & set(analyze(" ".join(sorted(STOPWORDS))))


def test_snowball_stems() -> None:
    assert analyze("connection connected connecting connections") == ["connect"] * 4
    assert analyze("studies study") == ["studi", "studi"]
    assert analyze("forecasts forecasting forecast") == ["forecast"] * 3
    assert analyze("generously") == ["generous"]


def test_numbers() -> None:
    assert analyze("$150 billion") == ["150", "billion"]
    assert analyze("1,000 startups") == ["1000", "startup"]
    assert analyze("1,000,000") == ["1000000"]
    assert analyze("4.2 million euros") == ["4.2", "million", "euro"]
    assert analyze("in 2019") == ["2019"]
    assert analyze("1 2 3") == ["1", "2", "3"]


def test_hyphenated_names_share_terms() -> None:
    hyphen, joined, spaced = analyze("GPT-3"), analyze("GPT3"), analyze("gpt 3")
    assert hyphen == joined == ["gpt3", "gpt", "3"]
    assert spaced == ["gpt", "3"]
    assert set(spaced) <= set(hyphen)
    assert analyze("Quill-3") == analyze("quill3")
    assert analyze("COVID-19") == ["covid19", "covid", "19"]
    assert analyze("state-of-the-art") == ["stateoftheart", "state", "art"]


def test_possessives_and_apostrophes() -> None:
    assert analyze("OpenAI's") == analyze("OpenAI’s") == analyze("OpenAI") == ["openai"]
    assert analyze("the dockworkers' union") == analyze("dockworkers union")
    assert analyze("O'Brien") == ["obrien"]
    assert analyze("don't won't can't") == []


def test_acronyms_and_run_together_words() -> None:
    assert analyze("U.S.") == analyze("US") == ["us"]
    assert analyze("A.I.") == ["ai"]
    assert analyze("end.Start") == ["end", "start"]  # a missing space after a full stop


def test_urls_are_not_indexed() -> None:
    text = "Read https://secret.example.com/hidden-path?token=xyz and www.other-site.org/page now"
    assert analyze(text) == ["read"]
    assert words("see http://a.b/c") == ["see"]


def test_words_are_surface_words() -> None:
    assert words("GPT-3's Results, 1,000 times") == ["gpt-3's", "results", "1,000", "times"]


def test_term_for_word_matches_analyze() -> None:
    for word in ["Running", "GPT-3", "OpenAI’s", "1,000", "Café", "the"]:
        assert list(term_for_word(word)) == analyze(word)


def test_analyze_many() -> None:
    texts = ["Avalanche forecasts", "", "the", "Quill-3"]
    assert analyze_many(texts) == [analyze(t) for t in texts]


# ---------------------------------------------------------------------------- properties

texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300
) | st.from_regex(r"[A-Za-z0-9 ,.'’$\-:/]{0,80}", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_never_raises_and_terms_are_clean(text: str) -> None:
    terms = analyze(text)
    assert isinstance(terms, list)
    for term in terms:
        assert term, "empty term"
        assert not any(c.isspace() for c in term), repr(term)
        assert term == term.casefold(), repr(term)
        assert not any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", term))


@settings(max_examples=200, deadline=None)
@given(texts, texts)
def test_deterministic_and_compositional(a: str, b: str) -> None:
    first = analyze(a)
    assert analyze(a) == first  # the second call is served from the word cache
    assert analyze(a + " " + b) == first + analyze(b)  # words never join across a space


@given(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)))
def test_plain_words_in_a_batch_give_what_each_word_gives(batch: list[str]) -> None:
    expected = [term for word in batch for term in term_for_word(word)]
    assert terms_of_plain_words(batch) == expected
