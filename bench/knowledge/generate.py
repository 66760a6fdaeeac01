"""Generate Rapport's knowledge benchmark: per-entity FAQ pages and conversations about them.

    python -m bench.knowledge.generate          # writes bench/data/knowledge/docs, dataset.jsonl
    python -m bench.knowledge.generate --check  # fails if the committed files differ
    python -m bench.knowledge.generate --scale 10000 --out /tmp/kb10k
        # the same pages plus made-up ones until there are about 10,000 sections,
        # in /tmp/kb10k/docs, with the same dataset.jsonl beside them

Modelled on what the held-out set is said to be: customer conversations
grounded in per-entity FAQ documents, with the entity often named only in an
earlier turn. About forty entities (hotels, restaurants, gyms, clinics,
products, workspaces) each have one Markdown page of ten to fifteen sections;
many topics (parking, Wi-Fi, opening hours, cancellations…) appear on many
pages with answers of their own, so "do they have parking?" alone fits every
hotel. A few general policy pages sit beside them.

Each query is the newest customer message of a short conversation; its
``category`` (ignored by the benchmark) says how the entity is known:

* ``earlier_customer``: the customer named it in an earlier turn;
* ``earlier_agent``: only the agent named it (the customer gave a booking or
  order number);
* ``named``: the newest message names it;
* ``switch``: two entities were named, the later one is meant;
* ``two_gold``: the question fits two sections of the entity's page;
* ``general``: a general policy question;
* ``unanswerable``: a question no page answers (a minibar, a flu jab, a
  referral scheme), asked in the same kind of conversation; its ``gold`` is
  empty and ``answerable`` is false. ``phrasing`` is ``incidental`` when it
  shares words with the docs ("is there a safe in the *room*?", "how does your
  *loyalty* scheme work?") and ``unrelated`` otherwise. They come after the
  answerable queries (``q301``…), which are the same as before they existed.

``phrasing`` is ``direct`` or ``paraphrase`` (other words than the page uses:
"car park" for parking, "internet" for Wi-Fi). Earlier turns often ask about
another topic of the same page first, as real conversations do.

Seeded and free of clocks and hash order: the same code writes the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20261201
DATA = Path(__file__).resolve().parent.parent / "data" / "knowledge"
DOCS = "docs"
DATASET = "dataset.jsonl"

# -- slot values ---------------------------------------------------------------

STREETS = [
    "Mill Street",
    "Quay Road",
    "Orchard Lane",
    "Station Approach",
    "Harbour Walk",
    "Kingsway",
    "Elm Row",
    "Tanner's Yard",
    "Bridge Street",
    "Castle Hill",
    "Victoria Parade",
    "Church Lane",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@dataclass(frozen=True, slots=True)
class House:
    """What stays the same across one page: its name, currency and phone number."""

    name: str
    currency: str
    phone: str

    @classmethod
    def new(cls, rng: random.Random, name: str) -> House:
        phone = f"0{rng.randrange(100, 999)} {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}"
        return cls(name, rng.choice(["£", "€", "$"]), phone)


def _slots(rng: random.Random, house: House) -> dict[str, str]:
    currency = house.currency

    def money(lo: int, hi: int, step: int = 1) -> str:
        return f"{currency}{rng.randrange(lo, hi + 1, step)}"

    early = rng.choice(["6", "6:30", "7", "7:30", "8", "9"])
    late = rng.choice(["9", "10", "10:30", "11", "midnight"])
    late_pm = late if late == "midnight" else f"{late} pm"
    return {
        "name": house.name,
        "price": money(5, 30),
        "price2": money(30, 90, 5),
        "price3": money(100, 400, 10),
        "small": money(2, 9),
        "open": f"{early} am",
        "close": late_pm,
        "t_in": rng.choice(["2 pm", "3 pm", "3:30 pm", "4 pm"]),
        "t_out": rng.choice(["10 am", "11 am", "11:30 am", "noon"]),
        "t_late": rng.choice(["1 pm", "2 pm", "3 pm"]),
        "hours": str(rng.choice([24, 48, 72])),
        "days": str(rng.choice([7, 14, 30])),
        "weeks": str(rng.choice([2, 4, 6, 8])),
        "months": str(rng.choice([1, 2, 3, 6])),
        "years": str(rng.choice([1, 2, 3, 5])),
        "pct": str(rng.choice([10, 12, 15, 20, 25, 50])),
        "n": str(rng.choice([2, 3, 4, 6, 8, 10, 12])),
        "km": str(rng.choice([2, 5, 12, 18, 25, 40])),
        "street": rng.choice(STREETS),
        "street2": rng.choice(STREETS),
        "day": rng.choice(DAYS),
        "day2": rng.choice(DAYS),
        "phone": house.phone,
        "floor": rng.choice(["ground", "first", "second", "lower ground"]),
        "code": f"{rng.choice('ABCDEFGHJKMNPQRSTUVWXYZ')}{rng.randrange(10, 99)}",
    }


# -- topics ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Topic:
    key: str
    headings: tuple[str, ...]  # one is chosen per page
    answers: tuple[str, ...]  # format strings over _slots; one or two per page
    direct: tuple[str, ...]  # questions in the page's own words
    paraphrase: tuple[str, ...] = ()  # the same questions in other words
    long: bool = False  # a section long enough to be cut into pieces


def T(
    key: str,
    headings: Sequence[str],
    answers: Sequence[str],
    direct: Sequence[str],
    paraphrase: Sequence[str] = (),
    *,
    long: bool = False,
) -> Topic:
    return Topic(key, tuple(headings), tuple(answers), tuple(direct), tuple(paraphrase), long)


PARKING = T(
    "parking",
    ["Parking", "Is there parking?", "Car parking", "Parking and getting here"],
    [
        "There is a private car park behind the building with {n}0 spaces. It costs {price} "
        "per day; pay at the machine by the entrance or add it to your bill.",
        "We have no parking of our own. The nearest public car park is on {street}, about five "
        "minutes' walk away, at {small} an hour. Street parking is free after 6 pm.",
        "Parking is free for customers in the {street} multi-storey: bring your ticket to the "
        "front desk and we will validate it. Spaces for electric cars with chargers are on "
        "level 1.",
        "On-site parking is limited and first come, first served. If it is full, the council "
        "car park on {street2} is open all day at {price} per day.",
    ],
    [
        "do they have parking?",
        "is there parking there?",
        "how much is parking?",
        "is parking free?",
        "can I park there?",
        "where do I park?",
    ],
    [
        "is there a car park nearby?",
        "where can I leave the car?",
        "any spaces for my car when I get there?",
        "we're driving, somewhere to leave the vehicle?",
        "will I find a spot for my car?",
    ],
)
WIFI = T(
    "wifi",
    ["Wi-Fi", "Wi-Fi and internet", "Internet access", "Wifi"],
    [
        "Free Wi-Fi is available everywhere. Join the network '{code}-guest'; the password is "
        "on the card at reception.",
        "Wi-Fi is included for everyone. Speeds are around {n}0 Mbps; for video calls use the "
        "'{code}-fast' network in the quiet area.",
        "Basic Wi-Fi is free. A premium connection for streaming costs {small} per day and can "
        "be bought on the sign-in page.",
    ],
    [
        "is there wifi?",
        "what's the wifi password?",
        "is the wi-fi free?",
        "how do I get on the wifi?",
    ],
    [
        "is there internet?",
        "can I get online there?",
        "will I have an internet connection for work calls?",
        "how do I connect my laptop to the network?",
    ],
)
ACCESS = T(
    "accessibility",
    ["Accessibility", "Wheelchair access", "Access for disabled visitors", "Step-free access"],
    [
        "The entrance on {street} is step-free and there is a lift to every floor. An "
        "accessible toilet is on the {floor} floor. Assistance dogs are always welcome.",
        "Most of the building is step-free, except the {floor} floor, which is reached by "
        "stairs only. Call {phone} before you come and we will arrange help.",
        "We have a ramp at the side entrance and an accessible toilet. A hearing loop is "
        "fitted at the front desk.",
    ],
    [
        "is it wheelchair accessible?",
        "is there step-free access?",
        "do they have an accessible toilet?",
        "is there a lift?",
    ],
    [
        "my mum uses a wheelchair, will she be able to get in?",
        "are there stairs at the entrance? my dad can't manage steps",
        "can someone with limited mobility get around easily?",
        "is there an elevator?",
    ],
)
PETS = T(
    "pets",
    ["Pets", "Dogs", "Can I bring my dog?", "Pets and assistance animals"],
    [
        "Well-behaved dogs are welcome for a fee of {price} per stay. Please tell us when you "
        "book; we have {n} dog-friendly rooms.",
        "We're sorry, pets are not allowed. Assistance dogs are always welcome.",
        "Dogs are welcome in the bar and garden but not inside the dining room. Water bowls are "
        "by the door.",
        "Small pets up to 10 kg are welcome free of charge. Please keep them on a lead in shared "
        "areas.",
    ],
    [
        "can I bring my dog?",
        "are pets allowed?",
        "is it dog friendly?",
        "do they allow pets?",
    ],
    [
        "can my pup come along?",
        "we have a small terrier, can he come with us?",
        "is it ok to bring our cat?",
        "will they let my puppy in?",
    ],
)
HOURS = T(
    "opening_hours",
    ["Opening hours", "When are you open?", "Opening times", "Hours"],
    [
        "We are open {open} to {close}, Monday to Friday, and 9 am to 5 pm at weekends. We are "
        "closed on public holidays.",
        "Open every day from {open} until {close}. On {day2}s we close at 4 pm.",
        "Monday to Saturday {open} to {close}; closed on Sundays.",
    ],
    [
        "what are the opening hours?",
        "when are they open?",
        "what time do they close?",
        "what time do they open?",
        "are they open on sunday?",
    ],
    [
        "how late can I come in?",
        "how early can I get there in the morning?",
        "until when can I drop by tonight?",
        "are the doors unlocked on weekends?",
    ],
)

HOTEL = [
    PARKING,
    WIFI,
    ACCESS,
    PETS,
    T(
        "checkin",
        ["Check-in time", "Check-in", "Arrival and check-in", "What time can I check in?"],
        [
            "Check-in is from {t_in}. If you arrive earlier we will store your bags and you can "
            "use the lounge. Early check-in from 11 am costs {price} when rooms are available.",
            "Rooms are ready from {t_in}. Reception is open 24 hours, so late arrivals are no "
            "problem; please bring photo ID.",
        ],
        [
            "what time is check-in?",
            "when can we check in?",
            "can I check in early?",
            "is early check-in possible?",
        ],
        [
            "what time will our room be ready?",
            "when can we get into the room?",
            "we land at 9 am, can we get the keys straight away?",
            "how soon after lunch can we drop our stuff in the room?",
        ],
    ),
    T(
        "checkout",
        ["Check-out time", "Check-out", "Departure"],
        [
            "Check-out is at {t_out}. Leave the key card in the box at reception if the desk is "
            "busy.",
            "Please vacate the room by {t_out}. An express check-out form is under your door on "
            "the last morning.",
        ],
        ["what time is check-out?", "when do we have to check out?"],
        [
            "what time do we need to leave the room by?",
            "how long can we stay in the room on our last day?",
        ],
    ),
    T(
        "late_checkout",
        ["Late check-out", "Staying later on your last day"],
        [
            "Late check-out until {t_late} costs {price} and depends on availability; ask at "
            "reception the evening before.",
            "Members get late check-out until {t_late} free of charge. Other guests can ask for "
            "it for {price}.",
        ],
        ["can we get a late check-out?", "how much is late checkout?"],
        [
            "can we keep the room a bit longer on the last day?",
            "our flight is in the evening, can we stay in the room into the afternoon?",
        ],
    ),
    T(
        "cancellation",
        ["Cancellation policy", "Cancelling a booking", "Cancellations and changes"],
        [
            "You can cancel free of charge up to {hours} hours before arrival. After that we "
            "charge the first night. Non-refundable rates cannot be cancelled or changed.\n\n"
            "To cancel, reply to your confirmation email or call {phone}. Refunds reach your "
            "card within {days} days. Group bookings of five rooms or more have their own terms, "
            "sent with the contract. If you need to change dates rather than cancel, we will "
            "move the booking without a fee when the new dates have the same rate; otherwise "
            "you pay the difference. No-shows are charged the full stay.",
        ],
        [
            "what's the cancellation policy?",
            "can I cancel my booking?",
            "is there a cancellation fee?",
            "how do I cancel?",
        ],
        [
            "if our plans change can we get our money back?",
            "we might not make it, what happens if we call it off?",
            "is the room refundable if I pull out?",
        ],
        long=True,
    ),
    T(
        "breakfast",
        ["Breakfast", "Is breakfast included?", "Breakfast times"],
        [
            "Breakfast is served from {open} to 10:30 am in the {floor} floor restaurant. It is "
            "included in most rates; otherwise it costs {price} per person.",
            "A continental breakfast is included. A full cooked breakfast is {price} extra. "
            "Gluten-free and vegan options are available on request.",
        ],
        [
            "is breakfast included?",
            "what time is breakfast?",
            "how much is breakfast?",
        ],
        [
            "do we get fed in the morning?",
            "is the morning meal part of the room price?",
            "until what time can we eat in the morning?",
        ],
    ),
    T(
        "airport",
        ["Airport transfer", "Getting here from the airport", "Shuttle bus"],
        [
            "We run a shuttle to the airport every hour from {open}; it costs {price} each way. "
            "Book at reception at least {n} hours ahead.",
            "The airport is {km} km away. A taxi costs about {price2}; we can book one for you. "
            "There is no shuttle.",
        ],
        [
            "is there an airport shuttle?",
            "how do I get there from the airport?",
            "do they do airport transfers?",
        ],
        [
            "can someone pick us up when we land?",
            "what's the best way to get from the terminal to the hotel?",
            "is there a bus from the plane to the hotel?",
        ],
    ),
    T(
        "pool",
        ["Swimming pool", "Pool and spa", "Pool"],
        [
            "The indoor pool is open {open} to 9 pm. Children under 14 must be with an adult. "
            "Towels are by the pool.",
            "Our heated outdoor pool is open May to September. The spa has a sauna and steam "
            "room; treatments start at {price2}.",
        ],
        [
            "is there a pool?",
            "what time does the pool open?",
            "can kids use the pool?",
        ],
        [
            "can we go for a swim there?",
            "is there somewhere to swim?",
            "do they have a sauna?",
        ],
    ),
    T(
        "luggage",
        ["Luggage storage", "Storing your bags"],
        [
            "We store luggage free of charge before check-in and after check-out, in a locked "
            "room behind reception.",
            "Bags can be left with the concierge for up to {n} days at {small} per bag per day.",
        ],
        ["can we leave our luggage?", "is there luggage storage?"],
        [
            "can we drop our bags off before we can get into the room?",
            "where can we keep our suitcases after we check out?",
        ],
    ),
    T(
        "children",
        ["Children and cots", "Families", "Cots and extra beds"],
        [
            "Cots are free on request for children under two. Extra beds cost {price} per night "
            "and fit in our larger rooms only.",
            "Children under 12 stay free in their parents' room. High chairs and baby monitors "
            "are available at reception.",
        ],
        ["do they have cots?", "can we get an extra bed?", "do kids stay free?"],
        [
            "we're travelling with a baby, is there a crib?",
            "is there somewhere for our toddler to sleep?",
            "do they charge for little ones?",
        ],
    ),
    T(
        "deposit",
        ["Deposit", "Payment and deposit", "Security deposit"],
        [
            "We take a card pre-authorisation of {price2} per night at check-in for extras; it "
            "is released when you leave.",
            "A deposit of {price3} is charged when you book and taken off your final bill.",
        ],
        ["is there a deposit?", "how much is the deposit?"],
        [
            "will they hold money on my card when we arrive?",
            "do I need to pay anything upfront?",
        ],
    ),
    T(
        "smoking",
        ["Smoking", "Smoking policy"],
        [
            "The whole building is non-smoking. Smoking in a room is charged a {price3} "
            "cleaning fee. There is a smoking area in the garden.",
        ],
        ["can I smoke in the room?", "is there a smoking area?"],
        ["is vaping allowed inside?", "where can I have a cigarette?"],
    ),
    T(
        "room_service",
        ["Room service", "Food in your room"],
        [
            "Room service runs from {open} to {close}. The menu is on the TV; dial 0 to order. "
            "A tray charge of {small} applies.",
        ],
        ["is there room service?", "until when is room service available?"],
        ["can we get food brought up to the room?", "can we order dinner to our room?"],
    ),
]

RESTAURANT = [
    PARKING,
    ACCESS,
    PETS,
    HOURS,
    T(
        "reservations",
        ["Reservations", "Booking a table", "Do I need to book?"],
        [
            "Book online or call {phone}. We hold tables for 15 minutes. Walk-ins are welcome "
            "at the bar.",
            "We take bookings up to {days} days ahead. Groups larger than {n} should email us. "
            "Half the tables are kept for walk-ins.",
        ],
        [
            "do I need to book a table?",
            "how do I make a reservation?",
            "can I book a table?",
        ],
        [
            "can we just turn up?",
            "should we reserve ahead or walk in?",
            "how far in advance can I get a table for Saturday?",
        ],
    ),
    T(
        "vegetarian",
        ["Vegetarian and vegan options", "Vegan menu", "Plant-based dishes"],
        [
            "About a third of the menu is vegetarian and every course has a vegan dish, marked "
            "(VG). Our chef can adapt most dishes.",
            "We have a separate vegan menu at lunch and dinner, with {n} mains.",
        ],
        [
            "do they have vegan options?",
            "is there a vegetarian menu?",
            "anything vegan on the menu?",
        ],
        [
            "I don't eat meat, will there be something for me?",
            "my partner is plant-based, what can she order?",
            "any dishes without meat or fish?",
        ],
    ),
    T(
        "allergies",
        ["Allergies", "Food allergies and intolerances", "Allergens"],
        [
            "Tell your server about any allergy when you order. Our allergen chart covers the "
            "14 major allergens. We cannot guarantee a nut-free kitchen.",
            "Gluten-free bread and pasta are available. Dishes containing nuts are marked. "
            "Our kitchen handles all the major allergens, so traces may be present.",
        ],
        [
            "can they handle allergies?",
            "do they have gluten free food?",
            "is the kitchen nut free?",
        ],
        [
            "my son is coeliac, is that ok?",
            "I react badly to peanuts, is it safe to eat there?",
            "my daughter can't have dairy, can they cater for her?",
        ],
    ),
    T(
        "private_dining",
        ["Private dining", "Private events", "Hiring the restaurant"],
        [
            "Our private room seats up to {n}0 guests. A minimum spend of {price3} applies on "
            "Friday and Saturday evenings.",
            "The whole restaurant can be hired for events; email us with your date and number "
            "of guests for a quote.",
        ],
        [
            "do they have a private dining room?",
            "can we hire the restaurant for an event?",
        ],
        [
            "we want to hold a birthday dinner for 20, is there a separate room?",
            "can we book out the place for a party?",
        ],
    ),
    T(
        "corkage",
        ["Corkage", "Bringing your own wine"],
        [
            "You are welcome to bring your own wine; corkage is {price} per bottle.",
            "We don't allow outside drinks except for special occasions, when corkage is "
            "{price} per bottle.",
        ],
        ["what's the corkage fee?", "is it BYO?"],
        ["can we bring our own bottle of wine?", "can I bring some bubbly for a celebration?"],
    ),
    T(
        "children_menu",
        ["Children", "Kids' menu", "Families with children"],
        [
            "Children are welcome until 8 pm. There is a kids' menu at {small} with a drink and "
            "a scoop of ice cream. High chairs are available.",
            "We love families. Half portions of most dishes are available for children.",
        ],
        ["do they have a kids menu?", "are children allowed?", "do they have high chairs?"],
        ["can we bring the little ones?", "is there food for a 5 year old?"],
    ),
    T(
        "dress_code",
        ["Dress code"],
        [
            "Smart casual. We ask guests not to wear sportswear or flip-flops in the evening.",
            "There is no dress code; come as you are.",
        ],
        ["is there a dress code?", "do I need to dress up?"],
        ["can I wear shorts and trainers?", "what should I wear for dinner?"],
    ),
    T(
        "takeaway",
        ["Takeaway and delivery", "Delivery", "Takeaway"],
        [
            "Order takeaway on our website for collection between {open} and {close}. Delivery "
            "within {km} km costs {small}.",
            "We deliver through the usual apps. Collection orders get {pct}% off.",
        ],
        ["do they deliver?", "can I order takeaway?", "do they do delivery?"],
        ["can I get food to take home?", "can I get it brought to my house?"],
    ),
    T(
        "vouchers",
        ["Gift vouchers", "Gift cards"],
        [
            "Gift vouchers from {price2} can be bought online and are valid for {months} months "
            "from purchase.",
        ],
        ["do they sell gift vouchers?", "how long are gift cards valid?"],
        ["can I buy a present for a friend to eat there?", "does the voucher expire?"],
    ),
    T(
        "service_charge",
        ["Service charge", "Tipping"],
        [
            "A discretionary service charge of {pct}% is added to the bill for tables of {n} or "
            "more. All of it goes to the staff.",
            "We don't add a service charge; tips are shared among the whole team.",
        ],
        ["is service included?", "is there a service charge?"],
        ["should I leave a tip?", "do the staff get the tips?"],
    ),
    T(
        "groups",
        ["Group bookings", "Large groups"],
        [
            "For groups of {n} or more we serve a set menu at {price2} per person, and we ask "
            "for a deposit of {price} each.",
        ],
        ["do they take group bookings?", "is there a set menu for groups?"],
        ["we're 14 people, can we all sit together?", "we're a big party, how does that work?"],
    ),
]

GYM = [
    PARKING,
    WIFI,
    ACCESS,
    HOURS,
    T(
        "membership",
        ["Membership prices", "Memberships", "Prices"],
        [
            "Off-peak membership is {price2} a month and full membership {price3} a year, or "
            "{price2} a month on a {months}-month contract. Students get {pct}% off.",
            "Choose monthly at {price2} with no contract or annual at {price3}. A joining fee "
            "of {price} applies to monthly plans.",
        ],
        [
            "how much is membership?",
            "what are the membership prices?",
            "is there a joining fee?",
            "do they have a student discount?",
        ],
        [
            "how much does it cost to join?",
            "what's the monthly fee?",
            "what does a subscription cost there?",
        ],
    ),
    T(
        "freeze",
        ["Freezing your membership", "Pausing your membership", "Membership freeze"],
        [
            "You can freeze your membership for up to {months} months a year for {small} a "
            "month. Freezes for medical reasons are free with a doctor's note.",
            "Pause your membership in the app for one to {months} months; we won't charge you "
            "while it is paused.",
        ],
        [
            "can I freeze my membership?",
            "how do I pause my membership?",
            "how much does a membership freeze cost?",
        ],
        [
            "I'm travelling for two months, can I put my plan on hold?",
            "can I stop paying for a while without quitting?",
            "I hurt my knee, can I take a break from the gym?",
        ],
    ),
    T(
        "cancel_membership",
        ["Cancelling your membership", "Cancellation", "Leaving the gym"],
        [
            "Give {days} days' notice in the app or at reception. Annual memberships can only be "
            "cancelled early if you move more than {km} km away or for medical reasons; we ask "
            "for proof.\n\nYour last payment is taken at the end of the notice period and your "
            "access card stops working on that day. Personal training sessions already paid for "
            "are refunded pro rata. If you rejoin within {months} months the joining fee is "
            "waived. We cannot cancel a membership by email for security reasons; use the app "
            "or come in with photo ID.",
        ],
        [
            "how do I cancel my membership?",
            "what's the notice period to cancel?",
            "can I cancel my annual membership early?",
        ],
        [
            "I want to quit the gym, how do I do that?",
            "I'm moving away, how do I stop my contract?",
            "how do I end my subscription?",
        ],
        long=True,
    ),
    T(
        "guests",
        ["Guest passes", "Bringing a friend", "Day passes"],
        [
            "Members can bring a guest {n} times a month for {small}. Day passes for "
            "non-members cost {price}.",
            "A day pass is {price}; a week pass is {price2}. Bring photo ID.",
        ],
        ["can I bring a guest?", "do they sell day passes?", "how much is a day pass?"],
        [
            "can my friend come and train with me?",
            "I'm only in town for the day, can I use the gym once?",
        ],
    ),
    T(
        "personal_training",
        ["Personal training", "Personal trainers"],
        [
            "Sessions with a personal trainer cost {price2} for an hour or {price3} for a block "
            "of {n}. Your first consultation is free.",
        ],
        ["how much is personal training?", "do they have personal trainers?"],
        ["can I get one-to-one coaching?", "can someone build me a workout plan?"],
    ),
    T(
        "classes",
        ["Class booking", "Booking classes", "Classes"],
        [
            "Book classes in the app up to {n} days ahead. Cancel at least {hours} hours before "
            "or a {small} late-cancellation fee applies.",
            "Spin, yoga and HIIT classes are included in full memberships. Places open at 7 am "
            "on the day before.",
        ],
        [
            "how do I book a class?",
            "are classes included?",
            "what happens if I miss a class?",
        ],
        [
            "how do I get a spot in spin?",
            "can I reserve a place in yoga for tomorrow?",
            "do I pay extra for group workouts?",
        ],
    ),
    T(
        "lockers",
        ["Lockers", "Lockers and valuables"],
        [
            "Lockers take a {small} coin, returned when you open them. Bring your own padlock "
            "for the day lockers.",
            "Digital lockers are free; set your own four-digit code. Don't leave items overnight.",
        ],
        ["are there lockers?", "do I need a padlock?"],
        ["where do I put my stuff while I train?", "is there somewhere safe for my bag?"],
    ),
    T(
        "towels",
        ["Towels", "Towels and showers", "Showers"],
        [
            "Towels are included for full members; others can hire one for {small}. Showers "
            "have free shampoo and hairdryers.",
            "Please bring your own towel. Hot showers are in both changing rooms.",
        ],
        ["are towels provided?", "are there showers?"],
        ["do I need to bring something to dry off with?", "can I wash after my workout?"],
    ),
    T(
        "induction",
        ["Induction", "Your first visit", "Getting started"],
        [
            "Every new member gets a free {n}0-minute induction with a coach. Book it when you "
            "join.",
        ],
        ["do I need an induction?", "is there an induction for new members?"],
        ["I've never been to a gym, will someone show me around?", "what happens the first day?"],
    ),
    T(
        "age",
        ["Age requirements", "Under-18s", "Juniors"],
        [
            "Members must be 16 or older. Juniors aged 12 to 15 can train with a parent on "
            "weekends.",
        ],
        ["what's the minimum age?", "can teenagers join?"],
        ["can my 14 year old come with me?", "is there a junior plan for kids?"],
    ),
]

CLINIC = [
    PARKING,
    ACCESS,
    HOURS,
    T(
        "booking",
        ["Booking an appointment", "Appointments", "How to book"],
        [
            "Book online or call {phone}. New patients fill in a health form before their first "
            "visit. We send a text reminder {hours} hours ahead.",
            "Appointments can be made by phone or at reception. We usually have slots within "
            "{n} days.",
        ],
        [
            "how do I book an appointment?",
            "can I book online?",
            "how soon can I get an appointment?",
        ],
        [
            "how do I get seen?",
            "can I get a slot this week?",
            "I need to see someone, what do I do?",
        ],
    ),
    T(
        "missed",
        ["Cancellation and missed appointments", "Missed appointments", "Cancelling"],
        [
            "Please give {hours} hours' notice to cancel or move an appointment. Missed "
            "appointments are charged {price2}.\n\nIf you are running late, call us: we will "
            "see you if we can, but may need to shorten or rebook the appointment. After two "
            "missed appointments in a year we may ask for a deposit of {price} to book again. "
            "Emergencies and illness are always taken into account; tell reception what "
            "happened.",
        ],
        [
            "how do I cancel my appointment?",
            "is there a fee for missed appointments?",
            "can I reschedule?",
        ],
        [
            "I can't make it on Thursday, what do I do?",
            "will I be charged if I don't turn up?",
            "I need to move my appointment to another day",
        ],
        long=True,
    ),
    T(
        "insurance",
        ["Insurance", "Health insurance", "Paying with insurance"],
        [
            "We accept most major insurers. Bring your policy number; we bill the insurer "
            "directly and you pay any excess.",
            "We don't bill insurers directly. Pay us and we give you an invoice to claim back.",
        ],
        ["do they take insurance?", "which insurers do they accept?"],
        ["will my health cover pay for it?", "can I claim it back from my policy?"],
    ),
    T(
        "prices",
        ["Prices", "Fees", "Price list"],
        [
            "A first consultation costs {price2}; follow-up visits are {price2}. A full price "
            "list is at reception.",
            "Check-ups are {price2}, X-rays {price} each. Treatment is quoted before it starts.",
        ],
        ["how much does a consultation cost?", "what are the prices?"],
        ["how much will it set me back?", "what does a visit cost?"],
    ),
    T(
        "emergency",
        ["Emergency appointments", "Emergencies", "Urgent care"],
        [
            "We keep emergency slots every morning. Call at {open} and we will see you the same "
            "day. Out of hours, call 111.",
        ],
        ["do they do emergency appointments?", "can I get seen the same day?"],
        ["I'm in a lot of pain, can they see me today?", "what if something urgent happens?"],
    ),
    T(
        "first_visit",
        ["Your first visit", "New patients", "What to bring"],
        [
            "Arrive 10 minutes early and bring photo ID, a list of your medicines and your "
            "insurance details.",
        ],
        ["what should I bring to my first visit?", "do they take new patients?"],
        ["it's my first time there, anything I need to know?", "what do I need on the day?"],
    ),
    T(
        "children",
        ["Children", "Children's appointments"],
        [
            "We see children of all ages. A parent or guardian must come to every appointment "
            "for under-16s.",
        ],
        ["do they see children?", "can my kid be seen there?"],
        ["does my son need me there for his visit?", "do they treat little ones?"],
    ),
    T(
        "payment_plans",
        ["Payment plans", "Paying in instalments", "Finance"],
        [
            "Treatment over {price3} can be paid in {n} monthly instalments with no interest.",
        ],
        ["do they offer payment plans?", "can I pay in instalments?"],
        ["can I spread the cost?", "do I have to pay everything at once?"],
    ),
    T(
        "results",
        ["Test results", "Results", "Prescriptions"],
        [
            "Results are sent to your patient portal within {days} days. We call you if we "
            "need to talk about them.",
        ],
        ["how do I get my test results?", "when will my results be ready?"],
        ["how long until I hear back about my bloods?", "where will I find out what they found?"],
    ),
]

PRODUCT = [
    T(
        "battery",
        ["Battery life", "Battery", "How long does the battery last?"],
        [
            "A full charge lasts about {n} hours of normal use. Battery life falls in the cold "
            "and when the device is on its highest setting.",
            "Expect up to {n}0 hours between charges. Turn off the always-on features to get more.",
        ],
        ["how long does the battery last?", "what's the battery life like?"],
        [
            "how many hours can I use it before it dies?",
            "it goes flat really quickly, is that normal?",
            "how long between charges?",
        ],
    ),
    T(
        "charging",
        ["Charging", "How to charge", "Charger"],
        [
            "Charge with the USB-C cable in the box. A full charge takes about {n} hours; the "
            "light turns green when it is done.",
            "Place it on the dock. The light blinks while charging and goes off when full.",
        ],
        ["how do I charge it?", "how long does it take to charge?", "what charger do I need?"],
        [
            "how do I top it up?",
            "can I use my phone's plug to power it up?",
            "it won't charge, what do I do?",
        ],
    ),
    T(
        "warranty",
        ["Warranty", "Guarantee", "Warranty and repairs"],
        [
            "Every unit has a {years}-year warranty covering faults in materials and "
            "workmanship. It does not cover accidental damage or normal wear.\n\nTo make a "
            "claim, register the product on our website and send us the serial number (on the "
            "underside) with a photo or short video of the fault. We repair or replace the unit "
            "within {days} days. If we replace it, the warranty continues from the original "
            "purchase date. Repairs by anyone else void the warranty.",
        ],
        [
            "what's the warranty?",
            "is it under warranty?",
            "how do I make a warranty claim?",
        ],
        [
            "it stopped working after a few months, will you fix it for free?",
            "it's faulty, can I get it replaced?",
            "how long is the guarantee?",
        ],
        long=True,
    ),
    T(
        "returns",
        ["Returns", "Returns and refunds", "Sending it back"],
        [
            "Return it within {days} days for a full refund, unused and in its original box. "
            "Return shipping is free in the UK and EU.",
            "You have {days} days to change your mind. Start a return in your account; we email "
            "a prepaid label.",
        ],
        ["how do I return it?", "what's the return policy?", "can I get a refund?"],
        [
            "I don't want it anymore, can I send it back?",
            "I changed my mind, can I get my money back?",
            "is there a free way to send it back?",
        ],
    ),
    T(
        "reset",
        ["Factory reset", "Resetting to factory settings", "How to reset"],
        [
            "Hold the power button and the minus button for {n} seconds until the light flashes "
            "white. All settings are erased.",
            "In the app, open Settings, then Device, then Reset. The device restarts with its "
            "factory settings.",
        ],
        ["how do I factory reset it?", "how do I reset it?"],
        ["how do I wipe it and start from scratch?", "how do I put it back to how it came?"],
    ),
    T(
        "pairing",
        ["Pairing", "Bluetooth pairing", "Connecting to your phone"],
        [
            "Open the app, turn on Bluetooth and hold the button for {n} seconds until the "
            "light blinks blue. Pick the device in the app.",
        ],
        ["how do I pair it?", "how do I connect it with bluetooth?"],
        ["my phone can't find it, how do I link them?", "how do I hook it up to my mobile?"],
    ),
    T(
        "firmware",
        ["Firmware updates", "Software updates", "Updating"],
        [
            "Updates install automatically overnight while it is charging. To update now, open "
            "the app and tap Check for updates.",
        ],
        ["how do I update the firmware?", "does it update automatically?"],
        ["how do I get the latest version?", "is there a patch for the bug?"],
    ),
    T(
        "cleaning",
        ["Cleaning and maintenance", "Cleaning", "Care"],
        [
            "Wipe with a dry cloth. Clean the filter every {weeks} weeks and replace it every "
            "{months} months. Never use water on the electronics.",
        ],
        ["how do I clean it?", "how often should I clean the filter?"],
        ["it's getting dirty, how do I look after it?", "can I wash it?"],
    ),
    T(
        "spare_parts",
        ["Spare parts", "Accessories and spare parts"],
        [
            "Filters, brushes and cables are in our online shop. A spare battery costs {price2}.",
        ],
        ["where can I buy spare parts?", "do they sell a spare battery?"],
        ["I lost the cable, where do I get another?", "can I buy a replacement brush?"],
    ),
    T(
        "shipping",
        ["Shipping", "Delivery times", "Delivery"],
        [
            "Orders ship in {n} working days. Standard delivery is free over {price2}; express "
            "costs {small}.",
        ],
        ["how long does shipping take?", "how much is delivery?"],
        ["when will my order arrive?", "how fast can I get one sent?"],
    ),
    T(
        "setup_wifi",
        ["Wi-Fi setup", "Connecting to Wi-Fi", "Wi-Fi"],
        [
            "The device works on 2.4 GHz Wi-Fi only. In the app, tap Add device and enter your "
            "network password.",
        ],
        ["how do I connect it to wifi?", "does it work on 5GHz wifi?"],
        ["it won't go online, how do I get it on my network?", "how do I link it to my router?"],
    ),
    T(
        "error_lights",
        ["Error lights", "Troubleshooting", "What the lights mean"],
        [
            "A red light means the battery is low; flashing orange means it is stuck or a "
            "sensor is dirty; a steady purple means it is updating.",
        ],
        ["what does the red light mean?", "why is the light flashing orange?"],
        ["there's a blinking colour on the front, is it broken?", "it keeps beeping, why?"],
    ),
    T(
        "compatibility",
        ["Compatibility", "Does it work with…?"],
        [
            "Works with iPhone (iOS 15 or later) and Android 10 or later. Voice assistants are "
            "supported through the app.",
        ],
        ["is it compatible with iphone?", "does it work with android?"],
        ["will it play nice with my old phone?", "does it work with Alexa?"],
    ),
]

WORKSPACE = [
    PARKING,
    WIFI,
    ACCESS,
    PETS,
    HOURS,
    T(
        "day_pass",
        ["Day passes", "Hot desks", "Drop-in desks"],
        [
            "A day pass is {price} and includes coffee and Wi-Fi. Ten-day bundles are {price3}.",
        ],
        ["how much is a day pass?", "can I drop in for a day?"],
        ["can I just work there for one day?", "do they have desks for a single visit?"],
    ),
    T(
        "meeting_rooms",
        ["Meeting rooms", "Booking a meeting room"],
        [
            "Rooms for up to {n} people cost {price} an hour. Members get {n} free hours a "
            "month. Book in the app.",
        ],
        ["can I book a meeting room?", "how much is a meeting room?"],
        ["we need a space for a client call, is there somewhere private?", "any boardroom?"],
    ),
    T(
        "printing",
        ["Printing", "Printing and scanning"],
        [
            "Print from any device to the printers on each floor; {small} per 10 colour pages. "
            "Scanning is free.",
        ],
        ["can I print there?", "how much is printing?"],
        ["is there a printer I can use?", "can I scan some documents?"],
    ),
    T(
        "mail",
        ["Mail handling", "Post and parcels", "Business address"],
        [
            "Members can use our address as their business address for {price} a month. Parcels "
            "are kept at reception for {days} days.",
        ],
        ["can I get mail delivered there?", "can I use it as my business address?"],
        ["can my packages be sent to the office?", "will they accept a delivery for me?"],
    ),
    T(
        "kitchen",
        ["Kitchen", "Coffee and kitchen"],
        [
            "Coffee, tea and fruit are free. The kitchen has a microwave, fridge and dishwasher.",
        ],
        ["is coffee included?", "is there a kitchen?"],
        ["can I heat up my lunch?", "is there free tea?"],
    ),
    T(
        "guests",
        ["Guests", "Bringing visitors"],
        [
            "Members can sign in up to {n} guests a day at reception. Guests must leave with "
            "their host.",
        ],
        ["can I bring guests?", "how many visitors can I sign in?"],
        ["can a client come and meet me there?", "can my colleague tag along?"],
    ),
    T(
        "cancel",
        ["Cancelling your membership", "Notice period"],
        [
            "Give one month's notice in writing. Day passes and bundles are not refundable.",
        ],
        ["how do I cancel my membership?", "what's the notice period?"],
        ["I'm leaving, how do I stop paying?", "how do I end my contract?"],
    ),
]

# Pairs of topics one question fits both of (``two_gold``).
TWO_GOLD: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "hotel": [
        (
            "checkout",
            "late_checkout",
            (
                "what time do we have to be out of the room, and can we stay later?",
                "our train is at 4, how long can we keep the room on the last day?",
            ),
        ),
        (
            "children",
            "pool",
            ("we're bringing the kids, what is there for them?",),
        ),
    ],
    "restaurant": [
        (
            "vegetarian",
            "allergies",
            (
                "my daughter can't have dairy or eggs, what could she eat?",
                "I'm vegan and gluten intolerant, is there anything for me?",
            ),
        ),
        (
            "groups",
            "private_dining",
            ("we're a party of 18 for a leaving do, how do we book?",),
        ),
    ],
    "gym": [
        (
            "freeze",
            "cancel_membership",
            (
                "I'm injured and can't come for a few months, what are my options?",
                "I'm going abroad for a while, should I pause or cancel?",
            ),
        ),
        (
            "membership",
            "personal_training",
            ("how much would it cost to join and get a trainer?",),
        ),
    ],
    "clinic": [
        (
            "booking",
            "missed",
            (
                "I need to move my appointment to next week",
                "I have to change my booking, how do I do that?",
            ),
        ),
        (
            "insurance",
            "prices",
            ("how much will it cost me if I'm covered by my insurer?",),
        ),
    ],
    "product": [
        (
            "warranty",
            "returns",
            (
                "it broke after three weeks, can I send it back?",
                "it arrived faulty, do I get a refund or a repair?",
            ),
        ),
        (
            "battery",
            "charging",
            ("it doesn't hold a charge anymore, what should I do?",),
        ),
    ],
    "workspace": [
        (
            "day_pass",
            "meeting_rooms",
            ("I need a desk and a room for a call on Friday, how much?",),
        ),
    ],
}

# -- entities ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kind:
    key: str
    folder: str
    topics: list[Topic]
    noun: str  # "hotel", "restaurant"…
    openers: tuple[str, ...]  # the customer names the entity
    refs: tuple[str, ...]  # the customer gives a reference, not the name
    agent_names: tuple[str, ...]  # the agent names the entity
    switch: tuple[str, ...]  # the customer moves to another entity


KINDS = {
    "hotel": Kind(
        "hotel",
        "hotels",
        HOTEL,
        "hotel",
        (
            "Hi! We're staying at the {name} from the 14th for three nights.",
            "hello, I have a booking at {name} next weekend",
            "Hi there, my husband and I booked {name} for our anniversary",
            "we're thinking about {name} for a trip in June",
            "Good morning. I've reserved two rooms at {name} for a conference.",
        ),
        (
            "Hi, my booking reference is HX-{ref}",
            "hello, I booked a room last week, reference {ref}",
            "hi, question about reservation #{ref}",
        ),
        (
            "Thanks! I can see your reservation at {name}, arriving Friday for two nights.",
            "Found it: a double room at {name}, checking in on the 3rd.",
            "Thank you. That's the {name}, two adults, three nights. How can I help?",
        ),
        (
            "actually we've moved our stay to {name} instead",
            "change of plan, we're now booked at {name}",
        ),
    ),
    "restaurant": Kind(
        "restaurant",
        "restaurants",
        RESTAURANT,
        "restaurant",
        (
            "Hi, we're planning dinner at {name} on Saturday",
            "hey, I want to take my parents to {name} for my dad's birthday",
            "hello! a friend recommended {name}, we're going Friday",
            "Hi, is this the right place to ask about {name}?",
        ),
        (
            "hi, I have a table booked for Saturday, ref {ref}",
            "hello, booking {ref} for 4 people tomorrow night",
        ),
        (
            "Thanks, I see your table at {name} for 7:30 pm.",
            "Got it: {name}, table for four at 8 pm on Saturday.",
        ),
        (
            "actually we decided to go to {name} instead",
            "we've changed our minds and booked {name}",
        ),
    ),
    "gym": Kind(
        "gym",
        "gyms",
        GYM,
        "gym",
        (
            "Hi, I'm a member at {name}",
            "hello, I'm thinking of joining {name}",
            "hey, I go to {name} most mornings",
            "Hi, I just moved nearby and I'm looking at {name}",
        ),
        (
            "hi, my membership number is M{ref}",
            "hello, I'm member {ref}, I have a question",
        ),
        (
            "Thanks! I can see your membership at {name}, on the monthly plan.",
            "Found you: member at {name} since last spring.",
        ),
        (
            "actually I'm going to try {name} instead",
            "I've switched to {name} now, it's closer",
        ),
    ),
    "clinic": Kind(
        "clinic",
        "clinics",
        CLINIC,
        "clinic",
        (
            "Hi, I have an appointment at {name} on Tuesday",
            "hello, I'd like to register with {name}",
            "hi, my GP referred me to {name}",
            "Good afternoon, question about {name}",
        ),
        (
            "Hi, my patient number is P{ref}",
            "hello, appointment reference {ref}",
        ),
        (
            "Thank you. Your appointment is at {name} on Tuesday at 10:40.",
            "I can see you're registered with {name}. What do you need?",
        ),
        (
            "actually I'll go to {name} instead, it's nearer",
            "I've been moved to {name} now",
        ),
    ),
    "product": Kind(
        "product",
        "products",
        PRODUCT,
        "product",
        (
            "Hi, I bought the {name} last month",
            "hey, I got a {name} for Christmas",
            "hello, I'm thinking of buying the {name}",
            "hi, question about my {name}",
        ),
        (
            "hi, my order number is {ref}",
            "hello, I ordered something from you, order #{ref}",
        ),
        (
            "Thanks! Order {ref} was a {name}, delivered on the 12th.",
            "I can see your order: one {name}, shipped last week.",
        ),
        (
            "actually I returned that and got the {name} instead",
            "I swapped it for the {name} in the end",
        ),
    ),
    "workspace": Kind(
        "workspace",
        "workspaces",
        WORKSPACE,
        "workspace",
        (
            "Hi, I'm looking for a desk at {name}",
            "hello, our team is thinking of moving into {name}",
            "hey, I have a membership at {name}",
        ),
        (
            "hi, my account is W{ref}",
            "hello, I'm member {ref}",
        ),
        (
            "Thanks! You have a flex membership at {name}.",
            "I see your account is at {name}, hot desk plan.",
        ),
        (
            "actually I'm going to work from {name} instead",
            "I've moved my membership to {name}",
        ),
    ),
}

ENTITIES: list[tuple[str, str]] = [
    ("hotel", "Lakeside Hotel"),
    ("hotel", "Harbour View Inn"),
    ("hotel", "Juniper Lodge"),
    ("hotel", "Grand Meridian Hotel"),
    ("hotel", "Seabright Guesthouse"),
    ("hotel", "Alder and Stone"),
    ("hotel", "The Foxglove"),
    ("hotel", "Northwind Suites"),
    ("restaurant", "Olive and Ember"),
    ("restaurant", "Saffron House"),
    ("restaurant", "The Copper Pot"),
    ("restaurant", "Nonna Lucia Trattoria"),
    ("restaurant", "Bluefin Sushi Bar"),
    ("restaurant", "Hearth Bakery"),
    ("restaurant", "Little Havana Kitchen"),
    ("gym", "IronWorks Gym"),
    ("gym", "Pulse Fitness Club"),
    ("gym", "Summit Climbing Centre"),
    ("gym", "Riverside Yoga Studio"),
    ("gym", "CoreFit Studio"),
    ("gym", "Tidal Swim and Fitness"),
    ("clinic", "Maple Dental Clinic"),
    ("clinic", "Brightsmile Orthodontics"),
    ("clinic", "Northgate Physiotherapy"),
    ("clinic", "Willow Vet Clinic"),
    ("clinic", "Clearview Eye Clinic"),
    ("clinic", "Rosewood Family Practice"),
    ("product", "Aero 3 Robot Vacuum"),
    ("product", "Nimbus Smart Thermostat"),
    ("product", "Pebble Wireless Earbuds"),
    ("product", "Orbit E-Bike"),
    ("product", "Kettle Pro Espresso Machine"),
    ("product", "Lumen Desk Lamp"),
    ("product", "Trailhead 2 Tent"),
    ("product", "Quill E-Reader"),
    ("workspace", "Foundry Coworking"),
    ("workspace", "The Loft Workspace"),
    ("workspace", "Canal Street Studios"),
    ("workspace", "Beacon Hub"),
    ("workspace", "Greenhouse Desks"),
]

# General policy pages: (file, title, [(heading, body, direct questions, paraphrases)]).
GeneralSection = tuple[str, str, tuple[str, ...], tuple[str, ...]]
GENERAL: list[tuple[str, str, list[GeneralSection]]] = [
    (
        "policies/refunds.md",
        "Refunds",
        [
            (
                "How long refunds take",
                "Once a refund is approved it reaches your card in 5 to 10 working days; bank "
                "transfers can take up to 14 days. We email you when it is sent.",
                ("how long does a refund take?", "when will I get my refund?"),
                ("when will the money be back in my account?", "I still haven't been repaid"),
            ),
            (
                "Partial refunds",
                "When part of an order or stay is used, we refund the unused part less any fee "
                "shown at booking.",
                ("can I get a partial refund?",),
                ("can I get some of my money back if we leave early?",),
            ),
            (
                "Chargebacks",
                "Please contact us before asking your bank for a chargeback; disputes take "
                "longer than a refund from us.",
                ("should I do a chargeback?",),
                ("can I just ask my bank to reverse the payment?",),
            ),
        ],
    ),
    (
        "policies/privacy.md",
        "Privacy",
        [
            (
                "What data we keep",
                "We keep your name, contact details and booking history for as long as your "
                "account is open, and payment records for seven years as the law requires.",
                ("what data do you keep about me?",),
                ("what personal information do you store on me?",),
            ),
            (
                "Deleting your account",
                "Ask us to delete your account and data at any time from the privacy page; we "
                "do it within 30 days and confirm by email.",
                ("how do I delete my account?", "can you delete my data?"),
                ("I want you to forget everything about me",),
            ),
            (
                "Marketing emails",
                "Unsubscribe with the link at the bottom of any email, or in your account "
                "settings under Notifications.",
                ("how do I unsubscribe from marketing emails?",),
                ("how do I stop all these newsletters?", "you keep spamming me, make it stop"),
            ),
        ],
    ),
    (
        "general/contact-us.md",
        "Contact us",
        [
            (
                "Phone support hours",
                "Our phone line is open 8 am to 8 pm on weekdays and 9 am to 1 pm on Saturdays.",
                ("what are your phone hours?", "when can I call you?"),
                ("is there someone I can ring on a Saturday?",),
            ),
            (
                "Complaints",
                "Send a complaint through the form on this page. A manager replies within five "
                "working days.",
                ("how do I make a complaint?",),
                ("I'm really unhappy, who do I escalate this to?",),
            ),
            (
                "Live chat",
                "Live chat is in the bottom corner of our website from 9 am to 6 pm every day.",
                ("do you have live chat?",),
                ("can I message someone in real time?",),
            ),
        ],
    ),
    (
        "general/gift-cards.md",
        "Gift cards",
        [
            (
                "Using a gift card",
                "Enter the 16-digit code at checkout. Gift cards can pay for any booking or "
                "order and can be combined with a card payment.",
                ("how do I use a gift card?",),
                ("I got a present code, where do I type it in?",),
            ),
            (
                "Gift card balance",
                "Check your balance on the gift card page; unused balance stays on the card.",
                ("how do I check my gift card balance?",),
                ("how much is left on my voucher code?",),
            ),
        ],
    ),
    (
        "policies/accounts.md",
        "Your account",
        [
            (
                "Resetting your password",
                "Use Forgot password on the sign-in page; the link in the email works for one "
                "hour.",
                ("how do I reset my password?",),
                ("I can't log in, I forgot my password",),
            ),
            (
                "Changing your email address",
                "Change your email under Account, Profile. We send a confirmation link to the "
                "new address.",
                ("how do I change my email address?",),
                ("I have a new email, how do I update it?",),
            ),
        ],
    ),
]

# -- the pages ---------------------------------------------------------------------


@dataclass(slots=True)
class SectionSpec:
    topic: str  # topic key ('' for the intro)
    heading: str
    body: str
    level: int


@dataclass(slots=True)
class Page:
    kind: str
    name: str
    file: str  # relative to docs/
    sections: list[SectionSpec] = field(default_factory=list)
    by_topic: dict[str, list[str]] = field(default_factory=dict)  # topic -> gold headings

    @property
    def passages(self) -> int:
        """Sections with text: a heading with only subheadings under it is no passage."""
        return sum(1 for s in self.sections if s.body)

    def markdown(self) -> str:
        out = [f"# {self.name}", ""]
        for section in self.sections:
            if section.level > 1:
                out += ["#" * section.level + " " + section.heading, ""]
            if section.body:
                out += [section.body, ""]
        return "\n".join(out)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _body(rng: random.Random, topic: Topic, house: House, noun: str) -> str:
    name = house.name
    text = rng.choice(topic.answers).format(**_slots(rng, house))
    if rng.random() < 0.3:
        text = f"At {name}: {text[0].lower()}{text[1:]}"
    if rng.random() < 0.25:
        text += " " + rng.choice(
            [
                "Ask the team if anything is unclear.",
                f"Details may change; the {noun}'s front desk has the latest.",
                "This page was updated this season.",
                f"Call {house.phone} with any questions.",
            ]
        )
    return text


def build_page(rng: random.Random, kind_key: str, name: str) -> Page:
    kind = KINDS[kind_key]
    page = Page(kind_key, name, f"{kind.folder}/{slug(name)}.md")
    house = House.new(rng, name)
    count = rng.randint(10, min(15, len(kind.topics)))
    topics = rng.sample(kind.topics, count)
    intro = rng.choice(
        [
            f"Answers to the questions guests ask us most about {name}.",
            f"Everything you need to know before visiting {name}.",
            f"{name}: frequently asked questions.",
            f"Welcome to {name}. Here are the answers to common questions.",
        ]
    )
    page.sections.append(SectionSpec("", name, intro, 1))
    grouped = rng.random() < 0.35  # some pages put their topics under H2 groups
    groups = ["Before you come", "While you are here", "Money matters"]
    for index, topic in enumerate(topics):
        if grouped and index % 5 == 0:
            group = groups[(index // 5) % len(groups)]
            page.sections.append(SectionSpec("", group, "", 2))
        heading = rng.choice(topic.headings)
        body = _body(rng, topic, house, kind.noun)
        if topic.long:
            body += "\n\n" + _long_tail(rng, name)
        page.sections.append(SectionSpec(topic.key, heading, body, 3 if grouped else 2))
        page.by_topic.setdefault(topic.key, []).append(heading)
    # Now and then a page answers one topic twice under the same heading, in two
    # places (say, parking for members and for visitors): both are right.
    if rng.random() < 0.2:
        topic = rng.choice(topics)
        heading = page.by_topic[topic.key][0]
        level = 3 if grouped else 2
        parent = rng.choice(["For members", "For visitors", "Groups and events"])
        page.sections.append(SectionSpec("", parent, "", 2))
        page.sections.append(
            SectionSpec(topic.key, heading, _body(rng, topic, house, kind.noun), max(level, 3))
        )
        page.by_topic[topic.key].append(heading)
    return page


def _long_tail(rng: random.Random, name: str) -> str:
    """Extra paragraphs that make a section long enough to be cut into pieces."""
    paragraphs = [
        "Exceptions are made in case of illness or bereavement; please tell us what happened "
        "and we will do what we can.",
        f"These terms apply to every booking or purchase made directly with {name}. Bookings "
        "through a third party follow that party's terms, and changes must be made with them.",
        "We confirm every change by email. If you do not receive an email within an hour, "
        "check your spam folder and then contact us, as the change may not have gone through.",
        "Prices and terms shown at the time you booked or ordered are the ones that apply, "
        "even if this page has changed since.",
        "Vouchers, promotional codes and loyalty points used for the original booking are "
        "returned to your account rather than refunded as money.",
        "For anything not covered here, our general policies apply; see the refunds page.",
    ]
    chosen = rng.sample(paragraphs, rng.randint(3, len(paragraphs)))
    return "\n\n".join(chosen)


def general_markdown(title: str, sections: list[GeneralSection]) -> str:
    out = [f"# {title}", ""]
    for heading, body, _, _ in sections:
        out += [f"## {heading}", "", body, ""]
    return "\n".join(out)


# -- the conversations ------------------------------------------------------------

FILLER_CUSTOMER = (
    "thanks!",
    "ok great",
    "perfect, thank you",
    "brilliant",
    "ah ok, good to know",
    "cool",
    "thanks, that helps",
)
FILLER_AGENT = (
    "Happy to help!",
    "You're welcome. Anything else?",
    "No problem at all.",
    "Sure thing. Let me know if there's anything else.",
)
FOLLOW_UPS = ("", "", "", "one more thing, ", "also, ", "oh and ", "another question: ")
NAMED_FORMS = (
    "{q} I'm asking about {name}.",
    "Quick one about {name}: {q}",
    "{name} - {q}",
    "hi, {q} this is for {name}",
    "for {name}, {q}",
)


def _question(rng: random.Random, topic: Topic, phrasing: str) -> str:
    pool = topic.paraphrase if phrasing == "paraphrase" and topic.paraphrase else topic.direct
    return rng.choice(pool)


def _sentence_case(rng: random.Random, text: str) -> str:
    """Some people start with a capital letter, most don't bother."""
    return text[0].upper() + text[1:] if text and rng.random() < 0.3 else text


def _topics(kind_key: str) -> dict[str, Topic]:
    return {t.key: t for t in KINDS[kind_key].topics}


@dataclass(slots=True)
class Dialogue:
    turns: list[dict[str, str]] = field(default_factory=list)

    def customer(self, text: str) -> None:
        self.turns.append({"speaker": "customer", "text": text})

    def agent(self, text: str) -> None:
        self.turns.append({"speaker": "agent", "text": text})


def _ref(rng: random.Random) -> str:
    return f"{rng.randrange(10000, 99999)}"


def _introduce(rng: random.Random, d: Dialogue, page: Page, by_agent: bool) -> None:
    kind = KINDS[page.kind]
    if by_agent:
        ref = _ref(rng)
        d.customer(rng.choice(kind.refs).format(ref=ref))
        d.agent(rng.choice(kind.agent_names).format(name=page.name, ref=ref))
    else:
        d.customer(rng.choice(kind.openers).format(name=page.name))
        if rng.random() < 0.6:
            d.agent(rng.choice(["Hi! How can I help?", "Hello, happy to help.", "Sure, go ahead."]))


def _earlier_question(rng: random.Random, d: Dialogue, page: Page, avoid: set[str]) -> None:
    """An earlier question about another topic of the same page, answered from it."""
    topics = _topics(page.kind)
    others = [t for t in page.by_topic if t not in avoid and t in topics]
    if not others:
        return
    key = rng.choice(others)
    topic = topics[key]
    d.customer(_sentence_case(rng, _question(rng, topic, rng.choice(["direct", "paraphrase"]))))
    body = next(s.body for s in page.sections if s.topic == key)
    first = body.split("\n\n")[0]
    sentence = first.split(". ")[0].rstrip(".") + "."
    d.agent(rng.choice(["", "Sure! ", "Good question. "]) + sentence)
    if rng.random() < 0.5:
        d.customer(rng.choice(FILLER_CUSTOMER))
        if rng.random() < 0.5:
            d.agent(rng.choice(FILLER_AGENT))


def _query(
    qid: str,
    d: Dialogue,
    text: str,
    gold: list[tuple[str, str]],
    category: str,
    phrasing: str,
) -> dict[str, object]:
    return {
        "kind": "query",
        "id": qid,
        "context": d.turns,
        "text": text,
        "gold": [{"file": f, "heading": h} for f, h in gold],
        "category": category,
        "phrasing": phrasing,
    }


def _gold(page: Page, key: str) -> list[tuple[str, str]]:
    return [(page.file, h) for h in dict.fromkeys(page.by_topic[key])]


def conversation(
    rng: random.Random,
    qid: str,
    page: Page,
    category: str,
    pages_of_kind: list[Page],
) -> dict[str, object]:
    topics = _topics(page.kind)
    available = [k for k in page.by_topic if k in topics]
    phrasing = "paraphrase" if rng.random() < 0.3 else "direct"
    d = Dialogue()
    if category == "two_gold":
        pairs = [
            p
            for p in TWO_GOLD.get(page.kind, [])
            if p[0] in page.by_topic and p[1] in page.by_topic
        ]
        first, second, questions = rng.choice(pairs)
        _introduce(rng, d, page, by_agent=rng.random() < 0.3)
        if rng.random() < 0.4:
            _earlier_question(rng, d, page, {first, second})
        text = rng.choice(FOLLOW_UPS) + rng.choice(questions)
        gold = _gold(page, first) + _gold(page, second)
        return _query(qid, d, text, gold, category, "paraphrase")
    key = rng.choice(available)
    question = _question(rng, topics[key], phrasing)
    if category == "named":
        if rng.random() < 0.5:
            d.customer(rng.choice(["hi", "hello there", "Hi, quick question", "hey"]))
            d.agent(rng.choice(["Hi! How can I help?", "Hello, what can I do for you?"]))
        text = rng.choice(NAMED_FORMS).format(q=question, name=page.name)
    elif category == "switch":
        other = rng.choice([p for p in pages_of_kind if p is not page])
        _introduce(rng, d, other, by_agent=False)
        if rng.random() < 0.5:
            _earlier_question(rng, d, other, {key})
        d.customer(rng.choice(KINDS[page.kind].switch).format(name=page.name))
        d.agent(rng.choice(["Noted!", "Got it, thanks for letting me know.", "Sure."]))
        text = rng.choice(FOLLOW_UPS) + question
    else:
        _introduce(rng, d, page, by_agent=category == "earlier_agent")
        for _ in range(rng.choice([0, 1, 1, 2])):
            _earlier_question(rng, d, page, {key})
        text = rng.choice(FOLLOW_UPS) + question
    return _query(qid, d, _sentence_case(rng, text.strip()), _gold(page, key), category, phrasing)


def general_conversation(
    rng: random.Random, qid: str, pages: list[Page], index: int
) -> dict[str, object]:
    file, _, sections = GENERAL[index % len(GENERAL)]
    heading, _, direct, para = rng.choice(sections)
    phrasing = "paraphrase" if rng.random() < 0.4 else "direct"
    text = rng.choice(para if phrasing == "paraphrase" else direct)
    d = Dialogue()
    if rng.random() < 0.6:  # often in a conversation about something else
        page = rng.choice(pages)
        _introduce(rng, d, page, by_agent=False)
        if rng.random() < 0.5:
            _earlier_question(rng, d, page, set())
    return _query(qid, d, text, [(file, heading)], "general", phrasing)


# Questions no page answers, by the kind of page the conversation is about
# ("general": asked with no page named, or about another page). True: the question
# shares words with the docs (a room, a class, loyalty points) without being answered.
UNANSWERABLE: dict[str, tuple[tuple[str, bool], ...]] = {
    "hotel": (
        ("is there a minibar in the room?", True),
        ("can you recommend a hairdresser near the hotel?", True),
        ("do you have a laundry service?", False),
        ("is there a safe in the room for our passports?", True),
        ("can you arrange flowers and champagne for a proposal?", False),
        ("is the tap water safe to drink?", False),
        ("is there a casino nearby?", False),
        ("what's the thread count of the bed sheets?", False),
    ),
    "restaurant": (
        ("do you have live music on Friday nights?", True),
        ("can I buy a jar of your hot sauce to take home?", True),
        ("is the fish sustainably caught?", False),
        ("are you hiring waiting staff at the moment?", False),
        ("will the football be on a screen tonight?", False),
        ("could I get the recipe for the tiramisu?", False),
        ("which wine goes best with the lamb?", True),
        ("is there a piano we could play at the party?", True),
    ),
    "gym": (
        ("do you sell protein shakes?", False),
        ("can I rent a tennis court?", False),
        ("is there a creche while I train?", False),
        ("do you do body fat scans?", False),
        ("is the water in the fountains filtered?", False),
        ("do you sell gym clothes at reception?", True),
        ("is there a physio I can see after my workout?", True),
        ("are the mirrors in the free weights area new?", False),
    ),
    "clinic": (
        ("do you do teeth whitening?", False),
        ("can I get a flu jab there?", False),
        ("is Dr Okafor still working there?", False),
        ("can you give me a sick note for work?", False),
        ("do you sell electric toothbrushes?", True),
        ("is there a pharmacy in the building?", True),
        ("can I bring my own interpreter to the appointment?", True),
        ("do you offer botox?", False),
    ),
    "product": (
        ("what colours does it come in?", True),
        ("is it made from recycled plastic?", False),
        ("can I get it engraved as a gift?", True),
        ("how loud is it in decibels?", False),
        ("does it come with a carry case?", False),
        ("is there a student discount?", False),
        ("which country is it made in?", False),
        ("can I use it in the bath?", False),
    ),
    "workspace": (
        ("do you run networking events for members?", True),
        ("is there a nap room?", True),
        ("do you have standing desks?", True),
        ("can I host a yoga class on the roof terrace?", True),
        ("is there a bike rack outside?", True),
        ("do you offer a virtual receptionist to answer our calls?", True),
        ("are there lockable filing cabinets?", False),
        ("is there a phone booth for private calls?", True),
    ),
    "general": (
        ("do you have an app for iPhone?", False),
        ("are you a carbon-neutral company?", False),
        ("what's your company's VAT number?", True),
        ("are you hiring?", False),
        ("how does your loyalty scheme work?", True),
        ("do you do a student discount?", False),
        ("can I pay with bitcoin?", True),
        ("who is your CEO?", False),
        ("do you sponsor local charities?", False),
        ("can I write a guest blog post for your website?", True),
        ("is your call centre in the UK?", True),
        ("do you have a referral scheme if I bring a friend?", True),
    ),
}


def unanswerable_conversation(
    rng: random.Random, qid: str, kind: str, question: str, incidental: bool, pages: list[Page]
) -> dict[str, object]:
    """A question no page answers, in a conversation like the answerable ones."""
    d = Dialogue()
    of_kind = [p for p in pages if p.kind == kind]
    if of_kind or rng.random() < 0.5:  # general questions: half in another conversation
        page = rng.choice(of_kind or pages)
        _introduce(rng, d, page, by_agent=bool(of_kind) and rng.random() < 0.3)
        if rng.random() < 0.5:
            _earlier_question(rng, d, page, set())
        question = rng.choice(FOLLOW_UPS) + question
    row = _query(
        qid,
        d,
        _sentence_case(rng, question.strip()),
        [],
        "unanswerable",
        "incidental" if incidental else "unrelated",
    )
    row["answerable"] = False
    return row


CATEGORIES = (
    ["earlier_customer"] * 9
    + ["earlier_agent"] * 4
    + ["named"] * 3
    + ["switch"] * 1
    + ["two_gold"] * 1
)


def build(rng: random.Random) -> tuple[list[Page], list[dict[str, object]]]:
    pages = [build_page(random.Random(rng.getrandbits(64)), kind, name) for kind, name in ENTITIES]
    queries: list[dict[str, object]] = []
    by_kind: dict[str, list[Page]] = {}
    for page in pages:
        by_kind.setdefault(page.kind, []).append(page)
    number = 0
    for page in pages:
        for _ in range(7):
            category = rng.choice(CATEGORIES)
            if category == "two_gold" and not any(
                a in page.by_topic and b in page.by_topic for a, b, _ in TWO_GOLD.get(page.kind, [])
            ):
                category = "earlier_customer"
            number += 1
            queries.append(
                conversation(
                    random.Random(rng.getrandbits(64)),
                    f"q{number:03d}",
                    page,
                    category,
                    by_kind[page.kind],
                )
            )
    for index in range(20):
        number += 1
        queries.append(
            general_conversation(random.Random(rng.getrandbits(64)), f"q{number:03d}", pages, index)
        )
    # Drawn after every answerable query, so those stay exactly as they were.
    for kind, questions in UNANSWERABLE.items():
        for question, incidental in questions:
            number += 1
            queries.append(
                unanswerable_conversation(
                    random.Random(rng.getrandbits(64)),
                    f"q{number:03d}",
                    kind,
                    question,
                    incidental,
                    pages,
                )
            )
    return pages, queries


def files(rng_seed: int = SEED) -> tuple[dict[str, str], str]:
    """Every docs file (path relative to docs/ -> text) and the dataset's text."""
    pages, queries = build(random.Random(rng_seed))
    out = {page.file: page.markdown() for page in pages}
    for file, title, sections in GENERAL:
        out[file] = general_markdown(title, sections)
    dataset = "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in queries)
    return dict(sorted(out.items())), dataset


# -- a larger docs set for timing ---------------------------------------------------

SCALE_WORDS = [
    "Amber",
    "Birch",
    "Cedar",
    "Delta",
    "Ember",
    "Fern",
    "Granite",
    "Heron",
    "Iris",
    "Jasper",
    "Kestrel",
    "Linden",
    "Marigold",
    "Nettle",
    "Oak",
    "Pine",
    "Quarry",
    "Raven",
    "Sorrel",
    "Thistle",
    "Umber",
    "Vale",
    "Wren",
    "Yarrow",
    "Zephyr",
    "Ash",
    "Brook",
    "Cliff",
    "Dune",
    "Elder",
    "Falcon",
    "Glen",
    "Hazel",
    "Ivy",
    "Juniper",
    "Knoll",
    "Larch",
    "Meadow",
    "North",
    "Otter",
    "Poppy",
    "Quill",
    "Ridge",
    "Sage",
    "Tarn",
    "Upton",
    "Vesper",
    "Willow",
    "Yew",
]
SCALE_SUFFIX = {
    "hotel": ["Hotel", "Inn", "Lodge", "Guesthouse", "Suites"],
    "restaurant": ["Kitchen", "Bistro", "Grill", "Cafe", "Trattoria"],
    "gym": ["Gym", "Fitness", "Athletic Club", "Studio"],
    "clinic": ["Dental", "Clinic", "Physio", "Health Centre"],
    "product": ["Speaker", "Blender", "Drone", "Scooter", "Camera", "Kettle"],
    "workspace": ["Works", "Hub", "Desks", "Studios"],
}


def scaled_files(sections: int) -> dict[str, str]:
    """The committed pages plus made-up ones until there are about ``sections`` sections."""
    docs, _ = files()
    rng = random.Random(SEED + sections)
    pages, _ = build(random.Random(SEED))
    total = sum(p.passages for p in pages) + sum(len(s) for _, _, s in GENERAL)
    names = {name for _, name in ENTITIES}
    kinds = sorted(KINDS)
    while total < sections:
        kind = rng.choice(kinds)
        name = (
            f"{rng.choice(SCALE_WORDS)} {rng.choice(SCALE_WORDS)} {rng.choice(SCALE_SUFFIX[kind])}"
        )
        if name in names:
            continue
        names.add(name)
        page = build_page(random.Random(rng.getrandbits(64)), kind, name)
        docs[page.file] = page.markdown()
        total += page.passages
    return dict(sorted(docs.items()))


# -- writing ----------------------------------------------------------------------


def write(root: Path, docs: dict[str, str], dataset: str | None) -> None:
    target = root / DOCS
    if target.exists():
        shutil.rmtree(target)
    for rel, text in docs.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if dataset is not None:
        (root / DATASET).write_text(dataset, encoding="utf-8")


def differences(root: Path, docs: dict[str, str], dataset: str) -> list[str]:
    """What differs between ``root`` and what the generator writes (empty: up to date)."""
    problems: list[str] = []
    target = root / DOCS
    present = (
        {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
        if target.exists()
        else set()
    )
    for rel in sorted(present - set(docs)):
        problems.append(f"{DOCS}/{rel} is not written by the generator")
    for rel, text in docs.items():
        path = target / rel
        if not path.exists():
            problems.append(f"{DOCS}/{rel} is missing")
        elif path.read_bytes() != text.encode("utf-8"):
            problems.append(f"{DOCS}/{rel} differs")
    data = root / DATASET
    if not data.exists() or data.read_bytes() != dataset.encode("utf-8"):
        problems.append(f"{DATASET} differs")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files")
    parser.add_argument(
        "--scale",
        type=int,
        default=0,
        metavar="N",
        help="write about N sections (the committed pages plus made-up ones) to --out",
    )
    parser.add_argument("--out", type=Path, default=None, help=f"default: {DATA}")
    args = parser.parse_args(argv)
    docs, dataset = files()
    if args.scale:
        if args.out is None or args.out.resolve() == DATA.resolve():
            parser.error("--scale needs --out DIR, somewhere other than the committed data")
        docs = scaled_files(args.scale)
    root: Path = args.out or DATA
    if args.check:
        problems = differences(root, docs, dataset)
        for problem in problems[:20]:
            print(problem)
        print("up to date" if not problems else f"{root} differs from the generator's output")
        return 1 if problems else 0
    write(root, docs, dataset)
    queries = dataset.count("\n")
    print(f"wrote {root / DOCS} ({len(docs)} files) and {root / DATASET} ({queries} queries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
