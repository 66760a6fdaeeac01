"""Generate Rapport's recall benchmark: months of support-community history per customer.

    python bench/data/generate.py            # writes bench/data/community.jsonl
    python bench/data/generate.py --check    # fails if the committed file differs

Each conversation is one customer's history in a support community: their pets,
family, purchases, trips, problems and the fixes staff gave, facts that change
(a move, a new plan, a corrected birthday), with staff replies, friends chatting
and plenty of small talk in between. Queries are asked in other words than the
evidence uses ("how did the vet visit go?" for "Milo's checkup went fine"), and
cover facts, several pieces of evidence, "what did I tell you last month", and
changed facts where only the newest message is the evidence.

Seeded and free of clocks and hash order: the same code writes the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

SEED = 20261123
OUT = Path(__file__).with_name("community.jsonl")
CONVERSATIONS = 36
START = datetime(2025, 1, 6, 9, 0)

CUSTOMERS = [
    "Dana Whitfield",
    "Priya Raman",
    "Marcus Oyelaran",
    "Helen Brandt",
    "Tomás Ortega",
    "Yuki Tanaka",
    "Grace Mbeki",
    "Oliver Strand",
    "Fatima Haddad",
    "Liam Connolly",
    "Sofia Marchetti",
    "Noor Siddiqui",
    "Ethan Park",
    "Maja Kowalska",
    "Daniel Osei",
    "Chloe Dubois",
    "Arjun Mehta",
    "Ingrid Solberg",
    "Kwame Asante",
    "Rosa Delgado",
    "Felix Wagner",
    "Amara Nwosu",
    "Hannah Lindqvist",
    "Mateo Rossi",
    "Zara Khan",
    "Lucas Moreau",
    "Aisha Bello",
    "Jonas Berg",
    "Mei Chen",
    "Samuel Adeyemi",
    "Clara Novak",
    "Rahul Iyer",
    "Elena Petrova",
    "Owen Gallagher",
    "Leila Farahani",
    "Nina Horvat",
]
STAFF = ["Sam (support)", "Jordan (support)", "Alex (support)", "Riley (support)"]
FRIENDS = ["Kim", "Tobias", "Ines", "Ben", "Marta", "Yusuf", "Lena", "Diego"]

PETS = {
    "cat": ["Milo", "Luna", "Pepper", "Mochi", "Ziggy", "Nala", "Tofu"],
    "dog": ["Biscuit", "Otis", "Hazel", "Juniper", "Rocket", "Maple", "Bruno"],
    "rabbit": ["Clover", "Thumper", "Willow"],
    "parrot": ["Kiwi", "Mango", "Captain"],
}
PET_WORD = {"cat": "kitty", "dog": "pup", "rabbit": "bunny", "parrot": "bird"}
KIDS = {"daughter": ["Ava", "Maya", "Zoe", "Iris", "Lola"], "son": ["Leo", "Noah", "Eli", "Finn"]}
PARTNERS = {"wife": ["Anna", "Rosa", "Beth", "Mira"], "husband": ["Chris", "Tom", "Raj", "Pavel"]}


@dataclass(frozen=True)
class Product:
    name: str
    kind: str  # how a customer might call it without the brand
    symptom: str
    fix: str
    thanks: str
    question: str  # asks for the fix in other words


PRODUCTS = [
    Product(
        "Nimbus X2 router",
        "wifi box",
        "my Nimbus X2 keeps dropping the connection every evening around 8, super annoying",
        "can you try switching the 5 GHz channel to 36 in the admin page and turning off band "
        "steering? that clears up the evening dropouts for most people",
        "channel 36 did it, no dropouts all week 🙌",
        "what did you tell me to change when my internet kept cutting out at night?",
    ),
    Product(
        "Orbit 3 headset",
        "headphones",
        "my Orbit 3 won't pair with my laptop anymore, it just blinks red",
        "hold both volume buttons for 8 seconds, that wipes the bluetooth pairing list, then "
        "pair it again from scratch",
        "the 8 second reset worked, paired straight away",
        "how do I reset my headphones when they refuse to connect?",
    ),
    Product(
        "Pulse smartwatch",
        "fitness tracker",
        "my Pulse stopped counting steps after last night's update",
        "the update switched off motion permissions in the phone app; re-enable them under "
        "Privacy > Motion and it will start counting again",
        "motion permission was off, counting steps again now",
        "why did my watch stop tracking my walking?",
    ),
    Product(
        "Atlas backup drive",
        "external disk",
        "the Atlas drive isn't showing up on my Mac at all",
        "it ships formatted for Windows; open Disk Utility, erase it and pick APFS, then it "
        "mounts fine",
        "erased it as APFS and it mounts now, thanks",
        "what format did my storage drive need for the Mac?",
    ),
    Product(
        "Lumen desk lamp",
        "light",
        "the Lumen lamp flickers when I dim it below about 30%",
        "firmware 2.1 fixes the dimming flicker, you can install it from the app under Device",
        "firmware 2.1 sorted the flicker",
        "was there an update for the flickering when I turn the brightness down?",
    ),
    Product(
        "Vista 27 monitor",
        "screen",
        "the Vista 27 says no signal over USB-C from my laptop",
        "use the USB-C port marked with the DisplayPort icon, the other one only charges",
        "the DisplayPort one works, picture is gorgeous",
        "which socket was I supposed to plug the display into?",
    ),
    Product(
        "Echo mini speaker",
        "speaker",
        "my Echo mini battery is flat every morning even when I don't use it",
        "turn off always-listening under Settings > Voice, it keeps the mic awake all night",
        "turned off always-listening, battery lasts days now",
        "what setting was draining the charge on my little speaker?",
    ),
    Product(
        "Trail cam 4K",
        "wildlife camera",
        "the Trail cam fills the SD card with blank clips every night",
        "lower the motion sensitivity to medium and set a 30 second cooldown; branches moving "
        "in the wind trigger it",
        "medium sensitivity fixed the empty clips",
        "how did we stop my outdoor camera recording nothing all night?",
    ),
]

TRIPS = [
    (
        "We're flying to Lisbon in {month} for our tenth anniversary, can't wait",
        "which city did I say we'd celebrate ten years of marriage in?",
    ),
    (
        "Off to Kyoto in {month} to see the cherry blossoms, been saving for ages",
        "where in Japan was I heading to see the sakura?",
    ),
    (
        "Booked a cabin in Iceland for {month}, hoping to catch the northern lights",
        "where did I go hoping to see the aurora?",
    ),
    (
        "Driving down to my grandma's farm in Ohio in {month}, she turns 90",
        "whose big birthday was I travelling for?",
    ),
    (
        "We're camping in Yosemite in {month}, first time with the kids",
        "which national park did we pitch a tent in?",
    ),
    (
        "My best friend's wedding is in Barcelona in {month}, I'm a bridesmaid!",
        "which friend's celebration abroad did I mention being part of?",
    ),
    (
        "Taking the train across Scotland in {month}, Edinburgh to Inverness",
        "what rail journey did I tell you about?",
    ),
]

HOBBIES = [
    (
        "I've started learning the cello, my fingers hurt so much lol",
        "what instrument did I take up?",
    ),
    (
        "I signed up for a pottery class on Thursdays, made a very wonky bowl",
        "what craft course was I doing?",
    ),
    (
        "training for my first half marathon in the spring, up to 15k long runs now",
        "what race was I getting ready for?",
    ),
    (
        "I joined a community garden plot, growing tomatoes and way too much zucchini",
        "what was I growing at the allotment?",
    ),
    (
        "I've been volunteering at the animal shelter on weekends, walking the big dogs",
        "where did I say I help out on Saturdays and Sundays?",
    ),
    (
        "I started baking sourdough, my starter is called Doughbi Wan",
        "what bread have I been making?",
    ),
]

CITIES = [
    ("Portland", "Denver"),
    ("Leeds", "Bristol"),
    ("Austin", "Chicago"),
    ("Lyon", "Marseille"),
    ("Toronto", "Vancouver"),
    ("Dublin", "Galway"),
]
JOBS = [
    ("a nurse at St Mary's hospital", "a school counselor"),
    ("a barista", "a junior web developer"),
    ("an accountant", "a high school maths teacher"),
    ("a line cook", "the head chef at a small bistro"),
]
PLANS = [("Basic", "Pro"), ("Starter", "Team"), ("Plus", "Premium")]

SMALL_TALK = [
    "morning all ☕",
    "anyone else's weekend go way too fast?",
    "the weather here is grim today",
    "haha fair enough",
    "thanks so much!",
    "ok will do",
    "brb, meeting",
    "lol same",
    "happy Friday everyone",
    "did anyone watch the match last night?",
    "just made the best pasta of my life",
    "my neighbour is drilling again...",
    "coffee number three, send help",
    "that's a relief",
    "good to know, cheers",
    "ugh Mondays",
    "nice one!",
    "back from lunch",
    "it's finally sunny here",
    "who else is counting down to the holidays",
    "great, thanks for the quick answer",
    "anyone tried the new season of that baking show?",
    "my inbox is a disaster today",
    "the train was late again this morning",
    "weekend plans: absolutely nothing",
]
FRIEND_TALK = [
    "my cat is obsessed with the box the router came in",
    "our office wifi has been awful all week",
    "planning a trip somewhere warm next year, any tips?",
    "my dog ate a sock again, vet says he's fine",
    "anyone got a good bread recipe?",
    "I need a new laptop, mine sounds like a jet engine",
    "did you see the update notes? lots of fixes",
    "my kid's school play was adorable",
    "just got back from the gym, everything hurts",
    "thinking of switching plans to save a bit",
    "the speaker in my kitchen keeps mishearing me",
    "I moved flats last year, never again",
    "our garden is all weeds this summer",
    "does anyone know a good vet in town?",
    "my phone battery dies by lunchtime lately",
    "happy birthday to my mum today!",
]
STAFF_TALK = [
    "Hi! Happy to help with that.",
    "Glad to hear it! Anything else I can do?",
    "Thanks for the update, that's great news.",
    "No problem at all, have a lovely day!",
    "Let me know if it happens again and we'll dig deeper.",
    "Thanks for your patience while we looked into this.",
    "Good question, let me check with the team.",
    "That sounds lovely!",
]


@dataclass
class Convo:
    index: int
    customer: str
    rng: random.Random
    messages: list[dict[str, str]] = field(default_factory=list)
    queries: list[dict[str, object]] = field(default_factory=list)
    clock: datetime = START

    def say(self, speaker: str, text: str, gap_minutes: float = 3.0) -> str:
        self.clock += timedelta(minutes=gap_minutes * (0.5 + self.rng.random()))
        mid = f"c{self.index}-m{len(self.messages) + 1}"
        self.messages.append(
            {
                "kind": "message",
                "conversation": f"c{self.index}",
                "id": mid,
                "speaker": speaker,
                "time": self.clock.isoformat(timespec="seconds"),
                "text": text,
            }
        )
        return mid

    def new_session(self, days: float) -> None:
        base = self.clock + timedelta(days=days)
        self.clock = base.replace(hour=8 + self.rng.randrange(12), minute=self.rng.randrange(60))

    def ask(
        self, text: str, evidence: list[str], category: str, time: datetime | None = None
    ) -> None:
        q: dict[str, object] = {
            "kind": "query",
            "conversation": f"c{self.index}",
            "id": f"c{self.index}-q{len(self.queries) + 1}",
            "text": text,
            "evidence": evidence,
            "category": category,
        }
        if time is not None:
            q["time"] = time.isoformat(timespec="seconds")
        self.queries.append(q)

    def noise(self, n: int) -> None:
        staff = self.rng.choice(STAFF)
        for _ in range(n):
            roll = self.rng.random()
            if roll < 0.45:
                self.say(self.customer, self.rng.choice(SMALL_TALK))
            elif roll < 0.75:
                self.say(self.rng.choice(FRIENDS), self.rng.choice(FRIEND_TALK + SMALL_TALK))
            else:
                self.say(staff, self.rng.choice(STAFF_TALK))


def build(index: int, rng: random.Random) -> Convo:
    name = CUSTOMERS[index - 1]
    c = Convo(index, name, rng, clock=START + timedelta(days=rng.randrange(30)))
    first = name.split()[0]
    staff = rng.choice(STAFF)
    beats: list[tuple[str, object]] = []

    pet_kind = rng.choice(sorted(PETS))
    pet = rng.choice(PETS[pet_kind])
    second_kind = rng.choice([k for k in sorted(PETS) if k != pet_kind])
    second_pet = rng.choice(PETS[second_kind])
    kid_kind = rng.choice(sorted(KIDS))
    kid = rng.choice(KIDS[kid_kind])
    partner_kind = rng.choice(sorted(PARTNERS))
    partner = rng.choice(PARTNERS[partner_kind])
    products = rng.sample(PRODUCTS, 3)
    trip = rng.choice(TRIPS)
    hobby = rng.choice(HOBBIES)
    old_city, new_city = rng.choice(CITIES)
    old_job, new_job = rng.choice(JOBS)
    old_plan, new_plan = rng.choice(PLANS)
    day = rng.randrange(1, 28)
    month = rng.choice(["March", "April", "May", "June", "July", "August"])
    ev: dict[str, list[str]] = {}

    def mark(key: str, mid: str) -> None:
        ev.setdefault(key, []).append(mid)

    # Session plan: story beats in a shuffled but sensible order, noise between.
    beats = [
        ("intro", None),
        ("pet", None),
        ("product0", None),
        ("city", None),
        ("kid", None),
        ("job", None),
        ("hobby", None),
        ("product1", None),
        ("second_pet", None),
        ("plan", None),
        ("trip", None),
        ("birthday", None),
        ("vet", None),
        ("partner", None),
        ("move", None),
        ("product2", None),
        ("newjob", None),
        ("upgrade", None),
        ("birthday_fix", None),
        ("kid_event", None),
    ]
    for beat, _ in beats:
        for _ in range(rng.randrange(1, 4)):
            c.new_session(rng.uniform(1.0, 4.0))
            c.noise(rng.randrange(4, 12))
        c.new_session(rng.uniform(1.0, 4.0))
        c.noise(rng.randrange(2, 7))
        if beat == "intro":
            mark("intro", c.say(name, f"hi all, {first} here, new to the community 👋"))
            c.say(staff, "Welcome! Shout if you need anything.")
        elif beat == "pet":
            mark(
                "pet",
                c.say(
                    name,
                    f"sorry if I'm slow to reply, my {pet_kind} {pet} is sitting on "
                    "my keyboard again",
                ),
            )
            c.say(rng.choice(FRIENDS), f"haha {pet} sounds like a menace")
        elif beat.startswith("product"):
            p = products[int(beat[-1])]
            mark(
                f"buy{beat[-1]}",
                c.say(name, f"I just bought the {p.name}, first impressions are good"),
            )
            c.noise(rng.randrange(1, 4))
            c.new_session(rng.uniform(3.0, 12.0))
            mark(f"symptom{beat[-1]}", c.say(name, p.symptom[0].upper() + p.symptom[1:]))
            c.say(staff, "Sorry about that! Which firmware are you on?")
            c.say(name, "whatever it shipped with I think")
            mark(f"fix{beat[-1]}", c.say(staff, p.fix[0].upper() + p.fix[1:]))
            c.new_session(rng.uniform(0.5, 2.0))
            mark(f"thanks{beat[-1]}", c.say(name, p.thanks))
            c.say(staff, "Brilliant, glad that sorted it!")
        elif beat == "city":
            mark(
                "city", c.say(name, f"I live in {old_city}, it's been raining for a week straight")
            )
        elif beat == "kid":
            mark(
                "kid",
                c.say(
                    name,
                    f"my {kid_kind} {kid} wants to be a vet when she grows up"
                    if kid_kind == "daughter"
                    else f"my {kid_kind} {kid} wants to be a vet when he grows up",
                ),
            )
        elif beat == "job":
            mark("job", c.say(name, f"long shift today, I work as {old_job} so weekends are rare"))
        elif beat == "hobby":
            mark("hobby", c.say(name, hobby[0]))
            c.say(rng.choice(FRIENDS), "oh nice, good luck with it!")
        elif beat == "second_pet":
            mark(
                "second_pet",
                c.say(name, f"big news: we adopted a {second_kind}! Her name is {second_pet}"),
            )
            c.say(staff, f"Congratulations! Welcome home {second_pet} 🎉")
        elif beat == "plan":
            mark(
                "plan",
                c.say(
                    name,
                    f"quick one: I'm on the {old_plan} plan, does that include priority support?",
                ),
            )
            c.say(staff, f"{old_plan} includes email support; priority is on higher tiers.")
        elif beat == "trip":
            mark("trip", c.say(name, trip[0].format(month=month)))
            c.say(rng.choice(FRIENDS), "jealous!! send pics")
        elif beat == "birthday":
            mark(
                "birthday",
                c.say(name, f"fun fact: my birthday is on {month} {day + 1 if day < 27 else 2}"),
            )
        elif beat == "vet":
            mark(
                "vet_before",
                c.say(
                    name,
                    f"{pet} has his yearly checkup at the clinic on Thursday, he hates the carrier",
                ),
            )
            c.new_session(rng.uniform(2.0, 4.0))
            mark(
                "vet_after",
                c.say(
                    name,
                    f"{pet}'s checkup went fine! Healthy, just needs to lose "
                    "a little weight, so fewer treats",
                ),
            )
            c.say(staff, f"Aw, good news for {pet}!")
        elif beat == "partner":
            mark(
                "partner",
                c.say(
                    name,
                    f"my {partner_kind} {partner} set up the new router for us, "
                    "so blame them if it breaks lol",
                ),
            )
        elif beat == "move":
            mark("move", c.say(name, f"we finally moved to {new_city}! boxes everywhere"))
            c.say(staff, "Congrats on the move! Don't forget to update your shipping address.")
        elif beat == "newjob":
            mark(
                "newjob",
                c.say(name, f"started my new job as {new_job} this week, nervous but happy"),
            )
        elif beat == "upgrade":
            mark(
                "upgrade",
                c.say(name, f"I upgraded to {new_plan} today, the extra seats were worth it"),
            )
        elif beat == "birthday_fix":
            mark(
                "birthday_fix",
                c.say(
                    name,
                    f"oops, I told you wrong before: my birthday is "
                    f"actually {month} {day}, not the day after",
                ),
            )
        elif beat == "kid_event":
            mark(
                "kid_event",
                c.say(
                    name,
                    f"{kid} has her piano recital on Saturday, she's been practising nonstop"
                    if kid_kind == "daughter"
                    else f"{kid} has his piano recital on Saturday, he's been practising nonstop",
                ),
            )
            c.new_session(rng.uniform(2.0, 3.0))
            mark(
                "kid_after",
                c.say(
                    name,
                    f"the recital was wonderful, {kid} played Clair de Lune "
                    "without a single mistake",
                ),
            )
    # A last stretch of ordinary activity, with one fresh problem two weeks before the end.
    late = rng.choice([p for p in PRODUCTS if p not in products])
    c.new_session(3.0)
    c.noise(6)
    mark("late_buy", c.say(name, f"I also picked up the {late.name} last month"))
    c.new_session(1.0)
    mark("late_symptom", c.say(name, late.symptom[0].upper() + late.symptom[1:]))
    c.say(staff, "Thanks for flagging, we're looking into it.")
    for _ in range(4):
        c.new_session(rng.uniform(3.0, 4.0))
        c.noise(rng.randrange(3, 8))
    end = c.clock + timedelta(hours=2)

    def e(*keys: str) -> list[str]:
        return [m for k in keys for m in ev.get(k, [])]

    p0, p1, p2 = products
    pet_word = PET_WORD[pet_kind]
    asks: list[tuple[str, list[str], str]] = [
        (f"what's the name of my {pet_word}?", e("pet"), "fact"),
        (f"how did the vet visit go for my {pet_word}?", e("vet_after", "vet_before"), "single"),
        ("what animals do I have at home?", e("pet", "second_pet"), "multi"),
        (f"what was the name of the {second_kind} we took in?", e("second_pet"), "fact"),
        (f"do you remember what my {kid_kind} wants to do for a career?", e("kid"), "single"),
        (f"how did {kid}'s performance go?", e("kid_after"), "single"),
        (p0.question, e("fix0"), "single"),
        (p1.question, e("fix1"), "single"),
        (
            f"what went wrong with my {p2.kind} and how was it solved?",
            e("symptom2", "fix2"),
            "multi",
        ),
        ("which of your products have I bought?", e("buy0", "buy1", "buy2", "late_buy"), "multi"),
        (trip[1], e("trip"), "single"),
        (hobby[1], e("hobby"), "single"),
        ("which city do I live in these days?", e("move"), "update"),
        ("what's my job now?", e("newjob"), "update"),
        ("which subscription tier am I on at the moment?", e("upgrade"), "update"),
        ("when is my birthday?", e("birthday_fix"), "update"),
        ("who set up our wifi at home?", e("partner"), "single"),
        ("what problem did I report a couple of weeks ago?", e("late_symptom"), "temporal"),
    ]
    for text, evidence, category in asks:
        c.ask(text, evidence, category, end if category == "temporal" else None)
    return c


def generate() -> str:
    rng = random.Random(SEED)
    lines: list[str] = []
    for index in range(1, CONVERSATIONS + 1):
        convo = build(index, random.Random(rng.getrandbits(64)))
        lines += [json.dumps(m, ensure_ascii=False) for m in convo.messages]
        lines += [json.dumps(q, ensure_ascii=False) for q in convo.queries]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = generate()
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == data
        print("up to date" if same else f"{args.out} differs from the generator's output")
        return 0 if same else 1
    args.out.write_text(data, encoding="utf-8")
    print(f"wrote {args.out} ({len(data.encode()) / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
