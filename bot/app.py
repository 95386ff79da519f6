"""The one wiring module: settings in, a ready bot out (engine, catalogs, store, runner).

Transports receive an `App` and never pick or open a store themselves; the command line
(`cli.py`) parses arguments and calls `build`. Nothing here imports a transport.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from bot.config import Settings
from bot.content.check import trusted_file
from bot.content.prepared import prepare
from bot.engine.engine import Engine
from bot.i18n.catalogs import Catalogs
from bot.metrics import Metrics
from bot.runner import Runner
from bot.store.base import Stores
from bot.store.keys import Keyer, load_secret, note_secret
from bot.store.wiring import open_stores


@dataclass
class App:
    """The wired bot: engine, catalogs, store and runner."""

    settings: Settings
    engine: Engine
    catalogs: Catalogs
    stores: Stores
    runner: Runner


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
    engine, catalogs = prepared.engine(), prepared.catalogs
    ttl = int(settings.ttl_hours * 3600)
    if persistent:
        secret = load_secret(settings.secret, settings.data_dir)
        old = settings.old_secret.encode() if settings.old_secret else None
        keyer = Keyer(secret, old)
        note_secret(keyer, settings.data_dir, from_env=settings.secret is not None)
    else:  # the terminal chat: nothing on disk, a new secret each time
        keyer = Keyer(secrets.token_bytes(32))
    stores = open_stores(settings.data_dir if persistent else None, ttl)
    runner = Runner(
        engine,
        stores.sessions,
        keyer,
        catalogs.negotiate,
        metrics=Metrics(),
        figures=stores.figures,
    )
    return App(settings, engine, catalogs, stores, runner)
