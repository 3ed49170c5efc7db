"""The web page in headless Chromium: submit a ticket, approve the refund, see it complete.

The reviewer sees the customer's ticket and order next to the proposed action, as text: a ticket
holding markup shows it, never renders it. The test also writes the README's screenshot when
asked: `SCREENSHOT_PATH=docs/screenshot.png pytest tests/test_browser.py`.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.test_restart import ROOT, service

pytestmark = pytest.mark.browser


def _driver():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    binary = os.environ.get("CHROME_BIN") or shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    if not (Path(binary).exists() and driver_path and Path(driver_path).exists()):
        if os.environ.get("TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(f"no Chromium at {binary} / chromedriver at {driver_path}")
        pytest.skip("no Chromium/chromedriver (set CHROME_BIN and CHROMEDRIVER)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--window-size=1100,1500",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(driver_path), options=options)


def _wait(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting in the browser")


HOSTILE = (
    "My trail running shoes (order #1001) arrived damaged.\n"
    "The sole is cracked <img src=x onerror=\"document.title='pwned'\">\n"
    "Thanks, Ada"
)


def test_submit_review_approve_and_watch(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    # With API_TOKEN set (as in production) runs, approvals and the event stream need it too.
    token = "browser-test-token"
    env = {"DATA_DIR": str(tmp_path / "data"), "ENVIRONMENT": "test", "API_TOKEN": token}
    with service(env, tmp_path) as (client, _):
        driver = _driver()
        try:
            driver.get(str(client.base_url))
            _wait(lambda: "no LLM" in driver.find_element(By.ID, "policy").text)
            hint = _wait(lambda: driver.find_element(By.ID, "auth-error").text)
            assert "API token" in hint
            driver.find_element(By.ID, "token").send_keys(token)
            driver.find_element(By.ID, "subject").send_keys("Cracked sole")
            # send_keys would press Enter for "\n": set the textarea's value as pasted text.
            body = driver.find_element(By.ID, "body")
            driver.execute_script("arguments[0].value = arguments[1]", body, HOSTILE)
            driver.find_element(By.ID, "submit").click()
            item = _wait(
                lambda: driver.find_elements(By.CSS_SELECTOR, "#approvals li[data-approval-id]")
            )[0]
            # The proposed action as a sentence, the order and its customer, the ticket itself.
            action = item.find_element(By.CSS_SELECTOR, ".action").text
            assert action == "Refund $89.00 on order 1001 (reason: damaged item)"
            customer = item.find_element(By.CSS_SELECTOR, ".customer").text
            assert "Ada Lovelace <ada@example.com>" in customer
            assert "30-day refund window open until" in item.text
            assert item.find_element(By.CSS_SELECTOR, ".ticket-subject").text == "Cracked sole"
            # Shown as the customer wrote it: line breaks kept, markup as text, nothing run.
            ticket = item.find_element(By.CSS_SELECTOR, ".ticket-body")
            assert ticket.text == HOSTILE
            assert not driver.find_elements(By.CSS_SELECTOR, "#approvals img")
            assert driver.title != "pwned"
            assert "{" not in item.text and "\\n" not in item.text
            item.find_element(By.CSS_SELECTOR, "input.comment").send_keys("photo checks out")
            item.find_element(By.CSS_SELECTOR, "button.approve").click()
            _wait(lambda: driver.find_element(By.ID, "run-status").text == "completed")
            events = driver.find_element(By.ID, "events").text
            assert "waiting for approval: Refund $89.00 on order 1001" in events
            assert "ok: Refund $89.00 on order 1001 (reason: damaged item) (approved by" in events
            assert "finished: completed (refunded)" in events
            # The drafted reply reads as a letter: no JSON, real line breaks.
            reply = driver.find_element(By.CSS_SELECTOR, "#events .draft-body").text
            assert reply.startswith("Hello,\n\nYour refund has been issued;"), reply
            assert "{" not in events and "\\n" not in events
            run_ticket = driver.find_element(By.CSS_SELECTOR, "#run-ticket .ticket-body")
            assert run_ticket.text == HOSTILE
            assert not driver.find_elements(By.CSS_SELECTOR, "#run-ticket img")

            # A second ticket waits for review while the first run's reply is on screen.
            driver.find_element(By.ID, "subject").clear()
            driver.find_element(By.ID, "subject").send_keys("Lamp stopped working")
            driver.find_element(By.ID, "body").send_keys(
                "Order 1004: the desk lamp is defective, it stopped working after two days."
            )
            driver.find_element(By.ID, "submit").click()
            _wait(
                lambda: (
                    "Refund $45.00 on order 1004" in driver.find_element(By.ID, "approvals").text
                )
            )
            first = client.get("/runs", headers={"Authorization": f"Bearer {token}"}).json()[-1]
            # In one script: the table is re-rendered every few seconds under the test.
            driver.execute_script(
                "document.querySelector(arguments[0]).click()", f"tr[data-run-id='{first['id']}']"
            )
            _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "#events .draft-body"))
            # Relative to the project (the tests run in a temporary directory).
            shot = ROOT / os.environ.get("SCREENSHOT_PATH", tmp_path / "page.png")
            # The whole page in one picture: the window grows to the document's height.
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(1100, int(height) + 140)
            assert driver.save_screenshot(str(shot))
            assert shot.read_bytes().startswith(b"\x89PNG")
        finally:
            driver.quit()
        assert client.get("/runs").status_code == 401
        runs = client.get("/runs", headers={"Authorization": f"Bearer {token}"}).json()
        assert [run["outcome"] for run in runs] == [None, "refunded"]
