"""Regenerate docs/screenshot.png from a real run: the app on a scratch SQLite file, offline
provider, driven in headless Chromium (needs the dev requirements and Chromium + chromedriver).

    python scripts/screenshot.py [--output docs/screenshot.png] [--width 1280] [--dark]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
# A fresh admin token for the throwaway app, never a fixed one.
ADMIN_TOKEN = secrets.token_urlsafe(24)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _chrome(width: int, height: int, dark: bool) -> object:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = os.environ.get("CHROME_BIN") or shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = (
        os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
    )
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 "--disable-background-networking", "--disable-dev-shm-usage"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    scheme = "dark" if dark else "light"
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )
    return driver


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=PROJECT / "docs" / "screenshot.png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--dark", action="store_true", help="prefers-color-scheme: dark")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="screenshot-"))
    # A throwaway app: its own database, the offline provider, one message a minute so the
    # page also shows how a refused message looks.
    os.environ.update({
        "ENVIRONMENT": "development", "LLM_PROVIDER": "offline", "API_TOKEN": ADMIN_TOKEN,
        "DATABASE_URL": f"sqlite:///{scratch / 'app.db'}", "RATE_LIMIT_PER_MINUTE": "1",
    })  # fmt: skip
    for name in ("REDIS_URL", "LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(PROJECT))
    import httpx
    import uvicorn
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from app.main import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("the app did not start")
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    driver = _chrome(args.width, args.height, args.dark)
    try:
        key = httpx.post(
            f"{base}/users", json={"email": "you@example.com"},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        ).json()["api_key"]  # fmt: skip
        driver.get(base + "/")  # type: ignore[attr-defined]
        driver.find_element(By.ID, "api-key").send_keys(key)  # type: ignore[attr-defined]
        wait = WebDriverWait(driver, 30)  # type: ignore[arg-type]
        for count, text in enumerate(
            [
                "Summarise: The pilot cut onboarding time from ten days to five. New hires "
                "rated the buddy system highest. Managers asked for a shorter first-week "
                "checklist.",
                "Now as three bullet points, please.",
            ]
        ):
            box = driver.find_element(By.ID, "message")  # type: ignore[attr-defined]
            box.clear()
            box.send_keys(text)
            driver.find_element(By.ID, "send").click()  # type: ignore[attr-defined]
            wait.until(
                # The first is answered (2 bubbles), the second refused (1 more).
                lambda d, n=count: (
                    len(d.find_elements(By.CSS_SELECTOR, "#conversation .msg")) >= n + 2
                    and d.find_element(By.ID, "send").is_enabled()
                )
            )
        args.output.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(args.output))  # type: ignore[attr-defined]
    finally:
        driver.quit()  # type: ignore[attr-defined]
        server.should_exit = True
        thread.join(10)
        shutil.rmtree(scratch, ignore_errors=True)
    print(args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
