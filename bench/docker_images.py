"""Image size and build time of each template's generated project (default answers).

    python bench/docker_images.py                       # all three templates
    python bench/docker_images.py --kind rag-qa --keep  # one; keep the image to inspect it

Needs a Docker engine. Each image is built with `docker build --network host --no-cache` (a
cold build: every dependency downloaded and installed), then again after a one-line change to
app/main.py (what a developer's rebuild costs: the dependency layers must come from cache).
rag-qa's torch comes from a local index serving the wheel `pip download torch==2.13.0` finds,
through the TORCH_INDEX_URL build argument, unless --torch-index-url names another index.
Prints a Markdown table for bench/RESULTS.md, plus the largest packages in each image's venv.
`--dockerfile FILE` builds the same project with another Dockerfile (a previous version, say).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.docker import support  # noqa: E402 - after the path is set
from tests.templates.support import generate  # noqa: E402

KINDS = ["rag-qa", "agent-workflow", "production-app"]
LARGEST = (
    "cd /opt/venv/lib/python3*/site-packages && du -sm -- * 2>/dev/null | sort -rn | head -n 6"
)


def measure(
    kind: str, work: Path, torch_index: str | None, keep: bool, dockerfile: Path | None
) -> dict[str, str]:
    project = generate(kind, work / kind)
    if dockerfile:  # another Dockerfile (e.g. an older version) on the same generated project
        (project / "Dockerfile").write_text(dockerfile.read_text(encoding="utf-8"))
    tag = f"bench-{kind}:latest"
    args = {"TORCH_INDEX_URL": torch_index} if torch_index else {}
    try:
        cold = support.build(project, tag, args, no_cache=True)
        size = support.image_size(tag)
        cold_image = support.docker("image", "inspect", "--format", "{{.Id}}", tag).strip()
        main = project / "app" / "main.py"
        main.write_text(main.read_text(encoding="utf-8") + "# rebuilt\n", encoding="utf-8")
        warm = support.build(project, tag, args)
        support.remove_image(cold_image)  # untagged by the rebuild, else left behind
        largest = support.docker("run", "--rm", "--network", "none", "--entrypoint", "sh", tag,
                                 "-c", LARGEST).split("\n")  # fmt: skip
    finally:
        if not keep:
            support.remove_image(tag)
    return {
        "kind": kind,
        "size": f"{size / 1e6:,.0f} MB",
        "cold": f"{cold // 60:.0f}m{cold % 60:02.0f}s",
        "warm": f"{warm:.0f} s",
        "largest": ", ".join(
            f"{name} {mb} MB" for mb, name in (line.split("\t") for line in largest if line)
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", action="append", choices=KINDS, help="repeatable; default all")
    parser.add_argument("--torch-index-url", help="a PEP 503 index holding the CPU torch wheel")
    parser.add_argument("--keep", action="store_true", help="keep the images (bench-<kind>)")
    parser.add_argument("--dockerfile", type=Path, help="build with this Dockerfile instead")
    args = parser.parse_args()
    problem = support.engine_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    base = support.image_size("python:3.11-slim-bookworm") / 1e6
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"Machine: {machine}; base python:3.11-slim-bookworm {base:,.0f} MB")
    rows = []
    with (
        tempfile.TemporaryDirectory(prefix="docker-bench-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        for kind in args.kind or KINDS:
            index = args.torch_index_url
            if kind == "rag-qa" and not index:
                index = stack.enter_context(support.torch_index())
            rows.append(measure(kind, Path(tmp), index, args.keep, args.dockerfile))
            print(f"{kind}: done", file=sys.stderr, flush=True)
    print("\n| image | size | cold build | rebuild after a code change |")
    print("|---|--:|--:|--:|")
    for row in rows:
        print(f"| {row['kind']} | {row['size']} | {row['cold']} | {row['warm']} |")
    print()
    for row in rows:
        print(f"- {row['kind']}, largest in the venv: {row['largest']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
