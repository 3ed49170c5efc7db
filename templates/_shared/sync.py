"""Copy the files the templates share from their one source into each template.

Copier 9.19.1 refuses symlinks and Jinja includes that resolve outside the template root
(`ForbiddenPathError`), so `copier copy templates/<kind> dst` cannot reach templates/_shared/
by reference. The shared files therefore live here, once, and this script writes them into
each template; `--check` (run by tests/templates) fails when a copy has drifted.

    python templates/_shared/sync.py          # write the copies
    python templates/_shared/sync.py --check  # exit 1 and list drifted copies
    python templates/_shared/sync.py --template rag-qa  # one template only

A template that must differ declares it in `templates/<kind>/overrides.yml`, one entry per
shared destination it replaces, with the reason (`Dockerfile.jinja: needs ffmpeg in the image`).
Declared overrides are left alone and listed; an override naming no shared file, giving no
reason, or identical to the shared file (no longer needed) is an error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

SHARED = Path(__file__).resolve().parent
TEMPLATES = SHARED.parent
REPO = TEMPLATES.parent

# source (relative to the repo) -> destination (relative to templates/<kind>/template)
FILES: dict[str, str] = {
    "templates/_shared/Dockerfile.jinja": "Dockerfile.jinja",
    "templates/_shared/python-version.jinja": ".python-version.jinja",
    "templates/_shared/.dockerignore": ".dockerignore",
    "templates/_shared/gitignore": ".gitignore",
    "templates/_shared/.pre-commit-config.yaml": ".pre-commit-config.yaml",
    "templates/_shared/Makefile": "Makefile",
    "templates/_shared/LICENSE.jinja": "LICENSE.jinja",
    # Named by the `ci` answer: no workflow when the user runs CI elsewhere.
    "templates/_shared/ci.yml.jinja": ".github/workflows/{% if ci %}ci.yml{% endif %}.jinja",
    "templates/_shared/dependabot.yml": ".github/dependabot.yml",
    "templates/_shared/app/core/settings_base.py.jinja": "app/core/settings_base.py.jinja",
    "templates/_shared/app/core/logging.py": "app/core/logging.py",
    "templates/_shared/app/core/tracing.py": "app/core/tracing.py",
    "templates/_shared/app/core/costs.py": "app/core/costs.py",
    "templates/_shared/app/core/body_guard.py": "app/core/body_guard.py",
    "templates/_shared/app/core/sqlite_wal.py": "app/core/sqlite_wal.py",
    # Copier writes the answers here; `harness update` (copier update) reads them back.
    "templates/_shared/answers-file.jinja": "{{_copier_conf.answers_file}}.jinja",
    # The price table's single source is the harness's own.
    "harness/data/prices.json": "app/core/prices.json",
    "templates/_shared/tests/test_settings_base.py": "tests/test_settings_base.py",
    "templates/_shared/tests/test_costs.py": "tests/test_costs.py",
    "templates/_shared/tests/test_sqlite_wal.py": "tests/test_sqlite_wal.py",
    "templates/_shared/tests/route_security.py": "tests/route_security.py",
    "templates/_shared/tests/hostile.py": "tests/hostile.py",
    "templates/_shared/tests/api_properties.py": "tests/api_properties.py",
    # The questions every template asks, included by each template's copier.yml.
    "templates/_shared/questions.yml": "../questions.yml",
    # Jinja partials live beside template/ (inside the template root, so `{% include %}` may
    # reach them, but outside _subdirectory, so they are not copied into projects).
    "templates/_shared/partials/badges.md": "../_partials/badges.md",
    "templates/_shared/partials/docker.md": "../_partials/docker.md",
    "templates/_shared/partials/pricing.md": "../_partials/pricing.md",
    "templates/_shared/partials/evidence.md": "../_partials/evidence.md",
    "templates/_shared/partials/todo.md": "../_partials/todo.md",
    "templates/_shared/partials/results.md": "../_partials/results.md",
    # Serving the app and shooting it for scripts/screenshot.py, which says what to click.
    "templates/_shared/scripts/app_screenshot.py": "scripts/app_screenshot.py",
}

# Destinations only some templates take; every other shared file goes to all of them.
ONLY: dict[str, tuple[str, ...]] = {
    # agent-workflow retakes its screenshot from its browser test instead.
    "scripts/app_screenshot.py": ("rag-qa", "production-app"),
}


def templates() -> list[Path]:
    """Every template that has a copier.yml and a template/ folder."""
    found = (p.parent for p in TEMPLATES.glob("*/copier.yml"))
    return sorted(t for t in found if (t / "template").is_dir())


def template_of(target: Path) -> Path:
    return TEMPLATES / target.relative_to(TEMPLATES).parts[0]


def overrides(template: Path) -> dict[str, str]:
    """The shared destinations this template replaces, with the reason it gives."""
    path = template / "overrides.yml"
    declared = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    return {str(k): str(v or "").strip() for k, v in (declared or {}).items()}


def override_problems(template: Path) -> list[str]:
    problems = []
    sources = {dst: src for src, dst in FILES.items()}
    for dst, reason in overrides(template).items():
        where = f"{template.name}/overrides.yml: {dst}"
        if dst not in sources:
            problems.append(f"{where} is not a shared file")
        elif not reason:
            problems.append(f"{where} gives no reason")
        elif not (template / "template" / dst).is_file():
            problems.append(f"{where} is declared but the template has no such file")
        elif (template / "template" / dst).read_bytes() == (REPO / sources[dst]).read_bytes():
            problems.append(f"{where} is identical to the shared file: remove the override")
    return problems


def drifted(chosen: list[Path]) -> list[Path]:
    stale = []
    for template in chosen:
        replaced = overrides(template)
        for src, dst in FILES.items():
            target = (template / "template" / dst).resolve()
            if template.name not in ONLY.get(dst, (template.name,)):
                continue
            if dst in replaced and target.is_file():
                continue
            if not target.is_file() or target.read_bytes() != (REPO / src).read_bytes():
                stale.append(target)
    return stale


def main() -> int:
    parser = argparse.ArgumentParser(description="Sync shared template files.")
    parser.add_argument("--check", action="store_true", help="only report drift")
    parser.add_argument("--template", action="append", help="only this template (repeatable)")
    args = parser.parse_args()
    chosen = [t for t in templates() if not args.template or t.name in args.template]
    problems = [problem for template in chosen for problem in override_problems(template)]
    for problem in problems:
        print(f"bad override: {problem}", file=sys.stderr)
    for template in chosen:
        for dst, reason in overrides(template).items():
            print(f"override: {template.name}/template/{dst} ({reason})")
    stale = drifted(chosen)
    if args.check:
        for path in stale:
            print(f"out of sync: {path.relative_to(REPO)}", file=sys.stderr)
        return 1 if stale or problems else 0
    for target in stale:
        src = next(
            s
            for s, d in FILES.items()
            if target == (template_of(target) / "template" / d).resolve()
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((REPO / src).read_bytes())
        print(f"updated {target.relative_to(REPO)}")
    print(f"{len(chosen)} template(s) in sync with templates/_shared")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
