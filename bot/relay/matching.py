"""Who may be offered a relay now: pure, from the directory, who is available, and the time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from bot.engine.hours import status
from bot.engine.model import Dialogue, TrustedPerson
from bot.engine.session import Session


def on_duty(person: TrustedPerson, now: dt.datetime) -> bool:
    """Within the person's directory hours (no hours: whenever they say they are available)."""
    return person.hours is None or status(person.hours, now).open


def candidates(
    dialogue: Dialogue, s: Session, free: Collection[str], now: dt.datetime
) -> list[TrustedPerson]:
    """Who fits, best first: the person whose link the resident used, then people who speak
    the resident's language in their region, then in any region. `free`: available people
    who are not in a relay or an offer, and were not offered this one before."""
    people = [p for p in dialogue.trusted.values() if p.id in free and on_duty(p, now)]
    first = [p for p in people if s.entry_code and p.code == s.entry_code]
    speakers = [p for p in people if s.lang in p.languages and p not in first]
    local = [p for p in speakers if s.region in p.regions]
    return first + local + [p for p in speakers if p not in local]
