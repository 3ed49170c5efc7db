"""The helpers the image tests stand on, checked without an engine: the skip reason, compose
interpolation, compose → `docker run` flags and the local torch index."""

from __future__ import annotations

import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.docker import support


def fake_docker(directory: Path, script: str) -> None:
    docker = directory / "docker"
    docker.write_text(f"#!/bin/sh\n{script}\n")
    docker.chmod(docker.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def path_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PATH", str(tmp_path))
    support.engine_problem.cache_clear()
    yield tmp_path
    support.engine_problem.cache_clear()


def test_no_client_is_a_skip_reason(path_only: Path) -> None:
    assert support.engine_problem() == "no docker client on PATH (start an engine first)"


def test_an_engine_that_does_not_answer_is_a_skip_reason(path_only: Path) -> None:
    fake_docker(
        path_only,
        "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2; exit 1",
    )
    assert support.engine_problem() == (
        "no Docker engine: `docker info` failed "
        "(Cannot connect to the Docker daemon at unix:///var/run/docker.sock.)"
    )


def test_an_answering_engine_is_no_problem(path_only: Path) -> None:
    fake_docker(path_only, "exit 0")
    assert support.engine_problem() is None


@pytest.mark.parametrize(
    ("value", "env", "expected"),
    [
        ("${ENVIRONMENT:-production}", {"ENVIRONMENT": "development"}, "development"),
        ("${ENVIRONMENT:-production}", {"ENVIRONMENT": ""}, "production"),
        ("${ENVIRONMENT-production}", {"ENVIRONMENT": ""}, ""),
        ("${ENVIRONMENT-production}", {}, "production"),
        ("${UNSET}", {}, ""),
        ("production", {"ENVIRONMENT": "development"}, "production"),
        (
            "${DATABASE_URL:-postgresql://rag:${POSTGRES_PASSWORD:-changethis}@postgres:5432/rag}",
            {"POSTGRES_PASSWORD": "s3cret"},
            "postgresql://rag:s3cret@postgres:5432/rag",
        ),
    ],
)
def test_interpolation_follows_compose(value: str, env: dict[str, str], expected: str) -> None:
    assert support.interpolate(value, env) == expected


def test_run_args_carry_what_compose_sets() -> None:
    service = {
        "read_only": True,
        "tmpfs": ["/tmp"],
        "security_opt": ["no-new-privileges:true"],
        "environment": {"ENVIRONMENT": "production", "DB": "${DB:-sqlite}"},
        "healthcheck": {
            "test": ["CMD", "echo", "it's a b"],
            "timeout": "5s",
            "retries": 3,
            "start_period": "30s",
        },
    }
    flags = support.run_args(service, env={"DB": "pg"}, overrides={"PORT": "1234"})
    assert flags == [
        "--network", "host", "--read-only", "--tmpfs", "/tmp",
        "--security-opt", "no-new-privileges:true",
        "--env", "ENVIRONMENT=production", "--env", "DB=pg", "--env", "PORT=1234",
        "--health-cmd", "echo 'it'\"'\"'s a b'",
        "--health-timeout", "5s", "--health-retries", "3", "--health-start-period", "30s",
        "--health-interval", "2s",
    ]  # fmt: skip
    # The exec-form check survives the shell docker runs it with.
    shell = flags[flags.index("--health-cmd") + 1]
    ran = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, timeout=10)
    assert ran.stdout == "it's a b\n"


def test_the_index_page_lists_the_wheel_for_pip(tmp_path: Path) -> None:
    wheel = "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / wheel).write_bytes(b"PK")
    with support.serve_index(tmp_path) as index:
        page = httpx.get(f"{index}torch/", timeout=10)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        link = httpx.get(f"{index}torch/torch-2.13.0%2Bcpu-cp311-cp311-manylinux_2_28_x86_64.whl")
    assert 'href="torch-2.13.0%2Bcpu-cp311-cp311-manylinux_2_28_x86_64.whl"' in page.text
    assert link.content == b"PK"
