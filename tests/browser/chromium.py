"""Debian's Chromium for Playwright: found, and checked against the pinned Playwright's browser at start-up.

Playwright is pinned (pyproject.toml) and never downloads a browser (no ``playwright install``);
it drives the Chromium that deploy/web-assets.sh --browser installs from Debian. Playwright
speaks the DevTools protocol of its own Chromium build (``browsers.json`` in its driver);
a Debian build within :data:`MAX_MAJOR_DISTANCE` major versions of it is accepted once it
also launches and runs a page, anything else stops the suite with a clear error. Chromium's
German strings (``chromium-l10n``) must be installed too: the date fields take their format
from the browser's user interface language (tt.mm.jjjj in German, mm/dd/yyyy in US English).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

import playwright

EXECUTABLE = "/usr/bin/chromium"
MAX_MAJOR_DISTANCE = 6
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=de-DE",
]
"""The machine has no network beyond loopback: Chromium must not try to reach Google's hosts.
``--lang`` names the German user interface (honoured on Windows and macOS; on Linux see :func:`browser_env`)."""

LOCALES = Path("/usr/lib/chromium/locales")
"""Debian's Chromium keeps only en-US here; the German strings come with the package ``chromium-l10n``."""


def browser_env() -> dict[str, str | float | bool]:
    """Chromium's environment: on Linux its user interface language, and with it the date fields'
    format (TT.MM.JJJJ, not mm/dd/yyyy), comes from ``LANGUAGE``/``LANG``, not from ``--lang``."""
    return {**os.environ, "LANGUAGE": "de_DE:de", "LANG": "de_DE.UTF-8"}


class ChromiumMismatchError(RuntimeError):
    """Debian's Chromium is missing or too far from the version the pinned Playwright speaks."""


def installed_major() -> int:
    path = shutil.which("chromium") or EXECUTABLE
    if not Path(path).exists():
        msg = "Chromium is missing: run `bash deploy/web-assets.sh --browser` (as root: apt-get install -y chromium)"
        raise ChromiumMismatchError(msg)
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=False).stdout
    found = re.search(r"Chromium (\d+)\.", out)
    if not found:
        msg = f"cannot read Chromium's version from {out!r}"
        raise ChromiumMismatchError(msg)
    return int(found.group(1))


def expected_major() -> int:
    browsers = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    for browser in json.loads(browsers.read_text())["browsers"]:
        if browser["name"] == "chromium":
            return int(str(browser["browserVersion"]).split(".")[0])
    msg = "the pinned Playwright names no Chromium version"
    raise ChromiumMismatchError(msg)


def check_german() -> None:
    """Chromium's German strings are installed (else the date fields show the US format)."""
    if LOCALES.is_dir() and not (LOCALES / "de.pak").exists():
        msg = "Chromium has no German user interface: apt-get install -y chromium-l10n (as root)"
        raise ChromiumMismatchError(msg)


def check_versions() -> tuple[int, int]:
    """(installed, expected) majors; :class:`ChromiumMismatchError` if they are too far apart or German is missing."""
    check_german()
    have, want = installed_major(), expected_major()
    if abs(have - want) > MAX_MAJOR_DISTANCE:
        msg = (
            f"Debian's Chromium {have} is too far from Chromium {want}, which Playwright {version('playwright')} "
            f"speaks (at most {MAX_MAJOR_DISTANCE} major versions apart): pin a Playwright whose Chromium is closer "
            "(pyproject.toml) or update Debian's chromium"
        )
        raise ChromiumMismatchError(msg)
    return have, want
