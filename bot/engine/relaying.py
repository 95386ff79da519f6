"""The relay's screens: what a resident and a trusted person see while they chat through the bot.

A mixin of the engine, pure like the rest of it: the relay service (bot/relay/) decides who
talks to whom and when; this module only turns that into messages. Every message to a resident
is built by `_message`, so it carries the 112 line; messages to a trusted person (node
`HELPER_NODE`) do not, because they are not the resident's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.engine.replies import Button, Message, RelayAsk, Reply, Turn
from bot.engine.screens import Screens
from bot.engine.session import Session

RELAY_NODE = "relay"  # the node of the resident's relay messages: their buttons are relay.*
HELPER_NODE = "helper"  # the node of every message to a trusted person
# Resident's buttons while searching / while chatting; a trusted person's buttons.
SEARCHING = ("relay.cancel",)
CHATTING = ("relay.end", "relay.report")
LABELS = {
    "relay.cancel": "relay_cancel_button",
    "relay.end": "relay_end_button",
    "relay.report": "relay_report_button",
    "helper.available": "helper_available_button",
    "helper.pause": "helper_pause_button",
    "helper.accept": "helper_accept_button",
    "helper.decline": "helper_decline_button",
    "helper.end": "relay_end_button",
}


class RelayScreens(Screens):
    """Rendering of relay messages; the engine inherits it."""

    def relay_note(
        self, s: Session, key: str, now: dt.datetime, buttons: tuple[str, ...] = (), **values: str
    ) -> Message:
        """A relay line for the resident (searching, connected), with the 112 line."""
        text = self._system(s.lang, key, **values)
        return self._message(s, RELAY_NODE, text, now, self._relay_buttons(s.lang, buttons))

    def relayed(self, s: Session, name: str, text: str, now: dt.datetime) -> Message:
        """What a trusted person wrote, under their pseudonym, with the 112 line. The text is
        copied as it is: never filled in, never stored."""
        who = self._system(s.lang, "relay_helper_name", name=name)
        buttons = self._relay_buttons(s.lang, CHATTING)
        return self._message(s, RELAY_NODE, f"{who}:\n{text}", now, buttons)

    def relay_asked(self, s: Session, now: dt.datetime) -> Turn:
        """Who is free is not the engine's to know: it answers with Veilig Thuis and 112, and
        asks the runner's relay service (RelayAsk), which may start a search instead."""
        fallback = self.relay_fallback(s, now)
        return Turn(fallback.session, (*fallback.replies, RelayAsk()))

    def relay_fallback(self, s: Session, now: dt.datetime, note: str = "relay_none") -> Turn:
        """Nobody fits or answered: Veilig Thuis (with its hours) and 112, at once."""
        vt = next(
            (n.id for n in self.dialogue.nodes.values() if n.handoff == "veilig_thuis"),
            self.dialogue.help_node,
        )
        return self._relay_leave(s, vt, now, note)

    def relay_after(self, s: Session, now: dt.datetime, note: str) -> Turn:
        """After a relay: what next (Veilig Thuis, another conversation later, erase)."""
        return self._relay_leave(s, self.dialogue.help_node, now, note)

    def _relay_leave(self, s: Session, node: str, now: dt.datetime, note: str) -> Turn:
        left = replace(s.at(node, int(now.timestamp())), relay=None)
        msg = self._render(left, now, (self._sys(left, note),))
        replies: tuple[Reply, ...] = (msg,)
        return Turn(left, replies)

    def helper_message(
        self, lang: str, key: str, buttons: tuple[str, ...] = (), **values: str
    ) -> Message:
        """A line for a trusted person, in their language, with their buttons."""
        lang = lang if lang in self.tr.languages else self.tr.languages[0]
        text = self._system(lang, key, **values)
        buttons_ = self._relay_buttons(lang, buttons)
        return Message(text, HELPER_NODE, lang, buttons_, rtl=self.tr.is_rtl(lang))

    def helper_relayed(self, lang: str, resident: str, text: str) -> Message:
        """What the resident wrote, under the relay's pseudonym, for the trusted person."""
        lang = lang if lang in self.tr.languages else self.tr.languages[0]
        buttons = self._relay_buttons(lang, ("helper.end",))
        return Message(f"{resident}:\n{text}", HELPER_NODE, lang, buttons, rtl=self.tr.is_rtl(lang))

    def _relay_buttons(self, lang: str, ids: tuple[str, ...]) -> tuple[Button, ...]:
        return tuple(Button(b, self._system(lang, LABELS[b])) for b in ids)
