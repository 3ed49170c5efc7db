"""Regenerate docs/screenshot.png from a real run: the app on a scratch data dir with the
sample documents, offline mode, driven in headless Chromium (needs the dev requirements and
Chromium + chromedriver).

    python scripts/screenshot.py [--output docs/screenshot.png] [--width 1280] [--dark]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
QUESTION = "How many days of annual leave do full-time staff get?"


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
    parser.add_argument("--height", type=int, default=820)
    parser.add_argument("--dark", action="store_true", help="prefers-color-scheme: dark")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="screenshot-"))
    os.environ.update({
        "ENVIRONMENT": "development", "LLM_PROVIDER": "offline", "DATA_DIR": str(scratch),
        "VECTOR_STORE": "sqlite", "LOG_LEVEL": "WARNING",
    })  # fmt: skip
    os.environ.pop("API_TOKEN", None)
    sys.path.insert(0, str(PROJECT))
    import httpx
    import uvicorn
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from app.main import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    driver = None
    try:
        deadline = time.monotonic() + 180
        while not server.started or httpx.get(f"{base}/readyz").status_code != 200:
            if time.monotonic() > deadline:
                raise SystemExit("the app did not become ready")
            time.sleep(0.2)
        for path in sorted((PROJECT / "sample_docs").iterdir()):
            files = {"file": (path.name, path.read_bytes())}
            httpx.post(f"{base}/documents", files=files, timeout=120).raise_for_status()
        driver = _chrome(args.width, args.height, args.dark)
        wait = WebDriverWait(driver, 120)  # type: ignore[arg-type]
        driver.get(base + "/")  # type: ignore[attr-defined]
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#documents li")))
        driver.find_element(By.ID, "question").send_keys(QUESTION)  # type: ignore[attr-defined]
        driver.find_element(By.ID, "ask").click()  # type: ignore[attr-defined]
        link = wait.until(
            ec.presence_of_element_located((By.CSS_SELECTOR, "#answer a.citation-link"))
        )
        link.click()  # marks the citation and scrolls its cited sentence into view
        args.output.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(args.output))  # type: ignore[attr-defined]
    finally:
        if driver is not None:
            driver.quit()  # type: ignore[attr-defined]
        server.should_exit = True
        thread.join(10)
        shutil.rmtree(scratch, ignore_errors=True)
    print(args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
