"""`vrede <command>` as a real process of this checkout, for tests that kill it (kill -9),
stop it (SIGTERM) and start another."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class VredeProcess:
    """One process; its stderr goes to `log` (appended, kept for a failing test) or nowhere."""

    def __init__(
        self, command: str, env: dict[str, str], log: Path | None = None, within: float = 30
    ) -> None:
        self.command, self.env, self.log, self.within = command, env, log, within
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        cmd = [sys.executable, "-m", "bot.cli", self.command]
        if self.log is None:
            self.proc = await asyncio.create_subprocess_exec(
                *cmd, cwd=ROOT, env=self.env, stderr=asyncio.subprocess.DEVNULL
            )
            return
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *cmd, cwd=ROOT, env=self.env, stderr=log
            )

    async def kill(self) -> None:
        """kill -9, as a crash or a pulled plug."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> int:
        """SIGTERM, as systemd stops it; its exit code (within `within` seconds)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), self.within)

    def gone(self) -> None:
        """Kill it if it still runs (a failed test leaves no process behind)."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
