"""What the audit leaves out of stack detection, code and parse checks, with the reason the
report shows: vendored third-party copies and template sources. Decided from a directory's own
entries (no reading), so the walk can prune it at once."""

from __future__ import annotations

import re

VENDOR_DIRS = frozenset(
    {
        "vendor",
        "vendored",
        "_vendor",
        "third_party",
        "third-party",
        "thirdparty",
        "3rdparty",
        "site-packages",
        "dist-packages",
    }
)
TEMPLATE_SUFFIXES = (".jinja", ".jinja2", ".j2", ".tmpl")
_PROJECT_MARKERS = ("CONTRIBUTING", "CODE_OF_CONDUCT", "SECURITY.md", ".github")
DOCS_SITES = ("docusaurus.config.js", "docusaurus.config.ts", "mkdocs.yml", "mkdocs.yaml")
COPIED_PROJECT = "vendored third-party code (a copied project with its own licence)"
INSTALLED = "vendored third-party code (installed packages)"
# A root holding this many `*.dist-info` records is itself a site-packages (a project root may
# hold one stray record of its own build; an environment holds dozens).
INSTALLED_ROOT_RECORDS = 3
_SUBDIRECTORY = re.compile(r"^_subdirectory:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)


def directory_reason(rel: str, names: list[str]) -> str | None:
    """Why the folder `rel` (not the root) is not the project's own code, or None."""
    base = rel.rsplit("/", 1)[-1]
    if "{{" in base or "{%" in base:
        return "template source (Jinja/cookiecutter folder)"
    if base in VENDOR_DIRS:
        return f"vendored third-party code ({base}/)"
    present = set(names)
    if "copier.yml" in present or "copier.yaml" in present:
        return "template source (Copier template)"
    if "cookiecutter.json" in present:
        return "template source (cookiecutter template)"
    if ".git" in present:
        return "vendored third-party code (a nested git checkout or submodule)"
    if "pyvenv.cfg" in present:
        return "a virtual environment"
    if any(name.endswith(".dist-info") for name in names):
        return INSTALLED
    licensed = any(name.upper().startswith(("LICENSE", "LICENCE", "COPYING")) for name in names)
    if licensed and any(name.startswith(_PROJECT_MARKERS) for name in names):
        return COPIED_PROJECT
    if present & set(DOCS_SITES) and licensed:
        return "vendored third-party code (a copied documentation site)"
    return None


def file_reason(rel: str) -> str | None:
    if rel.endswith(TEMPLATE_SUFFIXES):
        return "template source (Jinja)"
    return None


def copier_subdirectory(copier_yml: str) -> str | None:
    """The folder a root copier.yml renders from (its `_subdirectory`), if any."""
    found = _SUBDIRECTORY.search(copier_yml)
    return found.group(1).strip("/") if found else None


def looks_templated(text: str) -> bool:
    """Jinja or cookiecutter markup: a file that is a template, not code or config."""
    return ("{{" in text and "}}" in text) or ("{%" in text and "%}" in text)


def installed_records(names: list[str]) -> list[str]:
    """The `*.dist-info` folders among a root's entries when the root is itself a folder of
    installed packages (a copied site-packages), else none: the root is a project."""
    records = [name for name in names if name.endswith(".dist-info")]
    return records if len(records) >= INSTALLED_ROOT_RECORDS else []


def installed_names(record: str, top_level: str) -> set[str]:
    """Top-level entries a distribution installed, from its RECORD (`path,hash,size` lines)
    and its top_level.txt (package names): third-party code in a site-packages root. Paths
    outside the folder (`../../bin/tool`, console scripts) are not entries of it."""
    names: set[str] = set()
    for line in record.splitlines():
        path = line.rsplit(",", 2)[0].strip().strip('"')
        first = path.split("/", 1)[0]
        if first and first not in (".", ".."):
            names.add(first)
    for line in top_level.splitlines():
        name = line.strip()
        if name and "/" not in name and name not in (".", ".."):
            names.update((name, f"{name}.py"))
    return names
