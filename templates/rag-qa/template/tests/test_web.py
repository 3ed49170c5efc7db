"""The web page in headless Chromium: upload a file, ask, click a citation."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SAMPLES

pytestmark = pytest.mark.browser

CHROME = os.environ.get("CHROME_BIN") or shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture
def server() -> Iterator[str]:
    import uvicorn

    from app.main import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    if not (Path(CHROME).exists() and Path(DRIVER).exists()):
        pytest.skip(
            f"needs Chromium at {CHROME} and chromedriver at {DRIVER} "
            "(Debian: apt-get install chromium chromium-driver)"
        )
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
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def test_upload_ask_and_click_citation(server: str, browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60)
    browser.get(server)
    assert "Ask your documents" in browser.page_source
    browser.find_element(By.ID, "file").send_keys(str(SAMPLES / "handbook.md"))
    browser.find_element(By.ID, "upload").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "upload-status"), "created"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "documents"), "Employee Handbook"))

    browser.find_element(By.ID, "question").send_keys("How many days of annual leave?")
    browser.find_element(By.ID, "ask").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#answer a.citation-link")))
    assert "27 days" in browser.find_element(By.ID, "answer").text
    link = browser.find_element(By.CSS_SELECTOR, "#answer a.citation-link")
    link.click()
    target = link.get_attribute("href").split("#", 1)[1]
    item = browser.find_element(By.ID, target)
    assert "active" in item.get_attribute("class")
    assert "annual leave" in item.text
    browser.save_screenshot(str(tmp_path / "page.png"))
