"""Model routing: the cheap model by default, the strong model when a request is complex.

The rule (documented in README "Decisions"): a request goes to the strong model when
  1. its input is longer than ROUTER_LONG_INPUT_CHARS characters, or
  2. it is a `rewrite` (quality of wording matters more than for a summary), or
  3. it asks for reasoning: words like "why", "compare", "analyse", "explain", "step by step",
     "trade-off" or "pros and cons".
Everything else — short chat, summaries, bullet lists — goes to the cheap model. The route is
recorded on the trace, the ledger row and the `app_llm_requests_total{route=...}` series.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Route = Literal["cheap", "strong"]

_REASONING = re.compile(
    r"\b(why|compare|comparison|analy[sz]e|analysis|explain|step[- ]by[- ]step|trade-?offs?|"
    r"pros and cons|evaluate|critique)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Decision:
    route: Route
    model: str
    reason: str


def choose_route(task: str, text: str, long_input_chars: int) -> tuple[Route, str]:
    if len(text) > long_input_chars:
        return "strong", f"input longer than {long_input_chars} characters"
    if task == "rewrite":
        return "strong", "rewrite task"
    if match := _REASONING.search(text):
        return "strong", f"asks for reasoning ({match.group(0).lower()!r})"
    return "cheap", "simple request"


def route(
    task: str, text: str, *, cheap_model: str, strong_model: str, long_input_chars: int
) -> Decision:
    chosen, reason = choose_route(task, text, long_input_chars)
    return Decision(chosen, strong_model if chosen == "strong" else cheap_model, reason)
