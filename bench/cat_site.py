"""A ten-post site about cats, with questions a member of it would ask (issue 10: a helper's
check of small sites in the session of rounds 21-23, kept here for round 24b's measure):
``ANSWERED`` the posts answer, ``OFF_TOPIC`` nothing on it is about, ``NEARBY`` cat questions
no post answers (written beside the others; the first two lists are the helper's own)."""

from __future__ import annotations

POSTS: dict[str, tuple[str, str]] = {
    "2024-01-03-why-cats-purr.md": (
        "Why do cats purr?",
        "Purring is the soft, rumbling sound a cat makes in its throat. Cats purr when they "
        "are relaxed and content, for example while being stroked. But they also purr when "
        "they are stressed, hurt or giving birth: scientists think the vibration, between 25 "
        "and 150 hertz, may help them heal bones and calm themselves. Kittens purr while "
        "nursing so that their mother knows they are fine.",
    ),
    "2024-01-10-cats-and-water.md": (
        "Cats and water",
        "Most domestic cats dislike getting wet. Their fur absorbs water and takes a long "
        "time to dry, which leaves them cold and heavy. Some breeds, like the Turkish Van and "
        "the Bengal, enjoy swimming and playing in water. Many cats still like to drink "
        "running water from a tap or a fountain, because moving water tastes fresher to them.",
    ),
    "2024-01-17-how-much-do-cats-sleep.md": (
        "How much sleep does a cat need?",
        "An adult cat sleeps 12 to 16 hours a day, and kittens and old cats sleep even more. "
        "Cats are crepuscular: they are most active at dawn and dusk, when their wild "
        "ancestors hunted. Much of that time is light dozing, so a cat can wake up quickly.",
    ),
    "2024-01-24-feeding-your-cat.md": (
        "Feeding your cat",
        "Cats are obligate carnivores: they need meat, and nutrients such as taurine that "
        "only animal protein provides. Feed an adult cat two or three small meals a day. "
        "Never give cats onions, garlic, chocolate or grapes, which are toxic to them. Milk "
        "often upsets their stomach, because most adult cats are lactose intolerant.",
    ),
    "2024-02-01-cat-body-language.md": (
        "Reading your cat's body language",
        "A tail held straight up means a happy, confident cat. A puffed-up tail means fear. "
        "Slow blinking is a sign of trust, and you can blink slowly back. Ears turned back or "
        "flat show that the cat is annoyed or scared. A cat that shows you its belly trusts "
        "you, but it may not want a belly rub.",
    ),
    "2024-02-08-litter-box.md": (
        "Litter box basics",
        "Keep one litter box per cat, plus one extra. Scoop it every day and change the "
        "litter every week. Cats avoid a dirty box, or one placed next to their food. A cat "
        "that suddenly stops using its box may be ill and should see a vet.",
    ),
    "2024-02-15-cat-scratching.md": (
        "Why cats scratch furniture",
        "Scratching keeps a cat's claws healthy by removing the old outer layer. It also "
        "stretches their muscles and marks territory with scent glands in their paws. Give "
        "your cat a tall, sturdy scratching post and put it near the furniture it likes to "
        "scratch. Declawing is painful surgery and is banned in many countries.",
    ),
    "2024-02-22-cat-lifespan.md": (
        "How long do cats live?",
        "Indoor cats usually live 12 to 18 years, and some reach their twenties. Outdoor cats "
        "live shorter lives because of traffic, fights and disease. Regular vet visits, a "
        "healthy weight and vaccinations help a cat live longer.",
    ),
    "2024-03-01-cats-see-in-the-dark.md": (
        "Can cats see in the dark?",
        "Cats cannot see in complete darkness, but they need only a sixth of the light people "
        "need. A reflective layer behind the retina, the tapetum lucidum, bounces light back "
        "through the eye, which is why their eyes shine at night. They see blue and green "
        "well but not red.",
    ),
    "2024-03-08-introducing-a-new-cat.md": (
        "Introducing a new cat to your home",
        "Give a new cat a quiet room of its own for the first days, with food, water and a "
        "litter box. Let resident pets smell the newcomer's bedding before they meet. "
        "Introductions can take weeks; hissing at first is normal.",
    ),
}

ANSWERED = [
    "do cats like water",
    "why do cats purr",
    "how many hours do cats sleep",
    "how long do cats sleep",
    "what should I feed my cat",
    "can cats drink milk",
    "is chocolate bad for cats",
    "what does it mean when a cat shows its belly",
    "why does my cat blink slowly at me",
    "how often should I clean the litter box",
    "why does my cat scratch the sofa",
    "how do I stop my cat scratching furniture",
    "how long do cats live",
    "can cats see in the dark",
    "why do cats eyes glow at night",
    "how do I introduce a new cat",
    "my cat stopped using the litter box",
    "do cats purr when they are hurt",
    "can cats swim",
    "what colours can cats see",
    "is declawing cruel",
    "why is my cat's tail puffed up",
    "how many litter boxes do I need",
    "when are cats most active",
    "are cats carnivores",
    "can cats eat garlic",
    "do indoor cats live longer",
    "why do kittens purr",
    "what does a cat's tail up mean",
    "do cats hate baths",
]
OFF_TOPIC = [
    "recipe for lasagna",
    "how do I train a dog to sit",
    "what is the capital of france",
    "how do I fix a flat bike tyre",
    "best stocks to buy",
    "how do dogs show affection",
]
# ("do cats need vaccines" of the same list left out: the lifespan post names vaccinations)
NEARBY = [
    "how do cats sleep on the moon during a solar eclipse",
    "can cats eat lasagna",
    "do cats like jazz music",
    "what do cats think about taxes",
    "how much does a cat cost",
    "are cats good for people with allergies",
    "can I walk my cat on a leash",
    "why do cats knead",
    "why do cats bring dead mice",
]
