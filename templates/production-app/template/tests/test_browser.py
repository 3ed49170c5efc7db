"""The chat page in headless Chromium: paste a key, chat, send a thumbs-down with a comment."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator

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
