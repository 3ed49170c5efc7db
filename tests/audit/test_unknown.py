"""Unknown is a verdict: a check that applies but cannot be decided says so, with the reason,
is left out of the score, lowers the coverage, and can fail the run through --min-coverage."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from harness.cli import main
from tests.audit.project import GOOD, write_project
from tests.audit.test_formats import sarif_schema

# Valid Python whose expression is deep enough that recursive AST walks give up.
DEEP_SUM = " + ".join(["1"] * 900)
DEEP_CORS = f"""\
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True, max_age={DEEP_SUM})
"""
# The annotation is unparsed to look for UploadFile: a recursive walk that gives up.
DEEP_UPLOAD = f"""\
from fastapi import UploadFile


async def upload(n: {DEEP_SUM}, file: UploadFile):
    return n
"""
# Deeper still: the parser itself gives up (RecursionError during AST construction).
TOO_DEEP_UPLOAD = (
    "from fastapi import UploadFile\n\n\nasync def upload(file: UploadFile):\n"
    f"    return {' + '.join(['1'] * 5000)}\n"
)


def run(root: Path, *args: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(main, ["audit", str(root), "--format", "json", *args])
    assert not result.stderr, result.stderr
    return result.exit_code, json.loads(result.stdout)


def check(report: dict[str, object], check_id: str) -> dict[str, object]:
    return next(c for c in report["checks"] if c["id"] == check_id)  # type: ignore[attr-defined]


def test_deep_expression_makes_a_detector_unknown_not_na(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {**GOOD, "app/deep.py": DEEP_UPLOAD})
    code, report = run(root)
    upload = check(report, "upload-size-limit")
    assert upload["status"] == "unknown"
    assert upload["message"] == (
        "could not decide: code nested too deep to analyse in app/deep.py (RecursionError)"
    )
    assert report["summary"]["unknown"] >= 1  # type: ignore[index]
    security = report["score"]["categories"]["security"]  # type: ignore[index]
    assert security["unknown"] == 1
    assert security["coverage"] == {"decided": 5, "applicable": 6, "percent": 83.3}
    assert security["score"] == 100.0  # unknown is left out of the score, not counted as a pass
    assert code == 0  # no coverage floor set


def test_deep_expression_does_not_evade_cors(tmp_path: Path) -> None:
    _, report = run(write_project(tmp_path / "p", {**GOOD, "app/deep.py": DEEP_CORS}))
    cors = check(report, "cors-safe")
    assert cors["status"] == "fail"
    assert {"path": "app/deep.py", "line": 5, "note": "allow_origins=['*'] + credentials"} in (
        cors["evidence"]  # type: ignore[operator]
    )


def test_unparsable_candidate_makes_a_check_unknown(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {**GOOD, "app/big.py": TOO_DEEP_UPLOAD})
    _, report = run(root)
    upload = check(report, "upload-size-limit")
    assert upload["status"] == "unknown"
    assert upload["message"] == (
        "could not decide: app/big.py: nested too deep to parse (RecursionError)"
    )
    assert upload["evidence"][0] == {  # type: ignore[index]
        "path": "app/big.py",
        "line": None,
        "note": "could not be parsed",
    }


def test_syntax_error_in_the_only_upload_module_is_unknown_not_na(tmp_path: Path) -> None:
    broken = "from fastapi import UploadFile\n\nasync def upload(file: UploadFile:\n    pass\n"
    main_py = GOOD["app/main.py"].replace("UploadFile", "File")
    root = write_project(tmp_path / "p", {**GOOD, "app/main.py": main_py, "app/up.py": broken})
    _, report = run(root)
    upload = check(report, "upload-size-limit")
    assert upload["status"] == "unknown"
    assert str(upload["message"]).startswith("could not decide: app/up.py:3: invalid Python:")


def test_min_coverage_fails_the_run(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {**GOOD, "app/deep.py": DEEP_UPLOAD})
    code, report = run(root, "--min-coverage", "100")
    assert code == 1
    coverage = report["coverage"]  # type: ignore[index]
    assert coverage["applicable"] - coverage["decided"] == 1  # type: ignore[index]
    reasons = report["result"]["reasons"]  # type: ignore[index]
    assert reasons == [
        f"coverage {coverage['percent']:g}% ({coverage['decided']}/{coverage['applicable']} "  # type: ignore[index]
        "applicable checks decided) is below 100%"
    ]
    assert report["result"]["min_coverage"] == 100.0  # type: ignore[index]
    assert run(root, "--min-coverage", "90")[0] == 0


def test_min_coverage_from_pyproject(tmp_path: Path) -> None:
    pyproject = GOOD["pyproject.toml"] + "\n[tool.harness]\nmin-coverage = 99.5\n"
    files = {**GOOD, "app/deep.py": DEEP_UPLOAD, "pyproject.toml": pyproject}
    code, report = run(write_project(tmp_path / "p", files))
    assert code == 1
    assert report["result"]["min_coverage"] == 99.5  # type: ignore[index]


def test_good_project_has_full_coverage(tmp_path: Path) -> None:
    code, report = run(write_project(tmp_path / "p", dict(GOOD)), "--min-coverage", "100")
    assert code == 0
    assert report["coverage"]["percent"] == 100.0  # type: ignore[index]


def test_every_format_shows_unknown_with_reason_and_coverage(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {**GOOD, "app/deep.py": DEEP_UPLOAD})
    reason = "could not decide: code nested too deep to analyse in app/deep.py (RecursionError)"
    runner = CliRunner()

    table = runner.invoke(main, ["audit", str(root)]).stdout
    assert "UNKNOWN" in table and "security/upload-size-limit" in table
    assert "Coverage: " in table and "unknown, left out of the score" in table

    markdown = runner.invoke(main, ["audit", str(root), "-f", "markdown"]).stdout
    assert "### Undecided checks (unknown: left out of the score, counted in coverage)" in markdown
    assert f"| high | `upload-size-limit` Upload routes enforce a size limit | {reason} |" in (
        markdown
    )
    assert "| security | 100 | 83.3% | 5 | 0 | 1 | 0 | 0 |" in markdown

    sarif = json.loads(runner.invoke(main, ["audit", str(root), "-f", "sarif"]).stdout)
    jsonschema.validate(sarif, sarif_schema())
    open_results = [r for r in sarif["runs"][0]["results"] if r.get("kind") == "open"]
    assert ("upload-size-limit", "none") in [(r["ruleId"], r["level"]) for r in open_results]
    open_results = [r for r in open_results if r["ruleId"] == "upload-size-limit"]
    assert open_results[0]["message"]["text"].endswith(reason)
    assert sarif["runs"][0]["properties"]["coverage"]["applicable"] > 0

    junit = ET.fromstring(runner.invoke(main, ["audit", str(root), "-f", "junit"]).stdout)
    security = next(s for s in junit if s.get("name") == "security")
    case = next(c for c in security if c.get("name") == "upload-size-limit")
    skipped = case.find("skipped")
    assert skipped is not None and skipped.get("message") == f"unknown: {reason}"
    prop = security.find("properties/property")
    assert prop is not None and prop.get("value") == "83.3% (5/6 applicable checks decided)"
