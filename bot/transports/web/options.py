"""What a municipality sets for its web chat, checked once at start: a bad exit address or
frame origin stops `vrede web` with a clear line instead of weakening a header."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

STATIC = Path(__file__).with_name("static")
ICON_TYPES = {".ico": "image/x-icon", ".png": "image/png", ".svg": "image/svg+xml"}
# An origin a browser can compare: scheme, host, optional port (wildcard subdomain allowed).
ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?")


class BadOption(ValueError):
    """A web setting that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Limits:
    """In-memory rate limits: per conversation, and for new conversations all together."""

    burst: int = 8  # messages a conversation may send at once
    per_second: float = 1.0  # and then on average
    starts_burst: int = 400  # new conversations at once (a whole class of residents)
    starts_per_second: float = 40.0
    ordinary_at_once: int = 32  # turns handled at once; a text that may mean danger never waits


@dataclass(frozen=True)
class WebOptions:
    """The page's neutral face and the server's limits."""

    title: str = "Informatie"
    exit_url: str = "https://www.knmi.nl/nederland-nu/weer"
    frame_ancestors: tuple[str, ...] = ()
    favicon: bytes = b""
    favicon_type: str = "image/svg+xml"
    ttl: int = 1800  # seconds an idle conversation is kept
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def make(
        cls,
        title: str,
        exit_url: str,
        frame_ancestors: str,
        favicon: Path | None,
        ttl_minutes: float,
        limits: Limits | None = None,
    ) -> WebOptions:
        """Checked options; BadOption names the setting that is wrong."""
        icon = favicon or STATIC / "favicon.svg"
        kind = ICON_TYPES.get(icon.suffix.lower())
        if kind is None:
            raise BadOption(f"VREDE_WEB_FAVICON: use a .ico, .png or .svg file, not {icon.name}")
        return cls(
            title=title.strip() or "Informatie",
            exit_url=exit_address(exit_url),
            frame_ancestors=origins(frame_ancestors),
            favicon=icon.read_bytes(),
            favicon_type=kind,
            ttl=max(60, int(ttl_minutes * 60)),
            limits=limits or Limits(),
        )


def exit_address(url: str) -> str:
    """An absolute http(s) address without quotes or spaces (it goes into the page)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"[\s\"'<>]", url):
        raise BadOption(f"VREDE_WEB_EXIT_URL: an absolute https:// address, not {url!r}")
    return url


def origins(text: str) -> tuple[str, ...]:
    """Space- or comma-separated origins for `frame-ancestors`; nothing else may reach the
    Content-Security-Policy header."""
    found = tuple(o for o in re.split(r"[\s,]+", text.strip()) if o)
    for origin in found:
        if not ORIGIN.fullmatch(origin):
            raise BadOption(
                f"VREDE_WEB_FRAME_ANCESTORS: {origin!r} is not an origin like https://www.gemeente.nl"
            )
    return found
