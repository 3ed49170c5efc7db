"""The evidence page in headless Chromium: no console errors, every chart drawn, the sample table
sorts and filters, links resolve, no serious accessibility violations (axe-core), and screenshots
at 1280 and 390 pixels in light and dark mode."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.report.browser import CHROME, DRIVER, available, open_page, overflow, start
from tests.report.conftest import Reports, harness

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "report"


def _missing(what: str) -> None:
    # The set-up script installs both; on CI a missing one is a failure, not a skip.
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing on CI: run the README's test set-up")
    pytest.skip(f"needs {what}")


@pytest.fixture(scope="module")
def page(reports: Reports, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("page") / "report.html"
    result = harness(
        "report",
        "--audit",
        str(reports.audit),
        "--eval",
        str(reports.eval),
        "--history",
        str(reports.history),
        "--load",
        str(reports.load),
        "--repo-url",
        "https://github.com/someone/proj",
        "-o",
        str(out),
        cwd=out.parent,
    )
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not available():
        _missing(f"Chromium at {CHROME} and chromedriver at {DRIVER}")
    driver = start(tmp_path_factory.mktemp("profile"))
    yield driver
    driver.quit()


def test_no_console_errors_and_every_chart_drawn(
    browser: Any, page: Path, reports: Reports
) -> None:
    open_page(browser, page, 1280)
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []
    metrics = json.loads(reports.eval.read_text())["metrics"]
    measured = sum(1 for m in metrics.values() if m["measured"])
    # audit categories + one histogram per measured metric + latency + 3 trend + load
    expected = 1 + measured + 1 + 3 + 1
    charts = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg.chart')).map("
        "s => [s.getAttribute('aria-label'), s.getBoundingClientRect().width])"
    )
    assert len(charts) == expected
    assert all(label and width > 100 for label, width in charts)


def test_sample_table_sorts_and_filters(browser: Any, page: Path) -> None:
    from selenium.webdriver.common.by import By

    open_page(browser, page, 1280)
    table = browser.find_element(By.ID, "samples-table")
    headers = table.find_elements(By.CSS_SELECTOR, "thead th")
    latency_col = next(i for i, h in enumerate(headers) if h.text.startswith("Latency"))

    def latencies() -> list[float]:
        cells = browser.execute_script(
            "return Array.from(document.querySelectorAll('#samples-table tbody tr'))"
            f".map(r => r.cells[{latency_col}].getAttribute('data-value'))"
        )
        return [float(c) for c in cells]

    headers[latency_col].find_element(By.TAG_NAME, "button").click()
    assert latencies() == sorted(latencies())
    assert headers[latency_col].get_attribute("aria-sort") == "ascending"
    headers[latency_col].find_element(By.TAG_NAME, "button").click()
    assert latencies() == sorted(latencies(), reverse=True)

    box = browser.find_element(By.ID, "sample-filter")
    box.send_keys("variant 42)")
    visible = browser.execute_script(
        "return Array.from(document.querySelectorAll('#samples-table tbody tr'))"
        ".filter(r => !r.hidden).map(r => r.cells[0].textContent.trim())"
    )
    assert visible == ["q042"]
    assert browser.find_element(By.ID, "sample-count").text == "1 shown"


def test_links_resolve(browser: Any, page: Path, reports: Reports) -> None:
    open_page(browser, page, 1280)
    anchors = browser.execute_script(
        "return Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))"
    )
    internal = [a for a in anchors if a.startswith("#")]
    assert internal  # the section nav
    for href in internal:
        assert browser.execute_script(
            "return document.getElementById(arguments[0]) !== null", href[1:]
        ), href
    audit = json.loads(reports.audit.read_text())
    ref = audit["commit"] or "HEAD"
    external = [a for a in anchors if not a.startswith("#")]
    evidence = [a for a in external if a.startswith("https://github.com/someone/proj/")]
    assert evidence
    assert all(a.startswith(f"https://github.com/someone/proj/blob/{ref}/") for a in evidence)
    assert all(a.startswith("https://") for a in external)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_accessible_at_both_widths(browser: Any, page: Path, width: int, dark: bool) -> None:
    if not AXE.exists():
        _missing(f"axe-core at {AXE} (npm ci --prefix tests/report)")
    open_page(browser, page, width, dark)
    assert overflow(browser) <= 0  # wide tables scroll inside their own box, not the page
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations));"
    )
    serious = [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in result
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / f"report-{width}-{'dark' if dark else 'light'}.png"))
