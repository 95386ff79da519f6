"""A trusted person's personal links (Telegram deep link, Matrix first message, web page) and
their QR codes as SVG and PNG files (segno: pure Python, no dependencies).

Every link carries the person's entry code, so a resident who arrives through it is offered
that person first; the code tells the bot nothing about the resident.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import segno

QR_ERROR = "m"  # 15% of the code may be damaged (a folded or worn flyer)
QR_SCALE = 8  # pixels per module in the PNG and SVG files


@dataclass(frozen=True)
class Links:
    """Where a resident starts a chat with the bot, with a person's code (or none)."""

    code: str | None
    telegram: str | None  # https://t.me/<bot>?start=<code>
    matrix_user: str | None  # the bot's Matrix id, @praatlijn:gemeente.example
    matrix: str | None  # https://matrix.to/#/<bot>
    start: str  # what to send first on Matrix: "start <code>"
    web: str | None  # the web chat's address with ?start=<code>

    @property
    def primary(self) -> str | None:
        """The link the QR code holds: Telegram, else the web chat, else Matrix."""
        return self.telegram or self.web or self.matrix


def links(
    code: str | None, telegram_bot: str | None, matrix_user: str | None, web_url: str | None
) -> Links:
    """The links of one code, for the channels this deployment has."""
    bot = (telegram_bot or "").removeprefix("@")
    telegram = f"https://t.me/{bot}" + (f"?start={quote(code)}" if code else "") if bot else None
    matrix = f"https://matrix.to/#/{matrix_user}" if matrix_user else None
    web = None
    if web_url:
        web = web_url + (("&" if "?" in web_url else "?") + f"start={quote(code)}" if code else "")
    start = f"start {code}" if code else "start"
    return Links(code, telegram, matrix_user, matrix, start, web)


def qr(link: str) -> segno.QRCode:
    """The QR code of a link."""
    return segno.make(link, error=QR_ERROR, micro=False)


def qr_svg(link: str, scale: int = QR_SCALE) -> str:
    """The QR code as an inline SVG element (for the flyer)."""
    return str(qr(link).svg_inline(scale=scale, omitsize=True))


def write_qr(link: str, out: Path, stem: str) -> list[Path]:
    """`<stem>.svg` and `<stem>.png` in `out`; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    code = qr(link)
    paths = [out / f"{stem}.svg", out / f"{stem}.png"]
    for path in paths:
        code.save(str(path), scale=QR_SCALE, border=4)
    return paths


def describe(person: str, name: str, found: Links) -> list[str]:
    """The lines `vrede link` prints for a coordinator to pass on."""
    lines = [f"links for {person} ({name}), code {found.code or '-'}:"]
    if found.telegram:
        lines.append(f"  Telegram: {found.telegram}")
    if found.matrix:
        lines.append(f"  Matrix:   open {found.matrix}, start a chat and send '{found.start}'")
    if found.web:
        lines.append(f"  web:      {found.web}")
    if not (found.telegram or found.matrix or found.web):
        lines.append(
            "  no channel is configured: set TELEGRAM_TOKEN or TELEGRAM_BOT_USERNAME, "
            "MATRIX_USER, or VREDE_WEB_URL"
        )
    return lines
