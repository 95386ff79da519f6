"""The trusted persons' kit: `vrede link` (links and QR files) and `vrede flyer` (a printable
page per language). The QR codes are read back from the PNG file and compared, module by
module, with the code of the link (no QR decoder is installed; segno is the encoder)."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest

from bot import cli
from bot.engine.engine import Engine
from bot.kit.flyer import flyer
from bot.kit.links import QR_SCALE, links, qr, qr_svg
from tests.conftest import DIALOGUES

TELEGRAM = "https://t.me/praatlijn_bot?start=K3F9"
ENV = {
    "VREDE_TRUSTED_PERSONS": str(DIALOGUES / "trusted_persons.example.yaml"),
    "TELEGRAM_BOT_USERNAME": "@praatlijn_bot",
    "MATRIX_USER": "@praatlijn:gemeente.example",
    "VREDE_WEB_URL": "https://praat.gemeente.example/chat",
}
# Words that must not be on the front of a flyer someone may find at home.
ALARMING = re.compile(r"geweld|mishandel|misbruik|violence|abuse|slaan|\bhit\b", re.IGNORECASE)


@pytest.fixture
def kit_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    monkeypatch.setenv("VREDE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VREDE_CACHE_DIR", "off")
    return tmp_path / "out"


@pytest.mark.parametrize(
    ("code", "web", "expected"),
    [
        ("K3F9", "https://x.example/", "https://x.example/?start=K3F9"),  # the plain page
        ("K3F9", "https://x.example/?m=1", "https://x.example/?m=1&start=K3F9"),  # a query already
        (None, "https://x.example/", "https://x.example/"),  # the bot's own flyer: no code
    ],
)
def test_links_carry_the_code(code: str | None, web: str, expected: str) -> None:
    found = links(code, "@praatlijn_bot", "@p:g.example", web)
    assert found.web == expected
    assert found.telegram == ("https://t.me/praatlijn_bot" + (f"?start={code}" if code else ""))
    assert found.matrix == "https://matrix.to/#/@p:g.example"
    assert found.start == (f"start {code}" if code else "start")
    assert found.primary == found.telegram, "the QR code holds the Telegram link first"


def test_without_telegram_the_qr_holds_the_web_link() -> None:
    assert (
        links("K3F9", None, None, "https://x.example/").primary == "https://x.example/?start=K3F9"
    )


def test_vrede_link_prints_the_links_and_writes_a_qr_that_reads_back(
    kit_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["link", "ayse", "--out", str(kit_env)]) == 0
    out = capsys.readouterr().out
    assert TELEGRAM in out
    assert "send 'start K3F9'" in out and "https://matrix.to/#/@praatlijn:gemeente.example" in out
    assert "https://praat.gemeente.example/chat?start=K3F9" in out
    assert (kit_env / "qr-ayse.svg").read_text().startswith("<?xml")
    assert _png_modules(kit_env / "qr-ayse.png") == _modules(TELEGRAM)


def test_vrede_link_names_the_valid_persons(
    kit_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["link", "nobody", "--out", str(kit_env)]) == 2
    assert "valid: " in capsys.readouterr().err


def test_vrede_flyer_writes_one_page_per_language(
    kit_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["flyer", "ayse", "--lang", "nl,tr,ar", "--out", str(kit_env)]) == 0
    assert "tr.html (translation not reviewed yet)" in capsys.readouterr().out
    page = (kit_env / "flyer-ayse-ar.html").read_text(encoding="utf-8")
    assert 'dir="rtl"' in page and qr_svg(TELEGRAM) in page
    assert cli.main(["flyer", "--lang", "xx", "--out", str(kit_env)]) == 2


def test_every_language_has_a_calm_flyer_with_112(people_engine: Engine) -> None:
    """In all eight languages: translated, the QR of the link, how to start, Veilig Thuis and
    112, and no word for violence on the page."""
    found = links("K3F9", "praatlijn_bot", "@praatlijn:gemeente.example", "https://x.example/")
    dutch = flyer(people_engine, "nl", found)
    for lang in people_engine.tr.languages:
        page = flyer(people_engine, lang, found)
        text = re.sub(r"<svg.*?</svg>", "", page, flags=re.S)
        assert qr_svg(found.telegram or "") in page, lang
        assert "112" in text and "0800-2000" in text and "start K3F9" in text, lang
        assert not ALARMING.search(text), (lang, ALARMING.search(text))
        if lang != "nl":
            title = re.search(r"<h1>(.*?)</h1>", page)
            assert title and title.group(1) not in dutch, f"{lang}: the title is not translated"


def _modules(link: str) -> list[list[bool]]:
    """The dark modules of a link's QR code, with its 4-module quiet zone."""
    m = [[bool(v) for v in row] for row in qr(link).matrix]
    size = len(m) + 8
    blank = [False] * size
    return [blank] * 4 + [[False] * 4 + row + [False] * 4 for row in m] + [blank] * 4


def _png_modules(path: Path) -> list[list[bool]]:
    """Read a 1-bit greyscale PNG (as segno writes it) back into modules of QR_SCALE pixels."""
    data, pos, chunks = path.read_bytes(), 8, {}
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        chunks[kind] = chunks.get(kind, b"") + data[pos + 8 : pos + 8 + n]
        pos += 12 + n
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (1, 0), "1-bit greyscale"
    raw, stride = zlib.decompress(chunks[b"IDAT"]), (width + 7) // 8 + 1
    rows = _unfiltered([raw[y * stride : (y + 1) * stride] for y in range(height)])

    def dark(x: int, y: int) -> bool:
        return not (rows[y][x // 8] >> (7 - x % 8)) & 1  # 0 is black

    half = QR_SCALE // 2
    size = width // QR_SCALE
    return [
        [dark(x * QR_SCALE + half, y * QR_SCALE + half) for x in range(size)] for y in range(size)
    ]


def _unfiltered(lines: list[bytes]) -> list[bytes]:
    """Undo the PNG row filters (one byte per pixel group at this depth)."""
    out: list[bytes] = []
    prev = bytes(len(lines[0]) - 1)
    for line in lines:
        kind, row = line[0], bytearray(line[1:])
        for i, v in enumerate(row):
            a, b = row[i - 1] if i else 0, prev[i]
            c = prev[i - 1] if i else 0
            p = a + b - c
            paeth = min((abs(p - a), 0, a), (abs(p - b), 1, b), (abs(p - c), 2, c))[2]
            guess = (0, a, b, (a + b) // 2, paeth)[kind]
            row[i] = (v + guess) & 0xFF
        prev = bytes(row)
        out.append(prev)
    return out
