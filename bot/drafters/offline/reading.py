"""Reading a customer's message: what kind of message it is, what it is about, how it feels.

Plain rules, tested in both everyday and emotional wording. A message can be
several things at once ("Hi! My parcel is late, where is it?" greets, reports
a problem and asks); the composer decides what leads. When a rule is unsure
it stays quiet: a reply without an apology it owed is worse than none, but an
apology for a plain question ("how do refunds work?") reads as canned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class Problem(StrEnum):
    """What went wrong, most specific first; decides the apology's words."""

    BEREAVEMENT = "bereavement"
    HEALTH = "health"  # a person or pet unwell or hurt
    BILLING = "billing"
    DELAY = "delay"
    WRONG_ITEM = "wrong item"
    DAMAGE = "damage"
    MISSING = "missing"
    ACCESS = "access"
    BROKEN = "broken"  # something that does not work
    SERVICE = "service"  # ignored, passed around, no reply
    GENERAL = "general"  # unhappy, without saying about what


_I = re.IGNORECASE
# Phrases that look like trouble but say it is over or never was.
_ALL_CLEAR = re.compile(
    r"\b(?:no|not an?|without any)\s+(?:problems?|issues?|trouble|worries|rush)\b"
    r"|\b(?:problem|issue)\s+(?:is\s+)?(?:solved|fixed|sorted|gone|resolved)\b"
    r"|\b(?:is|are|it's|its|all|now)\s+(?:fine|working|sorted|good|fixed|ok|okay)\s+(?:now|again)\b"
    r"|\bworking again\b|\ball sorted\b|\bthanks in advance\b|\bnot broken\b",
    _I,
)
_PROBLEMS: tuple[tuple[Problem, re.Pattern[str]], ...] = (
    (
        Problem.BEREAVEMENT,
        re.compile(
            r"\b(?:passed away|passed on|died|put to sleep|rainbow bridge|lost (?:my|our) "
            r"(?:dog|cat|pet|puppy|kitten|mum|mom|dad|father|mother|wife|husband|partner|son"
            r"|daughter|brother|sister|grandma|grandpa|friend))\b",
            _I,
        ),
    ),
    (
        Problem.HEALTH,
        re.compile(
            r"\b(?:limping|limp|sick|ill|unwell|poorly|vomit\w*|throwing up|not eating|stopped "
            r"eating|injur\w*|hurt|hurting|in pain|bleeding|hospital\w*|emergency|seizure\w*"
            r"|lethargic|off (?:his|her|their) food|rushed to the vet)\b",
            _I,
        ),
    ),
    (
        Problem.BILLING,
        re.compile(
            r"\b(?:charged (?:me )?(?:twice|two times|again|double|too much|the wrong|wrong\w*"
            r"|for something)|double[- ]?charged|double charge|billed twice|taken twice"
            r"|overcharg\w*"
            r"|duplicate (?:charge|payment)|wrong (?:amount|price|charge|invoice|bill)"
            r"|(?:extra|unexpected|mystery|unknown) (?:charge|payment|fee)"
            r"|(?:haven'?t|have not|never|still not|not yet) (?:got|received|seen) "
            r"(?:my|the|a|any) refund|refund (?:hasn'?t|has not|never|still|didn'?t|is missing)"
            r"|(?:invoice|bill|statement) (?:is|was|looks) (?:wrong|incorrect)"
            r"|incorrect (?:bill|invoice|charge)|still (?:being )?charged|charged after"
            r"|taken (?:money|payment|a payment)|took (?:money|payment))\b",
            _I,
        ),
    ),
    (
        Problem.DELAY,
        re.compile(
            r"\b(?:late|delay\w*|overdue|still (?:waiting|not here|hasn'?t|no sign)"
            r"|(?:hasn'?t|has not|haven'?t|have not|didn'?t|did not|never) (?:arrived|come|turned "
            r"up|shown up|been delivered|received it)|never (?:arrived|came|showed)"
            r"|not (?:arrived|here yet|been delivered)|where(?:'s| is) my"
            r"|taking (?:so|too|far too) long|been waiting|no sign of"
            r"|should have (?:arrived|been here|come)|still no"
            r"|(?:weeks?|days?) and (?:still )?nothing)\b",
            _I,
        ),
    ),
    (
        Problem.WRONG_ITEM,
        re.compile(
            r"\b(?:wrong (?:size|colou?r|item|model|product|thing|one|book|version|parcel|order)"
            r"|not what I (?:ordered|paid for)|(?:too|way too|much too) (?:small|big|large|tight"
            r"|loose|short|long)|doesn'?t fit|don'?t fit|sent (?:me )?the wrong"
            r"|different (?:item|colou?r|size) (?:from|to|than))\b",
            _I,
        ),
    ),
    (
        Problem.DAMAGE,
        re.compile(
            r"\b(?:damaged|broken|broke|smashed|cracked|dented|shattered|torn|ripped|scratched"
            r"|leak\w*|snapped|chipped|dead on arrival|arrived in pieces)\b",
            _I,
        ),
    ),
    (
        Problem.MISSING,
        re.compile(
            r"\b(?:missing|(?:not|n't|wasn'?t|weren'?t) (?:in|included in) the "
            r"(?:box|parcel|package)"
            r"|forgot to (?:include|send)|only (?:got|received) (?:one|half|part)|lost)\b",
            _I,
        ),
    ),
    (
        Problem.ACCESS,
        re.compile(
            r"\b(?:can'?t|cannot|can not|unable to|couldn'?t) (?:log ?in|sign ?in|get in|access)"
            r"|locked out|password (?:doesn'?t|won'?t|isn'?t) work\w*|won'?t let me (?:log|sign)\b",
            _I,
        ),
    ),
    (
        Problem.BROKEN,
        re.compile(
            r"\b(?:not working|doesn'?t work|didn'?t work|isn'?t working|aren'?t working"
            r"|won'?t (?:turn on|switch on|start|load|open|work|connect|charge|sync|boot|pair|print"
            r"|let me)|stopped (?:working|charging|connecting|responding)|blank|black screen"
            r"|frozen|freez\w*|crash\w*|error\w*|bug\w*|glitch\w*|keeps (?:dropping|crashing"
            r"|freezing|restarting|disconnecting|logging me out|beeping|cutting out|failing)"
            r"|drops? (?:the )?(?:connection|signal|out)|dropping|disconnect\w*"
            r"|can'?t (?:connect|open|load|use|pay|download|see|find|get it to)|unable to"
            r"|(?:is|are|went|gone) dead|faulty|defective|playing up|acting up|nothing happens"
            r"|fail(?:s|ed|ing)?|stuck|(?:so|really|very|too|painfully) slow|overheat\w*"
            r"|not (?:loading|charging|responding|connecting|syncing|turning on)|no (?:sound"
            r"|signal|power|picture)|unresponsive)\b",
            _I,
        ),
    ),
    (
        Problem.SERVICE,
        re.compile(
            r"\b(?:rude|ignored|(?:no ?one|nobody) (?:has )?(?:replied|answered|got back|responded"
            r"|helped)|never (?:heard back|got a reply)|no (?:reply|response|answer) (?:yet|from)"
            r"|on hold|passed around|unhelpful|keep (?:getting|being) (?:told|sent))\b",
            _I,
        ),
    ),
    (
        Problem.GENERAL,
        re.compile(
            r"\b(?:problems?|issues?|trouble|complain\w*|disappoint\w*|unhappy|not happy"
            r"|terrible|awful|horrible|worst|unacceptable|ridiculous|useless|frustrat\w*"
            r"|annoy\w*|fed up|angry|furious|livid|upset|confusing|confused|hate|a mess"
            r"|gone wrong|went wrong|not right|not okay|not ok)\b",
            _I,
        ),
    ),
)
# Second problems worth their own words ("late, and the box was damaged").
_ALSO_WORTH = frozenset(
    [Problem.BILLING, Problem.DELAY, Problem.WRONG_ITEM, Problem.DAMAGE, Problem.MISSING]
)
_SAD_FACES = re.compile(r"(:-?\(|:'\(|😞|😡|😠|😢|😭|☹|🙁|😤|👎|💔)")
_UPSET = re.compile(
    r"\b(?:frustrat\w*|annoy\w*|angry|furious|livid|fed up|unacceptable|ridiculous|disappoint\w*"
    r"|upset|sick of|tired of|third time|again|useless|terrible|awful|worst|not good enough)\b"
    r"|!!",
    _I,
)
_WORRY = re.compile(
    r"\b(?:worr(?:y|ied|ying)|anxious|scared|nervous|concerned|panick\w*|stressed|afraid"
    r"|frightened|terrified|beside myself|heartbroken|devastated)\b",
    _I,
)
_THANKS = re.compile(r"\b(?:thanks|thank you|thank u|thx|ty|cheers|appreciate\w*|grateful)\b", _I)
_PRAISE = re.compile(
    r"\b(?:love|loving|great|brilliant|amazing|fantastic|awesome|excellent|wonderful|perfect"
    r"|superb|lovely|impressed|happy with|delighted|works (?:great|perfectly|well|a treat)"
    r"|(?:is|are|it's) (?:fine|working|sorted|good) now|working again|all sorted|fixed it"
    r"|did the trick|you(?:'re| are| guys are) (?:the best|great|stars))\b",
    _I,
)
_SUGGESTION = re.compile(
    r"\b(?:suggest\w*|idea|feature request|would be (?:great|nice|good|helpful|handy|lovely|cool)"
    r" if|it'?d be (?:great|nice|good|handy) if|could you (?:add|make|consider|think about)"
    r"|wish (?:it|you|there)|would love (?:it if|to see|a)|please add|feedback|consider adding"
    r"|how about adding|what if you)\b",
    _I,
)
_GREETING = re.compile(
    r"^\W*(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening)|greetings|yo)\b", _I
)
_NEW_HERE = re.compile(
    r"\b(?:i'?m new|i am new|new (?:here|customer|to this|user)|just (?:signed up|joined|"
    r"registered|subscribed|bought my first)|first time (?:here|writing|using|ordering))\b",
    _I,
)
_BACK_AGAIN = re.compile(
    r"\b(?:it'?s been (?:a while|ages|a long time|forever|months)|long time(?: no (?:see|speak|"
    r"talk))?|been (?:ages|a while)|back again|i'?m back|it'?s me again|me again|remember me"
    r"|(?:hello|hi|hey) again|haven'?t (?:written|been in touch|spoken|talked) (?:in|for) "
    r"(?:a while|ages|months|a long time))\b",
    _I,
)
_QUESTION_START = re.compile(
    r"^\W*(?:(?:hi|hello|hey)\W+\w*\W*)?(?:how|what|when|where|why|who|which|can|could|do|does"
    r"|did|is|are|will|would|should|may|have you|has)\b",
    _I,
)
_WONDERING = re.compile(
    r"\b(?:i was wondering|i'?d like to know|any idea|do you know|let me know (?:if|how|when"
    r"|whether)|wanted to ask|quick question)\b",
    _I,
)
# "is Sam still there", "where's Priya", "I usually talk to Sam", "can I speak to Priya".
_NAME = r"([A-Z][a-z\u00c0-\u024f'-]{1,30})"
_ASKS_FOR_REP = (
    re.compile(
        r"\b(?:[Ii]s|[Hh]as)\s+"
        + _NAME
        + r"\s+(?:still\s+(?:there|around|here|working|with you|at)"
        r"|around|left|gone|moved on|away|on holiday|off)\b"
    ),
    re.compile(r"\b[Ww]here(?:'s| is| has| did)\s+" + _NAME + r"\b"),
    re.compile(
        r"\b(?:I|we)\s+(?:usually|normally|always|used to)\s+(?:talk|speak|deal|chat|work)\s+"
        r"(?:to|with)\s+" + _NAME
    ),
    re.compile(
        r"\b(?:[Cc]an|[Cc]ould|[Mm]ay)\s+(?:I|we)\s+(?:please\s+)?(?:speak|talk|chat)\s+"
        r"(?:to|with)\s+" + _NAME
    ),
    re.compile(r"\b[Ww]hat happened to\s+" + _NAME),
    re.compile(
        r"\b" + _NAME + r"\s+(?:used to|usually|normally|always)\s+(?:help|look after|handle"
        r"|deal with|sort)"
    ),
)
_NOT_A_NAME = frozenset(
    [
        "I",
        "The",
        "A",
        "An",
        "My",
        "Our",
        "Your",
        "This",
        "That",
        "It",
        "He",
        "She",
        "They",
        "We",
        "You",
        "Is",
        "Are",
        "Was",
        "Has",
        "Have",
        "Hi",
        "Hello",
        "Hey",
        "Where",
        "What",
        "Why",
        "How",
        "When",
        "Who",
        "Can",
        "Could",
        "May",
        "Still",
        "Here",
        "There",
        "Please",
        "Thanks",
        "Thank",
    ]
)


@dataclass(frozen=True, slots=True)
class Reading:
    """What a message is, as far as plain rules can tell."""

    problem: Problem | None = None
    also: Problem | None = None  # a second, different problem in the same message
    upset: bool = False  # frustrated, angry, fed up
    worried: bool = False  # worried, scared, anxious
    question: bool = False
    thanks: bool = False
    praise: bool = False
    suggestion: bool = False
    greeting: bool = False
    new_here: bool = False  # says they are new
    back_again: bool = False  # says it has been a while
    asks_for: str | None = None  # a person they ask for by name ("is Sam still there?")
    names: tuple[str, ...] = field(default_factory=tuple)  # capitalised words, for memory

    @property
    def complaint(self) -> bool:
        return self.problem is not None

    @property
    def intent(self) -> str:
        """The leading intent, for choosing words."""
        if self.problem is not None:
            return f"problem:{self.problem}"
        if self.asks_for:
            return "asks-for-rep"
        if self.suggestion:
            return "suggestion"
        if self.question:
            return "question"
        if self.thanks or self.praise:
            return "thanks"
        if self.back_again:
            return "returning"
        if self.greeting or self.new_here:
            return "greeting"
        return "statement"


def read(text: str) -> Reading:
    """Read one customer message."""
    flat = " ".join(text.split())
    clear = _ALL_CLEAR.sub(" ", flat)
    found = [kind for kind, rule in _PROBLEMS if rule.search(clear)]
    problem = found[0] if found else None
    also = next((k for k in found[1:] if k in _ALSO_WORTH), None)
    if problem is None and _SAD_FACES.search(flat):
        problem = Problem.GENERAL
    worried = bool(_WORRY.search(flat))
    if problem is None and worried:
        problem = Problem.GENERAL  # "I'm worried about…" is something gone wrong for them
    return Reading(
        problem=problem,
        also=also,
        # "Hello again" is a greeting, not "broken again".
        upset=bool(_UPSET.search(_BACK_AGAIN.sub(" ", clear))) and problem is not None,
        worried=worried,
        question="?" in flat or bool(_QUESTION_START.search(flat) or _WONDERING.search(flat)),
        thanks=bool(_THANKS.search(flat)),
        praise=bool(_PRAISE.search(flat)) and problem is None,
        suggestion=bool(_SUGGESTION.search(flat)),
        greeting=bool(_GREETING.search(flat)),
        new_here=bool(_NEW_HERE.search(flat)),
        back_again=bool(_BACK_AGAIN.search(flat)),
        asks_for=_asked_for(flat),
        names=tuple(dict.fromkeys(re.findall(r"\b[A-Z][a-z\u00c0-\u024f'-]+\b", flat))),
    )


def is_negative(text: str) -> bool:
    """Does the message say something went wrong (or that they are worried or upset)?"""
    return read(text).problem is not None


def _asked_for(text: str) -> str | None:
    for rule in _ASKS_FOR_REP:
        m = rule.search(text)
        if m and m.group(1) not in _NOT_A_NAME:
            return m.group(1)
    return None


# -- what the message is about ------------------------------------------------------

_THINGS = (
    r"order|package|parcel|delivery|account|subscription|plan|invoice|bill|payment|card|app"
    r"|device|kettle|phone|laptop|router|login|password|booking|reservation|ticket|refund|item"
    r"|product|shipment|upgrade|download|update|screen|battery|charger|headphones|keyboard"
    r"|printer|camera|licen[cs]e|setup|installation|shoes|boots|trainers|jacket|coat|dress|shirt"
    r"|jeans|tablet|tv|television|speaker|watch|lid|mug|lamp|chair|table|sofa|mattress|claim"
    r"|policy|statement|charge|purchase|controller|console|headset|monitor|mouse|fridge|oven"
    r"|washing machine|dishwasher|vacuum|blender|toaster|website|email|connection|wifi|wi-fi"
    r"|internet|membership|voucher|basket|checkout|tracking|return|exchange|appointment|food"
    r"|box|bike|helmet|sofa|desk|jumper|sweater|bag|backpack|cable|remote|heater|fan"
)
_TOPIC = re.compile(
    r"\b(my|our|the)\s+((?:[A-Za-z][\w'-]*\s){0,2}?(?:" + _THINGS + r")s?)\b", re.IGNORECASE
)
_KEEP_THE = frozenset(["app", "website", "email", "internet", "wifi", "wi-fi", "connection"])


@dataclass(frozen=True, slots=True)
class Topic:
    """The thing a message is about, as the reply names it ("your order", "the app")."""

    phrase: str
    noun: str  # its last word, singular: what product facts are matched against


def topic_of(text: str) -> Topic | None:
    m = _TOPIC.search(text)
    if not m:
        return None
    owner = m.group(1).lower()
    words = m.group(2).lower().split()
    noun = words[-1]
    singular = noun[:-1] if noun.endswith("s") and noun[:-1] in _THINGS.split("|") else noun
    if owner == "the" and singular not in _KEEP_THE and len(words) == 1:
        # "The kettle broke" is their kettle; "the app" is everyone's.
        owner = "my"
    phrase = " ".join(words)
    return Topic(f"your {phrase}" if owner in ("my", "our") else f"the {phrase}", singular)


_WRONG = re.compile(r"\bwrong (size|colou?r|item|model|product|thing|one|book|version|order)\b", _I)


def wrong_what(text: str) -> str | None:
    """For a wrong-item message, what was wrong ("size", "colour"), in their word."""
    m = _WRONG.search(text)
    return m.group(1).lower() if m else None
