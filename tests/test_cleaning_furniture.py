"""A post's furniture (picture credits, embedded tweets' sign-offs, its thanks to its makers) is
not what a person reads in an answer: the post's prose is."""

from __future__ import annotations

from pathlib import Path

from retrieval_support import briefs_index, with_filler

from index.answers.extraction import Evidence, extract
from index.answers.text import is_thanks, sentences, shown_text
from index.ingest.cleaning import clean_body
from index.ingest.furniture import is_credit, without_furniture
from index.models import Answer
from index.terms.analyzer import analyze

TWEETS = (
    "Musk was quick to chime in on Twitter:\n\n"
    '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">If you&#39;re not concerned about '
    "AI safety, you should be. Vastly more risk than North Korea. "
    '<a href="https://t.co/2z0tiid0lc">pic.twitter.com/2z0tiid0lc</a></p>&mdash; Elon Musk '
    '(@elonmusk) <a href="https://twitter.com/elonmusk/status/896166762361704450">August 12, '
    "2017</a></blockquote>\n"
    '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Nobody likes being regulated, but '
    "everything that&#39;s a danger to the public is regulated. AI should be too.</p>&mdash; Elon "
    'Musk (@elonmusk) <a href="https://twitter.com/elonmusk/status/1">August 12, 2017</a>'
    '</blockquote> <script async src="https://platform.twitter.com/widgets.js"></script>\n\n'
    '<blockquote class="twitter-tweet"><p lang="en" dir="ltr"><a href="https://t.co/x">'
    "pic.twitter.com/x</a></p>&mdash; Anima Anandkumar (hiring) (@AnimaAnandkumar) "
    '<a href="https://twitter.com/a/status/2">November 21, 2018</a></blockquote>\n'
)


def texts(body: str) -> list[str]:
    return [b.text for b in clean_body(body)]


def test_a_tweets_sign_off_keeps_its_author_and_date_not_its_handle() -> None:
    # Two tweets in one embed are two lines, each ending on its author; a tweet of a picture
    # only leaves nothing (its sign-off alone is no text).
    assert texts(TWEETS) == [
        "Musk was quick to chime in on Twitter:",
        "If you're not concerned about AI safety, you should be. Vastly more risk than North "
        "Korea. — Elon Musk, August 12, 2017",
        "Nobody likes being regulated, but everything that's a danger to the public is "
        "regulated. AI should be too. — Elon Musk, August 12, 2017",
    ]
    # (a name holding a bracket of its own, and a sign-off written without its date)
    assert without_furniture("So true — Anima Anandkumar (hiring) (@AnimaAnandkumar)") == [
        "So true — Anima Anandkumar (hiring)"
    ]


FIGURES = (
    '<figure>\n<img src="/a.png"/>\n<figcaption>Overview of ACLU\'s examination of Rekognition. '
    '<a href="https://aclu.org/x">(source)</a></figcaption>\n</figure>\n\n'
    "<figure><img src='/b.png'/><figcaption>Capturing AI anxiety. Credit: edglentoday.com"
    "</figcaption></figure>\n\n"
    '<figure><img src="/c.png"/><figcaption>Credit: Cory Payne/Shutterstock via The Guardian'
    "</figcaption></figure>\n\n"
    "Sophia the robot. (source - ITU Pictures on Flickr)\n\n"
    "*Photo by Umberto on Unsplash*\n\n"
    "Source: Google AI\n\n"
    '* [Automatic recognition of jellyfish](https://x.org/j) - "Aequorea victoria. Image '
    "credit: Sierra Blakely/Wikipedia. The jellyfish sighting app, MedusApp, recently "
    'incorporated AI. Credit: Nature Communications (2022). DOI: 10.1038/x."\n'
)


def test_picture_credits_are_no_text() -> None:
    assert texts(FIGURES) == [
        "Overview of ACLU's examination of Rekognition.",
        "Capturing AI anxiety.",
        "Sophia the robot.",
        'Automatic recognition of jellyfish - "Aequorea victoria. The jellyfish sighting app, '
        'MedusApp, recently incorporated AI."',
    ]


def test_what_only_looks_like_a_credit_stays() -> None:
    # A news title opening "Source:", prose about credit or sources, photos that are news.
    kept = [
        "Source: Crowdstrike is close to acquiring Bionic.AI for between $200M and $300M",
        "Sources: Apple to buy Shazam",
        "Credit card fraud rose in 2020.",
        "The tool is open (source code and weights) for anyone.",
        "Photos by the rover show water ice on the surface of Mars near its pole.",
        "It links to a source: the paper itself.",
    ]
    for text in kept:
        assert without_furniture(text) == [text], text
        assert not is_credit(text), text


def test_a_posts_thanks_to_its_makers_is_never_shown() -> None:
    assert is_thanks("Big thanks to authors Joshua Morton, Alex Constantino, and Ben Shih!")
    assert is_thanks("Thanks to Sahaj, Max, and Nikhil for feedback!")
    assert is_thanks("Thank you to Abigail See and Jacky Liang for help editing this.")
    assert not is_thanks("Thanks to machine learning, they can illuminate traffic.")
    assert not is_thanks("Thanks to a technology called sequencing, reading DNA is cheap.")
    line = (
        "This edition collects the year's briefs. Big thanks to authors Joshua Morton, Alex "
        "Constantino, and Ben Shih!"
    )
    assert sentences(line) == ["This edition collects the year's briefs."]


def _page(answer: Answer) -> str:
    return " ".join([answer.headline, *(shown_text(r.snippet) for r in answer.results[:3])])


def test_no_credit_sign_off_or_thanks_reaches_an_answers_page(tmp_path: Path) -> None:
    body = (
        "## What Happened\n\n"
        "Valmora's harbour robots sorted forty thousand parcels on their first night. "
        "The harbour master praised the robots on Twitter:\n\n" + TWEETS.replace("Musk", "Voss")
    )
    body += "\n" + FIGURES.replace("Rekognition", "the harbour robots")
    body += "\n\nBig thanks to authors Mira Holt and Tom Reyes for the harbour robots story!\n"
    index = briefs_index(tmp_path, with_filler({"2020-01-01-harbour.md": ("Harbour robots", body)}))
    for question in (
        "what did the harbour master say about the harbour robots on twitter",
        "what does the overview of the harbour robots show",
        "who wrote the harbour robots story",
    ):
        page = _page(index.search(question))
        assert "harbour" in page.lower(), page
        for furniture in ("(@", "(source", "Credit:", "Unsplash", "thanks to"):
            assert furniture not in page, (question, page)


def _weights(question: str) -> dict[str, float]:
    return {t: 1.0 for t in analyze(question)}


def test_a_headline_never_ends_announcing_what_it_does_not_show() -> None:
    # The sentence after the colon does not fit the headline with it: the headline is shown
    # cut ("… adds: …"), rather than announcing what the reader is not shown.
    rule = ", ".join(["which meets on the first Monday of each month in the old customs house"] * 4)
    quote = f"The port board, {rule}, sets what its machines may do at night."
    question = "what does Kristian Lum add about harbour cranes regulation"
    evidence = [
        Evidence(
            "Fixing bias in harbour cranes requires regulation, which does not exist yet. "
            f"Kristian Lum adds:\n{quote}",
            "Port",
            9.0,
        )
    ]
    out = extract(question, _weights(question), evidence)
    assert out.headline == (
        "Fixing bias in harbour cranes requires regulation, which does not exist yet. "
        "Kristian Lum adds: …"
    ), out.headline
    # Alone and with nothing after it, it is shown cut, not announcing.
    question = "an interview about harbour regulation"
    alone = [Evidence("Take a listen to our interview about harbour regulation:", "Pod", 9.0)]
    out = extract(question, _weights(question), alone)
    assert out.headline.endswith(": …"), out.headline


def test_a_headline_never_runs_one_digest_item_into_the_next() -> None:
    # The window the headline's choice makes of the end of one item (its summary's last
    # sentence) and the next item's title line: one story of the two is shown, not both as one.
    digest = Evidence(
        "Valmora buys gantry cranes - The harbour of Valmora bought twelve gantry cranes from "
        "Kessel. The cranes arrive in spring.\n"
        "Kessel opens a crane plant in Lorne - Kessel will build cranes in Lorne next year.",
        "Last Week in Ports #12",
        9.0,
    )
    question = "when do the gantry cranes arrive, and will Kessel build a crane plant"
    out = extract(question, _weights(question), [digest])
    assert "arrive in spring. Kessel opens" not in out.headline, out.headline
