"""A printable HTML page set made into a PDF by a headless browser (Chromium or Chrome).

Why a browser and not a PDF library: the notice is one HTML page whose print CSS (A4, the
header row repeated on every page, page numbers in the page's bottom margin) is what anyone
printing it from a browser gets too, so the PDF and the printed page cannot disagree, and
zoufang takes on no Python dependency for it. Chromium draws the ``@page`` margin boxes
(``counter(page)``, ``counter(pages)``) since version 131. The browser is found in
``$ZOUFANG_BROWSER`` or on ``PATH`` (``chromium``, ``chromium-browser``, ``google-chrome``,
``google-chrome-stable``); scripts/browser.sh installs Debian's chromium and fonts-noto-cjk.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from zoufang.errors import ZoufangError
from zoufang.i18n import _
from zoufang.private_files import open_private

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Seconds a browser may take to print a notice (a township's list takes a few).
TIMEOUT = 180


def find_browser() -> str | None:
    """The headless browser to print with: ``$ZOUFANG_BROWSER``, else the first on PATH."""
    chosen = os.environ.get("ZOUFANG_BROWSER")
    if chosen:
        return shutil.which(chosen)
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str, out: Path, *, browser: str) -> None:
    """Print ``html`` (a self-contained page: no network, no script) to the PDF ``out``."""
    with tempfile.TemporaryDirectory(prefix="zoufang-pdf-") as tmp:
        work = Path(tmp)
        page = work / "notice.html"
        page.write_text(html, encoding="utf-8")
        printed = work / "notice.pdf"
        command = [
            browser,
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            "--no-pdf-header-footer",  # the page's own footer (page numbers) only
            f"--user-data-dir={work / 'profile'}",
            f"--print-to-pdf={printed}",
            page.as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to run as root with it
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ZoufangError(
                "--format", _("the browser could not print the notice: {error}").format(error=exc)
            ) from None
        if not printed.exists() or printed.stat().st_size == 0:
            last = (result.stderr or "").strip().splitlines()[-1:] or [str(result.returncode)]
            raise ZoufangError(
                "--format",
                _("the browser could not print the notice: {error}").format(error=last[0]),
            )
        # copied, not moved: the browser's file has the browser's mode; ours is 0600
        with open(printed, "rb") as source, os.fdopen(open_private(out), "wb") as target:
            shutil.copyfileobj(source, target)
