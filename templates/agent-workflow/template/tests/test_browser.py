"""The web page in headless Chromium: submit a ticket, approve the refund, see it complete."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.test_restart import service

pytestmark = pytest.mark.browser


def _driver():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    binary = os.environ.get("CHROME_BIN") or shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    if not (Path(binary).exists() and driver_path and Path(driver_path).exists()):
        pytest.skip("no Chromium/chromedriver (set CHROME_BIN and CHROMEDRIVER)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--window-size=1000,900",
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


def test_submit_approve_and_watch(tmp_path: Path) -> None:
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
            driver.find_element(By.ID, "body").send_keys("Order 1004 arrived damaged, refund it.")
            driver.find_element(By.ID, "submit").click()
            item = _wait(
                lambda: driver.find_elements(By.CSS_SELECTOR, "#approvals li[data-approval-id]")
            )
            assert "issue_refund" in item[0].text and "1004" in item[0].text
            item[0].find_element(By.CSS_SELECTOR, "input.comment").send_keys("looks fine")
            item[0].find_element(By.CSS_SELECTOR, "button.approve").click()
            _wait(lambda: driver.find_element(By.ID, "run-status").text == "completed")
            events = driver.find_element(By.ID, "events").text
            assert "waiting for approval: issue_refund" in events
            assert "finished: completed (refunded)" in events
        finally:
            driver.quit()
        assert client.get("/runs").status_code == 401
        runs = client.get("/runs", headers={"Authorization": f"Bearer {token}"}).json()
        assert runs[0]["outcome"] == "refunded"
