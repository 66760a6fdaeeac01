"""Small help-docs fixtures as the reader would produce them (no files needed)."""

from __future__ import annotations

import hashlib

from memory.domain.knowledge import Document, Section


def doc(path: str, title: str, sections: dict[str, str], *, version: str = "") -> Document:
    """A document whose ``sections`` map headings to text, under an H1 ``title``."""
    body = "".join(f"{h}{t}" for h, t in sections.items()) + version
    return Document(
        path=path,
        content_hash=hashlib.sha256((title + body).encode()).hexdigest(),
        title=title,
        sections=tuple(
            Section(
                heading=heading,
                heading_path=(title, heading),
                anchor=heading.lower().replace(" ", "-").replace("?", ""),
                text=text,
            )
            for heading, text in sections.items()
        ),
    )


SHIPPING = doc(
    "shipping.md",
    "Shipping and delivery",
    {
        "Delivery times": "Orders ship within two working days. Delivery in the UK takes "
        "three to five working days after that.",
        "Tracking your parcel": "You get a tracking link by e-mail when your parcel leaves "
        "our warehouse.",
    },
)
PETS = doc(
    "account/pets.md",
    "Your account",
    {
        "Adding a second pet": "Open Account, choose Pets, then Add a pet. A second pet on "
        "the same plan costs half price.",
        "Changing your card": "Go to Account, then Billing, and choose Replace card.",
    },
)
LAKESIDE = doc(
    "hotels/lakeside-hotel.md",
    "Lakeside Hotel",
    {
        "Parking": "The Lakeside Hotel has free parking for guests behind the building.",
        "Breakfast": "Breakfast at the Lakeside Hotel is served from 7 to 10.",
    },
)
HILLTOP = doc(
    "hotels/hilltop-inn.md",
    "Hilltop Inn",
    {
        "Parking": "The Hilltop Inn has no parking; the nearest car park is in Mill Street.",
        "Breakfast": "Breakfast at the Hilltop Inn is served from 8 to 11.",
    },
)
