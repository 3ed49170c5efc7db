"""Building a generated project's image and running it the way its compose file does.

Shared by tests/docker and bench/docker_images.py. Every container and build uses
`--network host`: the engine may have no bridge network, and the services the app needs
(PostgreSQL, Redis, a torch index) are on the host's loopback.
"""

from __future__ import annotations

import functools
import json
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

TORCH = "torch==2.13.0"  # the pin in rag-qa's requirements.txt


class DockerError(RuntimeError):
    """A docker command failed; the message carries its output."""


def docker(*args: str, timeout: float = 120) -> str:
    try:
        done = subprocess.run(
            ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise DockerError(f"docker {' '.join(args[:3])}... timed out after {timeout:.0f}s") from exc
    if done.returncode != 0:
        raise DockerError(
            f"docker {' '.join(args)} -> {done.returncode}\n{done.stdout[-4000:]}\n"
            f"{done.stderr[-4000:]}"
        )
    return done.stdout


@functools.cache
def engine_problem() -> str | None:
    """Why no image can be built here, or None when a Docker engine answers."""
    if shutil.which("docker") is None:
        return "no docker client on PATH (start an engine first)"
    try:
        done = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "`docker info` did not answer in 30 s"
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"no Docker engine: `docker info` failed ({reason})"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_index(root: Path) -> Iterator[str]:
    """Serve `root` on 127.0.0.1: a directory listing of <root>/<project>/ holding wheels is a
    valid PEP 503 simple-index page, so the URL works as pip's `--index-url`."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def torch_index(requirement: str = TORCH) -> Iterator[str]:
    """An index holding the torch wheel `pip download` finds for this machine: what
    `--build-arg TORCH_INDEX_URL=` points at when PyTorch's own index is out of reach."""
    with tempfile.TemporaryDirectory(prefix="torch-index-") as root:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary",
             ":all:", "-d", str(Path(root) / "torch"), requirement],
            check=True, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        with serve_index(Path(root)) as url:
            yield url


def build(
    context: Path, tag: str, build_args: Mapping[str, str] | None = None,
    *, no_cache: bool = False, timeout: float = 1800,
) -> float:  # fmt: skip
    """`docker build --network host`; returns the wall time in seconds."""
    args = ["build", "--network", "host", "--tag", tag]
    for key, value in (build_args or {}).items():
        args += ["--build-arg", f"{key}={value}"]
    if no_cache:
        args.append("--no-cache")
    start = time.perf_counter()
    docker(*args, str(context), timeout=timeout)
    return time.perf_counter() - start


def image_size(tag: str) -> int:
    return int(docker("image", "inspect", "--format", "{{.Size}}", tag).strip())


def remove_image(tag: str) -> None:
    subprocess.run(["docker", "image", "rm", "--force", tag], capture_output=True, timeout=120)


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^${}]*))?\}")


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME-default}` and `${NAME:-default}`, innermost first."""

    def one(match: re.Match[str]) -> str:
        name, colon, default = match.group(1), match.group(2), match.group(3)
        if default is None:
            return env.get(name, "")
        if colon:
            return env.get(name) or default
        return env.get(name, default)

    while True:
        replaced = _VARIABLE.sub(one, value)
        if replaced == value:
            return replaced
        value = replaced


def compose_service(project: Path, name: str) -> dict[str, Any]:
    """One service of the project's compose.yaml, with `<<` merge keys applied by YAML."""
    services: dict[str, dict[str, Any]] = yaml.safe_load(
        (project / "compose.yaml").read_text(encoding="utf-8")
    )["services"]
    return services[name]


def run_args(
    service: Mapping[str, Any], env: Mapping[str, str], overrides: Mapping[str, str],
    *, health_interval: str = "2s",
) -> list[str]:  # fmt: skip
    """`docker run` flags for a compose service: its read-only root, tmpfs, security options,
    environment (interpolated from `env`, then `overrides` for what names other compose services)
    and healthcheck. The healthcheck interval is shortened so a test need not sit through it;
    the check itself is the image's or the service's."""
    flags = ["--network", "host"]
    if service.get("read_only"):
        flags.append("--read-only")
    for mount in service.get("tmpfs", []):
        flags += ["--tmpfs", mount]
    for option in service.get("security_opt", []):
        flags += ["--security-opt", option]
    environment = {
        key: interpolate(str(value), env)
        for key, value in (service.get("environment") or {}).items()
    }
    for key, value in {**environment, **overrides}.items():
        flags += ["--env", f"{key}={value}"]
    check = service.get("healthcheck")
    if check and check.get("test"):
        test = check["test"]
        # `docker run --health-cmd` takes a shell command line (compose's CMD-SHELL form).
        shell = shlex.join(test[1:]) if test[0] == "CMD" else test[1]
        flags += ["--health-cmd", shell]
        flags += ["--health-timeout", str(check.get("timeout", "30s"))]
        flags += ["--health-retries", str(check.get("retries", 3))]
        flags += ["--health-start-period", str(check.get("start_period", "0s"))]
    flags += ["--health-interval", health_interval]
    return flags


def command_of(service: Mapping[str, Any]) -> list[str]:
    command = service.get("command")
    return [str(part) for part in command] if isinstance(command, list) else []


@contextmanager
def container(image: str, flags: list[str], command: list[str] | None = None) -> Iterator[str]:
    """A detached container; removed (with its logs printed on failure by the caller) at exit."""
    name = f"harness-test-{time.monotonic_ns()}"
    docker("run", "--detach", "--name", name, *flags, image, *(command or []), timeout=120)
    try:
        yield name
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True, timeout=120)


def logs(name: str) -> str:
    done = subprocess.run(["docker", "logs", "--tail", "400", name], capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    return done.stdout + done.stderr


def wait_healthy(name: str, timeout: float) -> None:
    """Poll `docker inspect` until the HEALTHCHECK says healthy; fail on unhealthy, exit or
    timeout, with the container's last log lines."""
    deadline = time.monotonic() + timeout
    status = "?"
    while time.monotonic() < deadline:
        state = json.loads(docker("inspect", "--format", "{{json .State}}", name))
        if not state.get("Running"):
            raise DockerError(f"{name} exited ({state.get('ExitCode')}):\n{logs(name)}")
        status = (state.get("Health") or {}).get("Status", "none")
        if status == "healthy":
            return
        if status == "unhealthy":
            probes = [entry.get("Output", "") for entry in state["Health"].get("Log", [])]
            raise DockerError(f"{name} is unhealthy: {probes[-1:]}\n{logs(name)}")
        time.sleep(1)
    raise DockerError(f"{name} not healthy after {timeout:.0f}s (last: {status}):\n{logs(name)}")


def run_once(image: str, flags: list[str], command: list[str], timeout: float = 300) -> str:
    """A one-shot container (a migration, a CLI command); its output, or DockerError."""
    return docker("run", "--rm", *flags, image, *command, timeout=timeout)
