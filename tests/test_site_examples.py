"""/help's examples and the reply to a bare mention come from the site served: a fresh
operator's three posts about pets were shown "/ask question: which companies stopped selling
face recognition to police?" and "@bot what did IBM decide?", questions their site declines.
Each example asked as shown is answered."""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

from alerts_support import Launcher, Site
from briefbot_support import ask
from discord_emulator import DiscordEmulator

from index.models import Post
from index.retrieval.examples import GENERIC, Examples, site_examples

POSTS = {
    "pets/2024-01-01-cats.md": (
        "Why cats sleep so much",
        "Cats sleep 12 to 16 hours a day. Their ancestors hunted at dawn and dusk.",
    ),
    "pets/2024-02-01-dogs.md": ("Walking your dog", "Most dogs need one walk every day."),
    "garden/2024-03-01-garden.md": (
        "Starting a vegetable garden in a small backyard with raised beds and compost",
        "Water the garden in the morning and add compost in spring.",
    ),
}


def pets_site(base: Path) -> Site:
    content = base / "site"
    for name, (title, body) in POSTS.items():
        category, file = name.split("/")
        path = content / "_posts" / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: {title}\ncategories: [{category}]\n---\n\n{body}\n")
    return Site(content, base / "db.sqlite3")


async def test_examples_are_questions_the_site_answers(
    emulator: DiscordEmulator, launcher: Launcher, tmp_path: Path
) -> None:
    await launcher.start(pets_site(tmp_path))
    world = emulator.world
    handle = await emulator.send_slash_command("help", user=world.bob)
    text = (await handle.wait_for_response())["data"]["embeds"][0]["description"]
    assert "IBM" not in text and "face recognition" not in text and "briefs" not in text
    asked = re.search(r"`/ask question: ([^`]+)`", text)
    mentioned = re.search(r"`@\S+ ([^`]+)`", text)
    assert asked and mentioned, text
    assert "`/latest category: pets count: 3`" in text  # (its most used category)
    titled = re.search(r"`/brief title: ([^`]+)`", text)
    assert titled and titled[1].casefold() in " ".join(t for t, _ in POSTS.values()).casefold()

    bare = await emulator.send_message(emulator.bot_mention, author=world.bob)
    hint = (await emulator.wait_for_reply(bare)).content
    assert "IBM" not in hint
    typed = re.search(r"`@me ([^`]+)`", hint)
    assert typed, hint

    for question in {asked[1], mentioned[1], typed[1]}:
        _, answer = await ask(emulator, question, user=world.alice)
        assert "Not covered" not in answer.embeds[0]["description"], (question, answer.embeds)


def test_examples_prefer_a_plain_title_and_fall_back_to_generic_ones() -> None:
    def post(title: str, day: int, *categories: str) -> Post:
        return Post(
            id=f"p{day}.md",
            title=title,
            date=dt.date(2024, 1, day),
            url="https://e.test/",
            categories=categories,
            fingerprint="0" * 64,
        )

    odd = post("A *very* odd title with `code` and <@123>", 3, "b")
    plain = post("Harbour robots learn to moor ships", 2, "a", "b")
    examples = site_examples([odd, plain])
    assert examples == Examples("tell me about Harbour robots learn to moor ships", "harbour", "b")
    assert site_examples([odd]).question == "tell me about A *very* odd title with code and <@123>"
    assert site_examples([]) == GENERIC


# A site about robots whose newest post is a numbered newsletter issue ("… #12"): a title that
# names an issue, not a topic, so no example asks about it.
ROBOT_TOPIC = [
    *("robot", "robots", "sensor", "sensors", "gripper", "arm", "arms", "lidar", "camera"),
    *("cameras", "model", "models", "neural", "network", "training", "dataset", "benchmark"),
    *("chip", "chips", "lab", "researchers", "algorithm", "learning", "vision"),
]
LINK = ["uses", "trains", "tests", "builds", "measures", "improves", "controls"]


def robot_text(seed: int, sentences: int = 160) -> str:
    rng = random.Random(seed)
    out = []
    for _ in range(sentences):
        a, b, c = rng.sample(ROBOT_TOPIC, 3)
        out.append(f"The {a} {rng.choice(LINK)} the {b} with a {c}.")
    return " ".join(out)


ROBOT_POSTS = {
    f"2024-01-0{n + 1}-robots.md": (f"Robot lab notes {n + 1}", robot_text(n)) for n in range(4)
} | {
    "2024-01-08-prize.md": (
        "A prize for a gripper: this year's winners",
        robot_text(9, 40)
        + " Last night, after the football game, the robot team won a prize for its gripper.",
    ),
    "2024-01-09-weekly.md": ("Robot Lab Weekly #12", robot_text(12)),
}


def robot_site(base: Path) -> Site:
    content = base / "site"
    (content / "_posts").mkdir(parents=True)
    for file, (title, body) in ROBOT_POSTS.items():
        (content / "_posts" / file).write_text(f'---\ntitle: "{title}"\n---\n\n{body}\n')
    return Site(content, base / "db.sqlite3")


async def test_a_question_the_posts_are_not_about_suggests_the_same_example_as_help(
    emulator: DiscordEmulator, launcher: Launcher, tmp_path: Path
) -> None:
    """The off-topic decline said "ask about what they cover, e.g. “tell me about <the newest
    title>”": on a site of numbered digests, "tell me about Last Week in AI #341". It now
    suggests the example /help shows, in a person's words."""
    await launcher.start(robot_site(tmp_path))
    world = emulator.world
    _, declined = await ask(emulator, "who won the football game last night", user=world.alice)
    text = declined.embeds[0]["description"]
    assert text.startswith("**Not covered"), text
    assert "None of the posts is about that. Ask about something they cover" in text, text
    assert "#12" not in text, text
    # The part before the subtitle's colon: a topic, as a person would ask about it.
    assert "for example “tell me about A prize for a gripper”." in text, text

    handle = await emulator.send_slash_command("help", user=world.bob)
    shown = (await handle.wait_for_response())["data"]["embeds"][0]["description"]
    assert "`/ask question: tell me about A prize for a gripper`" in shown, shown

    _, answer = await ask(emulator, "tell me about A prize for a gripper", user=world.alice)
    assert "Not covered" not in answer.embeds[0]["description"], answer.embeds
