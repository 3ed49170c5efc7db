"""Regenerate docs/screenshot.png from a real run: the app on a scratch data dir with the
sample documents, offline mode, driven in headless Chromium (needs the dev requirements and
Chromium + chromedriver).

    python scripts/screenshot.py [--output docs/screenshot.png] [--width 1280] [--dark]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from app_screenshot import PROJECT, run
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

QUESTION = "How many days of annual leave do full-time staff get?"


def settings(scratch: Path) -> dict[str, str]:
    return {"ENVIRONMENT": "development", "LLM_PROVIDER": "offline", "DATA_DIR": str(scratch),
            "VECTOR_STORE": "sqlite", "LOG_LEVEL": "WARNING"}  # fmt: skip


def drive(driver: Any, base: str) -> None:
    for path in sorted((PROJECT / "sample_docs").iterdir()):
        files = {"file": (path.name, path.read_bytes())}
        httpx.post(f"{base}/documents", files=files, timeout=120).raise_for_status()
    wait = WebDriverWait(driver, 120)
    driver.get(base + "/")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#documents li")))
    driver.find_element(By.ID, "question").send_keys(QUESTION)
    driver.find_element(By.ID, "ask").click()
    link = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#answer a.citation-link")))
    link.click()  # marks the citation and scrolls its cited sentence into view


if __name__ == "__main__":
    raise SystemExit(
        run(__doc__, settings, drive, height=820, ready="/readyz", unset=("API_TOKEN",))
    )
