"""Shapes met in real repositories (each from a case where the audit disagreed with a careful
reader): Python 3.12 syntax, the LangGraph server, ADK sessions, env files by other names,
COPY .env, load_dotenv, environment writes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.audit.detectors.agent_code import agent_checkpointer
from harness.audit.detectors.docker import dockerfile_no_secrets
from harness.audit.detectors.environment import env_example_complete, settings_from_env
from harness.audit.detectors.security import env_files_not_committed
from harness.audit.index import RepoIndex
from harness.audit.model import Evidence
from harness.audit.registry import NoParams
from tests.audit.project import write_project

PY312 = """\
type ModelT = (
    ChatOpenAI
    | ChatAnthropic
)


class Result[T](BaseModel):
    value: T


def first[T](items: list[T]) -> T:
    return items[0]
"""


def index_of(root: Path, files: dict[str, str]) -> RepoIndex:
    return RepoIndex(write_project(root, files))


def test_python_312_syntax_parses_with_its_line_numbers(tmp_path: Path) -> None:
    index = index_of(tmp_path, {"src/llm.py": PY312})
    tree = index.python("src/llm.py")
    assert tree is not None
    assert [type(n).__name__ + str(n.lineno) for n in tree.body] == [
        "Assign1",
        "ClassDef7",
        "FunctionDef11",
    ]
    assert "src/llm.py" not in index.parse_errors


def test_langgraph_server_persists_state(tmp_path: Path) -> None:
    files = {
        "langgraph.json": '{"graphs": {"agent": "./src/graph.py:graph"}}',
        "src/graph.py": "graph = builder.compile()\n",
    }
    outcome = agent_checkpointer(index_of(tmp_path, files), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence[0].path == "langgraph.json"


def test_adk_session_service_uri(tmp_path: Path) -> None:
    files = {"main.py": 'app = get_fast_api_app(session_service_uri="sqlite+aiosqlite:///s.db")\n'}
    outcome = agent_checkpointer(index_of(tmp_path / "a", files), NoParams())
    assert outcome.evidence == (Evidence("main.py", 1, "session_service_uri=sqlite+aiosqlite:..."),)
    memory = {"main.py": 'app = get_fast_api_app(session_service_uri="memory://")\n'}
    assert agent_checkpointer(index_of(tmp_path / "b", memory), NoParams()).status == "fail"


def test_copy_env_into_the_image(tmp_path: Path) -> None:
    files = {"Dockerfile": "FROM python:3.12-slim\nCOPY .env.example .\nCOPY .env .\n"}
    outcome = dockerfile_no_secrets(index_of(tmp_path, files), NoParams())
    assert outcome.status == "fail"
    assert outcome.evidence == (
        Evidence("Dockerfile", 3, "Dockerfile: COPY .env bakes an env file into the image"),
    )


def test_env_copying_a_secret_build_argument_into_the_image(tmp_path: Path) -> None:
    baked = "FROM python:3.12-slim\nARG POSTGRES_URL\nENV POSTGRES_URL=${POSTGRES_URL}\n"
    outcome = dockerfile_no_secrets(index_of(tmp_path / "a", {"Dockerfile": baked}), NoParams())
    assert outcome.status == "fail"
    assert outcome.evidence == (
        Evidence(
            "Dockerfile",
            3,
            "Dockerfile: ENV POSTGRES_URL bakes the build argument ${POSTGRES_URL} into the image",
        ),
    )
    # A build argument used only while building, and a non-secret one copied to ENV, are fine.
    build_only = "FROM python:3.12-slim\nARG PIP_TOKEN\nARG APP_ENV\nENV APP_ENV=$APP_ENV\n"
    fine = dockerfile_no_secrets(index_of(tmp_path / "b", {"Dockerfile": build_only}), NoParams())
    assert fine.status == "pass"


def test_env_files_by_other_names_and_template_sources(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        {
            "envs/backend.env": "OPENAI_API_KEY=abc\n",
            "tmpl/.env": "PROJECT={{cookiecutter.project_slug}}\n",
            "app.py": "",
        },
    )
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    outcome = env_files_not_committed(RepoIndex(root), NoParams())
    assert outcome.status == "fail"
    assert outcome.evidence == (Evidence("envs/backend.env", None, "committed: tracked by git"),)


def test_load_dotenv_is_reading_settings_and_writes_are_not(tmp_path: Path) -> None:
    files = {
        "app.py": "from dotenv import load_dotenv\nimport os\n\nload_dotenv()\n"
        'os.environ["OPENAI_API_KEY"] = "placeholder"\n',
        ".env.example": "OPENAI_API_KEY=\n",
    }
    index = index_of(tmp_path, files)
    settings = settings_from_env(index, NoParams())
    assert settings.status == "pass"
    assert settings.evidence == (Evidence("app.py", 4, "load_dotenv()"),)
    complete = env_example_complete(index, NoParams())
    assert complete.status == "pass"
    assert complete.message == (
        "the code names no variable (load_dotenv only); .env.example documents the rest"
    )


# ----- chunking from configuration; README found and diagrams seen wherever they are ---------

SPLITTER_LITERAL = (
    "from langchain_text_splitters import RecursiveCharacterTextSplitter\n\n"
    "splitter = RecursiveCharacterTextSplitter(chunk_size=800, chunk_overlap=80)\n"
)
SPLITTER_SETTINGS = (
    "splitter = RecursiveCharacterTextSplitter(\n"
    "    chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap\n)\n"
)


def test_chunking_literals_fail_and_settings_pass(tmp_path: Path) -> None:
    from harness.audit.detectors.rag_code import chunking_configurable

    literal = chunking_configurable(
        index_of(tmp_path / "a", {"app/ingest.py": SPLITTER_LITERAL}), NoParams()
    )
    assert literal.status == "fail"
    assert literal.evidence == (
        Evidence("app/ingest.py", 3, "chunk_size in RecursiveCharacterTextSplitter"),
        Evidence("app/ingest.py", 3, "chunk_overlap in RecursiveCharacterTextSplitter"),
    )
    configured = chunking_configurable(
        index_of(tmp_path / "b", {"app/ingest.py": SPLITTER_SETTINGS}), NoParams()
    )
    assert configured.status == "pass"
    yaml_config = {
        "app/ingest.py": SPLITTER_LITERAL,
        "config.yaml": "chunk_size: 800\nchunk_overlap: 80\n",
    }
    assert chunking_configurable(index_of(tmp_path / "c", yaml_config), NoParams()).status == "pass"


def test_lowercase_readme_and_an_overview_diagram_anywhere(tmp_path: Path) -> None:
    from harness.audit.detectors.docs import SectionBodyParams, readme_architecture

    params = SectionBodyParams(headings=["architecture"])
    text = "# x\n\n![Agent graph overview](static/agent_graph.png)\n\n## Usage\n"
    outcome = readme_architecture(index_of(tmp_path / "a", {"readme.md": text}), params)
    assert outcome.status == "pass"
    assert outcome.evidence == (Evidence("readme.md", 3),)
    screenshot = "# x\n\n![screenshot](docs/ui.png)\n"
    failed = readme_architecture(index_of(tmp_path / "b", {"README.md": screenshot}), params)
    assert failed.status == "fail"


BADGE = "[![CI](https://github.com/o/r/actions/workflows/unit-tests.yml/badge.svg)](https://github.com/o/r)\n"


def test_a_ci_badge_or_a_ui_screenshot_is_not_an_architecture_diagram(tmp_path: Path) -> None:
    from harness.audit.detectors.docs import SectionBodyParams, readme_architecture

    params = SectionBodyParams(headings=["architecture"])
    studio = f"# x\n\n{BADGE}\n![Graph view in LangGraph studio UI](./static/studio_ui.png)\n"
    failed = readme_architecture(index_of(tmp_path / "a", {"README.md": studio}), params)
    assert failed.status == "fail"
    assert failed.message == "README has no section on architecture"
    diagram = f"# x\n\n{BADGE}\n![AutoGen UI Flow Diagram](docs/images/flowdiag.png)\n"
    passed = readme_architecture(index_of(tmp_path / "b", {"README.md": diagram}), params)
    assert passed.status == "pass"
    assert passed.evidence == (Evidence("README.md", 5),)


# ----- health routes under prefixes; CI that checks code; task runners -------------------------


def test_health_routes_under_prefixes(tmp_path: Path) -> None:
    from harness.audit.detectors.python_code import RouteParams, http_route_exists

    params = RouteParams(paths=["/healthz", "/health", "/liveness"])
    versioned = {"app/routes.py": '@router.get("/v1/liveness")\ndef live():\n    return 1\n'}
    outcome = http_route_exists(index_of(tmp_path / "a", versioned), params)
    assert (outcome.status, outcome.evidence) == ("pass", (Evidence("app/routes.py", 1),))
    mounted = {
        "app/health.py": 'router = APIRouter(prefix="/health")\n\n\n@router.get("/")\n'
        "def health():\n    return 1\n"
    }
    outcome = http_route_exists(index_of(tmp_path / "b", mounted), params)
    assert (outcome.status, outcome.message) == ("pass", "route /health in app/health.py")
    other = {"app/x.py": '@router.get("/healthy-food")\ndef f():\n    return 1\n'}
    assert http_route_exists(index_of(tmp_path / "c", other), params).status == "fail"


def test_housekeeping_workflow_is_not_ci(tmp_path: Path) -> None:
    from harness.audit.detectors.ci_systems import ci_present

    stale = {
        ".github/workflows/stale.yml": "on: schedule\njobs:\n  s:\n    runs-on: x\n"
        "    steps:\n      - uses: actions/stale@v9\n"
    }
    outcome = ci_present(index_of(tmp_path / "a", stale), NoParams())
    assert outcome.status == "fail"
    assert outcome.message.startswith("CI only does repository housekeeping")
    real = {
        **stale,
        ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: x\n"
        "    steps:\n      - run: pytest\n",
    }
    passed = ci_present(index_of(tmp_path / "b", real), NoParams())
    assert passed.evidence == (Evidence(".github/workflows/ci.yml"),)


def test_ci_runs_tests_through_mise_and_poe(tmp_path: Path) -> None:
    from harness.audit.detectors.ci_systems import CiRunsParams, ci_runs_command

    params = CiRunsParams(pattern="pytest")
    mise = {
        ".github/workflows/pr.yml": "on: push\njobs:\n  t:\n    steps:\n"
        "      - run: mise run test:ci\n",
        "mise.toml": '[tasks."test:ci"]\nrun = "uv run pytest tests/ --cov"\n',
    }
    outcome = ci_runs_command(index_of(tmp_path / "a", mise), params)
    assert outcome.status == "pass"
    assert outcome.evidence[0].note.startswith("GitHub Actions runs `mise run test:ci` (mise.toml")
    poe = {
        ".gitlab-ci.yml": "t:\n  script: [poe test]\n",
        "pyproject.toml": '[tool.poe.tasks]\ntest = "pytest -q"\n',
    }
    assert ci_runs_command(index_of(tmp_path / "b", poe), params).status == "pass"


def test_chunking_from_uppercase_settings_fields(tmp_path: Path) -> None:
    from harness.audit.detectors.rag_code import chunking_configurable

    files = {
        "app/core/config.py": "class Settings(BaseSettings):\n    CHUNK_SIZE: int = 1000\n"
        "    CHUNK_OVERLAP: int = 150\n",
        "app/services.py": "x = Ingestor(store, settings.CHUNK_SIZE, settings.CHUNK_OVERLAP)\n",
    }
    outcome = chunking_configurable(index_of(tmp_path, files), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence == (
        Evidence("app/core/config.py", 2, "chunk_size setting"),
        Evidence("app/core/config.py", 3, "chunk_overlap setting"),
    )
