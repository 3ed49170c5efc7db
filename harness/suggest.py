""" "Did you mean" for every place a user names something: a check, a format, a question, a
metric. One helper so every message reads the same."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str], *, limit: int = 12) -> str:
    """ "did you mean 'x'?" when one choice is close, else "use one of: a, b, c" (at most
    `limit` names, then "..."); an empty string when there are no choices."""
    names = sorted(set(choices))
    if not names:
        return ""
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    if not close:
        lowered = {name.lower(): name for name in names}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    if close:
        return f"did you mean {close[0]!r}?"
    shown = ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")
    return f"use one of: {shown}"
