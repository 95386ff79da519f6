"""The Matrix transport: matrix-nio with end-to-end encryption, run by `vrede matrix`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App


def main(app: App, args: argparse.Namespace) -> int:
    """Run the bot on Matrix until stopped; returns the exit code."""
    from bot.transports.matrix.app import run_main

    return run_main(app, args)
