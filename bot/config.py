"""Settings from the environment, read once by the CLI (the composition root)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


def default_cache_dir(env: Mapping[str, str]) -> Path:
    """VREDE_CACHE_DIR, else $XDG_CACHE_HOME/vrede, else ~/.cache/vrede."""
    if env.get("VREDE_CACHE_DIR"):
        return Path(env["VREDE_CACHE_DIR"])
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "vrede"


HERE = Path(__file__).resolve().parent.parent


def _default(name: str) -> Path:
    """A folder of the checkout (editable install), else of the working directory."""
    return HERE / name if (HERE / name).is_dir() else Path.cwd() / name


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Tokens and secrets come only from the environment."""

    data_dir: Path
    dialogues: Path
    locales: Path
    secret: str | None
    old_secret: str | None  # the secret before a change, for one conversation lifetime
    ttl_hours: float
    trusted_persons: Path | None
    log_level: str
    cache_dir: Path | None  # compiled content (content/prepared.py); None: no cache
    telegram_token: str | None
    telegram_api_url: str | None
    matrix_homeserver: str | None
    matrix_user: str | None
    matrix_password: str | None
    matrix_access_token: str | None
    matrix_read_receipts: bool = True  # a read receipt on each message the bot answers
    matrix_typing: bool = True  # "typing..." while an answer is being prepared
    metrics_listen: str | None = None  # HOST:PORT of the Prometheus endpoint; None: off
    redis_url: str | None = None  # Valkey/Redis shared by all bot processes; None: SQLite
    watch: bool = True  # reload content when its files change (SIGHUP reloads either way)
    # The web chat (vrede web): what the municipality sets; README "The web chat".
    web_title: str = "Informatie"  # the tab's title: neutral, chosen by the municipality
    web_favicon: Path | None = None  # .ico, .png or .svg; None: a plain neutral icon
    web_exit_url: str = "https://www.knmi.nl/nederland-nu/weer"  # where quick exit goes
    web_frame_ancestors: str = ""  # origins that may embed the chat in a frame; "": none
    web_ttl_minutes: float = 30.0  # an idle web conversation is forgotten after this
    # The trusted persons' kit (vrede link, vrede flyer): where residents start a chat.
    telegram_bot_username: str | None = None  # without a token: the bot's @name for links
    web_url: str | None = None  # the web chat's public address, for links with ?start=

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """Read VREDE_*, TELEGRAM_* and MATRIX_* variables."""
        tp = env.get("VREDE_TRUSTED_PERSONS")
        return cls(
            data_dir=Path(env.get("VREDE_DATA_DIR", "data")),
            dialogues=Path(env["VREDE_DIALOGUES"])
            if "VREDE_DIALOGUES" in env
            else _default("dialogues"),
            locales=Path(env["VREDE_LOCALES"]) if "VREDE_LOCALES" in env else _default("locales"),
            secret=env.get("VREDE_SECRET") or None,
            old_secret=env.get("VREDE_OLD_SECRET") or None,
            ttl_hours=float(env.get("VREDE_TTL_HOURS", "24")),
            trusted_persons=Path(tp) if tp else None,
            log_level=env.get("VREDE_LOG_LEVEL", "INFO"),
            cache_dir=None if env.get("VREDE_CACHE_DIR") == "off" else default_cache_dir(env),
            telegram_token=env.get("TELEGRAM_TOKEN") or None,
            telegram_api_url=env.get("TELEGRAM_API_URL") or None,
            matrix_homeserver=env.get("MATRIX_HOMESERVER") or None,
            matrix_user=env.get("MATRIX_USER") or None,
            matrix_password=env.get("MATRIX_PASSWORD") or None,
            matrix_access_token=env.get("MATRIX_ACCESS_TOKEN") or None,
            matrix_read_receipts=_on(env.get("MATRIX_READ_RECEIPTS")),
            matrix_typing=_on(env.get("MATRIX_TYPING")),
            metrics_listen=env.get("VREDE_METRICS_LISTEN") or None,
            redis_url=env.get("VREDE_REDIS_URL") or None,
            watch=_on(env.get("VREDE_WATCH")),
            web_title=env.get("VREDE_WEB_TITLE") or "Informatie",
            web_favicon=Path(env["VREDE_WEB_FAVICON"]) if env.get("VREDE_WEB_FAVICON") else None,
            web_exit_url=env.get("VREDE_WEB_EXIT_URL") or "https://www.knmi.nl/nederland-nu/weer",
            web_frame_ancestors=env.get("VREDE_WEB_FRAME_ANCESTORS", "").strip(),
            web_ttl_minutes=float(env.get("VREDE_WEB_TTL_MINUTES", "30")),
            telegram_bot_username=env.get("TELEGRAM_BOT_USERNAME") or None,
            web_url=env.get("VREDE_WEB_URL") or None,
        )


def _on(value: str | None) -> bool:
    """A switch that is on unless set to off, 0, no or false."""
    return (value or "on").strip().lower() not in {"off", "0", "no", "false"}
