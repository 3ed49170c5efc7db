"""Assemble the evidence page: inputs -> a view model -> one HTML file (Jinja2, inline assets).

Everything shown is computed from the JSON reports given, so any figure on the page can be
recomputed from the same artifacts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import quote

import jinja2

from harness import __version__
from harness.report import charts
from harness.report.history import History

STATUS_ORDER = {"fail": 0, "unknown": 1, "waived": 2, "pass": 3, "na": 4}
MAX_TEXT = 1200  # characters of an answer shown in the table; the full text is in eval JSON


@dataclass
class Inputs:
    audit: dict[str, Any] | None = None
    eval: dict[str, Any] | None = None
    history: History | None = None
    load: list[dict[str, Any]] | None = None
    repo_url: str | None = None
    title: str | None = None
    notes: list[str] = field(default_factory=list)


def render(inputs: Inputs) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters.update(num=_num, pct=_pct, usd=_usd)
    assets = resources.files("harness.report") / "assets"
    template = env.from_string((assets / "page.html.jinja").read_text(encoding="utf-8"))
    return template.render(
        css=(assets / "page.css").read_text(encoding="utf-8"),
        js=(assets / "page.js").read_text(encoding="utf-8"),
        **view(inputs),
    )


def _num(value: object, digits: int = 2) -> str:
    number = _finite(value)
    return "—" if number is None else f"{number:,.{digits}f}"


def _pct(value: object) -> str:
    number = _finite(value)
    return "—" if number is None else f"{number * 100:.0f} %"


def _usd(value: object) -> str:
    number = _finite(value)
    if number is None:
        return "—"
    return f"${number:.4f}" if 0 < abs(number) < 0.01 else f"${number:,.2f}"


def view(inputs: Inputs) -> dict[str, Any]:
    audit = _audit_view(inputs.audit, inputs.repo_url) if inputs.audit else None
    evaluation = _eval_view(inputs.eval) if inputs.eval else None
    commit = (inputs.eval or inputs.audit or {}).get("commit")
    root = (inputs.audit or {}).get("root")
    return {
        "title": inputs.title or (f"{root} — evidence" if root else "Evidence page"),
        "commit": commit,
        "commit_url": _commit_url(inputs.repo_url, commit),
        "generated_at": (inputs.eval or inputs.audit or {}).get("generated_at"),
        "harness_version": __version__,
        "audit": audit,
        "provenance": provenance_view(inputs.audit),
        "eval": evaluation,
        "trend": _trend_view(inputs.history) if inputs.history else None,
        "load": _load_view(inputs.load) if inputs.load else None,
        "notes": inputs.notes,
    }


def _commit_url(repo_url: str | None, commit: object) -> str | None:
    if not repo_url or not isinstance(commit, str):
        return None
    return f"{repo_url.rstrip('/')}/commit/{quote(commit)}"


def evidence_url(repo_url: str | None, commit: object, path: str, line: object) -> str | None:
    """Link evidence to the file and line on the repository's host, at the audited commit."""
    if not repo_url or not path:
        return None
    ref = commit if isinstance(commit, str) and commit else "HEAD"
    url = f"{repo_url.rstrip('/')}/blob/{quote(ref)}/{quote(path)}"
    return f"{url}#L{line}" if isinstance(line, int) and line > 0 else url


def _rationales() -> dict[str, str]:
    from harness.audit.checklist import load_all

    _, checks = load_all([])
    return {check.id: check.rationale for check in checks}


def _audit_view(data: dict[str, Any], repo_url: str | None) -> dict[str, Any]:
    score = data.get("score") or {}
    categories = {
        name: entry.get("score")
        for name, entry in (score.get("categories") or {}).items()
        if isinstance(entry, dict)
    }
    scored = {k: float(v) for k, v in categories.items() if isinstance(v, int | float)}
    rationales = _rationales()
    checks: list[dict[str, Any]] = []
    for check in data.get("checks") or []:
        if not isinstance(check, dict):
            continue
        evidence = [
            {
                "where": f"{e.get('path')}:{e['line']}" if e.get("line") else str(e.get("path")),
                "note": e.get("note") or "",
                "url": evidence_url(
                    repo_url, data.get("commit"), str(e.get("path") or ""), e.get("line")
                ),
            }
            for e in check.get("evidence") or []
            if isinstance(e, dict)
        ]
        checks.append(
            {
                **{k: check.get(k) for k in ("id", "title", "category", "severity", "message")},
                "status": str(check.get("status")),
                "rationale": check.get("rationale") or rationales.get(str(check.get("id")), ""),
                "remediation": check.get("remediation") or "",
                "docs": check.get("docs") or "",
                "evidence": evidence,
            }
        )
    checks.sort(key=lambda c: (STATUS_ORDER.get(str(c["status"]), 5), str(c["id"])))
    summary = data.get("summary") or {}
    coverage = score.get("coverage", data.get("coverage"))
    return {
        "overall": score.get("overall"),
        "grade": score.get("grade"),
        "coverage": coverage if isinstance(coverage, int | float) else None,
        "summary": summary,
        "categories": categories,
        "chart": charts.bars(list(scored), list(scored.values()), "Audit score per category")
        if scored
        else None,
        "checks": checks,
        "attention": [c for c in checks if c["status"] in ("fail", "unknown")],
        "passed_reasons": (data.get("result") or {}).get("reasons") or [],
    }


def provenance_view(audit: dict[str, Any] | None) -> dict[str, Any] | None:
    """The audit's `provenance` object (schema 2.1) as the page shows it: the owner's share
    of lines and files per area against the pristine template, or why it is unknown or does not
    apply. None for reports written before 2.1."""
    found = (audit or {}).get("provenance")
    if not isinstance(found, dict) or found.get("status") not in PROVENANCE_STATUSES:
        return None
    view: dict[str, Any] = {"status": found["status"], "reason": str(found.get("reason") or "")}
    if found["status"] != "measured":
        return view
    areas = [
        {"title": str(entry.get("title") or name), **_area_figures(entry)}
        for name, entry in (found.get("areas") or {}).items()
        if isinstance(entry, dict)
    ]
    total = _area_figures(found.get("total"))
    return view | {
        "template": found.get("template"),
        "commit": found.get("commit"),
        "share": _finite(found.get("owner_share")),
        "total": total,
        "rows": [*areas, {"title": "total", **total}],
        "changes": [c for c in found.get("changes") or [] if isinstance(c, dict)],
    }


PROVENANCE_STATUSES = ("measured", "unknown", "not-applicable")


def _area_figures(entry: object) -> dict[str, Any]:
    data = entry if isinstance(entry, dict) else {}
    files = data.get("files") if isinstance(data.get("files"), dict) else {}
    lines = data.get("lines") if isinstance(data.get("lines"), dict) else {}
    return {"files": files, "lines": lines}


def _finite(value: object) -> float | None:
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def _eval_view(data: dict[str, Any]) -> dict[str, Any]:
    samples = [s for s in data.get("samples") or [] if isinstance(s, dict)]
    metric_names = [str(name) for name in data.get("metrics") or {}]
    metrics = []
    for name in metric_names:
        entry = data["metrics"][name] if isinstance(data["metrics"][name], dict) else {}
        values = [
            v for s in samples if (v := _finite((s.get("scores") or {}).get(name))) is not None
        ]
        metrics.append(
            {
                "name": name,
                "mean": entry.get("mean"),
                "ci95": entry.get("ci95"),
                "coverage": entry.get("coverage"),
                "measured": entry.get("measured"),
                "n": entry.get("n"),
                "unmeasured": entry.get("unmeasured_reasons") or {},
                "chart": charts.histogram(values, f"Distribution of {name} over samples", name)
                if values
                else None,
            }
        )
    latencies = [v for s in samples if (v := _finite(s.get("latency_ms"))) is not None]
    return {
        "metrics": metrics,
        "metric_names": metric_names,
        "rows": _sample_rows(samples, metric_names),
        "latency": data.get("latency_ms") or {},
        "latency_chart": charts.histogram(latencies, "Latency per sample", "latency (ms)", 20)
        if latencies
        else None,
        "cost": data.get("cost") or {},
        "tokens": data.get("tokens") or {},
        "gate": data.get("gate") or {},
        "comparison": data.get("comparison"),
        "dataset": data.get("dataset") or {},
        "judge": data.get("judge"),
    }


def _sample_rows(samples: list[dict[str, Any]], metric_names: list[str]) -> list[dict[str, Any]]:
    rows = []
    for sample in samples:
        scores = sample.get("scores") or {}
        values = [_finite(scores.get(m)) for m in metric_names]
        measured = [v for v in values if v is not None]
        answer = sample.get("response")
        text = answer if isinstance(answer, str) else ""
        rows.append(
            {
                "id": str(sample.get("id")),
                "question": str(sample.get("user_input") or ""),
                "answer": text[:MAX_TEXT] + ("…" if len(text) > MAX_TEXT else ""),
                "contexts": [str(c) for c in sample.get("retrieved_ids") or []],
                "tool_calls": sample.get("tool_calls"),
                "outcome": sample.get("outcome"),
                "scores": values,
                "mean": sum(measured) / len(measured) if measured else None,
                "latency": _finite(sample.get("latency_ms")),
                "cost": _finite(sample.get("cost_usd")),
                "status": str(sample.get("status") or ""),
                "error": sample.get("error"),
            }
        )
    # Worst first: failed samples, then the lowest mean score.
    rows.sort(key=lambda r: (r["status"] == "ok", -1 if r["mean"] is None else r["mean"], r["id"]))
    return rows


def _trend_view(history: History) -> dict[str, Any] | None:
    runs = history.runs[-50:]
    if not runs:
        return None
    labels = [_run_label(run) for run in runs]
    names: list[str] = []
    for run in runs:
        names.extend(n for n in run.get("metrics") or {} if n not in names)
    series = {
        n: [_finite(((r.get("metrics") or {}).get(n) or {}).get("mean")) for r in runs]
        for n in names
    }
    baseline = next((i for i, r in reversed(list(enumerate(runs))) if r.get("baseline")), None)
    p95 = [_finite((r.get("latency_ms") or {}).get("p95")) for r in runs]
    cost = [_finite(r.get("cost_per_query_usd")) for r in runs]
    return {
        "runs": len(runs),
        "skipped_lines": history.skipped_lines,
        "scores": charts.trend(series, labels, "Metric means across runs", "mean", baseline)
        if series
        else None,
        "latency": charts.trend(
            {"p95 latency (ms)": p95}, labels, "p95 latency across runs", "ms", baseline
        ),
        "cost": charts.trend(
            {"$ per query": cost}, labels, "Cost per query across runs", "USD", baseline
        ),
        "table": [
            {
                "label": label,
                "baseline": bool(r.get("baseline")),
                "p95": p,
                "cost": c,
                "means": [series[n][i] for n in names],
            }
            for i, (label, r, p, c) in enumerate(zip(labels, runs, p95, cost, strict=True))
        ],
        "names": names,
    }


def _run_label(run: dict[str, Any]) -> str:
    commit = run.get("commit")
    when = str(run.get("generated_at") or "")[:10]
    return f"{commit[:7]} {when}".strip() if isinstance(commit, str) else when or "run"


def _load_view(stages: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [
        {
            "rate": s.get("rate"),
            "achieved": _finite(s.get("achieved_rps")),
            "ok": s.get("ok"),
            "errors": s.get("errors"),
            "p50": _finite(s.get("p50_ms")),
            "p95": _finite(s.get("p95_ms")),
        }
        for s in stages
    ]
    labels = [f"{r['rate']} rps" for r in rows]
    return {
        "rows": rows,
        "chart": charts.trend(
            {"p50 (ms)": [r["p50"] for r in rows], "p95 (ms)": [r["p95"] for r in rows]},
            labels,
            "Latency per load stage",
            "ms",
        ),
        "sustained": max((r["achieved"] or 0.0 for r in rows if not r["errors"]), default=0.0),
    }
