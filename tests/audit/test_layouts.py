"""Real layouts: monorepos, env reads of every kind, vendored and template code, JSONC, the git
index, odd Dockerfile names, UTF-16 requirements, CI on every system, tests that run, CORS
through settings, --exclude and the most relevant evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.audit.detectors import ci_systems
from harness.audit.detectors.ci_systems import CiRunsParams, ci_runs_command
from harness.audit.detectors.environment import env_example_complete, settings_from_env
from harness.audit.detectors.files import config_files_parse, dependencies_locked
from harness.audit.detectors.security import cors_safe
from harness.audit.index import RepoIndex
from harness.audit.model import Evidence
from harness.audit.registry import NoParams
from harness.cli import main
from tests.audit.project import write_project

TESTS = CiRunsParams(pattern=r"pytest|\btox\b|\bnox\b|make test|unittest")


def index_of(root: Path, files: dict[str, str]) -> RepoIndex:
    return RepoIndex(write_project(root, files))


def audit(root: Path, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(main, ["audit", str(root), "--format", "json", *args])
    assert not result.stderr, result.stderr
    report: dict[str, object] = json.loads(result.stdout)
    return report


def check(report: dict[str, object], check_id: str) -> dict[str, object]:
    return next(c for c in report["checks"] if c["id"] == check_id)  # type: ignore[attr-defined]


# ----- environment reads and env examples ---------------------------------------------------

CONFIG_GETENV = 'import os\n\nDB = os.getenv("DATABASE_URL")\n'  # no "environ" in the file
CONFIG_DOTENV = (
    "from dotenv import dotenv_values\n\nconfig = dotenv_values('.env')\nKEY = config['API_KEY']\n"
)


def test_every_kind_of_env_read_is_seen(tmp_path: Path) -> None:
    files = {
        "a.py": CONFIG_GETENV,
        "b.py": 'import os\nX = os.environ["SECRET_X"]\nY = os.environ.get("Y_MODE", "a")\n',
        "c.py": "from pydantic_settings import BaseSettings\n\n\nclass S(BaseSettings):\n"
        "    redis_url: str = 'redis://'\n",
        "d.py": CONFIG_DOTENV,
        "tests/test_e.py": 'import os\nos.getenv("ONLY_IN_TESTS")\n',
        ".env.example": "DATABASE_URL=\nSECRET_X=\nY_MODE=\nREDIS_URL=\nAPI_KEY=\n",
    }
    index = index_of(tmp_path, files)
    complete = env_example_complete(index, NoParams())
    assert complete.status == "pass", complete.message
    assert complete.message == ".env.example covers all 5 variables"
    settings = settings_from_env(index, NoParams())
    assert settings.status == "pass"
    assert settings.evidence[0] == Evidence("a.py", 3, "os.getenv(DATABASE_URL)")


def test_missing_variable_names_the_read(tmp_path: Path) -> None:
    index = index_of(tmp_path, {"a.py": CONFIG_GETENV, ".env.example": "OTHER=1\n"})
    outcome = env_example_complete(index, NoParams())
    assert outcome.status == "fail"
    assert outcome.message == "env examples miss DATABASE_URL"
    assert outcome.evidence == (Evidence("a.py", 3, "DATABASE_URL (not in .env.example)"),)


def test_settings_and_env_example_agree(tmp_path: Path) -> None:
    index = index_of(tmp_path, {"app/config.py": CONFIG_GETENV})
    assert settings_from_env(index, NoParams()).status == "pass"
    outcome = env_example_complete(index, NoParams())
    assert outcome.status == "fail"  # never "the code reads no environment variables"
    assert outcome.message == "no .env.example for 1 variable the code reads"


def test_computed_names_only_are_unknown(tmp_path: Path) -> None:
    index = index_of(tmp_path, {"a.py": "import os\n\nfor k in KEYS:\n    os.getenv(k)\n"})
    outcome = env_example_complete(index, NoParams())
    assert outcome.status == "unknown"
    assert outcome.evidence == (Evidence("a.py", 4, "os.getenv(...)"),)


def test_monorepo_services_match_their_own_env_example(tmp_path: Path) -> None:
    files = {
        "backend/app/config.py": CONFIG_GETENV,
        "backend/.env.example": "DATABASE_URL=postgres://\n",
        "worker/main.py": 'import os\nQ = os.getenv("QUEUE_URL")\n',
        "worker/.env.example": "DATABASE_URL=\n",  # QUEUE_URL is missing here
        "frontend/.env.example": "QUEUE_URL=\n",  # another service's file does not count
    }
    outcome = env_example_complete(index_of(tmp_path, files), NoParams())
    assert outcome.status == "fail"
    assert outcome.evidence == (
        Evidence("worker/main.py", 2, "QUEUE_URL (not in worker/.env.example)"),
    )


def test_env_example_in_a_config_folder(tmp_path: Path) -> None:
    files = {"src/app.py": CONFIG_GETENV, "config/params.env.example": "DATABASE_URL=\n"}
    outcome = env_example_complete(index_of(tmp_path, files), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence == (Evidence("config/params.env.example"),)


# ----- vendored code and template sources ---------------------------------------------------


def test_vendored_and_template_sources_are_excluded_with_reasons(tmp_path: Path) -> None:
    files = {
        "app/main.py": "from fastapi import FastAPI\n",
        "vendor/langchain/chat.py": "import openai\nimport langgraph\n",
        "third_party/lib/x.py": "import chromadb\n",
        "docs-copy/LICENSE": "MIT\n",
        "docs-copy/CONTRIBUTING.md": "x\n",
        "docs-copy/examples/agent.py": "from crewai import Agent\n",
        "{{cookiecutter.project_slug}}/main.py": "import {{cookiecutter.module}}\n",
        "tmpl/settings.py.jinja": "X = {{ x }}\n",
        "scaffold/copier.yml": "x: 1\n",
        "scaffold/template/app.py": "def f(:\n",
        "broken.py": "def f(:\n",
    }
    report = audit(write_project(tmp_path / "p", files))
    assert {e["path"]: e["reason"] for e in report["excluded"]} == {  # type: ignore[attr-defined]
        "vendor/": "vendored third-party code (vendor/)",
        "third_party/": "vendored third-party code (third_party/)",
        "docs-copy/": "vendored third-party code (a copied project with its own licence)",
        "{{cookiecutter.project_slug}}/": "template source (Jinja/cookiecutter folder)",
        "tmpl/settings.py.jinja": "template source (Jinja)",
        "scaffold/": "template source (Copier template)",
    }
    assert set(report["stack"]) == {"app", "fastapi", "python"}  # type: ignore[arg-type]


def test_a_copied_site_packages_is_installed_code_not_a_project(tmp_path: Path) -> None:
    """Every root entry a distribution's RECORD or top_level.txt names is third-party code;
    the rest of the root is still the project's."""
    agent = "from langgraph.types import interrupt\n\ndef approve(x):\n    return interrupt(x)\n"
    files = {
        "langgraph/types.py": agent,
        "langgraph-1.0.dist-info/RECORD": "langgraph/types.py,sha256=x,10\n../../bin/lg,,\n",
        "six.py": 'K = "AKIA' + "A" * 16 + '"\n',
        "six-1.0.dist-info/RECORD": "six.py,,\nsix-1.0.dist-info/RECORD,,\n",
        "old-1.0.dist-info/top_level.txt": "old\n",
        "old/__init__.py": "import openai\n",
        "app.py": "from fastapi import FastAPI\n",
    }
    index = index_of(tmp_path / "p", files)
    assert index.files == ["app.py"]
    assert index.excluded == {
        name: "vendored third-party code (installed packages)"
        for name in (
            "langgraph/",
            "langgraph-1.0.dist-info/",
            "six.py",
            "six-1.0.dist-info/",
            "old/",
            "old-1.0.dist-info/",
        )
    }
    del files["app.py"]
    result = CliRunner().invoke(main, ["audit", str(write_project(tmp_path / "sp", files))])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {tmp_path / 'sp'}: no files to audit (all 6 paths are excluded: vendored "
        "third-party code (installed packages)) — point at a repository\n"
    )


def test_two_records_at_a_root_do_not_make_it_a_site_packages(tmp_path: Path) -> None:
    files = {
        "app/main.py": "x = 1\n",
        "app-1.0.dist-info/RECORD": "app/main.py,,\n",
        "lib-1.0.dist-info/RECORD": "lib.py,,\n",
        "lib.py": "y = 2\n",
    }
    index = index_of(tmp_path, files)
    assert "app/main.py" in index.files
    assert "lib.py" in index.files
    assert index.excluded == {}


def test_templated_python_is_a_template_not_a_parse_failure(tmp_path: Path) -> None:
    files = {"app/x.py": "from fastapi import UploadFile\n{% if uploads %}\nMAX = 1\n{% endif %}\n"}
    index = index_of(tmp_path, files)
    assert list(index.iter_python("UploadFile")) == []
    assert index.undecided == {}
    assert index.excluded["app/x.py"] == "template source (Jinja markup)"


# ----- JSONC, Dockerfile names, UTF-16, lockfile evidence ----------------------------------


def test_jsonc_where_editors_use_it(tmp_path: Path) -> None:
    files = {
        ".vscode/settings.json": '{\n  // editor\n  "a": 1,\n}\n',
        ".devcontainer/devcontainer.json": '{"image": "x", /* note */ "features": {},}',
        "tsconfig.json": '{"compilerOptions": {"strict": true,},}',
    }
    assert config_files_parse(index_of(tmp_path / "a", files), NoParams()).status == "pass"
    broken = {**files, "data/config.json": '{"a": 1,}'}  # plain JSON stays strict
    outcome = config_files_parse(index_of(tmp_path / "b", broken), NoParams())
    assert outcome.status == "fail"
    assert [e.path for e in outcome.evidence] == ["data/config.json"]


@pytest.mark.parametrize("name", ["backend/dockerfile", "api.Dockerfile", "Dockerfile.prod"])
def test_dockerfile_names(tmp_path: Path, name: str) -> None:
    files = {name: 'FROM python:3.12-slim\nCMD ["x"]\n', "app.py": "x = 1\n"}
    report = audit(write_project(tmp_path / "p", files))
    assert report["stack"]["docker"] == name  # type: ignore[index]
    non_root = check(report, "dockerfile-non-root")
    assert non_root["status"] == "fail"
    assert non_root["evidence"][0]["path"] == name  # type: ignore[index]


def test_utf16_requirements_are_decoded(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "requirements.txt").write_bytes("fastapi>=0.100\nuvicorn==0.30.0\n".encode("utf-16"))
    outcome = dependencies_locked(RepoIndex(root), NoParams())
    assert outcome.status == "fail"
    assert outcome.evidence == (Evidence("requirements.txt", 1, "fastapi>=0.100"),)


def test_dependencies_locked_never_passes_on_nothing(tmp_path: Path) -> None:
    index = index_of(tmp_path, {"requirements.txt": "# nothing yet\n"})
    outcome = dependencies_locked(index, NoParams())
    assert outcome.status == "fail"
    assert outcome.message == "requirements.txt list no requirements: nothing is pinned"


def test_root_lockfile_is_the_evidence(tmp_path: Path) -> None:
    files = {"a/uv.lock": "version = 1\n", "uv.lock": "version = 1\n"}
    outcome = dependencies_locked(index_of(tmp_path, files), NoParams())
    assert outcome.evidence == (Evidence("uv.lock"),)


# ----- CI on every system, and tests that run ------------------------------------------------

CI_CONFIGS = {
    "GitLab CI": (
        ".gitlab-ci.yml",
        "test:\n  image: python:3.12\n  script:\n    - pip install .\n    - pytest -q\n",
        5,
    ),
    "Cloud Build": (
        "cloudbuild.yaml",
        "steps:\n  - name: python:3.12\n    entrypoint: python\n    args: ['-m', 'pytest']\n",
        None,
    ),
    "CircleCI": (
        ".circleci/config.yml",
        "version: 2.1\njobs:\n  t:\n    steps:\n      - checkout\n      - run:\n"
        "          command: python -m pytest\n",
        7,
    ),
    "Azure Pipelines": ("azure-pipelines.yml", "steps:\n  - script: python -m pytest\n", 2),
    "Jenkins": (
        "Jenkinsfile",
        "pipeline {\n  stages {\n    stage('t') { steps { sh 'python -m pytest' } }\n  }\n}\n",
        3,
    ),
}


@pytest.mark.parametrize("system", sorted(CI_CONFIGS))
def test_ci_systems_run_tests(tmp_path: Path, system: str) -> None:
    rel, text, line = CI_CONFIGS[system]
    files = {rel: text, "app.py": "x = 1\n", "tests/test_app.py": "def test_x():\n    pass\n"}
    report = audit(write_project(tmp_path / "p", files))
    assert check(report, "ci-workflow-present")["status"] == "pass"
    runs = check(report, "ci-runs-tests")
    assert runs["status"] == "pass", runs["message"]
    assert str(runs["message"]).startswith(f"{system} runs ")
    assert runs["evidence"][0]["path"] == rel  # type: ignore[index]
    if line is not None:
        assert runs["evidence"][0]["line"] == line  # type: ignore[index]
    assert check(report, "tests-present")["status"] == "pass"


def test_ci_runs_tests_through_make(tmp_path: Path) -> None:
    files = {
        ".gitlab-ci.yml": "check:\n  script:\n    - make check\n",
        "Makefile": "check: lint\n\tuv run pytest -q\n\nlint:\n\truff check .\n",
    }
    outcome = ci_runs_command(index_of(tmp_path, files), TESTS)
    assert outcome.status == "pass"
    assert outcome.evidence == (
        Evidence(".gitlab-ci.yml", 3, "GitLab CI runs `make check` (Makefile:1)"),
    )


GH_SCRIPT_STEP = "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {}\n"


def test_ci_runs_tests_through_a_repository_script(tmp_path: Path) -> None:
    files = {
        ".github/workflows/ci.yml": GH_SCRIPT_STEP.format("./scripts/test -x"),
        "scripts/test": "#!/usr/bin/env bash\nset -e\n. .venv/bin/activate\n"
        'python -m pytest "$@"\n',
    }
    outcome = ci_runs_command(index_of(tmp_path, files), TESTS)
    assert outcome.status == "pass"
    assert outcome.evidence == (
        Evidence(
            ".github/workflows/ci.yml",
            6,
            "GitHub Actions runs scripts/test, which runs pytest (scripts/test:4)",
        ),
    )


def test_a_script_that_runs_no_tests_does_not_count(tmp_path: Path) -> None:
    files = {
        ".github/workflows/ci.yml": GH_SCRIPT_STEP.format("bash scripts/lint.sh"),
        "scripts/lint.sh": "ruff check .\n",
        # A script outside the repository is never read.
        "unrelated/run_pytest.sh": "pytest\n",
    }
    outcome = ci_runs_command(index_of(tmp_path, files), TESTS)
    assert outcome.status == "fail"


def test_ci_that_only_builds_fails(tmp_path: Path) -> None:
    files = {
        "cloudbuild.yaml": "steps:\n  - name: gcr.io/cloud-builders/docker\n"
        "    args: ['build', '.']\n"
    }
    outcome = ci_runs_command(index_of(tmp_path, files), TESTS)
    assert outcome.status == "fail"
    assert outcome.evidence == (Evidence("cloudbuild.yaml"),)


@pytest.mark.parametrize(
    ("files", "status", "runner"),
    [
        (
            {"tests/test_a.py": "", "tox.ini": "[tox]\n"},
            "pass",
            Evidence("tox.ini", None, "tox.ini runs the tests"),
        ),
        (
            {"tests/test_a.py": "", "Makefile": "test:\n\tpytest\n"},
            "pass",
            Evidence("Makefile", 1, "target test runs the tests"),
        ),
        (
            {
                "tests/test_a.py": "",
                ".pre-commit-config.yaml": "repos:\n  - repo: local\n    hooks:\n"
                "      - id: pytest\n        entry: pytest\n",
            },
            "pass",
            Evidence(".pre-commit-config.yaml", 4, "a pre-commit hook runs the tests"),
        ),
        ({"tests/test_a.py": "", "Makefile": "lint:\n\truff check .\n"}, "fail", None),
        ({"app.py": "", ".gitlab-ci.yml": "t:\n  script: [pytest]\n"}, "fail", None),
    ],
)
def test_tests_present(
    tmp_path: Path, files: dict[str, str], status: str, runner: Evidence | None
) -> None:
    outcome = ci_systems.tests_run(index_of(tmp_path, files), NoParams())
    assert outcome.status == status, outcome.message
    if runner is not None:
        assert outcome.evidence == (Evidence("tests/test_a.py"), runner)


# ----- CORS through settings defaults ---------------------------------------------------------

CORS_MAIN = """\
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.config import settings

app = FastAPI()
app.add_middleware(
    CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=settings.cors_credentials
)
"""


@pytest.mark.parametrize(
    ("default", "status"),
    [
        ('["*"]', "fail"),
        ('["https://example.com"]', "pass"),
        ('os.getenv("ORIGINS", "*").split(",")', "fail"),
    ],
)
def test_cors_read_through_settings_defaults(tmp_path: Path, default: str, status: str) -> None:
    config = (
        "import os\nfrom pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
        f"    cors_origins: list[str] = {default}\n    cors_credentials: bool = True\n"
    )
    index = index_of(tmp_path, {"app/main.py": CORS_MAIN, "app/config.py": config})
    outcome = cors_safe(index, NoParams())
    assert outcome.status == status
    if status == "fail":
        assert outcome.evidence == (
            Evidence("app/main.py", 7, "allow_origins=['*'] + credentials"),
        )


# ----- --exclude -------------------------------------------------------------------------------


def test_exclude_on_the_command_line(tmp_path: Path) -> None:
    files = {"app.py": "x = 1\n", "legacy/keys.py": 'K = "AKIA' + "A" * 16 + '"\n'}
    root = write_project(tmp_path / "p", files)
    assert check(audit(root), "no-secrets-in-code")["status"] == "fail"
    report = audit(root, "--exclude", "legacy/", "--exclude", "*.tmp")
    assert check(report, "no-secrets-in-code")["status"] == "pass"
    assert {"path": "legacy/", "reason": "excluded by configuration"} in report["excluded"]  # type: ignore[operator]


def test_runtime_requirements_decide_over_dev_files(tmp_path: Path) -> None:
    files = {"requirements.txt": "fastapi==0.115.0\n", "requirements-dev.txt": "pytest>=8\n"}
    outcome = dependencies_locked(index_of(tmp_path, files), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence == (Evidence("requirements.txt"),)
