"""The runner's small answers to a transport (runner.py holds the turn itself): the engine
and catalogs answering now, conversation keys, whether a text is urgent, a transport's own
notice with the 112 line, and the sealer for what must be kept unreadable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.content.live import Content
from bot.engine.engine import Engine
from bot.engine.replies import Message
from bot.engine.translate import Translator
from bot.store.keys import Keyer
from bot.store.sealing import Sealer


class Answers:
    """What a transport may ask the runner besides handling a turn."""

    content: Content
    keyer: Keyer
    negotiate: Callable[[str | None], str]
    clock: Callable[[], dt.datetime]

    @property
    def engine(self) -> Engine:
        """The engine answering now (a reload may replace it between turns)."""
        return self.content.engine

    @property
    def translator(self) -> Translator:
        """The catalogs answering now: offered languages and their names."""
        return self.content.translator

    def key(self, platform: str, chat_id: str | int) -> str:
        """The opaque key of a conversation (for a transport's own traces: message ids)."""
        return self.keyer.key(platform, chat_id)

    @property
    def entry_codes(self) -> tuple[str, ...]:
        """The campaign and trusted-person codes a conversation may start with."""
        return tuple(self.engine.dialogue.entry_codes)

    def timestamp(self) -> int:
        """Now, in whole seconds, by the runner's clock."""
        return int(self.clock().timestamp())

    def is_urgent(self, text: str, client_lang: str | None = None) -> bool:
        """May this text mean danger (in any language)? For putting it first in a queue; the
        engine reads every text again when it handles it."""
        return self.engine.is_danger(text, self.negotiate(client_lang))

    def notice(self, lang: str | None, key: str) -> Message:
        """A transport's own line (leaving a group), in the best language for `lang`, through
        the engine's rendering: like every message it carries the acute-danger line."""
        return self.engine.notice(self.negotiate(lang), key)

    def system_text(self, lang: str | None, key: str) -> str:
        """A system text without the acute-danger line, for a transport's own labels (the web
        page's buttons); anything shown as a message goes through `notice`."""
        return self.engine.system_text(self.negotiate(lang), key)

    @property
    def sealer(self) -> Sealer:
        """Encrypts under a key derived from the secret (`seal`, `open`; also the previous
        secret): the inbox of unanswered updates keeps their text and chat id only this way."""
        return self.keyer.sealer

    def keys(self, platform: str, chat_id: str | int) -> list[str]:
        """The conversation's key, and its key under the previous secret if one was given (a
        transport erases the message ids it filed under either)."""
        old = self.keyer.previous_key(platform, chat_id)
        return [self.key(platform, chat_id), *([old] if old else [])]
