"""Each generated compose file does what its README says, read the way compose reads it.

No engine needed (no image can be pulled here, so `compose up` is never run): the service
environment is resolved as compose resolves it — `env_file: .env` (the README says to copy
.env.example), overlaid by `environment:` interpolated from that same .env — and checked
against the README's claims. The compose-spec schema still has to pass.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.docker import support
from tests.templates.support import generate

pytestmark = pytest.mark.slow  # generates six projects

KINDS = ["rag-qa", "agent-workflow", "production-app"]
# The services that run the project's own image (everything else is a stock image).
APP_SERVICES = {
    "rag-qa": {"app"},
    "agent-workflow": {"app", "worker"},
    "production-app": {"migrate", "app", "worker"},
}


def dotenv(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def services(project: Path) -> dict[str, dict[str, Any]]:
    """Every service of compose.yaml and of the files it includes."""
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    found: dict[str, dict[str, Any]] = dict(compose["services"])
    for included in compose.get("include", []):
        found.update(yaml.safe_load((project / included).read_text(encoding="utf-8"))["services"])
    return found


def effective_env(service: dict[str, Any], dotenv_values: dict[str, str]) -> dict[str, str]:
    env = dict(dotenv_values) if service.get("env_file") else {}
    for key, value in (service.get("environment") or {}).items():
        env[key] = support.interpolate(str(value), dotenv_values)
    return env


@pytest.fixture(scope="module", params=[True, False], ids=["tracing", "no-tracing"])
def projects(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    tracing = "true" if request.param else "false"
    root = tmp_path_factory.mktemp(f"compose-{tracing}")
    return {kind: generate(kind, root / kind, tracing=tracing) for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS)
def test_compose_files_pass_the_compose_spec(projects: dict, kind: str) -> None:
    project = projects[kind]
    files = sorted(p.name for p in project.glob("compose*.yaml"))
    check = Path(sys.executable).parent / "check-jsonschema"
    done = subprocess.run(
        [str(check), "--builtin-schema", "vendor.compose-spec", *files],
        cwd=project, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_production_stack_runs_in_production_whatever_env_says(projects: dict) -> None:
    project = projects["production-app"]
    dotenv_values = dotenv(project / ".env.example")
    assert dotenv_values["ENVIRONMENT"] == "development"  # what a copied .env holds
    found = services(project)
    for variant in (dotenv_values, {**dotenv_values, "ENVIRONMENT": "test"}, {}):
        for name in APP_SERVICES["production-app"]:
            assert effective_env(found[name], variant)["ENVIRONMENT"] == "production", name
    readme = " ".join((project / "README.md").read_text(encoding="utf-8").split())
    assert (
        "Compose sets `ENVIRONMENT=production` for its app containers whatever `.env` says"
        in readme
    )


@pytest.mark.parametrize("kind", ["rag-qa", "agent-workflow"])
def test_single_service_stacks_take_environment_from_env_as_the_readme_says(
    projects: dict, kind: str
) -> None:
    project = projects[kind]
    dotenv_values = dotenv(project / ".env.example")
    found = services(project)
    for name in APP_SERVICES[kind]:
        env = effective_env(found[name], {**dotenv_values, "ENVIRONMENT": "production"})
        assert env["ENVIRONMENT"] == "production", name
    readme = " ".join((project / "README.md").read_text(encoding="utf-8").split())
    assert "Compose takes `ENVIRONMENT` from `.env`" in readme


@pytest.mark.parametrize("kind", KINDS)
def test_containers_reach_langfuse_by_service_name(projects: dict, kind: str) -> None:
    project = projects[kind]
    found = services(project)
    tracing = "langfuse-web" in found
    dotenv_values = dotenv(project / ".env.example")
    assert urlsplit(dotenv_values["LANGFUSE_HOST"]).hostname == "localhost"  # for `make run`
    for name in APP_SERVICES[kind]:
        host = effective_env(found[name], dotenv_values)["LANGFUSE_HOST"]
        if tracing:
            assert host == "http://langfuse-web:3000", name
            assert found["langfuse-web"]["image"].startswith("langfuse/langfuse:")
        else:  # no local Langfuse in the stack: .env's value (e.g. Langfuse Cloud) applies
            assert host == dotenv_values["LANGFUSE_HOST"], name
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert ("http://langfuse-web:3000" in readme) is tracing


@pytest.mark.parametrize("kind", KINDS)
def test_app_services_run_hardened(projects: dict, kind: str) -> None:
    found = services(projects[kind])
    for name in APP_SERVICES[kind]:
        service = found[name]
        assert service["read_only"] is True, name
        assert service["tmpfs"] == ["/tmp"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        context = service["build"]["context"] if kind == "rag-qa" else service["build"]
        assert context == "." and "user" not in service, name  # the image's own user


def test_rag_qa_build_takes_the_torch_index_from_env(projects: dict) -> None:
    args = services(projects["rag-qa"])["app"]["build"]["args"]
    default = support.interpolate(args["TORCH_INDEX_URL"], {})
    assert default == "https://download.pytorch.org/whl/cpu"
    mirror = {"TORCH_INDEX_URL": "https://mirror.example/whl/cpu"}
    assert support.interpolate(args["TORCH_INDEX_URL"], mirror) == mirror["TORCH_INDEX_URL"]
    dockerfile = (projects["rag-qa"] / "Dockerfile").read_text(encoding="utf-8")
    assert f"ARG TORCH_INDEX_URL={default}\n" in dockerfile
    assert '--index-url "$TORCH_INDEX_URL"' in dockerfile
