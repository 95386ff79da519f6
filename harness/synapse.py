"""A real Synapse for tests and benchmarks: its own virtualenv, a minimal config, start and stop.

Synapse is large, so it lives in `.test-services/synapse-venv`, never in the bot's environment,
and is installed once and reused. The config binds to 127.0.0.1 only, speaks no federation,
trusts no key servers, keeps its database in SQLite and raises the rate limits for tests.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ROOT / ".test-services"
VENV = SERVICES / "synapse-venv"
# Locked (every package, with hashes) so that a fresh machine tests against the same homeserver
# as the last green run; `make lock` refreshes it from synapse.in.
SYNAPSE_LOCK = Path(__file__).with_name("synapse.lock")
SERVER_NAME = "vrede.test"
LOTS = {"per_second": 10000, "burst_count": 10000}


def install(venv: Path = VENV, lockfile: Path = SYNAPSE_LOCK) -> Path:
    """Install Synapse into its own venv once (a file lock keeps parallel runs from racing)."""
    digest = hashlib.sha256(lockfile.read_bytes()).hexdigest()[:12]
    stamp = venv / f".installed-{digest}"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (venv.parent / "synapse-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists():
            _pip_install(venv, lockfile)
            stamp.touch()
    return venv / "bin" / "python"


def _pip_install(venv: Path, lockfile: Path) -> None:
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    subprocess.run([*pip, "--require-hashes", "-r", str(lockfile)], check=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SynapseError(RuntimeError):
    """Synapse did not start or answer; the message carries the end of its log."""


class Synapse:
    """One homeserver in `base`, on 127.0.0.1:`port`; restartable with its data kept."""

    def __init__(self, base: Path, python: Path, port: int | None = None) -> None:
        self.base, self.python = base, python
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secret = secrets.token_hex(16)
        self.proc: subprocess.Popen[bytes] | None = None
        self.config = base / "homeserver.yaml"
        self.log = base / "homeserver.log"

    # ------------------------------------------------------------------ lifecycle
    def configure(self, **extra: Any) -> None:
        """Write the config, the log config and a signing key."""
        self.base.mkdir(parents=True, exist_ok=True)
        (self.base / "log.yaml").write_text(json.dumps(_log_config(self.log)))
        self.config.write_text(json.dumps({**self._config(), **extra}, indent=1))
        subprocess.run(
            [
                str(self.python),
                "-m",
                "synapse.app.homeserver",
                "-c",
                str(self.config),
                "--generate-keys",
            ],
            check=True,
            capture_output=True,
        )

    def _config(self) -> dict[str, Any]:
        b = self.base
        return {
            "server_name": SERVER_NAME,
            "pid_file": str(b / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(b / "homeserver.db")}},
            "log_config": str(b / "log.yaml"),
            "media_store_path": str(b / "media"),
            "signing_key_path": str(b / "signing.key"),
            "registration_shared_secret": self.secret,
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            "report_stats": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [],
            "enable_metrics": False,
            "use_presence": False,
            "url_preview_enabled": False,
            "bcrypt_rounds": 4,  # registering many users must be quick
            "rc_message": LOTS,
            "rc_registration": LOTS,
            "rc_login": {"address": LOTS, "account": LOTS, "failed_attempts": LOTS},
            "rc_joins": {"local": LOTS, "remote": LOTS},
            "rc_joins_per_room": LOTS,
            "rc_invites": {"per_room": LOTS, "per_user": LOTS, "per_issuer": LOTS},
            "rc_key_requests": LOTS,
            "rc_room_creation": LOTS,
            "rc_admin_redaction": LOTS,
        }

    def start(self, timeout: float = 120) -> None:
        """Start and wait until the client API answers; SynapseError with the log otherwise."""
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(self.python), "-m", "synapse.app.homeserver", "-c", str(self.config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.base,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SynapseError(
                    f"Synapse exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            if self._answers():
                return
            time.sleep(0.2)
        self.stop()
        raise SynapseError(f"Synapse did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=2) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), or kill after 30 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def restart(self) -> None:
        """Stop and start on the same port with the same database."""
        self.stop()
        self.start()

    def log_tail(self, chars: int = 6000) -> str:
        """The end of Synapse's log, for failure messages."""
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else "(no log)"

    # ------------------------------------------------------------------ admin
    def register(self, localpart: str, password: str, admin: bool = False) -> str:
        """Register a user with the shared secret; returns the full user id."""
        path = "/_synapse/admin/v1/register"
        nonce = self.request("GET", path)["nonce"]
        parts = (nonce, localpart, password, "admin" if admin else "notadmin")
        mac = hmac.new(self.secret.encode(), "\x00".join(parts).encode(), hashlib.sha1)
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        return str(self.request("POST", path, body)["user_id"])

    def admin_token(self) -> str:
        """An access token of a server admin (registered on first use)."""
        if not hasattr(self, "_admin"):
            password = secrets.token_hex(12)
            user = self.register(f"admin{secrets.token_hex(4)}", password, admin=True)
            self._admin = self.login(user, password)
        return self._admin

    def login(self, user_id: str, password: str) -> str:
        """An access token for a user (a new device)."""
        body = {
            "type": "m.login.password",
            "password": password,
            "identifier": {"type": "m.id.user", "user": user_id},
        }
        return str(self.request("POST", "/_matrix/client/v3/login", body)["access_token"])

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """One JSON request to the homeserver."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return dict(json.loads(resp.read() or b"{}"))
        except urllib.error.HTTPError as exc:
            raise SynapseError(f"{method} {path}: {exc.code} {exc.read()[:500]!r}") from exc


def _log_config(path: Path) -> dict[str, Any]:
    return {
        "version": 1,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {
            "file": {"class": "logging.FileHandler", "filename": str(path), "formatter": "plain"}
        },
        "root": {"level": "INFO", "handlers": ["file"]},
        "disable_existing_loggers": False,
    }


def recommended() -> dict[str, Any]:
    """The Synapse settings the README recommends (its `yaml synapse` snippets), merged."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    merged: dict[str, Any] = {}
    for snippet in re.findall(r"```yaml synapse\n(.*?)```", readme, re.S):
        merged.update(yaml.safe_load(snippet))
    return merged


def started(base: Path) -> Synapse:
    """Install if needed, configure as the README recommends, and start a homeserver in `base`."""
    python = install()
    server = Synapse(base, python)
    server.configure(**recommended())
    server.start()
    return server
