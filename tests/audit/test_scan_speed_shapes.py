"""The shapes that keep scans linear: credential offsets, literal prefilters, bounded caches.
(Speed itself is measured in bench/audit_speed.py, never asserted here.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.audit.detectors._common import find_all, required_literals
from harness.audit.detectors.security import MAX_HITS_PER_FILE, secret_offsets
from harness.audit.index import ParsedCache, RepoIndex
from tests.audit.project import write_project

KEY = "sk-" + "proj-" + "A1b2C3d4" * 5
PEM = "-----BEGIN RSA " + "PRIVATE KEY-----"  # split: this file must not look like a leak


def test_secret_offsets_exact() -> None:
    text = f'x = "{KEY}"\ntask-{"a" * 40}\n{PEM}\nAKIA{"B" * 16}\n'
    offsets = secret_offsets(text)
    assert [text[o : o + 4] for o in offsets] == ["sk-p", "----", "AKIA"]


def test_secret_scan_stops_on_a_hostile_file() -> None:
    assert len(secret_offsets("sk-" * 400_000)) == MAX_HITS_PER_FILE


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"prompt_tokens|usage\.", ("prompt_tokens", "usage.")),
        (r"\bcitations?\b", ("citation",)),
        (r"json\.dumps\([^)]*(record|log)|JsonFormatter", ("json.dumps(", "jsonformatter")),
        (r"max_(upload|file)", ("max_",)),
        (r"(?i)anything", None),  # a branch without a literal: no prefilter
        (r"a|bcd", None),  # too short to be worth it
    ],
)
def test_required_literals(pattern: str, literals: tuple[str, ...] | None) -> None:
    assert required_literals(pattern, True) == literals


def test_prefilter_never_hides_a_match(tmp_path: Path) -> None:
    files = {"a.py": "x = RESPONSE.Usage.total\n", "b.py": "nothing here\n"}
    index = RepoIndex(write_project(tmp_path, files))
    hits = list(find_all(index, ["*.py"], re.compile(r"usage\.", re.IGNORECASE)))
    assert [(h.path, h.line) for h in hits] == [("a.py", 1)]


def test_parsed_cache_is_bounded() -> None:
    cache = ParsedCache(budget=100)
    for n in range(10):
        cache.put((f"f{n}.py", "python"), n, 30)
    assert (("f9.py", "python") in cache) and (("f0.py", "python") not in cache)
    assert cache.get(("f9.py", "python")) == 9


def test_long_text_round_trips_through_the_compressed_cache(tmp_path: Path) -> None:
    body = "é = 'ü'\n" * 2000
    index = RepoIndex(write_project(tmp_path, {"a.py": body}))
    assert index.text("a.py") == body
    assert index.text("a.py") == body  # second read from the cache
