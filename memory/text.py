"""Words as recall compares them: tokens, stems, and a small generic thesaurus.

The database's full-text index finds candidates; this module decides, in
Python and the same way on every database, how well a candidate matches.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

from memory.search import STOPWORDS

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Words that carry the *asking*, not the topic: "what did I tell you about…".
QUESTION_WORDS = frozenset(
    [
        "tell",
        "told",
        "telling",
        "mention",
        "mentioned",
        "mentioning",
        "remember",
        "remind",
        "reminded",
        "recall",
        "said",
        "say",
        "saying",
        "says",
        "talk",
        "talked",
        "talking",
        "ask",
        "asked",
        "asking",
        "discuss",
        "discussed",
        "share",
        "shared",
        "ever",
        "anything",
        "something",
        "thing",
        "things",
        "stuff",
        "again",
        "remind",
        "kind",
        "sort",
        "keep",
        "keeps",
        "kept",
    ]
)

# Groups of words that people use for the same thing in everyday chat and
# support conversations. Generic on purpose: no group names a product or a
# person, so the table helps on any community's history, not one data set.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("pet", "pets", "animal", "animals"),
    ("cat", "cats", "kitten", "kitty", "kitties"),
    ("dog", "dogs", "puppy", "pup", "pooch", "doggo"),
    ("vet", "veterinarian", "vets", "animal hospital", "clinic"),
    ("bird", "birds", "parrot", "budgie", "canary", "parakeet", "cockatiel"),
    ("rabbit", "rabbits", "bunny", "bunnies"),
    ("hamster", "gerbil", "guinea pig", "rodent"),
    ("fish", "aquarium", "goldfish", "tank"),
    ("doctor", "physician", "gp", "clinic", "dr"),
    ("appointment", "checkup", "check-up", "visit", "consultation"),
    ("sick", "ill", "unwell", "flu", "cold", "fever", "illness", "poorly"),
    ("hospital", "surgery", "operation", "er", "emergency"),
    ("injury", "injured", "hurt", "sprain", "sprained", "broke", "fracture"),
    ("trip", "travel", "travelling", "traveling", "vacation", "holiday", "journey", "getaway"),
    ("flight", "fly", "flew", "plane", "airport", "airline"),
    ("hotel", "resort", "hostel", "airbnb", "accommodation"),
    ("beach", "coast", "seaside", "ocean", "sea", "shore"),
    ("mountain", "mountains", "hike", "hiking", "trail", "trek", "climb", "climbing"),
    ("camp", "camping", "tent", "campsite"),
    ("job", "work", "career", "employer", "office", "workplace", "position", "role"),
    ("boss", "manager", "supervisor"),
    ("coworker", "colleague", "teammate"),
    ("promotion", "promoted", "raise"),
    ("hired", "interview", "offer", "applied", "application"),
    ("fired", "laid", "layoff", "unemployed", "redundant"),
    ("mom", "mother", "mum", "mommy", "mama"),
    ("dad", "father", "daddy", "papa"),
    ("parents", "parent", "folks"),
    ("wife", "husband", "spouse", "partner"),
    ("kid", "kids", "child", "children", "son", "daughter", "baby", "toddler"),
    ("brother", "sister", "sibling", "siblings"),
    ("grandma", "grandmother", "granny", "grandpa", "grandfather", "grandparents"),
    ("friend", "friends", "buddy", "pal", "mate"),
    ("boyfriend", "girlfriend", "fiance", "fiancee", "dating", "date"),
    ("wedding", "married", "marry", "marriage", "engaged", "engagement"),
    ("birthday", "bday", "born"),
    ("party", "celebration", "celebrate", "celebrated", "bash"),
    ("house", "home", "apartment", "flat", "place", "condo"),
    ("move", "moved", "moving", "relocate", "relocated", "relocation"),
    ("city", "town", "neighborhood", "neighbourhood"),
    ("car", "vehicle", "truck", "suv"),
    ("bike", "bicycle", "cycling", "cycle"),
    ("run", "running", "jog", "jogging", "marathon", "5k", "10k"),
    ("gym", "workout", "exercise", "fitness", "training", "yoga", "pilates"),
    ("sport", "sports", "game", "match", "tournament", "league"),
    ("paint", "painting", "painted", "art", "artwork", "canvas", "drawing", "sketch"),
    ("music", "song", "songs", "band", "concert", "gig", "album", "playlist"),
    ("instrument", "guitar", "piano", "violin", "drums", "ukulele"),
    ("book", "books", "novel", "read", "reading", "author"),
    ("movie", "movies", "film", "films", "cinema", "show", "series"),
    ("cook", "cooking", "recipe", "recipes", "bake", "baking", "baked", "dinner", "meal"),
    ("food", "eat", "ate", "restaurant", "dish", "cuisine"),
    ("garden", "gardening", "plants", "flowers", "vegetables"),
    ("school", "class", "classes", "course", "study", "studying", "studies", "education"),
    ("university", "college", "degree", "campus", "grad", "graduate", "graduation"),
    ("teacher", "professor", "tutor", "instructor"),
    ("exam", "test", "exams", "finals", "quiz"),
    ("volunteer", "volunteering", "charity", "nonprofit", "fundraiser"),
    ("happy", "glad", "excited", "thrilled", "delighted"),
    ("sad", "upset", "down", "depressed", "unhappy"),
    ("stress", "stressed", "anxious", "anxiety", "overwhelmed", "worried", "nervous"),
    ("tired", "exhausted", "sleep", "sleepy", "insomnia"),
    ("phone", "mobile", "smartphone", "cellphone", "cell"),
    ("laptop", "computer", "pc", "desktop", "notebook", "macbook"),
    ("tablet", "ipad"),
    ("app", "application", "software", "program"),
    ("problem", "issue", "trouble", "bug", "glitch", "fault"),
    ("error", "exception", "failure", "failed", "fails", "failing"),
    ("crash", "crashes", "crashed", "crashing", "freeze", "freezes", "frozen", "hang", "hangs"),
    ("broken", "broke", "dead", "faulty", "defective", "damaged"),
    (
        "disconnect",
        "disconnects",
        "disconnected",
        "disconnecting",
        "dropping",
        "drops",
        "dropout",
        "dropouts",
        "cutting out",
        "cuts out",
        "unstable",
        "unreliable",
    ),
    ("change", "changed", "switch", "switched", "switching", "adjust", "tweak", "modify"),
    ("slow", "lag", "laggy", "sluggish", "performance", "latency"),
    ("fix", "fixed", "solve", "solved", "resolve", "resolved", "workaround", "solution"),
    ("update", "upgrade", "updated", "upgraded", "version", "release", "patch"),
    ("install", "installed", "setup", "set up", "configure", "configured", "installation"),
    ("login", "log in", "signin", "sign in", "password", "credentials", "account"),
    ("sync", "syncing", "synced", "synchronize", "backup", "backups"),
    ("battery", "charge", "charging", "charger", "power"),
    ("screen", "display", "monitor"),
    ("wifi", "wi-fi", "internet", "network", "connection", "router", "connectivity"),
    ("printer", "printing", "print"),
    ("email", "emails", "mail", "inbox"),
    ("buy", "bought", "purchase", "purchased", "order", "ordered", "orders"),
    ("refund", "refunded", "return", "returned", "money back", "reimburse"),
    ("price", "cost", "costs", "expensive", "cheap", "pricing", "fee"),
    ("invoice", "bill", "billing", "billed", "charged", "payment", "paid", "pay"),
    ("subscription", "plan", "subscribe", "subscribed", "membership", "tier"),
    ("cancel", "cancelled", "canceled", "cancellation", "unsubscribe"),
    ("delivery", "shipping", "shipped", "package", "parcel", "courier", "arrived"),
    ("warranty", "guarantee", "replacement", "replace", "replaced", "rma"),
    ("support", "help", "helpdesk", "agent", "ticket"),
    ("feature", "features", "option", "setting", "settings"),
    ("data", "files", "file", "documents", "photos", "pictures"),
    ("photo", "photos", "picture", "pictures", "pic", "pics"),
    ("camera", "cam", "webcam", "cameras", "camcorder"),
    ("weekend", "saturday", "sunday"),
    ("evening", "evenings", "night", "nights", "nightly", "overnight", "tonight"),
    ("morning", "mornings", "breakfast", "sunrise"),
    ("weather", "rain", "snow", "storm", "sunny", "heat", "heatwave"),
    ("hobby", "hobbies", "pastime", "interest", "interests"),
    ("lgbtq", "lgbt", "queer", "gay", "lesbian", "transgender", "trans"),
    ("adopt", "adopted", "adoption", "foster", "fostering"),
    ("pregnant", "pregnancy", "expecting", "newborn"),
    ("died", "passed", "death", "funeral", "loss", "lost"),
    ("counseling", "counselling", "therapy", "therapist", "counselor", "mental health"),
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Porter stem of one lower-case word (the stemmer SQLite's FTS5 uses)."""
    if len(word) <= 2 or not word.isalpha():
        return word
    return _porter(word)


def fold(text: str) -> str:
    """Lower case without accents, as the full-text index sees text."""
    text = text.lower()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def stems(text: str) -> list[str]:
    return list(map(stem, _WORD.findall(fold(text))))


def stem_counts(text: str) -> Counter[str]:
    return Counter(stems(text))


def is_content(word: str) -> bool:
    if len(word) < 2 or word in STOPWORDS:
        return False
    return not (word.isdigit() and len(word) < 3)


@lru_cache(maxsize=1)
def _thesaurus() -> dict[str, tuple[str, ...]]:
    by_stem: dict[str, list[str]] = {}
    for group in SYNONYM_GROUPS:
        for word in group:
            if " " in word:
                continue  # phrases only expand; they are not looked up
            key = stem(word)
            siblings = by_stem.setdefault(key, [])
            for other in group:
                if other != word and other not in siblings and stem(other) != key:
                    siblings.append(other)
    return {k: tuple(v) for k, v in by_stem.items()}


def synonyms(word: str) -> tuple[str, ...]:
    """Everyday words for the same thing as ``word`` (never ``word`` itself)."""
    return _thesaurus().get(stem(word), ())


# -- the Porter stemmer ---------------------------------------------------------
# Written from the published algorithm (Porter, 1980) so Python and FTS5 agree
# on what counts as the same word.

_VOWELS = frozenset("aeiou")


def _is_consonant(word: str, i: int) -> bool:
    ch = word[i]
    if ch in _VOWELS:
        return False
    if ch == "y":
        return i == 0 or not _is_consonant(word, i - 1)
    return True


def _measure(stem_: str) -> int:
    m = 0
    prev_vowel = False
    for i in range(len(stem_)):
        vowel = not _is_consonant(stem_, i)
        if prev_vowel and not vowel:
            m += 1
        prev_vowel = vowel
    return m


def _has_vowel(stem_: str) -> bool:
    return any(not _is_consonant(stem_, i) for i in range(len(stem_)))


def _double_consonant(word: str) -> bool:
    return len(word) >= 2 and word[-1] == word[-2] and _is_consonant(word, len(word) - 1)


def _cvc(word: str) -> bool:
    if len(word) < 3:
        return False
    return (
        _is_consonant(word, len(word) - 3)
        and not _is_consonant(word, len(word) - 2)
        and _is_consonant(word, len(word) - 1)
        and word[-1] not in "wxy"
    )


_STEP2 = (
    ("ational", "ate"),
    ("tional", "tion"),
    ("enci", "ence"),
    ("anci", "ance"),
    ("izer", "ize"),
    ("bli", "ble"),
    ("alli", "al"),
    ("entli", "ent"),
    ("eli", "e"),
    ("ousli", "ous"),
    ("ization", "ize"),
    ("ation", "ate"),
    ("ator", "ate"),
    ("alism", "al"),
    ("iveness", "ive"),
    ("fulness", "ful"),
    ("ousness", "ous"),
    ("aliti", "al"),
    ("iviti", "ive"),
    ("biliti", "ble"),
    ("logi", "log"),
)
_STEP3 = (
    ("icate", "ic"),
    ("ative", ""),
    ("alize", "al"),
    ("iciti", "ic"),
    ("ical", "ic"),
    ("ful", ""),
    ("ness", ""),
)
_STEP4 = (
    "al",
    "ance",
    "ence",
    "er",
    "ic",
    "able",
    "ible",
    "ant",
    "ement",
    "ment",
    "ent",
    "ion",
    "ou",
    "ism",
    "ate",
    "iti",
    "ous",
    "ive",
    "ize",
)


def _replace(word: str, rules: tuple[tuple[str, str], ...], min_measure: int) -> str:
    for suffix, replacement in rules:
        if word.endswith(suffix):
            base = word[: -len(suffix)]
            return base + replacement if _measure(base) > min_measure else word
    return word


def _step1(word: str) -> str:
    if word.endswith("sses") or word.endswith("ies"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if word.endswith("eed"):
        if _measure(word[:-3]) > 0:
            word = word[:-1]
    else:
        for suffix in ("ed", "ing"):
            if word.endswith(suffix) and _has_vowel(word[: -len(suffix)]):
                word = word[: -len(suffix)]
                if word.endswith(("at", "bl", "iz")):
                    word += "e"
                elif _double_consonant(word) and word[-1] not in "lsz":
                    word = word[:-1]
                elif _measure(word) == 1 and _cvc(word):
                    word += "e"
                break
    if word.endswith("y") and _has_vowel(word[:-1]):
        word = word[:-1] + "i"
    return word


def _step4(word: str) -> str:
    for suffix in _STEP4:
        if word.endswith(suffix):
            base = word[: -len(suffix)]
            if _measure(base) > 1 and (suffix != "ion" or base.endswith(("s", "t"))):
                return base
            return word
    return word


def _porter(word: str) -> str:
    word = _step1(word)
    word = _replace(word, _STEP2, 0)
    word = _replace(word, _STEP3, 0)
    word = _step4(word)
    if word.endswith("e"):
        base = word[:-1]
        m = _measure(base)
        if m > 1 or (m == 1 and not _cvc(base)):
            word = base
    if _measure(word) > 1 and _double_consonant(word) and word.endswith("l"):
        word = word[:-1]
    return word
