"""The chat page in headless Chromium: paste a key, chat, send a thumbs-down with a comment;
refused messages marked as not sent with the server's reason; readable at phone and desktop
widths, in light and dark mode."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import select

from app.core.db import session_scope
from app.models import Feedback
from tests.conftest import ADMIN_TOKEN, make_client

CHROME_BIN = os.environ.get("CHROME_BIN") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = (
    os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server() -> Iterator[str]:
    from app.main import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_config=None)
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not instance.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(10)


@pytest.fixture
def browser() -> Iterator[object]:
    if not (os.path.exists(CHROME_BIN) and os.path.exists(CHROMEDRIVER)):
        if os.environ.get("TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(f"no Chromium at {CHROME_BIN} / chromedriver at {CHROMEDRIVER}")
        pytest.skip("Chromium or chromedriver not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROME_BIN
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-dev-shm-usage"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.mark.browser
def test_chat_and_feedback_in_the_browser(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    # A user made through the admin API of the same database.
    with make_client() as client:
        response = client.post(
            "/users", json={"email": "browser@example.com"},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )  # fmt: skip
        key = response.json()["api_key"]

    driver = browser
    wait = WebDriverWait(driver, 15)  # type: ignore[arg-type]
    driver.get(server + "/")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "api-key").send_keys(key)  # type: ignore[attr-defined]
    driver.find_element(By.ID, "message").send_keys(  # type: ignore[attr-defined]
        "The pilot cut onboarding time in half. New hires liked the buddy system most."
    )
    driver.find_element(By.ID, "send").click()  # type: ignore[attr-defined]
    reply = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".msg.assistant")))
    assert "Offline mode" in reply.text
    assert "offline-extractive" in reply.text  # the meta line: model, route, cost, latency

    driver.execute_script("window.prompt = () => 'missed the main point';")  # type: ignore[attr-defined]
    reply.find_element(By.CSS_SELECTOR, "button[data-up='false']").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".feedback"), "Thanks"))

    with make_client() as client:
        auth = {"Authorization": f"Bearer {key}"}
        conversation = client.get("/conversations", headers=auth).json()[0]["id"]
        messages = client.get(f"/conversations/{conversation}/messages", headers=auth).json()
        assert [m["role"] for m in messages] == ["user", "assistant"]
    with session_scope() as session:
        stored = session.scalars(select(Feedback)).one()
    assert (stored.thumbs_up, stored.comment) == (False, "missed the main point")

    # A missing key shows the API's error instead of failing silently.
    driver.execute_script("sessionStorage.clear()")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "api-key").clear()  # type: ignore[attr-defined]
    driver.find_element(By.ID, "message").send_keys("Hello again.")  # type: ignore[attr-defined]
    driver.find_element(By.ID, "send").click()  # type: ignore[attr-defined]
    wait.until(ec.text_to_be_present_in_element((By.ID, "status"), "API key"))


@pytest.fixture
def tight_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Limits a page can hit in a few messages; set before `server` builds the app."""
    from app.core.config import get_settings

    monkeypatch.setenv("MAX_BODY_BYTES", "20000")
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "1")
    get_settings.cache_clear()


def _send(driver: object, text: str) -> None:
    from selenium.webdriver.common.by import By

    # Long texts through the DOM: typing 30,000 keys would take minutes.
    driver.execute_script(  # type: ignore[attr-defined]
        "document.getElementById('message').value = arguments[0];", text
    )
    driver.find_element(By.ID, "send").click()  # type: ignore[attr-defined]


@pytest.mark.browser
def test_refused_messages_are_marked_not_sent(
    tight_limits: None, server: str, browser: object
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with make_client() as client:
        key = client.post(
            "/users", json={"email": "refused@example.com"},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        ).json()["api_key"]  # fmt: skip

    driver = browser
    wait = WebDriverWait(driver, 15)  # type: ignore[arg-type]
    driver.get(server + "/")  # type: ignore[attr-defined]
    hint = driver.find_element(By.ID, "key-hint").text  # type: ignore[attr-defined]
    assert "python -m app.admin create-user you@example.com" in hint

    def bubbles() -> list[object]:
        return driver.find_elements(By.CSS_SELECTOR, "#conversation .msg")  # type: ignore[attr-defined,no-any-return]

    def settled(count: int) -> object:
        # The send button comes back once the answer (or the refusal) is in.
        return wait.until(
            lambda d: len(bubbles()) >= count and d.find_element(By.ID, "send").is_enabled()
        )

    # No key: 401. The markup in the message is shown as text, never run as HTML.
    _send(driver, "<b>Hello</b> <img src=x onerror=\"document.title='pwned'\">")
    settled(1)
    key_box = driver.find_element(By.ID, "api-key")  # type: ignore[attr-defined]
    key_box.send_keys(key)
    _send(driver, "x" * 30_000)  # over MAX_BODY_BYTES: 413
    settled(2)
    _send(driver, "y" * 8001)  # over MAX_INPUT_CHARS: 422
    settled(3)
    _send(driver, "Summarise: the new office opens in May. Parking is free for staff.")
    settled(5)  # the message and its answer
    _send(driver, "And in one line?")  # RATE_LIMIT_PER_MINUTE=1: 429
    settled(6)

    shown = [
        (node.get_attribute("class"), node.get_attribute("data-status"))  # type: ignore[attr-defined]
        for node in bubbles()
    ]
    assert shown == [
        ("msg user refused", "401"),
        ("msg user refused", "413"),
        ("msg user refused", "422"),
        ("msg user", None),
        ("msg assistant", None),
        ("msg user refused", "429"),
    ]
    notes = [n.text for n in driver.find_elements(By.CSS_SELECTOR, ".refusal")]  # type: ignore[attr-defined]
    assert notes[0].startswith("Not sent (401): ") and "API key" in notes[0]
    assert notes[1] == "Not sent (413): request body larger than 20000 bytes"
    assert notes[2].startswith("Not sent (422): message: String should have at most 8000")
    assert notes[3].startswith("Not sent (429): ") and "retry in" in notes[3]
    first = bubbles()[0]
    assert first.find_elements(By.TAG_NAME, "b") == []  # type: ignore[attr-defined]
    assert "<b>Hello</b>" in first.text  # type: ignore[attr-defined]
    assert driver.title == "Writing assistant"  # type: ignore[attr-defined]
    # What the page shows as sent is what the server stored.
    with make_client() as client:
        auth = {"Authorization": f"Bearer {key}"}
        conversation = client.get("/conversations", headers=auth).json()[0]["id"]
        messages = client.get(f"/conversations/{conversation}/messages", headers=auth).json()
    assert [m["role"] for m in messages] == ["user", "assistant"]


@pytest.mark.browser
def test_page_fits_phone_and_desktop_in_light_and_dark(server: str, browser: object) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    overflow = "return document.documentElement.scrollWidth - window.innerWidth"
    colours = "const s = getComputedStyle(document.body); return [s.backgroundColor, s.color];"
    seen = {}
    for scheme in ("light", "dark"):
        driver.execute_cdp_cmd(  # type: ignore[attr-defined]
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
        )
        for width, height in ((390, 844), (1280, 800)):
            driver.execute_cdp_cmd(  # type: ignore[attr-defined]
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
            driver.get(server + "/")  # type: ignore[attr-defined]
            assert driver.execute_script(overflow) <= 0, (scheme, width)  # type: ignore[attr-defined]
            send = driver.find_element(By.ID, "send")  # type: ignore[attr-defined]
            assert send.is_displayed() and send.size["width"] >= 44, (scheme, width)
            seen[scheme] = tuple(driver.execute_script(colours))  # type: ignore[attr-defined]
    assert seen["light"] == ("rgb(246, 247, 249)", "rgb(27, 31, 36)")
    assert seen["dark"] == ("rgb(15, 20, 25)", "rgb(230, 237, 243)")


@pytest.mark.browser
def test_screenshot_script_renders_the_page(browser: object, tmp_path: Path) -> None:
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
        cwd=project, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = output.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (390, 844)
