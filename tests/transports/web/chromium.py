"""Chromium, its driver and an Ethiopic font from Debian, for the browser tests: installed by the test setup
itself when missing (apt-get, as root), never downloaded from anywhere else. A failed install
fails the tests loudly with the end of apt's log."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ROOT / ".test-services"
LOG = SERVICES / "chromium-install.log"
# An Ethiopic font too, so that the Tigrinya screenshot shows letters, not empty boxes.
PACKAGES = ("chromium", "chromium-driver", "fonts-sil-abyssinica")
ETHIOPIC = Path("/usr/share/fonts/truetype/abyssinica")


class ChromiumError(RuntimeError):
    """Chromium could not be found or installed; the message carries apt's log."""


@dataclass(frozen=True)
class Chromium:
    """Where the browser and its WebDriver live."""

    binary: str
    driver: str


def _found() -> Chromium | None:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None
    )
    return Chromium(binary, driver) if binary and driver and ETHIOPIC.is_dir() else None


def ensure() -> Chromium:
    """Chromium and chromedriver, installed from Debian first if missing (a file lock keeps
    parallel test runs from running apt at the same time)."""
    found = _found()
    if found:
        return found
    SERVICES.mkdir(parents=True, exist_ok=True)
    with (SERVICES / "chromium-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (found := _found()) is None:
            _apt_install()
            found = _found()
    if found is None:
        raise ChromiumError(f"installed {PACKAGES}, still no chromium/chromedriver:\n{_tail()}")
    return found


def _apt_install() -> None:
    if not shutil.which("apt-get"):
        raise ChromiumError("chromium is missing and there is no apt-get to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with LOG.open("w") as out:
        for cmd in (
            ["apt-get", "update"],
            ["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES],
        ):
            out.write(f"$ {' '.join(cmd)}\n")
            out.flush()
            done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, check=False)
            if done.returncode != 0:
                raise ChromiumError(f"{' '.join(cmd)} failed ({done.returncode}):\n{_tail()}")


def _tail(lines: int = 40) -> str:
    try:
        return "\n".join(LOG.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


if __name__ == "__main__":
    print(ensure())
