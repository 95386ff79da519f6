"""The parts of the browser tests: `vrede web` as a subprocess (as a municipality runs it, with
its log kept for reading), a neutral site on another port for quick exit to land on, Debian's
Chromium driven by Selenium, and the vendored axe-core."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

from harness.synapse import free_port
from tests.transports.web.chromium import Chromium

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "tests" / "artifacts" / "web"  # screenshots, kept after the run
AXE = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
NEUTRAL = b"<!doctype html><html lang='en'><title>Weather</title><p>Sunny, 18 degrees.</p></html>"
PHONE = (412, 915)  # CSS pixels of a common Android phone


class VredeWeb:
    """`vrede web` in a subprocess on a free port, its data and log in `base`."""

    def __init__(self, base: Path, exit_url: str) -> None:
        self.base, self.port = base, free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = base / "vrede-web.log"
        self.db = base / "data" / "vrede.sqlite3"
        env = {
            **os.environ,
            "VREDE_DATA_DIR": str(base / "data"),
            "VREDE_SECRET": "browser-test-secret-0123456789abcdef",
            "VREDE_LOG_LEVEL": "DEBUG",  # the most the server would ever log
            "VREDE_WEB_EXIT_URL": exit_url,
            "VREDE_WEB_TITLE": "Afvalkalender",
        }
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "web", "--listen", f"127.0.0.1:{self.port}"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        self._wait()

    def _wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"vrede web exited {self.proc.returncode}:\n{self.text()}")
            try:
                urllib.request.urlopen(self.url, timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"vrede web did not answer within {timeout:.0f} s:\n{self.text()}")

    def text(self) -> str:
        """What the server logged."""
        return self.log.read_text(errors="replace")

    def sessions(self) -> int:
        """Conversations in the server's database, read beside it."""
        if not self.db.exists():
            return 0
        with sqlite3.connect(self.db) as db:
            return int(db.execute("SELECT count(*) FROM sessions").fetchone()[0])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def neutral_site() -> Iterator[str]:
    """A plain page on another origin: where quick exit goes in the tests."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(NEUTRAL)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/weather"
    finally:
        server.shutdown()
        server.server_close()


def chrome(chromium: Chromium, profile: Path, size: tuple[int, int] = PHONE) -> webdriver.Chrome:
    """Headless Chromium from Debian, with its own fresh profile; nothing is downloaded."""
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not fetch a browser or driver
    options = webdriver.ChromeOptions()
    options.binary_location = chromium.binary
    for arg in (
        "--headless=new",
        "--no-sandbox",  # the tests run as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={size[0]},{size[1]}",
        "--force-device-scale-factor=1",
        "--lang=nl",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(chromium.driver))


def until(browser: webdriver.Chrome, check: Callable[[webdriver.Chrome], Any], what: str) -> Any:
    """Wait up to 10 s for `check` to be truthy; the message says what did not happen."""
    return WebDriverWait(browser, 10, 0.05).until(check, message=what)


def axe_source() -> str:
    """axe-core as vendored, checked against its recorded hash."""
    data = AXE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == AXE_SHA256, "vendored axe.min.js changed"
    return data.decode("utf-8")


def axe_run(browser: webdriver.Chrome) -> list[dict[str, Any]]:
    """The WCAG 2.2 A/AA violations axe finds on the page as it is now."""
    browser.execute_script(axe_source())
    result: dict[str, Any] = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values:
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})
          .then(r => done(r), e => done({error: String(e)}));
        """
    )
    assert "error" not in result, result
    return list(result["violations"])
