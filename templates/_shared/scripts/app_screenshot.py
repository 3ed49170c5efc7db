"""What scripts/screenshot.py needs to retake docs/screenshot.png from a real run: a throwaway
app on a scratch folder served on a free port, headless Chromium at the asked size and colour
scheme, and the PNG saved once the script's own steps have set the page up."""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _chrome(width: int, height: int, dark: bool) -> Any:
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


def _wait_until_up(server: Any, base: str, ready: str | None) -> None:
    import httpx

    deadline = time.monotonic() + 180  # loading an embedding model can take a while
    while not server.started or (ready and httpx.get(base + ready).status_code != 200):
        if time.monotonic() > deadline:
            raise SystemExit("the app did not become ready")
        time.sleep(0.1)


def run(
    doc: str,
    settings: Callable[[Path], dict[str, str]],
    drive: Callable[[Any, str], None],
    *,
    height: int,
    ready: str | None = None,
    unset: tuple[str, ...] = (),
    argv: list[str] | None = None,
) -> int:
    """Serve the app with `settings(scratch)` in its environment (and `unset` removed), wait
    for `ready` to answer 200 if given, let `drive(driver, base_url)` set the page up, then
    save it. `doc` is the calling script's docstring, its first line the --help text."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--output", type=Path, default=PROJECT / "docs" / "screenshot.png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=height)
    parser.add_argument("--dark", action="store_true", help="prefers-color-scheme: dark")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="screenshot-"))
    os.environ.update(settings(scratch))
    for name in unset:
        os.environ.pop(name, None)
    # The app reads its settings when it is built, so it is imported only now.
    sys.path.insert(0, str(PROJECT))
    import uvicorn

    from app.main import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    driver = None
    try:
        _wait_until_up(server, base, ready)
        driver = _chrome(args.width, args.height, args.dark)
        drive(driver, base)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(args.output))
    finally:
        if driver is not None:
            driver.quit()
        server.should_exit = True
        thread.join(10)
        shutil.rmtree(scratch, ignore_errors=True)
    print(args.output)
    return 0
