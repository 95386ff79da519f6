"""Wiring the Matrix transport: configuration, login, the bot, and a clean stop."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import aiohttp
from nio import AsyncClient

from bot.store.coordination import Lease
from bot.transports import logs
from bot.transports.leader import Leader
from bot.transports.matrix.bot import MatrixBot
from bot.transports.matrix.connect import LoginFailed, MatrixConfig, log_in, new_client
from bot.transports.retry import StartFailed, connect

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


def config_for(app: App) -> MatrixConfig:
    """The Matrix settings of the app; the store's pickle key is derived from VREDE_SECRET."""
    s = app.settings
    if not s.matrix_homeserver:
        raise LoginFailed("set MATRIX_HOMESERVER")
    if not (s.matrix_access_token or (s.matrix_user and s.matrix_password)):
        raise LoginFailed("set MATRIX_USER and MATRIX_PASSWORD, or MATRIX_ACCESS_TOKEN")
    return MatrixConfig(
        homeserver=s.matrix_homeserver,
        user=s.matrix_user,
        password=s.matrix_password,
        access_token=s.matrix_access_token,
        state_dir=s.data_dir / "matrix",
        pickle_key=app.runner.key("matrix-pickle", "crypto-store"),
        read_receipts=s.matrix_read_receipts,
        typing=s.matrix_typing,
    )


@dataclass
class Running:
    """A bot syncing in a task, for `vrede matrix`, the tests and the benchmark."""

    bot: MatrixBot
    client: AsyncClient
    task: asyncio.Task[None]

    async def stop(self) -> None:
        """Cancel the sync loop, let clean-ups finish, close the connection."""
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.bot.stop()
        await self.client.close()


async def start(app: App, cfg: MatrixConfig) -> Running:
    """Log in (or restore the login) and start syncing. An unreachable homeserver is retried
    with backoff (logged once), then StartFailed; refused credentials raise LoginFailed."""
    client = new_client(cfg)
    try:
        what = f"the Matrix homeserver {cfg.homeserver}"
        await connect(lambda: _log_in_once(client, cfg), _transient, what)
    except BaseException:
        await client.close()
        raise
    bot = MatrixBot(client, app.runner, app.stores.sync, app.stores.updates, cfg)
    await bot.cross_sign()
    return Running(bot, client, asyncio.ensure_future(bot.run()))


async def _log_in_once(client: AsyncClient, cfg: MatrixConfig) -> None:
    """One try: nio itself would retry a connection error forever, and say nothing."""
    patient = client.config
    client.config = replace(patient, max_timeouts=0)
    try:
        await log_in(client, cfg)
    finally:
        client.config = patient  # the sync loop keeps retrying, as it should


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, aiohttp.ClientConnectionError | TimeoutError)


async def serve(app: App, cfg: MatrixConfig) -> None:
    """Run until SIGINT or SIGTERM."""
    if app.stores.shared is not None:
        return await serve_shared(app, cfg, app.stores.shared.lease)
    running = await start(app, cfg)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, running.task.cancel)
    log.info("Matrix transport running")
    try:
        await running.task
    except asyncio.CancelledError:
        log.info("Matrix transport stopping")
    finally:
        await running.stop()
        await app.stores.close()


async def serve_shared(app: App, cfg: MatrixConfig, lease: Lease) -> None:
    """With VREDE_REDIS_URL: sync only while this process holds the lease (`leading`)."""
    stop, refused = asyncio.Event(), list[LoginFailed]()

    def give_up(exc: LoginFailed) -> None:
        refused.append(exc)
        stop.set()

    leader = leading(app, cfg, lease, give_up)
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    leader.start()
    log.info("Matrix transport running; it syncs while it holds the lease")
    try:
        await stop.wait()
    finally:
        await leader.stop()
        await app.stores.close()
    if refused:
        raise refused[0]


def leading(
    app: App, cfg: MatrixConfig, lease: Lease, refused: Callable[[LoginFailed], object]
) -> Leader:
    """A Leader that syncs Matrix while this process holds the lease, so that exactly one
    process owns the sync loop and the device keys; a standby takes over within seconds of the
    leader's death, as the same device (its login and keys are in the state folder, which the
    processes share), without a new login, and goes on from the shared sync token. Refused
    credentials are handed to `refused` (the caller stops)."""
    held: list[Running] = []

    async def lead() -> None:
        try:
            held.append(await start(app, cfg))
        except LoginFailed as exc:
            refused(exc)

    async def step_down() -> None:
        while held:
            await held.pop().stop()

    return Leader(lease, "matrix-sync", lead, step_down, app.runner.metrics)


def run_main(app: App, args: argparse.Namespace) -> int:
    """`vrede matrix`: run the bot; exit 2 on missing or refused credentials."""
    logs.install()
    try:
        asyncio.run(serve(app, config_for(app)))
    except (LoginFailed, StartFailed) as exc:
        print(f"vrede matrix: {exc}", file=sys.stderr)
        return 2
    except aiohttp.ClientError as exc:  # e.g. an address that is not a URL
        print(f"vrede matrix: MATRIX_HOMESERVER cannot be used ({exc})", file=sys.stderr)
        return 2
    return 0
