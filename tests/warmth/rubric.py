"""The warmth rubric: small checks a draft must pass, each with the reason it failed.

Each check reads one draft against its scenario (and, for distinctness, the
other scenarios' drafts). They are deliberately plain string rules, so a
failure names the exact words that broke it; tests/warmth/test_rubric.py shows
each one failing on a deliberately bad draft.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tests.warmth.scenarios import Scenario


@dataclass(frozen=True, slots=True)
class Verdict:
    check: str
    passed: bool
    reason: str = ""


_APOLOGY = re.compile(r"\b(?:sorry|apologi[sz]e|apologies)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_MAKE_BETTER = re.compile(
    r"\b(?:make (?:this|it|things) (?:better|right|easier|a little easier)|put (?:this|it|things)"
    r" right|most helpful next step|help most|help make things easier)\b[^?]*\?",
    re.IGNORECASE,
)
# Promises about outcomes only a rep can make; "a teammate will check" is not one.
_PROMISE = re.compile(
    r"\b(?:we(?:'ll| will)|I(?:'ll| will)) (?:refund|replace|reimburse|credit|compensate|fix|send"
    r" you|ship|deliver|waive|cover)\b|\bguarantee\w*\b|\bfor free\b|\bfree of charge\b"
    r"|\bno charge\b|\b(?:will|should) (?:arrive|be (?:there|delivered|fixed|refunded|sorted))\b"
    r"|\brefund (?:has been|is on its way|is being)\b|\b(?:by|before) (?:tomorrow|tonight)\b"
    r"|\bwithin \w+ (?:hours?|days?)\b|\bpromise\b",
    re.IGNORECASE,
)
_MARKETING = re.compile(
    r"\b(?:upgrade (?:to|now)|discount|special offer|limited[- ]time|% off|check out our|newsletter"
    r"|sale\b|promo\w*|don'?t miss|sign up (?:for|to)|premium|exclusive|deal of|buy now"
    r"|our new (?:range|product|collection)|follow us)\b",
    re.IGNORECASE,
)
_INTERNAL = re.compile(
    r"asking how it went|asking whether it is solved|\(asked by|asked for\)|fact about"
    r"|profile fact|Mentioned on|since you last wrote \(|\(\w+day \d{1,2} \w+(?: \d{4})?\)"
    r"|\[late:|“|”",
)
_NUMBER = re.compile(r"[£$€]\s?\d[\d,.]*|\b\d+(?:[.,:]\d+)*(?:st|nd|rd|th|am|pm|%)?\b")
_CALENDAR = re.compile(
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March"
    r"|April|May|June|July|August|September|October|November|December)\b"
)


def _first_sentence(draft: str) -> str:
    return _SENTENCE_END.split(draft.strip(), maxsplit=1)[0]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def name_used(s: Scenario, draft: str, others: Mapping[str, str]) -> Verdict:
    """The customer's first name opens the draft."""
    first = s.customer.split()[0]
    if first in _first_sentence(draft):
        return Verdict("name used", True)
    return Verdict("name used", False, f"{first!r} not in the first sentence")


def apology_when_due(s: Scenario, draft: str, others: Mapping[str, str]) -> Verdict:
    """Sorry when, and only when, something went wrong; then first, not buried."""
    said = _APOLOGY.search(draft)
    if s.apology_due and not said:
        return Verdict("apology when due", False, "something went wrong and there is no apology")
    if not s.apology_due and said:
        return Verdict(
            "apology when due", False, f"apologises with nothing wrong: {said.group()!r}"
        )
    if s.apology_due and not _APOLOGY.search(_first_sentence(draft)):
        return Verdict("apology when due", False, "the apology is not in the first sentence")
    return Verdict("apology when due", True)


def _memory_used(s: Scenario, draft: str) -> list[str]:
    """Remembered facts the draft mentions that the new message itself did not."""
    return [
        m
        for m in s.remembered
        if re.search(rf"\b{re.escape(m)}\b", draft, re.IGNORECASE)
        and not re.search(rf"\b{re.escape(m)}\b", s.message, re.IGNORECASE)
    ]


def one_relevant_memory(s: Scenario, draft: str, others: Mapping[str, str]) -> Verdict:
    """At most one remembered fact, and one that bears on the message; or none."""
    used = _memory_used(s, draft)
    if len(used) > 1:
        return Verdict("one relevant memory", False, f"several remembered facts: {used}")
    if used and used[0] not in s.relevant:
        return Verdict("one relevant memory", False, f"an unrelated fact: {used[0]!r}")
    if (
        s.expect_memory
        and not used
        and not any(re.search(rf"\b{re.escape(m)}\b", draft) for m in s.relevant)
    ):
        return Verdict("one relevant memory", False, f"none of {list(s.relevant)} recalled")
    return Verdict("one relevant memory", True)


def no_parroting(s: Scenario, draft: str, others: Mapping[str, str]) -> Verdict:
    """The customer's words are not quoted back: no five-word run of theirs, no quotes."""
    if re.search(r"your message|you wrote:|you said:", draft, re.IGNORECASE):
        return Verdict("no parroting", False, "announces their message back to them")
    said, mine = _words(s.message), " ".join(_words(draft))
    for i in range(len(said) - 4):
        run = " ".join(said[i : i + 5])
        if f" {run} " in f" {mine} ":
            return Verdict("no parroting", False, f"repeats {run!r}")
    return Verdict("no parroting", True)


def no_stray_facts(s: Scenario, draft: str, others: Mapping[str, str]) -> Verdict:
    """Nothing unrelated, and no internal text (reasons, bracketed dates, recall labels)."""
    for marker in s.unrelated:
        if re.search(rf"\b{re.escape(marker)}\b", draft, re.IGNORECASE) and not re.search(
            rf"\b{re.escape(marker)}\b", s.message, re.IGNORECASE
        ):
            return Verdict("no stray facts", False, f"mentions unrelated {marker!r}")
    leak = _INTERNAL.search(draft)
    if leak:
        return Verdict(
            "no stray facts", False, f"internal text reaches the customer: {leak.group()!r}"
        )
    return Verdict("no stray facts", True)


def no_invented_numbers(s: Scenario, draft: str, others: Mapping[str, str]) -> Verdict:
    """Every number, price, day or month in the draft comes from what the customer or
    the team's docs said."""
    sources = " ".join([s.message, *(t.text for t in s.history), *s.knowledge_text])
    for m in [*_NUMBER.finditer(draft), *_CALENDAR.finditer(draft)]:
        token = m.group().strip()
        if token.lower() not in sources.lower():
            return Verdict("no invented numbers", False, f"{token!r} appears from nowhere")
    return Verdict("no invented numbers", True)


def no_promises(s: Scenario, draft: str, others: Mapping[str, str]) -> Verdict:
    """No outcome promised (refunds, replacements, arrival dates): those are the rep's call."""
    m = _PROMISE.search(draft)
    return Verdict("no promises", m is None, f"promises {m.group()!r}" if m else "")


def no_marketing(s: Scenario, draft: str, others: Mapping[str, str]) -> Verdict:
    """No selling: no upgrades, offers or newsletters in a support reply."""
    m = _MARKETING.search(draft)
    return Verdict("no marketing", m is None, f"markets: {m.group()!r}" if m else "")


def make_better_on_complaints(s: Scenario, draft: str, others: Mapping[str, str]) -> Verdict:
    """On a complaint, the draft asks how to make it better (in its own words); not otherwise."""
    asked = _MAKE_BETTER.search(draft)
    if s.complaint and not asked:
        return Verdict("make-better question", False, "a complaint without asking what would help")
    if not s.complaint and asked:
        return Verdict(
            "make-better question", False, f"asked with nothing wrong: {asked.group()!r}"
        )
    return Verdict("make-better question", True)


def intent_addressed(s: Scenario, draft: str, others: Mapping[str, str]) -> Verdict:
    """What the message is (a welcome, a question, a return, a request for a teammate) is
    answered in kind."""
    for pattern in s.expects:
        if not re.search(pattern, draft, re.IGNORECASE):
            return Verdict("intent addressed", False, f"missing {pattern!r}")
    for pattern in s.refuses:
        if re.search(pattern, draft, re.IGNORECASE):
            return Verdict("intent addressed", False, f"should not say {pattern!r}")
    return Verdict("intent addressed", True)


def distinct(s: Scenario, draft: str, others: Mapping[str, str]) -> Verdict:
    """Different messages get different drafts, and different complaints different apologies.

    ``others`` holds every scenario's draft with its customer's first name as NAME
    (see :func:`tests.warmth.harness.normalised`); its ``category`` entries say which
    problem each complaint was about, as "category:<scenario name>" keys.
    """
    mine = re.sub(rf"\b{re.escape(s.customer.split()[0])}\b", "NAME", draft)
    opener = _first_sentence(mine)
    for other_name, other in others.items():
        if other_name == s.name or other_name.startswith("category:"):
            continue
        if other == mine:
            return Verdict("distinct", False, f"the same draft as {other_name!r}")
        other_category = others.get(f"category:{other_name}", "")
        if (
            s.complaint
            and other_category
            and other_category != s.category
            and _first_sentence(other) == opener
        ):
            return Verdict("distinct", False, f"the same apology as {other_name!r}")
    return Verdict("distinct", True)


Check = Callable[[Scenario, str, Mapping[str, str]], Verdict]
CHECKS: tuple[Check, ...] = (
    name_used,
    apology_when_due,
    one_relevant_memory,
    no_parroting,
    no_stray_facts,
    no_invented_numbers,
    no_promises,
    no_marketing,
    make_better_on_complaints,
    intent_addressed,
    distinct,
)


def judge(s: Scenario, draft: str, others: Mapping[str, str]) -> list[Verdict]:
    """Every check on one draft."""
    return [check(s, draft, others) for check in CHECKS]


def score(verdicts: list[Verdict]) -> tuple[int, int]:
    """(checks passed, checks run)."""
    return sum(v.passed for v in verdicts), len(verdicts)
