"""The offline drafter's words, grouped by what they do.

Every list holds interchangeable phrasings; :func:`bot.drafters.offline.wording.pick`
chooses one per message. Nothing here states a fact, a price, a date or a
promise about an outcome: those are the rep's to make. Placeholders are filled
only with the customer's name, the topic named from their own message, or a
fact they told us.
"""

from __future__ import annotations

from bot.drafters.offline.reading import Problem

# -- apologies: plain, first, and about what went wrong --------------------------------

APOLOGY: dict[Problem, tuple[str, ...]] = {
    Problem.BEREAVEMENT: (
        "I'm so very sorry for your loss.",
        "I'm so sorry; that's heartbreaking news.",
        "I'm truly sorry for your loss, and thank you for telling us.",
    ),
    Problem.HEALTH: (
        "I'm so sorry to hear {who_isnt} well; that must be really worrying.",
        "I'm really sorry {who_is} having such a rough time, and I know how worrying that is.",
        "I'm sorry to hear {who_isnt} feeling great; that's such a worry.",
        "Oh, I'm so sorry {who_is} poorly; I can only imagine how anxious you must be.",
        "I'm so sorry {who_is} unwell, that's really hard.",
    ),
    Problem.BILLING: (
        "I'm sorry about the mix-up with {thing}; nobody wants a surprise like that.",
        "I'm really sorry about the trouble with {thing}; being charged wrongly is stressful.",
        "Sorry for the muddle with {thing}, I know how unsettling that is.",
    ),
    Problem.DELAY: (
        "I'm really sorry {thing} still {hasnt} reached you.",
        "I'm sorry about the wait for {thing}; that's not the experience we want for you.",
        "Sorry for the delay with {thing}, I know how frustrating waiting is.",
    ),
    Problem.WRONG_ITEM: (
        "I'm sorry you ended up with the wrong {wrong}.",
        "Sorry about the wrong {wrong}, that's so annoying when you were looking forward to it.",
        "I'm really sorry the {wrong} wasn't right.",
    ),
    Problem.DAMAGE: (
        "I'm so sorry about the damage to {thing}.",
        "I'm really sorry {thing} {is} damaged; that's so disappointing.",
        "Sorry {thing} {is} in that state, that's not how it should be.",
    ),
    Problem.MISSING: (
        "I'm sorry something's missing from {thing}.",
        "Sorry that not everything turned up with {thing}.",
        "I'm really sorry {thing} {isnt} complete.",
    ),
    Problem.ACCESS: (
        "I'm sorry you're locked out of {thing}; that's really frustrating.",
        "Sorry you can't get into {thing}, that's no fun at all.",
        "I'm really sorry you're having trouble signing in to {thing}.",
    ),
    Problem.BROKEN: (
        "I'm sorry {thing} {isnt} working as it should.",
        "I'm really sorry {thing} {is} playing up; that's the last thing you need.",
        "Sorry about the trouble with {thing}, that's so frustrating.",
    ),
    Problem.SERVICE: (
        "I'm really sorry you've been left waiting for an answer.",
        "I'm sorry we haven't looked after you properly; that's not okay.",
        "Sorry you've had to chase us, you deserve better than that.",
    ),
    Problem.GENERAL: (
        "I'm sorry about the trouble with {thing}.",
        "I'm really sorry {thing} {has} let you down.",
        "Sorry {thing} {isnt} going the way it should.",
    ),
}
# When the missing thing is itself named ("the charger is missing"), not its box.
MISSING_THING: tuple[str, ...] = (
    "I'm sorry {thing} {is} missing.",
    "Sorry {thing} didn't turn up with the rest, that's so annoying.",
    "I'm really sorry {thing} wasn't there when you opened it.",
)
CONTAINERS = frozenset(["order", "box", "parcel", "package", "delivery", "shipment"])
# When the message names no thing: the same apologies without one.
APOLOGY_NO_TOPIC: dict[Problem, tuple[str, ...]] = {
    Problem.HEALTH: (
        "I'm so sorry to hear things are tough right now; that must be really worrying.",
        "I'm really sorry you're going through this; it sounds so worrying.",
    ),
    Problem.BROKEN: (
        "I'm sorry things aren't working as they should.",
        "I'm really sorry this is playing up; that's the last thing you need.",
        "Sorry about the trouble, that's so frustrating.",
    ),
    Problem.GENERAL: (
        "I'm sorry something's gone wrong.",
        "I'm really sorry this has been such a hassle.",
        "I'm sorry you're having to deal with this.",
    ),
}
# What a problem is about when the message does not say ("your order is late").
DEFAULT_THING: dict[Problem, str] = {
    Problem.BILLING: "your bill",
    Problem.DELAY: "your order",
    Problem.DAMAGE: "your item",
    Problem.MISSING: "your order",
    Problem.ACCESS: "your account",
}
# A second problem in the same message, after the first apology.
ALSO: dict[Problem, tuple[str, ...]] = {
    Problem.BILLING: ("And I'm sorry about the billing mix-up on top of that.",),
    Problem.DELAY: ("And I'm sorry about the wait on top of that.",),
    Problem.WRONG_ITEM: ("And I'm sorry it wasn't the right one, too.",),
    Problem.DAMAGE: ("And I'm sorry about the damage on top of that.",),
    Problem.MISSING: ("And I'm sorry that something's missing, too.",),
}
WORRIED_ABOUT = (
    "I'm sorry you're worried about {thing}.",
    "I'm sorry {thing} {has} you worried.",
)
UPSET = (
    "I completely understand why you're frustrated.",
    "I can see why this is so annoying, and I understand your frustration.",
    "That's genuinely not good enough, and I get why you're fed up.",
)
WORRIED = (
    "I can hear how worrying this is.",
    "I understand why this has you worried.",
)

# -- the make-better question, on every complaint ------------------------------------------

MAKE_BETTER = (
    "How can I help make this better for you?",
    "What would help most to put this right for you?",
    "What would make this right for you?",
    "What would be the most helpful next step for you?",
    "Is there anything that would make this easier for you right now?",
)
MAKE_EASIER = (
    "Is there anything we can do to make this a little easier for you?",
    "What would help make things easier for you right now?",
    "If there's anything we can do to make this easier, what would help most?",
)

# -- openers for messages that report no problem -----------------------------------------

WELCOME = (
    "Hi {name}, and welcome!",
    "Hi {name}, welcome, and thanks for getting in touch!",
    "Hi {name}, welcome, it's good to hear from you.",
)
WELCOME_NEW = (
    "Hi {name}, welcome, it's lovely to meet you!",
    "Hi {name}, welcome aboard, it's great to have you here.",
    "Hi {name}, and a very warm welcome!",
)
WELCOME_BACK = (
    "Hi {name}, welcome back!",
    "Hi {name}, lovely to hear from you again!",
    "Hi {name}, it's great to hear from you again.",
)
THANKED = (
    "You're very welcome, {name}!",
    "Hi {name}, thank you so much, that's lovely to hear!",
    "Hi {name}, that's so kind of you to say, thank you!",
)
PRAISED = (
    "Hi {name}, that's wonderful to hear, thank you for telling us!",
    "Hi {name}, thank you, that really made our day!",
    "Hi {name}, we're so glad to hear it, and thank you for letting us know!",
)
SUGGESTED = (
    "Hi {name}, thank you for the suggestion!",
    "Hi {name}, what a helpful idea, thank you for sharing it!",
    "Hi {name}, thanks so much for taking the time to send us this idea.",
)
ASKED = (
    "Hi {name}!",
    "Hi {name}, thanks for getting in touch.",
    "Hi {name}, thanks for asking.",
)
CONTINUING = (
    "Hi {name}, thanks for reaching out.",
    "Hi {name}, good to hear from you.",
)
SAID = (
    "Hi {name}, thanks for letting us know.",
    "Hi {name}, good to hear from you.",
    "Hi {name}, thanks for the message.",
)

# -- closings ----------------------------------------------------------------------------

HOW_CAN_I_HELP = (
    "What can I help you with today?",
    "How can I help today?",
    "What can I do for you?",
)
ANYTHING_ELSE = (
    "If anything else comes up, just give us a shout.",
    "We're always here if you need anything.",
    "If there's ever anything else, just say the word.",
)
ANSWERED = (
    "Does that help?",
    "I hope that answers it; let me know if not.",
    "Does that cover what you needed?",
)
TEAMMATE = (
    "I want to give you the right answer, so I'm checking this with a teammate and we'll "
    "come back to you.",
    "Let me check that with a teammate so you get an accurate answer; we'll come back to you.",
    "I'll ask a teammate who knows this best and we'll come back to you.",
)
TEAMMATE_ON = (
    "I'll check the details on {thing} with a teammate and we'll come back to you.",
    "I'm checking with a teammate about {thing} so you get an accurate answer.",
)
TEAMMATE_IDEA = (
    "I'll check with a teammate whether that's something we can do.",
    "I'm asking a teammate whether that's possible, so you get a proper answer.",
)
IDEA_FOLLOWUP = (
    "What would it help you do most?",
    "Could you tell me a little about how you'd use it?",
)
SAID_FOLLOWUP = (
    "Is there anything I can help with?",
    "Is there anything you need from us?",
)

# -- continuity: a customer asks for someone who helped before -----------------------------

TAKING_OVER = (
    "I'm picking this conversation up from {rep}, and I have their notes right here.",
    "You're with me now rather than {rep}, but I have the history of your conversations.",
    "I'm taking over from {rep} here, so you won't need to explain anything again.",
)
THEY_DID = (
    "I can see {rep} {done}.",
    "From the notes, {rep} {done}.",
)
UNKNOWN_HELPER = (
    "I'm the one picking this up today, and I'm glad to help.",
    "You're with me today, and I'm happy to help.",
)

# -- one remembered fact, by what it is and what the message is -----------------------------

PET_UNWELL = (
    "I hope {name} feels better very soon.",
    "Sending {name} our very best wishes for a speedy recovery.",
    "Please give {name} a gentle cuddle from all of us.",
    "We're all hoping {name} is back to normal soon.",
)
PET_LOSS = (
    "We're thinking of you, and of {name}.",
    "Our thoughts are with you and all your memories of {name}.",
)
PET_PROBLEM = (
    "I know this is for {name}, so it really matters to get it right.",
    "With {name} involved, I completely understand why this matters.",
)
PET_HELLO = (
    "Give {name} a scratch behind the ears from us!",
    "Say hello to {name} from all of us!",
    "I hope {name} is keeping well!",
)
RELATIVE_UNWELL = (
    "I hope {name} feels better very soon.",
    "Please send our best wishes to {name}.",
)
RELATIVE_PROBLEM = (
    "I'm sorry this has landed on {name} too.",
    "I hope it hasn't spoiled things for {name}.",
)
RELATIVE_HELLO = (
    "Please say hello to {name} from us!",
    "Please pass our best wishes on to {name}!",
)
EVENT_SOON_PROBLEM = (
    "I know you've got {event} coming up, so I understand the timing matters.",
    "With {event} coming up, I can see why the timing matters.",
)
EVENT_SOON = (
    "I hope {event} goes brilliantly!",
    "Best of luck with {event}!",
)
EVENT_SOON_CARE = (  # an appointment, not a party
    "I hope {event} goes smoothly.",
    "Best of luck with {event}.",
)
EVENT_PAST = (
    "I hope {event} went well!",
    "I hope {event} went smoothly.",
)
PLAN_NOTE = (
    "I can see you're on the {plan} plan.",
    "I have a note that you're on the {plan} plan.",
)
CARE_EVENTS = frozenset(
    [
        "vet visit",
        "check-up",
        "dentist appointment",
        "doctor's appointment",
        "surgery",
        "operation",
        "appointment",
        "interview",
        "exam",
    ]
)

# -- check-ins ------------------------------------------------------------------------------

CHECKIN_HELLO = (
    "Hi {name}, I hope you're doing well!",
    "Hi {name}, I hope all's well with you.",
    "Hi {name}, a quick hello from all of us.",
)
CHECKIN_EVENT = (
    "How did {event} go?",
    "I was wondering how {event} went.",
)
CHECKIN_EVENT_UNNAMED = (
    "I was thinking of you; how did everything go?",
    "How did it all go?",
)
CHECKIN_FOLLOWUP = (
    "I wanted to check that everything's working properly with {thing} now.",
    "Is {thing} behaving itself now?",
)
CHECKIN_FOLLOWUP_UNNAMED = (
    "I wanted to check that everything's been sorted since we last spoke.",
    "Is everything working as it should now?",
)
CHECKIN_QUIET = (
    "It's been a little while, so I wanted to see how things are going.",
    "We haven't heard from you in a bit, so I thought I'd check in.",
)
CHECKIN_GENERAL = (
    "I wanted to see how everything's going.",
    "I wanted to check in and see how things are.",
)
CHECKIN_CLOSE = (
    "If anything isn't right, we're here to help.",
    "If there's anything we can help with, just say.",
    "Just reply here if you need anything at all.",
)
