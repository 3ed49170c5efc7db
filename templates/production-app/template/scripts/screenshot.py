"""Regenerate docs/screenshot.png from a real run: the app on a scratch SQLite file, offline
provider, driven in headless Chromium (needs the dev requirements and Chromium + chromedriver).

    python scripts/screenshot.py [--output docs/screenshot.png] [--width 1280] [--dark]
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import httpx
from app_screenshot import run
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

# A fresh admin token for the throwaway app, never a fixed one.
ADMIN_TOKEN = secrets.token_urlsafe(24)
MESSAGES = [
    "Summarise: The pilot cut onboarding time from ten days to five. New hires rated the buddy "
    "system highest. Managers asked for a shorter first-week checklist.",
    "Now as three bullet points, please.",
]


def settings(scratch: Path) -> dict[str, str]:
    # Its own database, the offline provider, one message a minute so the page also shows how a
    # refused message looks.
    return {
        "ENVIRONMENT": "development", "LLM_PROVIDER": "offline", "API_TOKEN": ADMIN_TOKEN,
        "DATABASE_URL": f"sqlite:///{scratch / 'app.db'}", "RATE_LIMIT_PER_MINUTE": "1",
    }  # fmt: skip


def drive(driver: Any, base: str) -> None:
    key = httpx.post(
        f"{base}/users", json={"email": "you@example.com"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    ).json()["api_key"]  # fmt: skip
    driver.get(base + "/")
    driver.find_element(By.ID, "api-key").send_keys(key)
    wait = WebDriverWait(driver, 30)
    for count, text in enumerate(MESSAGES):
        box = driver.find_element(By.ID, "message")
        box.clear()
        box.send_keys(text)
        driver.find_element(By.ID, "send").click()
        wait.until(
            # The first is answered (2 bubbles), the second refused (1 more).
            lambda d, n=count: (
                len(d.find_elements(By.CSS_SELECTOR, "#conversation .msg")) >= n + 2
                and d.find_element(By.ID, "send").is_enabled()
            )
        )


if __name__ == "__main__":
    unset = ("REDIS_URL", "LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY")
    raise SystemExit(run(__doc__, settings, drive, height=900, unset=unset))
