"""An operator's first hour with a brand-new site: ``jekyll new``'s, file for file (its
_config.yml with no url, about/index pages, 404.html, Gemfile, and its one post, "Welcome to
Jekyll!", with a Liquid ``highlight`` block and reference links), through the README's quick
start: ``briefbot index``, ``ask`` (and ``--json``), ``eval``, then the bot against the Discord
emulator: /ask, /help's example, /latest, /brief, /about, and an alert when a second post is
added. Its one post is one passage: every word's rank-bm25 IDF was negative there, and every
question was declined (``bm25``: such a field takes Lucene's IDF)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from alerts_support import Launcher, Site, start_watching, subscribe, write_atomically
from briefbot_support import ask
from discord_emulator import DiscordEmulator
from retrieval_support import run_cli

CONFIG = """\
# Welcome to Jekyll!
#
# This config file is meant for settings that affect your whole blog, values
# which you are expected to set up once and rarely edit after that.
#
# Site settings
# These are used to personalize your new site. If you look in the HTML files,
# you will see them accessed via {{ site.title }}, {{ site.email }}, and so on.

title: Your awesome title
email: your-email@example.com
description: >- # this means to ignore newlines until "baseurl:"
  Write an awesome description for your new site here. You can edit this
  line in _config.yml. It will appear in your document head meta (for
  Google search results) and in your feed.xml site description.
baseurl: "" # the subpath of your site, e.g. /blog
url: "" # the base hostname & protocol for your site, e.g. http://example.com
twitter_username: jekyllrb
github_username:  jekyll

# Build settings
theme: minima
plugins:
  - jekyll-feed
"""
WELCOME = """\
---
layout: post
title:  "Welcome to Jekyll!"
date:   2024-05-01 10:12:05 +0000
categories: jekyll update
---
You’ll find this post in your `_posts` directory. Go ahead and edit it and re-build the site to \
see your changes. You can rebuild the site in many different ways, but the most common way is to \
run `jekyll serve`, which launches a web server and auto-regenerates your site when a file is \
updated.

Jekyll requires blog post files to be named according to the following format:

`YEAR-MONTH-DAY-title.MARKUP`

Where `YEAR` is a four-digit number, `MONTH` and `DAY` are both two-digit numbers, and `MARKUP` \
is the file extension representing the format used in the file. After that, include the \
necessary front matter. Take a look at the source for this post to get an idea about how it \
works.

Jekyll also offers powerful support for code snippets:

{% highlight ruby %}
def print_hi(name)
  puts "Hi, #{name}"
end
print_hi('Tom')
#=> prints 'Hi, Tom' to STDOUT.
{% endhighlight %}

Check out the [Jekyll docs][jekyll-docs] for more info on how to get the most out of Jekyll. \
File all bugs/feature requests at [Jekyll’s GitHub repo][jekyll-gh]. If you have questions, you \
can ask them on [Jekyll Talk][jekyll-talk].

[jekyll-docs]: https://jekyllrb.com/docs/home
[jekyll-gh]:   https://github.com/jekyll/jekyll
[jekyll-talk]: https://talk.jekyllrb.com/
"""
PAGES = {
    "about.markdown": (
        "---\nlayout: page\ntitle: About\npermalink: /about/\n---\n\nThis is the base Jekyll "
        "theme. You can find out more info about customizing your Jekyll theme, as well as "
        "basic Jekyll usage documentation at [jekyllrb.com](https://jekyllrb.com/)\n"
    ),
    "index.markdown": "---\n# Feel free to add content and custom Front Matter to this file.\n"
    "layout: home\n---\n",
    "404.html": '---\npermalink: /404.html\nlayout: default\n---\n\n<div class="container">\n'
    "  <h1>404</h1>\n  <p><strong>Page not found :(</strong></p>\n</div>\n",
    "Gemfile": 'source "https://rubygems.org"\ngem "jekyll", "~> 4.3.4"\ngem "minima", "~> 2.5"\n'
    'group :jekyll_plugins do\n  gem "jekyll-feed", "~> 0.12"\nend\n',
    ".gitignore": "_site\n.sass-cache\n.jekyll-cache\n.jekyll-metadata\nvendor\n",
}
POST_ID = "2024-05-01-welcome-to-jekyll.markdown"
PATH = "/jekyll/update/2024/05/01/welcome-to-jekyll.html"
NAMING = "How should post files be named?"
SECOND = """\
---
layout: post
title:  "Why cats purr"
date:   2024-05-02 09:00:00 +0000
categories: pets
---
Cats purr when they are content, and also to calm themselves when they are hurt or scared.
"""


def jekyll_new(root: Path) -> Path:
    """The site ``jekyll new`` makes (its _config.yml's long comments shortened)."""
    (root / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text(CONFIG, encoding="utf-8")
    (root / "_posts" / POST_ID).write_text(WELCOME, encoding="utf-8")
    for name, text in PAGES.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.usefixtures("clean_cli_environment")
def test_the_quick_start_on_jekyll_news_site(tmp_path: Path) -> None:
    site = jekyll_new(tmp_path / "site")
    where = ["--content", str(site), "--db", str(tmp_path / "db.sqlite3")]
    code, out, err = run_cli(["index", *where])
    assert code == 0, err
    assert "Indexed 1 post, 1 passage in" in flat(out), out
    assert "Links: the site has no url" in flat(err)

    code, out, err = run_cli(["ask", NAMING, *where])
    assert code == 0, err
    assert "YEAR-MONTH-DAY-title.MARKUP" in out and "Welcome to Jekyll!" in out, out
    code, out, err = run_cli(["ask", "where can I ask questions about jekyll", *where])
    assert "Jekyll Talk" in out, out
    code, out, err = run_cli(["ask", "recipe for lasagna", *where])
    assert code == 0 and "Welcome to Jekyll!" not in out and "[1]" not in out, out

    code, out, err = run_cli(["ask", NAMING, *where, "--json"])
    answer = json.loads(out)
    assert not answer["declined"], answer
    [result] = answer["results"]
    assert (result["post"], result["url"], result["path"]) == (POST_ID, None, PATH)
    assert "{%" not in result["text"] and "jekyll-docs]" not in result["text"]

    questions = tmp_path / "questions.jsonl"
    lines = [
        {"id": "a", "question": NAMING, "gold": [POST_ID], "answer": "YEAR-MONTH-DAY-title.MARKUP"},
        {"id": "b", "question": "recipe for lasagna", "kind": "unanswerable"},
    ]
    questions.write_text("".join(json.dumps(q) + "\n" for q in lines), encoding="utf-8")
    code, out, err = run_cli(["eval", str(questions), *where, "--json"])
    assert code == 0, err
    overall = json.loads(out)["overall"]
    assert overall["hit1"] == 1.0 and overall["answer1"] == 1.0, overall
    assert overall["declined_unanswerable"] == 1.0, overall


async def test_the_bot_on_jekyll_news_site(
    emulator: DiscordEmulator, launcher: Launcher, tmp_path: Path
) -> None:
    site = Site(jekyll_new(tmp_path / "site"), tmp_path / "db.sqlite3")
    _, cog = await start_watching(launcher, site)
    world = emulator.world

    _, answer = await ask(emulator, NAMING, user=world.alice)
    text = answer.embeds[0]["description"]
    assert "YEAR-MONTH-DAY-title.MARKUP" in text and "Welcome to Jekyll!" in text, text
    assert "](/" not in text  # (no link Discord would refuse: the site has no url)
    _, answer = await ask(emulator, "how do I highlight code snippets", user=world.alice)
    text = answer.embeds[0]["description"]
    assert "code snippets" in text and "print_hi" not in text and "puts" not in text, text
    _, answer = await ask(emulator, "recipe for lasagna", user=world.alice)
    assert "Not covered" in answer.embeds[0]["description"]

    handle = await emulator.send_slash_command("help", user=world.bob)
    text = (await handle.wait_for_response())["data"]["embeds"][0]["description"]
    example = re.search(r"`/ask question: ([^`]+)`", text)
    assert example, text
    _, answer = await ask(emulator, example[1], user=world.bob)
    assert "Welcome to Jekyll!" in answer.embeds[0]["description"], answer.embeds

    for command, options in [("latest", {}), ("brief", {"title": POST_ID}), ("about", {})]:
        handle = await emulator.send_slash_command(command, options, user=world.alice)
        shown = json.dumps((await handle.wait_for_response())["data"]["embeds"])
        assert "Welcome to Jekyll!" in shown or '"value": "1"' in shown, (command, shown)

    await subscribe(emulator, world.news)
    write_atomically(site.posts / "2024-05-02-why-cats-purr.markdown", SECOND)
    alert = await emulator.wait_for_message(world.news, timeout=10)
    assert alert.embeds[0]["title"] == "Why cats purr"
    assert "url" not in alert.embeds[0]  # (no link Discord would refuse)
    _, answer = await ask(emulator, "why do cats purr", user=world.alice)
    text = answer.embeds[0]["description"]
    assert "Why cats purr" in text and "content" in text, text
    await cog.wait_for_cycles(cog.cycles + 2)
    assert len([m for m in emulator.bot_messages(world.news) if m.source == "channel"]) == 1


@pytest.mark.usefixtures("clean_cli_environment")
def test_eval_names_gold_posts_the_site_lacks_and_questions_it_cannot_score(
    tmp_path: Path,
) -> None:
    """An operator's first question file names its posts as they come to mind (the file under
    _posts/, its URL): each such gold matched nothing and scored a miss, silently, and a
    question with neither gold nor kind "unanswerable" counted in no figure."""
    site = jekyll_new(tmp_path / "site")
    where = ["--content", str(site), "--db", str(tmp_path / "db.sqlite3")]
    questions = tmp_path / "questions.jsonl"
    lines = [
        {"id": "a", "question": NAMING, "gold": [f"_posts/{POST_ID}"]},
        {"id": "b", "question": NAMING, "gold": [PATH]},
        {"id": "c", "question": NAMING, "gold": [POST_ID]},
        {"id": "d", "question": "where can I ask questions"},
    ]
    questions.write_text("".join(json.dumps(q) + "\n" for q in lines), encoding="utf-8")
    for extra in ([], ["--json"]):
        code, _out, err = run_cli(["eval", str(questions), *where, *extra])
        assert code == 0, err
        said = flat(err)
        assert f"a: _posts/{POST_ID} (did you mean {POST_ID}?)" in said, said
        assert f"b: {PATH} (did you mean {POST_ID}?)" in said, said
        assert " c: " not in said
        assert "1 question (d) has no gold post and is not of kind unanswerable" in said, said


CODE_POST = """\
---
layout: post
title:  "Sorting lists in Python"
date:   2024-05-03 09:00:00 +0000
---
Python sorts a list in place with its sort method, and returns a new sorted list with the sorted \
function. Both take a key function that says what to compare.

```python
people.sort(key=lambda person: person.age, reverse=True)
ranked = sorted(scores, key=scores.get)
```

The sort is stable: items that compare equal keep their order, so sorting by one key and then \
by another sorts by both.

~~~
sorted(words, key=str.lower)
~~~
"""


@pytest.mark.usefixtures("clean_cli_environment")
def test_code_is_found_but_never_shown_as_a_sentence(tmp_path: Path) -> None:
    """The welcome post's Ruby (a ``{% highlight %}`` block) was indexed as prose: asked about
    code snippets, or a function it names, the headline ran the code into a sentence ("…code
    snippets: def print_hi(name) puts …"). Fenced code the same. Code still finds its post."""
    site = jekyll_new(tmp_path / "site")
    (site / "_posts" / "2024-05-03-sorting.markdown").write_text(CODE_POST, encoding="utf-8")
    where = ["--content", str(site), "--db", str(tmp_path / "db.sqlite3")]
    code_words = ("print_hi", "puts", "def ", "lambda", "sorted(", "key=", "str.lower")
    for question, title in [
        ("how do I highlight code snippets", "Welcome to Jekyll!"),
        ("print_hi", "Welcome to Jekyll!"),
        ("what does print_hi print", "Welcome to Jekyll!"),
        ("how do I sort a list by a key", "Sorting lists in Python"),
        ("sort with lambda person age reverse", "Sorting lists in Python"),
        ("str.lower", "Sorting lists in Python"),
    ]:
        code, out, err = run_cli(["ask", question, *where, "--json"])
        assert code == 0, err
        answer = json.loads(out)
        assert not answer["declined"] and answer["results"][0]["title"] == title, answer
        shown = [answer["headline"]] + [r["snippet"] for r in answer["results"]]
        assert not any(w in s for s in shown for w in code_words), (question, shown)
