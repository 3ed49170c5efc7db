"""Each generated CI job passes: its `run:` steps, in order, on this machine.

For every template (default answers), every job of the generated `.github/workflows/ci.yml` runs
in a fresh copy of the project with the workflow's, job's and step's `env`. What a GitHub runner
provides is emulated: `actions/checkout` is the copy, `actions/setup-python` a fresh venv of the
pinned Python put first on PATH, the job's services are the local PostgreSQL and Redis on the
ports the job maps, the runner image's Chrome and chromedriver are the local Chromium's.
Artifacts pass between jobs through a local store (upload-artifact / download-artifact), so the
badges job renders the audit and eval reports of this run. Steps that publish to GitHub are
skipped and listed; the test asserts that list exactly. The run is a push to `main`; the `gh`
CLI is a stand-in that serves one earlier run of main (its harness-eval artifact with a
history), so the eval history is restored and the evidence page's summary compares with it.

The harness is installed as the `harness_requirement` answer says: a wheel of this checkout,
built at test time. rag-qa's torch comes from the `TORCH_INDEX` variable, pointed at a local
page serving the torch wheel found on disk (PyTorch's own index is not reachable here).
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.templates.support import REPO, run

pytestmark = [pytest.mark.slow, pytest.mark.ci_steps]

KINDS = ["rag-qa", "agent-workflow", "production-app"]
# Steps that talk to GitHub itself, which no local run can stand in for.
PUBLISHING = (
    "github/codeql-action/upload-sarif",
    "actions/upload-pages-artifact",
    "actions/deploy-pages",
)
# What the emulated run is: a push to main, so the Pages steps are reached (and skipped).
GITHUB_CONTEXT = {
    "github.event_name": "push",
    "github.ref": "refs/heads/main",
    "github.repository": "someone/project",
    "github.token": "emulated-token",
}
# The `gh` CLI: `run list` names the runs under $GH_EMULATED_RUNS, `run download ID --name N
# --dir D` copies that run's artifact N; anything else fails as an unauthorised gh would.
FAKE_GH = """#!/bin/sh
set -e
root="$GH_EMULATED_RUNS"
if [ "$1 $2" = "run list" ]; then ls "$root"; exit 0; fi
if [ "$1 $2" = "run download" ]; then
  run_id="$3"; shift 3
  while [ $# -gt 0 ]; do
    case "$1" in --name) name="$2"; shift 2;; --dir) dir="$2"; shift 2;; *) shift;; esac
  done
  [ -d "$root/$run_id/$name" ] || { echo "no artifact $name in run $run_id" >&2; exit 1; }
  mkdir -p "$dir"; cp -R "$root/$run_id/$name/." "$dir/"; exit 0
fi
echo "gh stand-in: unsupported: $*" >&2; exit 1
"""
# The local servers a job's services stand for, by image name, with the port they listen on.
LOCAL_SERVICES = {"pgvector/pgvector": 5432, "postgres": 5432, "redis": 6379}


@dataclass
class StepResult:
    job: str
    name: str
    status: str  # ran | emulated | skipped
    output: str = ""


@dataclass
class Runner:
    """One job at a time, as a hosted runner runs it."""

    project: Path
    work: Path
    variables: dict[str, str]
    artifacts: Path
    earlier_runs: Path
    results: list[StepResult] = field(default_factory=list)

    def run_job(self, name: str, job: dict[str, Any], workflow_env: dict[str, Any]) -> None:
        if "if" in job and not self._condition(job["if"]):
            self.results.append(StepResult(name, "(job)", "skipped"))
            return
        root = self.work / name
        workspace = root / "workspace"
        shutil.copytree(self.project, workspace, symlinks=True)  # actions/checkout
        temp = root / "runner-temp"
        temp.mkdir()
        venv_bin: Path | None = None
        self._check_services(job.get("services") or {})
        env = {**self._expand(workflow_env), **self._expand(job.get("env") or {})}
        for index, step in enumerate(job["steps"]):
            label = step.get("name") or step.get("uses") or step["run"].splitlines()[0]
            if "if" in step and not self._condition(step["if"]):
                self.results.append(StepResult(name, label, "skipped"))
                continue
            uses = str(step.get("uses", ""))
            action = uses.split("@", 1)[0]
            with_ = step.get("with") or {}
            if action == "actions/checkout":
                self.results.append(StepResult(name, label, "emulated"))
            elif action == "actions/setup-python":
                venv_bin = self._setup_python(workspace, root / "python", with_)
                self.results.append(StepResult(name, label, "emulated"))
            elif action == "actions/upload-artifact":
                self._upload(workspace, with_)
                self.results.append(StepResult(name, label, "emulated"))
            elif action == "actions/download-artifact":
                self._download(workspace, with_)
                self.results.append(StepResult(name, label, "emulated"))
            elif action in PUBLISHING:
                self.results.append(StepResult(name, label, "skipped"))
            elif uses:
                raise AssertionError(f"{name}: no local stand-in for {uses}")
            else:
                assert venv_bin is not None, f"{name}: a run step before setup-python"
                step_env = {**env, **self._expand(step.get("env") or {})}
                output = self._run(step["run"], workspace, temp, venv_bin, step_env, index,
                                   timeout=60 * int(job.get("timeout-minutes", 30)))  # fmt: skip
                self.results.append(StepResult(name, label, "ran", output))

    # --- what the runner image and the marketplace actions provide -------------------------

    def _check_services(self, services: dict[str, Any]) -> None:
        for service in services.values():
            image = str(service["image"]).split(":", 1)[0]
            port = LOCAL_SERVICES[image]
            assert f"{port}:{port}" in service.get("ports", []), service
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass  # the local server answers where the job expects its service

    def _setup_python(self, workspace: Path, venv: Path, with_: dict[str, Any]) -> Path:
        wanted = (
            with_.get("python-version")
            or (workspace / with_["python-version-file"]).read_text().strip()
        )
        running = f"{sys.version_info.major}.{sys.version_info.minor}"
        assert str(wanted) == running, f"the job pins Python {wanted}; this machine has {running}"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        return venv / "bin"

    def _upload(self, workspace: Path, with_: dict[str, Any]) -> None:
        store = self.artifacts / str(with_["name"])
        found = False
        # upload-artifact >= 4.4 leaves out hidden files and folders, even when named.
        keep_hidden = str(with_.get("include-hidden-files", "false")).lower() == "true"
        ignore = None if keep_hidden else shutil.ignore_patterns(".*")
        for entry in str(with_["path"]).split():
            source = workspace / entry
            if not keep_hidden and any(part.startswith(".") for part in Path(entry).parts):
                continue
            if source.is_dir():
                shutil.copytree(source, store / entry, dirs_exist_ok=True, ignore=ignore)
                found = True
            elif source.is_file():
                (store / entry).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, store / entry)
                found = True
        if not found and with_.get("if-no-files-found", "warn") == "error":
            raise AssertionError(f"artifact {with_['name']}: no files at {with_['path']}")

    def _download(self, workspace: Path, with_: dict[str, Any]) -> None:
        pattern = str(with_.get("pattern") or with_["name"])
        target = workspace / str(with_.get("path", "."))
        for artifact in sorted(self.artifacts.iterdir()):
            if fnmatch.fnmatch(artifact.name, pattern):
                # Several artifacts each go to their own folder, as download-artifact@v4 does;
                # a single file artifact keeps only the file's own name.
                files = [p for p in artifact.rglob("*") if p.is_file()]
                destination = target / artifact.name
                destination.mkdir(parents=True, exist_ok=True)
                for file in files:
                    shutil.copy2(file, destination / file.name)

    def _run(
        self,
        script: str,
        workspace: Path,
        temp: Path,
        venv_bin: Path,
        env: dict[str, str],
        index: int,
        timeout: int,
    ) -> str:
        tools = self._runner_tools(temp)
        outside = os.pathsep.join(
            p for p in os.environ["PATH"].split(os.pathsep) if not p.startswith(sys.prefix)
        )
        base = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        step_file = temp / f"step-{index}.sh"
        step_file.write_text(script)
        full_env = {
            **base,
            "PATH": os.pathsep.join([str(venv_bin), str(tools), outside]),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_STEP_SUMMARY": str(temp / "summary.md"),
            "GITHUB_OUTPUT": str(temp / "output"),
            "GITHUB_ENV": str(temp / "env"),
            "RUNNER_TEMP": str(temp),
            "RUNNER_OS": "Linux",
            "CHROMEWEBDRIVER": str(tools),
            "GH_EMULATED_RUNS": str(self.earlier_runs),
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": GITHUB_CONTEXT["github.repository"],
            "GITHUB_REPOSITORY_OWNER": GITHUB_CONTEXT["github.repository"].split("/")[0],
            **env,
        }
        done = subprocess.run(
            ["bash", "-e", str(step_file)],  # a run step's default shell on Linux runners
            cwd=workspace,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"step failed ({done.returncode}):\n{script}\n{output[-6000:]}"
        return output

    @staticmethod
    def _runner_tools(temp: Path) -> Path:
        """The runner image's google-chrome on PATH and chromedriver in $CHROMEWEBDRIVER."""
        tools = temp / "runner-tools"
        if not tools.is_dir():
            tools.mkdir()
            chromium = shutil.which("chromium") or shutil.which("google-chrome")
            driver = shutil.which("chromedriver")
            assert chromium and driver, "needs Chromium and chromedriver (scripts/test installs)"
            (tools / "google-chrome").symlink_to(chromium)
            (tools / "chromedriver").symlink_to(driver)
            (tools / "gh").write_text(FAKE_GH)
            (tools / "gh").chmod(0o755)
        return tools

    # --- the few expressions the generated workflows use --------------------------------------

    def _expand(self, env: dict[str, Any]) -> dict[str, str]:
        return {key: self._value(str(value)) for key, value in env.items()}

    def _value(self, text: str) -> str:
        def evaluate(match: re.Match[str]) -> str:
            expression = match.group(1).strip()
            fallback = re.fullmatch(r"vars\.(\w+)\s*\|\|\s*'([^']*)'", expression)
            if fallback:
                return self.variables.get(fallback.group(1)) or fallback.group(2)
            if expression in GITHUB_CONTEXT:
                return GITHUB_CONTEXT[expression]
            raise AssertionError(f"no local evaluation for ${{{{ {expression} }}}}")

        return re.sub(r"\$\{\{(.+?)\}\}", evaluate, text)

    @staticmethod
    def _condition(condition: Any) -> bool:
        expression = str(condition).strip().removeprefix("${{").removesuffix("}}").strip()
        # Every step before has passed (a failure stops the test), so these all hold.
        if expression in ("!cancelled()", "always()", "success()"):
            return True
        # Comparisons of the github context, joined by &&: what the Pages steps ask.
        terms = [t.strip() for t in expression.split("&&")]
        for term in terms:
            match = re.fullmatch(r"(github\.\w+)\s*==\s*'([^']*)'", term)
            assert match and match.group(1) in GITHUB_CONTEXT, expression
            if GITHUB_CONTEXT[match.group(1)] != match.group(2):
                return False
        return True


@pytest.fixture(scope="module")
def harness_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("harness-wheel")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out),
         str(REPO)], cwd=out)  # fmt: skip
    (wheel,) = out.glob("portfolio_harness-*.whl")
    return wheel


@pytest.fixture(scope="module")
def torch_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A package index on 127.0.0.1 holding the torch wheel pip finds on this machine's disk."""
    root = tmp_path_factory.mktemp("torch-index")
    run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         "-d", str(root / "torch"), "torch==2.13.0"], cwd=root)  # fmt: skip
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = root.parent / "torch-index.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
             "--directory", str(root)],
            stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                subprocess.run(["sleep", "0.1"], check=True)
        yield f"http://127.0.0.1:{port}/", log
    finally:
        server.terminate()
        server.wait(timeout=10)


def generate(kind: str, destination: Path, requirement: str) -> Path:
    from copier import run_copy

    run_copy(str(REPO), str(destination), data={"template": kind,
             "harness_requirement": requirement}, defaults=True, unsafe=False,
             quiet=True, vcs_ref="HEAD")  # fmt: skip
    return destination


@pytest.mark.parametrize("kind", KINDS)
def test_every_generated_ci_job_passes(
    kind: str,
    tmp_path: Path,
    harness_wheel: Path,
    torch_index: tuple[str, Path],
) -> None:
    index_url, index_log = torch_index
    requirement = f"portfolio-harness[eval] @ {harness_wheel.as_uri()}"
    project = generate(kind, tmp_path / "project", requirement)
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
    assert workflow["env"]["HARNESS_REQUIREMENT"] == requirement
    assert workflow["env"]["HARNESS_REPORT_REQUIREMENT"] == requirement.replace(
        "[eval]", "[report]"
    )
    # One earlier run of main, whose harness-eval artifact carries a one-run history.
    earlier = tmp_path / "earlier-runs"
    (earlier / "4100" / "harness-eval").mkdir(parents=True)
    previous = {"schema_version": "1", "kind": "harness-eval-history", "commit": "e" * 40,
                "generated_at": "2026-11-01T00:00:00Z", "n": 1, "metrics": {},
                "latency_ms": {"p50": 1.0, "p95": 2.0}, "cost_per_query_usd": 0.0,
                "baseline": False}  # fmt: skip
    (earlier / "4100" / "harness-eval" / "history.jsonl").write_text(json.dumps(previous) + "\n")
    runner = Runner(project, tmp_path / "jobs", {"TORCH_INDEX": index_url},
                    tmp_path / "artifacts", earlier)  # fmt: skip
    jobs = workflow["jobs"]
    assert list(jobs) == ["lint", "test", "audit", "eval", "badges", "report", "pages"]
    for name, job in jobs.items():
        for needed in job.get("needs", []):
            assert list(jobs).index(needed) < list(jobs).index(name)
        runner.run_job(name, job, workflow.get("env") or {})

    skipped = [(r.job, r.name) for r in runner.results if r.status == "skipped"]
    assert skipped == [
        ("audit", "Upload SARIF"),
        ("report", "Upload the page for GitHub Pages"),
        ("pages", "Deploy to GitHub Pages"),
    ]
    ran = {(r.job, r.name): r.output for r in runner.results if r.status == "ran"}
    tests = ran[("test", "Tests")]
    # pytest's closing counts, not any "error" in the output (warnings quote `error_feedback=`).
    counts = re.findall(r"^=*\s*(\d+ passed\b.*?)\s*=*$", tests, re.MULTILINE)
    assert counts and not re.search(r"\b\d+ (?:failed|errors?)\b", counts[-1]), tests[-3000:]
    installs = [out for (job, label), out in ran.items() if "HARNESS_REQUIREMENT" in label]
    assert len(installs) == 2  # audit and badges; eval installs it beside requirements.txt
    for out in installs:
        assert "Successfully installed" in out and "portfolio-harness-" in out, out[-2000:]
    store = tmp_path / "artifacts"
    assert (store / "harness-audit" / "harness-report" / "audit.json").is_file()
    assert (store / "harness-eval" / "harness-eval" / "report.json").is_file()
    badges = store / "harness-badges"
    assert (badges / "badges" / "audit.svg").is_file()
    readme = (badges / "README.md").read_text()
    assert "harness:badges:start" in readme
    assert (
        "[Evidence page: audit, evals, trends and cost](https://someone.github.io/project/)"
        in (readme)
        or kind == "production-app"
    )  # its README places the badge markers itself
    # The evidence page: an artifact of this run, with the restored history's run plus this one.
    site = store / "evidence-page" / "site"
    page = (site / "index.html").read_text()
    assert 'id="audit"' in page and 'id="eval"' in page and 'id="trend"' in page
    runs = [json.loads(line) for line in (site / "history.jsonl").read_text().splitlines()]
    assert len(runs) == 2 and runs[0] == previous
    restored = ran[("eval", "Restore the eval history of main's last run")]
    assert "eval history of run 4100: 1 run(s)" in restored
    summary = (tmp_path / "jobs" / "report" / "runner-temp" / "summary.md").read_text()
    assert summary.startswith("### Eval against `main`\n\n`main`'s last run: `eeeeeeeeeeee`")
    assert "| latency p95 | 2.0 ms |" in summary
    if kind == "rag-qa":
        # torch came from the TORCH_INDEX variable: the local index was asked for it.
        assert "GET /torch/ " in index_log.read_text()


def test_make_install_then_audit_eval_badges_report(tmp_path: Path, harness_wheel: Path) -> None:
    """The generated Makefile, as its README tells a user to run it."""
    requirement = f"portfolio-harness[eval] @ {harness_wheel.as_uri()}"
    project = generate("agent-workflow", tmp_path / "project", requirement)
    env = {"PY": sys.executable, "VIRTUAL_ENV": ""}
    run(["make", "install"], cwd=project, env=env, timeout=1800)
    run(["make", "audit", "eval", "badges"], cwd=project, env=env, timeout=1800)
    # The report extra comes on demand, beside the harness the requirement installed.
    run(["make", "report", "REPORT_OPEN="], cwd=project, env=env, timeout=1800)
    page = (project / "report.html").read_text()
    assert 'id="audit"' in page and 'id="eval"' in page and 'id="trend"' in page
    report = json.loads((project / "audit.json").read_text())
    assert report["score"]["overall"] >= 90
    assert (project / "badges" / "audit.svg").is_file()
    assert (project / ".harness-cache" / "eval" / "report.json").is_file()
