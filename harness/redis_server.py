"""A real Redis server for tests and benchmarks: Debian's `redis-server`, on 127.0.0.1, in a temp
folder, with the settings the README recommends (`save ""`, `appendonly no`: nothing on disk).

When `redis-server` is missing, `install()` gets it with apt-get (tests run as root in CI and on
the development machines); a file lock keeps parallel runs from installing twice. When it cannot
be installed or does not start, RedisError says why and carries the end of the server's log.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ROOT / ".test-services"


class RedisError(RuntimeError):
    """redis-server could not be installed or did not answer; the message says why."""


def install() -> Path:
    """The path of redis-server, installed from Debian's packages when missing."""
    found = shutil.which("redis-server")
    if found:
        return Path(found)
    SERVICES.mkdir(parents=True, exist_ok=True)
    with (SERVICES / "redis-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not shutil.which("redis-server"):
            _apt_get()
    found = shutil.which("redis-server")
    if not found:
        raise RedisError("redis-server is still missing after apt-get install redis-server")
    return Path(found)


def _apt_get() -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "redis-server"]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RedisError(
                f"{' '.join(cmd)} failed ({done.returncode}); install redis-server by hand "
                f"(apt-get install redis-server) or run the tests as root:\n{done.stderr[-3000:]}"
            )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """One redis-server in `base`, on 127.0.0.1:`port`; nothing is written to disk."""

    def __init__(self, base: Path, binary: Path | None = None, port: int | None = None) -> None:
        self.base, self.binary = base, binary or install()
        self.port = port or free_port()
        self.log = base / "redis.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """What VREDE_REDIS_URL is set to."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20) -> None:
        """Start and wait until it answers PING; RedisError with its log otherwise."""
        self.base.mkdir(parents=True, exist_ok=True)
        args = [
            str(self.binary),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.base),
            "--save", "",
            "--appendonly", "no",
            "--logfile", str(self.log),
            "--protected-mode", "yes",
        ]  # fmt: skip
        with self.log.open("ab") as out:  # errors before it opens its log file land here too
            self.proc = subprocess.Popen(args, cwd=self.base, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RedisError(f"redis-server exited with {self.proc.returncode}:\n{self.tail()}")
            if self.answers():
                return
            time.sleep(0.05)
        self.stop()
        raise RedisError(f"redis-server did not answer within {timeout:.0f} s:\n{self.tail()}")

    def answers(self) -> bool:
        """True when PING gets PONG."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def flush(self) -> None:
        """Forget every key (between tests that share one server)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(b"FLUSHALL\r\n")
            if not s.recv(64).startswith(b"+OK"):
                raise RedisError("FLUSHALL failed")

    def stop(self) -> None:
        """Stop (SIGTERM), or kill after 10 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self) -> None:
        """Kill -9: Redis goes away without a word (what the bot must survive)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def tail(self, chars: int = 4000) -> str:
        """The end of the server's log, for failure messages."""
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else "(no log)"


def started(base: Path) -> RedisServer:
    """A running server in `base` (the caller stops it)."""
    server = RedisServer(base)
    server.start()
    return server
