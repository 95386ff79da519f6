"""The one wiring module: settings in, a ready bot out (content, store, runner, reloader).

Transports receive an `App` and never pick or open a store themselves; the command line
(`cli.py`) parses arguments and calls `build`. Nothing here imports a transport.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from bot.config import Settings
from bot.content.check import trusted_file
from bot.content.live import Content, Reloader, Sources
from bot.content.prepared import prepare
from bot.engine.engine import Engine
from bot.i18n.catalogs import SOURCE, Catalogs
from bot.metrics import Metrics
from bot.runner import Runner
from bot.store.base import Stores
from bot.store.keys import Keyer, load_secret, note_secret
from bot.store.wiring import open_stores


@dataclass
class App:
    """The wired bot: the content answering now, the stores, the runner, and the reloader
    that replaces the content when the files change (bot/live.py starts it)."""

    settings: Settings
    content: Content
    stores: Stores
    runner: Runner
    reloader: Reloader

    @property
    def engine(self) -> Engine:
        """The engine answering now."""
        return self.content.engine

    @property
    def catalogs(self) -> Catalogs:
        """The catalogs answering now."""
        tr = self.content.translator
        assert isinstance(tr, Catalogs)
        return tr


def build(settings: Settings, persistent: bool = True, example_people: bool = False) -> App:
    """Load content and catalogs, open the store, wire the runner.

    Real trusted persons come only from VREDE_TRUSTED_PERSONS; the made-up example directory
    is used only where asked (the local terminal chat), never on Telegram or Matrix.
    """
    trusted = settings.trusted_persons
    if trusted is None and example_people:
        trusted = trusted_file(settings.dialogues, None)
    prepared = prepare(
        settings.dialogues, settings.locales, trusted, dt.date.today(), settings.cache_dir
    )
    content = Content(prepared.engine())
    ttl = int(settings.ttl_hours * 3600)
    if persistent:
        secret = load_secret(settings.secret, settings.data_dir)
        old = settings.old_secret.encode() if settings.old_secret else None
        keyer = Keyer(secret, old)
        note_secret(keyer, settings.data_dir, from_env=settings.secret is not None)
    else:  # the terminal chat: nothing on disk, a new secret each time
        keyer = Keyer(secrets.token_bytes(32))
    redis_url = settings.redis_url if persistent else None
    data_dir = settings.data_dir if persistent else None
    stores = open_stores(data_dir, ttl, redis_url, keyer.queue_sealer)
    metrics = Metrics()
    # A phone's language is matched against the languages offered now (a reload may add one).
    runner = Runner(
        content,
        stores.sessions,
        keyer,
        lambda code: _negotiate(content, code),
        metrics=metrics,
        figures=stores.figures,
        relay=stores.relay,
    )
    sources = Sources(settings.dialogues, settings.locales, trusted, settings.cache_dir)
    return App(settings, content, stores, runner, Reloader(content, sources, metrics))


def _negotiate(content: Content, code: str | None) -> str:
    """The best offered language for a client's code, among the languages offered now."""
    tr = content.translator
    return tr.negotiate(code) if isinstance(tr, Catalogs) else SOURCE
