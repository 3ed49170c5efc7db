"""Stand-in for `harness audit` in the action's shell tests.

Records its arguments, writes each `--format KIND:FILE` report from the fixtures, and exits with
FAKE_HARNESS_EXIT, writing nothing for a usage error as the real command does.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).parent
CONTENT = {
    "markdown": "## harness audit\n\nScore **87.5** (B)\n",
    "sarif": json.dumps({"version": "2.1.0", "runs": []}),
    "junit": "<testsuites/>\n",
}


def main(args: list[str]) -> int:
    Path(os.environ["FAKE_HARNESS_LOG"]).write_text(json.dumps(args), encoding="utf-8")
    code = int(os.environ.get("FAKE_HARNESS_EXIT", "0"))
    if code > 1:
        return code
    for flag, value in itertools.pairwise(args):
        kind, _, target = value.partition(":")
        if flag != "--format" or not target:
            continue
        if kind == "json":
            shutil.copy(HERE / "audit.json", target)
        else:
            Path(target).write_text(CONTENT[kind], encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
