"""`harness badge` writes one SVG and one shields endpoint JSON per figure, plus a manifest."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema

from .conftest import HERE, Run

SVG = "{http://www.w3.org/2000/svg}"
ALL_REPORTS = ("--audit", "audit.json", "--eval", "eval.json", "--as-of", "2026-11-24")
IDS = ["audit", "eval-hit-5", "eval-faithfulness", "eval-answer-relevancy", "cost"]


def test_one_svg_and_endpoint_per_figure(workdir: Path, run: Run) -> None:
    result = run(*ALL_REPORTS)

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "audit: harness audit: B (87.5/100) [green]\n"
        "eval-hit-5: hit@5: 0.91 (100% measured) [brightgreen]\n"
        "eval-faithfulness: faithfulness: 0.73 (96% measured) [yellowgreen]\n"
        "eval-answer-relevancy: answer_relevancy: unmeasured (0/50) [lightgrey]\n"
        "cost: cost: $0.0012/query [green]\n"
        "updated 11 file(s), 0 unchanged\n"
    )
    written = sorted(path.name for path in (workdir / "badges").iterdir())
    expected = sorted([f"{i}.svg" for i in IDS] + [f"{i}.json" for i in IDS] + ["badges.json"])
    assert written == expected


def test_svgs_parse_and_record_commit_and_date(workdir: Path, run: Run) -> None:
    run(*ALL_REPORTS)

    root = ET.parse(workdir / "badges" / "audit.svg").getroot()
    assert root.tag == f"{SVG}svg"
    assert root.findtext(f"{SVG}title") == "harness audit: B (87.5/100)"
    assert root.findtext(f"{SVG}desc") == (
        "From the audit report of commit 3f2c1e9a7b5d4c3b2a1908f7e6d5c4b3a2910f8e, "
        "generated 2026-11-20."
    )
    cost = ET.parse(workdir / "badges" / "cost.svg").getroot()
    assert cost.get("aria-label") == "cost: $0.0012/query"
    assert cost.findtext(f"{SVG}desc") == (
        "From the eval report of commit 9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b, "
        "generated 2026-11-21."
    )
    for badge_id in IDS:
        ET.parse(workdir / "badges" / f"{badge_id}.svg")


def test_endpoint_json_matches_shields_schema(workdir: Path, run: Run) -> None:
    run(*ALL_REPORTS)
    schema = json.loads((HERE / "shields-endpoint.schema.json").read_text(encoding="utf-8"))

    for badge_id in IDS:
        document = json.loads((workdir / "badges" / f"{badge_id}.json").read_text("utf-8"))
        jsonschema.validate(document, schema)
    audit = json.loads((workdir / "badges" / "audit.json").read_text("utf-8"))
    assert audit == {
        "schemaVersion": 1,
        "label": "harness audit",
        "message": "B (87.5/100)",
        "color": "green",
    }


def test_schema_refuses_extra_keys_as_shields_does() -> None:
    schema = json.loads((HERE / "shields-endpoint.schema.json").read_text(encoding="utf-8"))
    document = {"schemaVersion": 1, "label": "a", "message": "b", "commit": "abc"}

    validator = jsonschema.Draft202012Validator(schema)
    assert [error.message for error in validator.iter_errors(document)] == [
        "Additional properties are not allowed ('commit' was unexpected)"
    ]


def test_manifest_records_commit_and_date(workdir: Path, run: Run) -> None:
    run(*ALL_REPORTS)

    manifest = json.loads((workdir / "badges" / "badges.json").read_text("utf-8"))
    assert manifest["schema_version"] == "1"
    assert manifest["kind"] == "harness-badges"
    assert [entry["id"] for entry in manifest["badges"]] == IDS
    assert manifest["badges"][0] == {
        "id": "audit",
        "label": "harness audit",
        "message": "B (87.5/100)",
        "color": "green",
        "stale": False,
        "svg": "audit.svg",
        "endpoint": "audit.json",
        "source": "audit",
        "commit": "3f2c1e9a7b5d4c3b2a1908f7e6d5c4b3a2910f8e",
        "generated_at": "2026-11-20T10:30:00Z",
    }


def test_same_reports_give_same_bytes(workdir: Path, run: Run) -> None:
    run(*ALL_REPORTS)
    first = {p.name: p.read_bytes() for p in (workdir / "badges").iterdir()}

    result = run(*ALL_REPORTS)

    assert result.stdout.endswith("updated 0 file(s), 11 unchanged\n")
    assert {p.name: p.read_bytes() for p in (workdir / "badges").iterdir()} == first


def test_chosen_metrics_only_and_no_cost(workdir: Path, run: Run) -> None:
    result = run("--eval", "eval.json", "--metric", "faithfulness", "--no-cost")

    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (workdir / "badges").iterdir()) == [
        "badges.json",
        "eval-faithfulness.json",
        "eval-faithfulness.svg",
    ]


def test_separate_runs_keep_each_others_badges(workdir: Path, run: Run) -> None:
    run("--audit", "audit.json")
    run("--eval", "eval.json", "--metric", "hit@5", "--no-cost")
    run("--eval", "eval.json", "--metric", "faithfulness", "--no-cost")

    manifest = json.loads((workdir / "badges" / "badges.json").read_text("utf-8"))
    assert [entry["id"] for entry in manifest["badges"]] == ["audit", "eval-faithfulness"]
    # The metric dropped from the eval run is removed, not left behind to mislead.
    assert not (workdir / "badges" / "eval-hit-5.svg").exists()
    assert (workdir / "badges" / "audit.svg").exists()


def test_check_fails_until_badges_are_written(workdir: Path, run: Run) -> None:
    before = run(*ALL_REPORTS, "--check")
    assert before.exit_code == 1
    assert "would update badges/audit.svg\n" in before.stdout
    assert not (workdir / "badges").exists()

    run(*ALL_REPORTS)
    after = run(*ALL_REPORTS, "--check")

    assert after.exit_code == 0
    assert after.stdout.endswith("badges up to date\n")
