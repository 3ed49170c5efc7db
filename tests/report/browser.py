"""Headless Chromium for the evidence page, set up once: the page tests and
scripts/template_report_shots.py drive the same browser with the same flags and viewport."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

CHROME = os.environ.get("CHROME_BIN") or shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
HEIGHT = 1400


def available() -> bool:
    return Path(CHROME).exists() and Path(DRIVER).exists()


def start(profile: Path) -> Any:
    """A headless Chromium with its own profile folder, its console log kept for the tests."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROME
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=options)


def open_page(browser: Any, page: Path, width: int, dark: bool = False) -> None:
    """Load `page` in a viewport `width` px wide (a phone's below 600 px), light or dark."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]},
    )
    browser.get(page.as_uri())


def overflow(browser: Any) -> int:
    """How many px the page is wider than the viewport (wide tables must scroll in their box)."""
    return int(
        browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    )
