"""The web page in headless Chromium: upload a file, ask, click a citation and see the cited
sentence marked in its chunk; delete a document after confirming, with a hostile title."""

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
        if os.environ.get("TEST_REQUIRE_BROWSER") == "1":  # CI: a missing browser is a failure
            pytest.fail(f"no Chromium at {CHROME} / chromedriver at {DRIVER}")
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
    # The cited sentence is marked inside the whole chunk, and the answer quotes it.
    marks = item.find_elements(By.TAG_NAME, "mark")
    assert [m.text for m in marks] == [
        "Full-time staff receive 27 days of paid annual leave plus public holidays."
    ]
    assert len(item.find_element(By.TAG_NAME, "p").text) > len(marks[0].text) + 40
    assert marks[0].text in " ".join(browser.find_element(By.ID, "answer").text.split())


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    """Writes need the token; set before `server` builds the app."""
    monkeypatch.setenv("API_TOKEN", "token-for-the-page")
    return "token-for-the-page"


def test_delete_a_document_after_confirming(
    token: str, server: str, browser, tmp_path: Path
) -> None:
    import httpx
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    hostile = '<img src=x onerror="document.title=1"> Plan & "notes"'
    note = tmp_path / "plan.md"
    note.write_text(f"# {hostile}\n\nThe launch moves to March because the supplier is late.\n")
    wait = WebDriverWait(browser, 60)
    browser.get(server)
    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.ID, "file").send_keys(str(note))
    browser.find_element(By.ID, "upload").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "documents"), "plan.md"))
    listed = browser.find_element(By.CSS_SELECTOR, "#documents li")
    assert listed.find_elements(By.TAG_NAME, "img") == []
    assert listed.text.startswith(f"{hostile} (plan.md, 1 chunks)")
    delete = listed.find_element(By.CSS_SELECTOR, "button.delete")
    assert delete.get_attribute("aria-label") == f"Delete {hostile}"

    def confirm(accept: bool) -> str:
        browser.find_element(By.CSS_SELECTOR, "#documents button.delete").click()
        alert = wait.until(ec.alert_is_present())
        text = str(alert.text)
        alert.accept() if accept else alert.dismiss()
        return text

    # Cancelled: nothing is sent, the document stays.
    assert confirm(False) == f'Delete "{hostile}" (plan.md) and its 1 chunks?'
    assert len(httpx.get(f"{server}/documents").json()) == 1
    # Without the token the API refuses, and the page says why.
    browser.find_element(By.ID, "token").clear()
    confirm(True)
    wait.until(ec.text_to_be_present_in_element((By.ID, "upload-status"), "Delete failed"))
    assert "invalid or missing API token" in browser.find_element(By.ID, "upload-status").text
    assert len(httpx.get(f"{server}/documents").json()) == 1
    # With it, the document and its chunks go.
    browser.find_element(By.ID, "token").send_keys(token)
    confirm(True)
    wait.until(ec.text_to_be_present_in_element((By.ID, "upload-status"), "Deleted plan.md."))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#documents li") == [])
    assert httpx.get(f"{server}/documents").json() == []
    gone = httpx.post(f"{server}/ask", json={"question": "When does the launch move?"}, timeout=60)
    assert (gone.json()["retrieved"], gone.json()["citations"]) == ([], [])
    assert browser.title == "RAG Q&A"


def test_screenshot_script_renders_the_page(browser, tmp_path: Path) -> None:
    """docs/screenshot.png comes from scripts/screenshot.py: it must keep working."""
    import struct
    import subprocess
    import sys

    del browser  # requested for its Chromium check only
    output = tmp_path / "shot.png"
    project = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "scripts/screenshot.py", "--output", str(output), "--width", "390",
         "--height", "844"],
        cwd=project, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = output.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (390, 844)
